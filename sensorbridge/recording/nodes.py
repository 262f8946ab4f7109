"""One node's packets from a recording, decoded into samples on a chosen clock, in bounded chunks.

Rules (the same whether decoded at once or chunk by chunk):

* duplicates and out-of-order packets (a sequence number not above every earlier one, after
  unwrapping at 65536) are dropped and counted;
* a sequence jump, or a packet flagged ``FIFO_OVERFLOW``, becomes a :class:`~sensorbridge.samples.Gap`
  whose ``samples_lost`` is the device time between the packets divided by the sample period, less
  the earlier packet's own samples (or, when the clip's clock restarted, the lost packets times the
  samples per packet);
* ``clock="device"``: seconds since the node's first sample on the clip's own clock; refused when
  the clock restarted mid-recording. ``clock="host"``: Unix seconds, the device clock mapped onto
  the receive times by a line fitted for the clip's drift and lowered under every packet (a radio's
  latency is never negative), fitted once over the whole recording before decoding starts.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
from numpy.typing import NDArray

from sensorbridge.conventions import FloatArray, Role
from sensorbridge.protocol import SEQ_MODULUS, PacketFlags, ProtocolError, decode_sample_spans
from sensorbridge.recording.format import CorruptRecordError, RecordingError
from sensorbridge.samples import Gap, ImuBatch

if TYPE_CHECKING:
    from sensorbridge.recording.reader import RecordingReader

Clock = Literal["device", "host"]
CHUNK_PACKETS: Final = 2048  # ~6 minutes at 104 Hz: bounded memory for any recording length
_TIMING_END: Final = 18  # through the flags byte
REBOOT_DROP_US: Final = 1_000_000  # device time falling this far means the clip rebooted
FIT_BLOCK_PACKETS: Final = 1 << 13  # packet headers read per step of the clock fit (~4 MB of file)
MIN_FIT_SPAN_S: Final = 2.0  # below this, a drift slope is noise: assume the clocks run alike


@dataclass(frozen=True)
class DecodedChunk:
    """Consecutive samples of one node, and the gaps found before and among them."""

    batch: ImuBatch
    gaps: tuple[Gap, ...]


@dataclass(frozen=True)
class NodeRecording:
    """One node's whole recording: every kept sample, the gaps, and what was dropped."""

    batch: ImuBatch
    gaps: tuple[Gap, ...]
    packets: int  # kept
    duplicates: int  # dropped as repeats or out of order
    first_device_us: int
    clock: Clock


@dataclass(frozen=True)
class HostClock:
    """Device µs to host seconds, one line per stretch between clip reboots.

    ``starts`` (K,) the file-order index (among the node's packets) where each stretch begins; per
    stretch ``host_s = offset + slope · (device_s − x0)``."""

    starts: NDArray[np.int64]
    offset: FloatArray
    slope: FloatArray
    x0: FloatArray

    def map(self, packet: NDArray[np.int64], t_us: FloatArray) -> FloatArray:
        """Host seconds (N,) of samples with device times ``t_us`` (N,) from packets ``packet`` (N,)."""
        k = np.searchsorted(self.starts, packet, side="right") - 1
        return np.asarray(self.offset[k] + self.slope[k] * (t_us * 1e-6 - self.x0[k]), dtype=np.float64)


def fit_line(last_sample_us: FloatArray, host: FloatArray) -> tuple[float, float, float]:
    """``(offset, slope, x0)`` with ``host_s ≈ offset + slope · (device_s − x0)`` from each packet's
    last sample (P,) µs and its receive time (P,) s: the least-squares slope (the crystal's drift),
    then lowered under every point, because a radio's latency is never negative."""
    if last_sample_us.shape != host.shape or last_sample_us.ndim != 1 or not last_sample_us.size:
        raise ValueError(f"need matching non-empty (P,) arrays, got {last_sample_us.shape}, {host.shape}")
    x = last_sample_us * 1e-6
    x0 = float(x[0])
    slope = 1.0
    if x[-1] - x0 > MIN_FIT_SPAN_S:
        slope = float(np.polyfit(x - x0, host, 1)[0])
    return float(np.min(host - slope * (x - x0))), slope, x0


