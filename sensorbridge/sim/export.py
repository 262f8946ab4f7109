"""Write a simulated scenario to disk as a clip would have delivered it, plus its ground truth.

``DIR/recording.sbrec``: the sample packets each clip would notify at an ATT MTU of 247 (18 samples,
made with :meth:`~sensorbridge.protocol.SamplePacket.encode`), with host receive times that carry a
realistic radio latency (connection interval wait, occasional retransmissions), per-node metadata
and connect/disconnect events. ``DIR/back.csv`` (and ``DIR/head.csv``): the same samples in the CSV
import format, times on the back clip's clock. ``DIR/truth.json`` and ``DIR/truth.npz``: see
:mod:`sensorbridge.sim.truth`. Generation runs in chunks, so memory does not grow with duration.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import numpy as np

from sensorbridge import __version__
from sensorbridge.conventions import FloatArray, Role
from sensorbridge.csv_import import HEADER
from sensorbridge.protocol import (
    MAX_ATT_MTU,
    SEQ_MODULUS,
    PacketFlags,
    SamplePacket,
    accel_scale,
    advertised_name,
    gyro_scale,
    period_ns,
    samples_per_packet,
)
from sensorbridge.recording import RecordingWriter
from sensorbridge.sim.stream import NodeChunk, NodeStream, WearerStream
from sensorbridge.sim.truth import compute_truth, save_dense

SIM_EPOCH_UNIX: Final = 1767603600.0  # 2026-01-05 09:00 UTC: a Monday morning, fixed for determinism
CHUNK_S: Final = 60.0
CONNECTION_INTERVAL_S: Final = 0.015  # a notification waits for the next connection event
BASE_LATENCY_S: Final = 0.004  # radio, controller and OS
RETRY_PROBABILITY: Final = 0.02  # a lost link-layer packet is resent a few intervals later
FIRMWARE: Final = "1.0.0"
CSV_FORMAT: Final = "%.6f,%.7g,%.7g,%.7g,%.7g,%.7g,%.7g"  # µs times; values finer than one count


@dataclass(frozen=True)
class ExportSummary:
    directory: Path
    samples: dict[str, int]
    packets: dict[str, int]
    bytes_written: dict[str, int]
    seconds: float
    duration_s: float


class _Packetizer:
    """Cuts one node's chunks into notifications and gives them host receive times."""

    def __init__(self, node: NodeStream, rng: np.random.Generator, start_unix: float) -> None:
        self.node = node
        self.rng = rng
        self.start_unix = start_unix
        self.per_packet = samples_per_packet(MAX_ATT_MTU)
        self.period_ns = period_ns(node.settings.rate_hz)
        self.seq = 0
        self.last_host = -np.inf

    def packets(self, chunk: NodeChunk) -> list[tuple[float, bytes]]:
        """Notifications ``(host receive time, bytes)`` of a chunk of whole packets."""
        n = len(chunk)
        if n % self.per_packet:
            raise ValueError(f"chunk of {n} samples is not whole packets of {self.per_packet}")
        out: list[tuple[float, bytes]] = []
        if n == 0:
            return out
        starts = np.arange(0, n, self.per_packet)
        ends = starts + self.per_packet - 1
        k = starts.size
        latency = (
            BASE_LATENCY_S
            + self.rng.uniform(0.0, CONNECTION_INTERVAL_S, k)
            + (self.rng.random(k) < RETRY_PROBABILITY) * self.rng.integers(1, 6, k) * CONNECTION_INTERVAL_S
        )
        host = self.start_unix + chunk.true_s[ends] + latency
        host = np.maximum.accumulate(np.maximum(host, self.last_host))
        self.last_host = float(host[-1])
        s = self.node.settings
        for a, h in zip(starts.tolist(), host.tolist(), strict=True):
            flags = PacketFlags.NONE
            if chunk.first_index + a == 0:
                flags |= PacketFlags.CLOCK_RESET
            if chunk.saturated[a : a + self.per_packet].any():
                flags |= PacketFlags.SATURATED
            pkt = SamplePacket(
                self.node.role,
                self.seq,
                int(chunk.device_us[a]),
                self.period_ns,
                chunk.raw[a : a + self.per_packet],
                flags,
                s.accel_range,
                s.gyro_range,
            )
            self.seq = (self.seq + 1) % SEQ_MODULUS
            out.append((h, pkt.encode()))
        return out


