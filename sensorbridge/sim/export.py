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
from numpy.typing import NDArray

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


@dataclass(frozen=True)
class LinkFaults:
    """What the radio loses between clip and host. ``drop_rate``: each notification is lost with this
    probability; ``outages``: ``(start, seconds)`` in scenario time during which nothing arrives from
    either clip (the wearer walked out of range). Lost packets still used up their sequence numbers,
    so the reader sees the gaps; the CSV files leave the same samples out."""

    drop_rate: float = 0.0
    outages: tuple[tuple[float, float], ...] = ()

    def __post_init__(self) -> None:
        if not 0.0 <= self.drop_rate < 1.0:
            raise ValueError(f"drop rate {self.drop_rate} outside [0, 1)")
        if any(seconds <= 0 for _, seconds in self.outages):
            raise ValueError("outages need a positive length")

    def lost(self, rng: np.random.Generator, first_s: FloatArray) -> NDArray[np.bool_]:
        """Which packets (first sample at true ``first_s`` (P,) s) never arrive."""
        lost = np.zeros(first_s.shape, bool)
        if self.drop_rate:
            lost |= rng.random(first_s.shape[0]) < self.drop_rate
        for start, seconds in self.outages:
            lost |= (first_s >= start) & (first_s < start + seconds)
        return lost


class _Packetizer:
    """Cuts one node's chunks into notifications and gives them host receive times."""

    def __init__(
        self,
        node: NodeStream,
        rng: np.random.Generator,
        start_unix: float,
        faults: LinkFaults,
        fault_rng: np.random.Generator,
    ) -> None:
        self.node = node
        self.rng = rng
        self.faults = faults
        self.fault_rng = fault_rng
        self.lost_spans: list[tuple[float, float, int]] = []  # true s, true s, samples
        self.start_unix = start_unix
        self.per_packet = samples_per_packet(MAX_ATT_MTU)
        self.period_ns = period_ns(node.settings.rate_hz)
        self.seq = 0
        self.last_host = -np.inf

    def packets(self, chunk: NodeChunk) -> tuple[list[tuple[float, bytes]], NDArray[np.bool_]]:
        """Notifications ``(host receive time, bytes)`` of a chunk of whole packets that arrive, and
        which samples (n,) arrived."""
        n = len(chunk)
        arrived = np.ones(n, bool)
        if n % self.per_packet:
            raise ValueError(f"chunk of {n} samples is not whole packets of {self.per_packet}")
        out: list[tuple[float, bytes]] = []
        if n == 0:
            return out, arrived
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
        lost = self.faults.lost(self.fault_rng, chunk.true_s[starts])
        for a, h, gone in zip(starts.tolist(), host.tolist(), lost.tolist(), strict=True):
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
            if gone:
                arrived[a : a + self.per_packet] = False
                self._lose(float(chunk.true_s[a]), float(chunk.true_s[a + self.per_packet - 1]))
            else:
                out.append((h, pkt.encode()))
        return out, arrived

    def _lose(self, first_s: float, last_s: float) -> None:
        """Remember the samples from ``first_s`` to ``last_s`` (true s) as lost, joining neighbours."""
        period = self.node.clock.period_s
        if self.lost_spans and first_s - self.lost_spans[-1][1] < 1.5 * period:
            a, _, k = self.lost_spans[-1]
            self.lost_spans[-1] = (a, last_s, k + self.per_packet)
        else:
            self.lost_spans.append((first_s, last_s, self.per_packet))


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
    faults: LinkFaults | None = None,
) -> ExportSummary:
    """Generate ``stream`` to its scripted duration and write recording, CSV files and truth into
    ``directory`` (created; existing output files are refused, not overwritten). With ``faults``,
    lost packets are left out and the truth marks the back clip's missing stretches ``no_data``."""
    link = faults or LinkFaults()
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
    fault_rng = np.random.default_rng(np.random.SeedSequence([stream.seed, 0xFA17]))
    packers = {
        role: _Packetizer(node, rng, SIM_EPOCH_UNIX, link, fault_rng) for role, node in stream.nodes.items()
    }
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
                    sent, arrived = packer.packets(chunk)
                    batch.extend((h, int(role), blob) for h, blob in sent)
                    if role in csv_files:
                        rows = _csv_rows(node, chunk, to_back_clock)[arrived]
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
    back_lost = [(a, b + packers[Role.BACK].node.clock.period_s) for a, b, _ in packers[Role.BACK].lost_spans]
    truth = compute_truth(stream, until=duration, no_data=back_lost)
    truth.report["link"] = {
        "drop_rate": link.drop_rate,
        "outages": [list(o) for o in link.outages],
        "lost": {
            role.name.lower(): [
                {
                    "start": float(to_back_clock(np.array([a]))[0]),
                    "end": float(to_back_clock(np.array([b]))[0]),
                    "samples": k,
                }
                for a, b, k in packer.lost_spans
            ]
            for role, packer in packers.items()
        },
    }
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