class NodeDecoder:
    """Decodes one node's packets group by group, carrying sequence, clock and gap state across groups."""

    def __init__(self, role: Role, clock: Clock, where: str, host_clock: HostClock | None = None):
        if clock == "host" and host_clock is None:
            raise ValueError("the host clock needs fitted lines")
        self.role = role
        self.clock = clock
        self.where = where
        self._host = host_clock
        self.seen = 0  # packets fed so far, kept or not (file order)
        self.first_us: int | None = None
        self.packets = 0
        self.duplicates = 0
        self._last_raw_seq: int | None = None
        self._last_unwrapped = 0
        self._best = -(1 << 62)
        # The last kept packet: unwrapped seq, t0 µs, count, period µs, time of its last sample.
        self._prev: tuple[int, int, int, float, float] | None = None
        self._rebooted = False  # the next kept packet is the first after a reboot

    def _unwrap(self, seq: NDArray[np.int64]) -> NDArray[np.int64]:
        prev = seq[0] if self._last_raw_seq is None else self._last_raw_seq
        steps = (np.diff(np.concatenate([[prev], seq])) + SEQ_MODULUS // 2) % SEQ_MODULUS - SEQ_MODULUS // 2
        out = self._last_unwrapped + np.cumsum(steps)
        self._last_raw_seq = int(seq[-1])
        self._last_unwrapped = int(out[-1])
        return np.asarray(out, dtype=np.int64)

    def feed(
        self, buf: NDArray[np.uint8], start: NDArray[np.int64], stop: NDArray[np.int64]
    ) -> DecodedChunk | None:
        """Decode a group of consecutive packets (file order) lying at ``buf[start[i]:stop[i]]`` (P,);
        ``None`` when all were duplicates."""
        # A packet flagged CLOCK_RESET after the first one: the clip rebooted, and its sequence
        # numbers and clock start again there.
        timed = np.flatnonzero(stop - start >= _TIMING_END)
        reset = np.zeros(start.size, bool)
        reset[timed] = (buf[start[timed] + 17] & int(PacketFlags.CLOCK_RESET)) != 0
        if not self.seen and start.size:
            reset[0] = False
        cuts = np.flatnonzero(reset).tolist()
        parts = []
        for a, b in itertools.pairwise([0, *cuts, int(start.size)]):
            if a in cuts:
                self._reboot()
            if b > a:
                part = self._feed_segment(buf, start[a:b], stop[a:b])
                if part is not None:
                    parts.append(part)
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        batch = ImuBatch.concat([p.batch for p in parts])
        return DecodedChunk(batch, tuple(g for p in parts for g in p.gaps))

    def _reboot(self) -> None:
        if self.clock == "device":
            raise RecordingError(
                f"the {self.role.name.lower()} clip's clock restarted in {self.where}",
                hint="load it with clock='host' (the clip rebooted: only host time spans the reboot)",
            )
        self._last_raw_seq = None
        self._last_unwrapped = 0
        self._best = -(1 << 62)
        self._rebooted = self._prev is not None

    def _feed_segment(
        self, buf: NDArray[np.uint8], start: NDArray[np.int64], stop: NDArray[np.int64]
    ) -> DecodedChunk | None:
        n = int(start.size)
        try:
            dec = decode_sample_spans(buf, start, stop, self.role)
        except ProtocolError as e:
            raise CorruptRecordError(
                f"{self.where}: a {self.role.name.lower()} packet does not decode: {e}"
            ) from e
        useq = self._unwrap(dec.seq.astype(np.int64))
        running = np.maximum.accumulate(np.concatenate([[self._best], useq]))
        keep = useq > running[:-1]
        self._best = int(running[-1])
        kept = np.flatnonzero(keep)
        base = self.seen
        self.seen += n
        self.duplicates += n - int(kept.size)
        if not kept.size:
            return None
        self.packets += int(kept.size)
        t0 = dec.t0_us.astype(np.int64)[kept]
        counts = dec.counts[kept]
        period_us = dec.period_ns[kept] / 1000.0
        if self.first_us is None:
            self.first_us = int(t0[0])
        all_t0 = t0 if self._prev is None else np.concatenate([[self._prev[1]], t0])
        if self.clock == "device" and np.any(np.diff(all_t0) < 0):
            raise RecordingError(
                f"the {self.role.name.lower()} clip's clock restarted in {self.where}",
                hint="load it with clock='host' (the clip rebooted: only host time spans the reboot)",
            )
        every = kept.size == n  # the usual case: no copies to drop nothing
        sample_keep = slice(None) if every else keep[dec.packet_index]
        t_us = dec.t_us[sample_keep]
        if self._host is not None and self.clock == "host":
            t = self._host.map(base + dec.packet_index[sample_keep], t_us)
        else:
            t = (t_us - self.first_us) * 1e-6
        gaps = self._gaps(useq[kept], t0, counts, period_us, dec.flags[kept], t)
        ends = np.cumsum(counts) - 1
        j = kept.size - 1
        self._prev = (int(useq[kept][j]), int(t0[j]), int(counts[j]), float(period_us[j]), float(t[ends[j]]))
        batch = ImuBatch(self.role, np.asarray(t, np.float64), dec.acc[sample_keep], dec.gyr[sample_keep])
        return DecodedChunk(batch, gaps)

    def _gaps(
        self,
        useq: NDArray[np.int64],
        t0: NDArray[np.int64],
        counts: NDArray[np.int64],
        period_us: FloatArray,
        flags: NDArray[np.uint8],
        t: FloatArray,
    ) -> tuple[Gap, ...]:
        ends = np.cumsum(counts) - 1  # index in t of each packet's last sample
        firsts = ends - counts + 1
        n = useq.size
        # The packet before each one: the previous of this group, or for the first the last kept one.
        prev_seq = np.zeros(n, np.int64)  # entry 0 stays unused (check[0] False) without a previous packet
        prev_t0 = np.zeros(n, np.int64)
        prev_count = np.zeros(n, np.int64)
        prev_period = np.ones(n)
        prev_last_t = np.zeros(n)
        prev_seq[1:], prev_t0[1:], prev_count[1:] = useq[:-1], t0[:-1], counts[:-1]
        prev_period[1:], prev_last_t[1:] = period_us[:-1], t[ends[:-1]]
        out: list[Gap] = []
        check = np.ones(n, bool)
        if self._prev is None:
            check[0] = False
        else:
            prev_seq[0], prev_t0[0], prev_count[0], prev_period[0], prev_last_t[0] = self._prev
            if self._rebooted:
                # Nothing was sampled while the clip was off: the gap is the host time between.
                self._rebooted = False
                check[0] = False
                first_t = float(t[firsts[0]])
                lost0 = max(0, round((first_t - prev_last_t[0]) * 1e6 / prev_period[0]) - 1)
                out.append(Gap(self.role, float(prev_last_t[0]), first_t, lost0))
        lost_packets = useq - prev_seq - 1
        fifo = (flags & int(PacketFlags.FIFO_OVERFLOW)) != 0
        lost = np.maximum(0, np.round((t0 - prev_t0) / prev_period).astype(np.int64) - prev_count)
        clock_restarted = (lost == 0) & (lost_packets > 0)  # trust the sequence numbers then
        lost = np.where(clock_restarted, lost_packets * prev_count, lost)
        for j in np.flatnonzero(check & ((lost_packets > 0) | fifo)).tolist():
            out.append(Gap(self.role, float(prev_last_t[j]), float(t[firsts[j]]), int(lost[j])))
        return tuple(out)


def _fit_host_clock(reader: RecordingReader, role: Role) -> HostClock:
    """First pass over the packet headers: one line per stretch between reboots (a packet flagged
    ``CLOCK_RESET`` after the first, or device time falling by more than a second). Memory while
    fitting: about 100 bytes per packet of the node (two floats each, and ``np.polyfit``'s copies)."""
    last_parts: list[FloatArray] = []
    host_parts: list[FloatArray] = []
    reboot_parts: list[NDArray[np.bool_]] = []
    prev_t0 = np.inf  # the previous packet's t0 (µs): none before the first
    for start, stop, host in reader.packet_blocks(role, FIT_BLOCK_PACKETS):
        short = np.flatnonzero(stop - start < _TIMING_END)
        if short.size:
            size = int(stop[short[0]] - start[short[0]])
            raise CorruptRecordError(f"{reader.path}: a {role.name.lower()} packet of {size} bytes")
        buf = np.frombuffer(reader.buffer, np.uint8)
        head = np.lib.stride_tricks.sliding_window_view(buf, _TIMING_END)[start]  # (P, 18) copy
        del buf
        reader.release_pages()
        t0 = head[:, 4:12].copy().view("<u8").ravel().astype(np.float64)  # exact below 2^53 µs
        period = head[:, 12:16].copy().view("<u4").ravel().astype(np.float64)
        count = head[:, 16].astype(np.float64)
        last_parts.append(t0 + (count - 1) * period / 1000.0)
        host_parts.append(host)
        before = np.concatenate([[prev_t0], t0[:-1]])
        reboot_parts.append(
            ((head[:, 17] & int(PacketFlags.CLOCK_RESET)) != 0) | (t0 < before - REBOOT_DROP_US)
        )
        prev_t0 = float(t0[-1])
    last_us, host = np.concatenate(last_parts), np.concatenate(host_parts)
    reboot = np.concatenate(reboot_parts)
    del last_parts, host_parts, reboot_parts
    reboot[0] = False
    starts = [0, *np.flatnonzero(reboot).tolist()]
    bounds = [*starts, last_us.size]
    fits = [fit_line(last_us[a:b], host[a:b]) for a, b in itertools.pairwise(bounds)]
    return HostClock(
        np.asarray(starts, np.int64),
        np.array([f[0] for f in fits]),
        np.array([f[1] for f in fits]),
        np.array([f[2] for f in fits]),
    )


def _decoder(reader: RecordingReader, role: Role, clock: Clock) -> NodeDecoder:
    if reader.last_packet_time(role) is None:
        raise RecordingError(f"{reader.path} holds no packets of the {role.name.lower()} clip")
    host = _fit_host_clock(reader, role) if clock == "host" else None
    return NodeDecoder(role, clock, str(reader.path), host)


def _chunks(reader: RecordingReader, decoder: NodeDecoder, chunk_packets: int) -> Iterator[DecodedChunk]:
    for start, stop, _ in reader.packet_blocks(decoder.role, chunk_packets):
        buf = np.frombuffer(reader.buffer, np.uint8)
        chunk = decoder.feed(buf, start, stop)
        del buf  # no view of the mapped file may outlive the step (the reader could not close)
        reader.release_pages()
        if chunk is not None:
            yield chunk


def iter_node(
    reader: RecordingReader, role: Role, clock: Clock = "device", chunk_packets: int = CHUNK_PACKETS
) -> Iterator[DecodedChunk]:
    """The node's samples in chunks of about ``chunk_packets`` packets, in time order, with the gaps
    before and among them. Memory is bounded by the chunk, whatever the recording's length."""
    if chunk_packets < 1:
        raise ValueError(f"chunk_packets must be >= 1, got {chunk_packets}")
    return _chunks(reader, _decoder(reader, role, clock), chunk_packets)


def load_node(reader: RecordingReader, role: Role, clock: Clock = "device") -> NodeRecording:
    """The node's whole recording in one :class:`ImuBatch` (see the module docstring for the rules)."""
    decoder = _decoder(reader, role, clock)
    chunks = list(_chunks(reader, decoder, CHUNK_PACKETS))
    if decoder.first_us is None or not chunks:
        raise RecordingError(f"{reader.path} holds no usable packets of the {role.name.lower()} clip")
    batch = ImuBatch.concat([c.batch for c in chunks])
    gaps = tuple(g for c in chunks for g in c.gaps)
    return NodeRecording(batch, gaps, decoder.packets, decoder.duplicates, decoder.first_us, clock)