def _csv_rows(node: NodeStream, chunk: NodeChunk, to_clock: Callable[[FloatArray], FloatArray]) -> FloatArray:
    s = node.settings
    acc = chunk.raw[:, :3].astype(np.float64) * accel_scale(s.accel_range)
    gyr = chunk.raw[:, 3:].astype(np.float64) * gyro_scale(s.gyro_range)
    return np.column_stack([to_clock(chunk.true_s), acc, gyr])


def export_scenario(
    stream: WearerStream,
    directory: str | Path,
    write_csv: bool = True,
    progress: Callable[[float], None] | None = None,
) -> ExportSummary:
    """Generate ``stream`` to its scripted duration and write recording, CSV files and truth into
    ``directory`` (created; existing output files are refused, not overwritten)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    duration = stream.duration_s
    back_clock = stream.node(Role.BACK).clock
    scale = 1.0 + back_clock.errors.clock_ppm * 1e-6

    def to_back_clock(true_s: FloatArray) -> FloatArray:
        return np.asarray((true_s - back_clock.start_s) * scale, dtype=np.float64)

    meta: dict[str, Any] = {
        "source": "simulator",
        "software": f"sensorbridge {__version__}",
        "scenario": stream.scenario.name,
        "seed": stream.seed,
        "duration_s": duration,
        "start_unix": SIM_EPOCH_UNIX,
        "created_unix": SIM_EPOCH_UNIX,  # not the wall clock: the same seed gives the same bytes
        "head": Role.HEAD in stream.nodes,
        "mounting_error_deg": stream.options.mounting_error_deg,
        "rotated_deg": stream.options.rotated_deg,
    }
    rng = np.random.default_rng(np.random.SeedSequence([stream.seed, 0x1A7E]))
    packers = {role: _Packetizer(node, rng, SIM_EPOCH_UNIX) for role, node in stream.nodes.items()}
    csv_files: dict[Role, IO[str]] = {}
    counts = {role: 0 for role in stream.nodes}
    packets = {role: 0 for role in stream.nodes}
    with RecordingWriter(out / "recording.sbrec", meta, autoflush=False) as rec:
        for role, node in stream.nodes.items():
            s = node.settings
            rec.write_meta(
                {
                    "address": f"5B:1E:00:00:00:0{int(role)}",
                    "name": advertised_name(role),
                    "firmware": FIRMWARE,
                    "role": role.name.lower(),
                    "rate_hz": s.rate_hz,
                    "accel_range": int(s.accel_range),
                    "gyro_range": int(s.gyro_range),
                    "att_mtu": MAX_ATT_MTU,
                },
                role=role,
                host_time=SIM_EPOCH_UNIX,
            )
            rec.write_event("connect", SIM_EPOCH_UNIX, role=role)
            if write_csv:
                f = (out / f"{role.name.lower()}.csv").open("x", encoding="utf-8")
                f.write(HEADER + "\n")
                csv_files[role] = f
        try:
            t = 0.0
            while t < duration:
                t = min(duration, t + CHUNK_S)
                batch: list[tuple[float, int, bytes]] = []
                for role, node in stream.nodes.items():
                    packer = packers[role]
                    n = node.samples_until(t)
                    n -= n % packer.per_packet  # whole packets; the rest goes in the next chunk
                    chunk = node.next_chunk(n)
                    counts[role] += n
                    for h, blob in packer.packets(chunk):
                        batch.append((h, int(role), blob))
                    if role in csv_files:
                        rows = _csv_rows(node, chunk, to_back_clock)
                        np.savetxt(csv_files[role], rows, CSV_FORMAT)
                batch.sort(key=lambda x: x[0])
                for h, r, blob in batch:
                    rec.write_packet(Role(r), h, blob)
                    packets[Role(r)] += 1
                if progress is not None:
                    progress(t / duration)
            for role in stream.nodes:
                rec.write_event("disconnect", packers[role].last_host, role=role)
        finally:
            for handle in csv_files.values():
                handle.close()
    truth = compute_truth(stream, until=duration)
    (out / "truth.json").write_text(json.dumps(truth.report, indent=1), encoding="utf-8")
    save_dense(truth.dense, out / "truth.npz")
    sizes = {p.name: p.stat().st_size for p in out.iterdir() if p.is_file()}
    return ExportSummary(
        out,
        {r.name.lower(): c for r, c in counts.items()},
        {r.name.lower(): c for r, c in packets.items()},
        sizes,
        time.perf_counter() - began,
        duration,
    )
