"""``sensorbridge record --out FILE``: stream the clips (real, or virtual with ``--virtual``) into a
recording (``.sbrec``): every notification exactly as received with its host time, each link's
metadata, and link events. ``sensorbridge analyze`` and the tests read it back."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from sensorbridge import __version__
from sensorbridge.commands.pacing import each_second
from sensorbridge.config import Config
from sensorbridge.conventions import Role
from sensorbridge.errors import SensorbridgeError

HELP = "record the clips' raw packets, metadata and link events to a .sbrec file"


class RecordError(SensorbridgeError):
    """The recorder cannot run as asked."""


def configure(parser: argparse.ArgumentParser) -> None:
    from sensorbridge.commands.monitor import add_source_arguments

    parser.add_argument("--out", type=Path, required=True, help="the recording to create (.sbrec)")
    add_source_arguments(parser)
    parser.add_argument(
        "--calibrate",
        type=float,
        default=None,
        metavar="S",
        help="for the stored session: calibrate the neutral pose on the first S seconds (as analyze does)",
    )


async def record(
    source: Any,
    sleep: Callable[[float], Awaitable[Any]],
    clock: Callable[[], float],
    writer: Any,
    *,
    duration: float | None,
    progress: Callable[[str], None] | None = None,
    engine: Any = None,
) -> dict[Role, int]:
    """Consume ``source`` for ``duration`` seconds of its time (until it ends when None), writing
    link and log events to ``writer``; packets reach it through the source's packet tap. Every event
    also goes to ``engine`` (a :class:`~sensorbridge.live.LiveEngine` over the same source, e.g. one
    storing the session), which is finished at the end. Returns the samples received per node."""
    from sensorbridge.samples import ImuBatch
    from sensorbridge.source import LinkEvent, LogRecordsEvent

    samples: dict[Role, int] = {}

    async def consume() -> None:
        async for event in source.events():
            if isinstance(event, ImuBatch):
                samples[event.role] = samples.get(event.role, 0) + len(event)
            elif isinstance(event, LinkEvent):
                writer.write_event(
                    "link", clock(), role=event.role, state=str(event.state), message=event.message
                )
            elif isinstance(event, LogRecordsEvent):
                records = [
                    [r.hour_start, r.upright_min, r.slouched_min, r.alerts, int(r.flags)]
                    for r in event.records
                ]
                writer.write_event("log_records", clock(), role=event.role, records=records)
            if engine is not None:
                engine.handle(event)

    async with source:
        task = asyncio.ensure_future(consume())
        try:
            async for elapsed in each_second(task, duration, sleep):
                if progress is not None:
                    counts = ", ".join(f"{r.name.lower()} {n}" for r, n in sorted(samples.items()))
                    progress(f"{elapsed:6.1f}s  samples: {counts or 'none yet'}")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            if engine is not None:
                engine.finish()
    return samples


def _storing_engine(source: Any, store: Any, out: Path, args: argparse.Namespace, config: Config) -> Any:
    """A live engine that only stores: the pipeline runs so the session lands in the database, the
    recording names its raw packets, and nothing buzzes (recording is passive)."""
    from sensorbridge.commands.monitor import calibrate_at_start, session_source
    from sensorbridge.live import LiveEngine
    from sensorbridge.live_store import StoreSink
    from sensorbridge.pipeline.live import LivePipeline
    from sensorbridge.pipeline.settings import PipelineSettings

    pipeline = LivePipeline(PipelineSettings.from_config(config), expect_head=not args.no_head)
    sink = StoreSink.for_pipeline(
        store, pipeline.settings, recording_path=out.resolve(), source=session_source(args)
    )
    engine = LiveEngine(source, pipeline, vibrate=False, sink=sink)
    if args.calibrate is not None:
        calibrate_at_start(engine, pipeline, args.calibrate)
    return engine


def run(args: argparse.Namespace, config: Config) -> int:
    from sensorbridge.commands.monitor import build_source, open_store, report_stored, run_loop
    from sensorbridge.recording import RecordingWriter

    out: Path = args.out
    virtual = getattr(args, "virtual", None)
    meta = {
        "software": f"sensorbridge {__version__}",
        "source": "virtual" if virtual is not None else "ble",
        "scenario": virtual,
        "seed": args.seed if virtual is not None else None,
        "speed": args.speed,
        "head": not args.no_head,
        "start_unix": time.time(),
    }
    store = open_store(args, config)  # first: a database that cannot open leaves no stray recording
    try:
        with RecordingWriter(out, meta) as writer:

            def on_packet(role: Role, host_time: float, data: bytes) -> None:
                writer.write_packet(role, host_time, data)

            def on_link(role: Role, address: str, info: Any) -> None:
                status = info.status
                writer.write_meta(
                    {
                        "address": address,
                        "name": "SB-Back" if role == Role.BACK else "SB-Head",
                        "firmware": info.firmware_revision,
                        "role": role.name.lower(),
                        "rate_hz": status.rate_hz,
                        "accel_range": int(status.accel_range),
                        "gyro_range": int(status.gyro_range),
                        "att_mtu": info.mtu,
                        "battery": info.battery,
                    },
                    role=role,
                )

            source, sleep, clock = build_source(args, config, packet_tap=on_packet, link_tap=on_link)
            engine = None if store is None else _storing_engine(source, store, out, args, config)
            samples = run_loop(
                args,
                record(
                    source,
                    sleep,
                    clock,
                    writer,
                    duration=args.duration,
                    progress=lambda line: print(line, file=sys.stderr, flush=True),
                    engine=engine,
                ),
            )
            if engine is not None:
                report_stored(engine.sink)
            records = writer.records
    finally:
        if store is not None:
            store.close()
    if not any(samples.values()):
        raise RecordError(
            f"no samples arrived; {out} holds only metadata",
            hint="check that the clips are charged and near; `sensorbridge scan` lists what is heard",
        )
    counts = ", ".join(f"{r.name.lower()} {n} samples" for r, n in sorted(samples.items()))
    print(f"wrote {out}: {records} records ({out.stat().st_size} bytes); {counts}")
    return 0
