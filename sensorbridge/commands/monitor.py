"""``sensorbridge monitor``: the main job without the dashboard. Connects the clips (real, or virtual
with ``--virtual``), runs the live pipeline, and prints the angles, state and both links once a
second of stream time, as text or JSON lines, for scripts and CI."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TextIO, TypeVar

from sensorbridge.commands.pacing import each_second
from sensorbridge.config import Config
from sensorbridge.conventions import Role
from sensorbridge.errors import SensorbridgeError

T = TypeVar("T")

HELP = "connect the clips and print live angles, states and link status once a second"


class MonitorError(SensorbridgeError):
    """The monitor cannot run as asked."""


def add_source_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags shared by ``monitor`` and ``record``: where the samples come from."""
    parser.add_argument(
        "--virtual",
        nargs="?",
        const="desk_day",
        default=argparse.SUPPRESS,  # keep the global `sensorbridge --virtual` when given there
        metavar="SCENARIO",
        help="stream virtual clips wearing a simulated person (default scenario: desk_day)",
    )
    parser.add_argument(
        "--device",
        action="append",
        default=[],
        metavar="ADDR",
        help="the back clip's address, then the head clip's (default: the first clip of each role)",
    )
    parser.add_argument("--no-head", action="store_true", help="only the back clip")
    parser.add_argument("--duration", type=float, default=None, metavar="S", help="stop after S seconds")
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        metavar="X",
        help="with --virtual: run X times real time; 'inf' runs as fast as the CPU allows (virtual time)",
    )
    parser.add_argument("--seed", type=int, default=0, help="with --virtual: the simulation's seed")
    parser.add_argument(
        "--no-store",
        action="store_true",
        help="do not write this session into the database (--db); by default it is stored as it runs",
    )


def configure(parser: argparse.ArgumentParser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print one JSON object per line")
    parser.add_argument(
        "--calibrate",
        type=float,
        default=None,
        metavar="S",
        help="calibrate the neutral pose on the first S seconds (sit upright and still)",
    )


def build_source(
    args: argparse.Namespace,
    config: Config,
    *,
    packet_tap: Callable[[Role, float, bytes], None] | None = None,
    link_tap: Callable[[Role, str, Any], None] | None = None,
) -> tuple[Any, Callable[[float], Awaitable[Any]], Callable[[], float]]:
    """The sample source the flags ask for, how to wait a second of its time, and its clock."""
    roles = [Role.BACK] if args.no_head else [Role.BACK, Role.HEAD]
    virtual = getattr(args, "virtual", None)
    if args.speed <= 0:
        raise MonitorError(f"--speed must be positive, got {args.speed}")
    if len(args.device) > 2:
        raise MonitorError("at most two --device addresses (back, then head)")
    if virtual is not None:
        if args.device:
            raise MonitorError("--device and --virtual exclude each other", hint="drop one of them")
        from sensorbridge.virtual.clip import ClipSpec
        from sensorbridge.virtual.rig import VirtualSource

        specs = [ClipSpec(role, seed=args.seed + i) for i, role in enumerate(roles)]
        source = VirtualSource(
            specs,
            scenario=virtual,
            seed=args.seed,
            speed=1.0 if math.isinf(args.speed) else args.speed,  # inf: the loop's time is virtual
            packet_tap=packet_tap,
            link_tap=link_tap,
        )

        async def world_sleep(seconds: float) -> None:
            await source.started.wait()
            await source.air.clock.sleep(seconds)

        def world_now() -> float:
            return source.air.clock.now() if source.started.is_set() else time.time()

        return source, world_sleep, world_now
    if args.speed != 1.0:
        raise MonitorError("--speed only applies to --virtual clips", hint="real clips run in real time")
    from sensorbridge.ble.bonds import BondRegistry
    from sensorbridge.ble.client import BleSource, ClipTarget

    addresses = [*args.device, None, None]
    targets = [ClipTarget(role, addresses[i]) for i, role in enumerate(roles)]
    from sensorbridge.commands.scan import bonds_path

    bonds = BondRegistry(bonds_path(config))
    ble = BleSource(targets, bonds=bonds, packet_tap=packet_tap, link_tap=link_tap)
    return ble, asyncio.sleep, time.time


def _fmt(value: float | None, unit: str = "°") -> str:
    return "  —  " if value is None else f"{value:+5.1f}{unit}"


def snapshot_record(snap: Any, elapsed: float) -> dict[str, Any]:
    """One JSON line: stream time, posture and both links."""
    posture = snap.posture
    angles = posture.angles if posture is not None else None
    return {
        "elapsed_s": round(elapsed, 3),
        "t": None if posture is None else round(posture.t, 3),
        "state": None if posture is None else str(posture.state),
        "angles": None
        if angles is None
        else {
            "thoracic_flexion": angles.thoracic_flexion,
            "thoracic_lateral": angles.thoracic_lateral,
            "neck_flexion": angles.neck_flexion,
            "neck_lateral": angles.neck_lateral,
            "neck_rotation": angles.neck_rotation,
        },
        "nodes": {
            role.name.lower(): {
                "link": str(node.state),
                "samples": node.samples,
                "gaps": node.gaps,
                "samples_lost": node.samples_lost,
                "battery": node.battery,
                "rssi": node.rssi,
                "rate_hz": node.rate_hz,
                "message": node.message,
            }
            for role, node in sorted(snap.nodes.items())
        },
        "alerts": snap.alerts,
        "alerts_sent": snap.alerts_sent,
        "calibration": None
        if snap.calibration is None
        else {"ok": snap.calibration.ok, "message": snap.calibration.message, "hint": snap.calibration.hint},
    }


def snapshot_line(snap: Any, elapsed: float) -> str:
    """One human line: time, state, angles, each link."""
    posture = snap.posture
    a = posture.angles if posture is not None else None
    state = "waiting" if posture is None else str(posture.state)
    angles = (
        f"thoracic {_fmt(a.thoracic_flexion)} lat {_fmt(a.thoracic_lateral)} neck {_fmt(a.neck_flexion)}"
        if a is not None
        else "no posture yet"
    )
    links = "  ".join(
        f"{role.name.lower()}: {node.state} {node.samples} smp {node.samples_lost} lost"
        + (f" {node.battery}%" if node.battery is not None else "")
        for role, node in sorted(snap.nodes.items())
    )
    line = f"{elapsed:7.1f}s  {state:<11} {angles}  | {links}"
    if snap.calibration is not None:
        line += f"  | calibration: {'ok' if snap.calibration.ok else 'refused'}"
    return line


async def monitor(
    source: Any,
    sleep: Callable[[float], Awaitable[Any]],
    *,
    duration: float | None,
    as_json: bool,
    calibrate_s: float | None,
    expect_head: bool,
    vibrate: bool,
    out: TextIO,
    keep_log: Callable[[Role, str | None, Any], None] | None = None,
    settings: Any = None,
    store: Any = None,
    session_source: str = "live",
) -> Any:
    """Run the live engine over ``source``, print every second, stop after ``duration``.
    ``settings`` are the pipeline's (``PipelineSettings``; defaults when None). With ``store`` (a
    :class:`~sensorbridge.store.store.Store`) the run is one session of it, written as it goes (posture,
    events, calibrations, the clips' logs); ``keep_log(role, clip address, records)`` is an extra hook
    called with a clip's posture log as soon as it arrives (the clip clears it once handed over)."""
    from sensorbridge.live import LiveEngine
    from sensorbridge.live_store import StoreSink
    from sensorbridge.pipeline.live import LivePipeline

    pipeline = LivePipeline(settings, expect_head=expect_head)
    sink = None if store is None else StoreSink.for_pipeline(store, pipeline.settings, source=session_source)
    engine = LiveEngine(source, pipeline, vibrate=vibrate, sink=sink)
    if keep_log is not None:
        kept = 0

        def store_new_logs(snap: Any) -> None:
            nonlocal kept
            for event in engine.log_records[kept:]:
                node = snap.nodes.get(event.role)
                keep_log(event.role, node.address if node is not None else None, event.records)
            kept = len(engine.log_records)

        engine.subscribe(store_new_logs)
    if calibrate_s is not None:
        calibrate_at_start(engine, pipeline, calibrate_s)
    run = asyncio.ensure_future(engine.run())
    try:
        async for elapsed in each_second(run, duration, sleep):
            snap = engine.latest
            line = json.dumps(snapshot_record(snap, elapsed)) if as_json else snapshot_line(snap, elapsed)
            print(line, file=out, flush=True)
    finally:
        engine.stop()
        result = await run
    if sink is not None:
        report_stored(sink)
    return result


def calibrate_at_start(engine: Any, pipeline: Any, seconds: float) -> None:
    """Calibrate ``pipeline`` on the first ``seconds`` of the back clip's stream, as ``analyze`` does
    on a recording's first seconds (the wearer sits upright and still at the start)."""
    started = False

    def start_calibration(snap: Any) -> None:
        nonlocal started
        back = snap.nodes.get(Role.BACK)
        if not started and back is not None and back.last_t is not None:
            started = True
            pipeline.start_calibration(back.last_t, seconds)

    engine.subscribe(start_calibration)


def report_stored(sink: Any) -> None:
    """One stderr line saying what went into the database."""
    st = sink.stats
    parts = []
    if st.session_id is not None:
        parts.append(f"session {st.session_id} ({(st.end or st.start) - st.start:.1f} s)")
    if st.calibrations:
        parts.append(f"{st.calibrations} calibrations")
    if st.log_hours_new or st.log_hours_known:
        parts.append(f"{st.log_hours_new} hours of the clips' logs ({st.log_hours_known} already known)")
    print(f"stored in {sink.store.path}: {', '.join(parts) or 'nothing (no samples)'}", file=sys.stderr)


def store_device_log(config: Config, role: Role, address: str | None, records: Any) -> None:
    """Hours a clip logged on its own, into the database (an hour stored twice counts once)."""
    from sensorbridge.store.store import Store

    with Store.open(config.db_path) as store:
        clip_id = store.upsert_clip(address or f"unknown-{role.name.lower()}", role, bonded=True)
        new, known = store.add_device_log(clip_id, records, read_at=time.time())
    print(
        f"stored {new} hours from the {role.name.lower()} clip's log ({known} already known)", file=sys.stderr
    )


def run_loop(args: argparse.Namespace, coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run``, or the virtual-time loop for ``--speed inf``."""
    if math.isinf(args.speed):
        from sensorbridge.virtual.timeloop import run_virtual

        return run_virtual(coro)
    return asyncio.run(coro)


def open_store(args: argparse.Namespace, config: Config) -> Any:
    """The database this run writes into (``--db`` / ``SENSORBRIDGE_DB``), or None with ``--no-store``."""
    if args.no_store:
        return None
    from sensorbridge.store.store import Store

    return Store.open(config.db_path)


def session_source(args: argparse.Namespace) -> str:
    """How the session is labelled: simulated clips are never mistaken for the wearer's own day."""
    return "virtual" if getattr(args, "virtual", None) is not None else "live"


def run(args: argparse.Namespace, config: Config) -> int:
    from sensorbridge.pipeline.settings import PipelineSettings

    source, sleep, _clock = build_source(args, config)
    store = open_store(args, config)
    try:
        snap = run_loop(
            args,
            monitor(
                source,
                sleep,
                duration=args.duration,
                as_json=args.json,
                calibrate_s=args.calibrate,
                expect_head=not args.no_head,
                vibrate=config.vibrate,
                out=sys.stdout,
                settings=PipelineSettings.from_config(config),
                store=store,
                session_source=session_source(args),
            ),
        )
    finally:
        if store is not None:
            store.close()
    if not any(node.samples for node in snap.nodes.values()):
        # A node's message may carry its own "what to do" line (SensorbridgeError.describe()).
        whys, hints = [], []
        for role, node in sorted(snap.nodes.items()):
            first, _, rest = node.message.partition("\n")
            if first:
                whys.append(f"{role.name.lower()}: {first}")
            if "what to do:" in rest:
                hints.append(rest.split("what to do:", 1)[1].strip())
        raise MonitorError(
            "no samples arrived from any clip" + (f" ({'; '.join(whys)})" if whys else ""),
            hint="; ".join(dict.fromkeys(hints))
            or "check that the clips are charged and near; `sensorbridge scan` lists what is heard",
        )
    return 0
