"""Reads recordings, including those a killed writer left behind (see :mod:`.format`).

Opening walks the file once, checking every record's layout and checksum, vectorised over runs of
records of one length (a day's packets are all one length, so a day is a handful of runs). What it
keeps is that list of runs, not a row per record: every per-record field is read back from the mapped
file when asked for, a bounded block at a time, so the memory of a reader does not grow with the
recording's length (the mapped pages read are released as it goes).
"""

from __future__ import annotations

import mmap
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
from numpy.typing import NDArray

from sensorbridge.conventions import FloatArray, Role
from sensorbridge.recording.format import (
    FILE_HEADER,
    FILE_HEADER_SIZE,
    FORMAT_VERSION,
    MAGIC,
    MAX_PAYLOAD,
    NO_ROLE,
    RECORD_HEADER,
    RECORD_HEADER_SIZE,
    Clock,
    CorruptRecordError,
    NewerVersionError,
    NotARecordingError,
    Record,
    RecordingError,
    RecordKind,
    TornTail,
    record_crc,
)

if TYPE_CHECKING:
    from sensorbridge.recording.nodes import DecodedChunk, NodeRecording


_KIND_SET: Final = frozenset(int(k) for k in RecordKind)
_KINDS: Final = np.array(sorted(_KIND_SET), np.uint8)
# The record header as numpy reads it in place: one strided view per run, no copy.
_HEADER_DTYPE: Final = np.dtype(
    [("kind", "u1"), ("role", "u1"), ("reserved", "<u2"), ("length", "<u4"), ("host", "<f8"), ("crc", "<u4")]
)
assert _HEADER_DTYPE.itemsize == RECORD_HEADER_SIZE
BLOCK_RECORDS: Final = 1 << 14  # records checked or read per vectorised step (~4 MB of packets)

Spans = tuple[NDArray[np.int64], NDArray[np.int64], FloatArray]


@dataclass(frozen=True)
class _Run:
    """``count`` consecutive records of ``length`` payload bytes each, the first at byte ``offset``."""

    offset: int
    count: int
    length: int

    @property
    def stride(self) -> int:
        return RECORD_HEADER_SIZE + self.length


@dataclass(frozen=True)
class _Index:
    """Every intact record as runs (file order), the damage found after them, the packets' role bytes."""

    runs: tuple[_Run, ...]
    damage: CorruptRecordError | None
    packet_roles: frozenset[int]


def _runs_from(data: bytes | mmap.mmap, pos: int, end: int) -> Iterator[_Run]:
    """Candidate runs from ``pos``: each record's length field read where the previous run's length
    says it starts, a block at a time (unchecked: a later record may be torn or damaged)."""
    while end - pos >= RECORD_HEADER_SIZE:
        length = int.from_bytes(data[pos + 4 : pos + 8], "little")
        stride = RECORD_HEADER_SIZE + length
        fits = min(BLOCK_RECORDS, (end - pos - RECORD_HEADER_SIZE) // stride + 1)  # headers in the file
        lengths = np.ndarray((fits,), "<u4", buffer=data, offset=pos + 4, strides=(stride,))
        other = np.flatnonzero(lengths != length)
        count = int(other[0]) if other.size else fits
        del lengths
        yield _Run(pos, count, length)
        pos += count * stride


def _headers(data: bytes | mmap.mmap, run: _Run) -> np.ndarray:
    """The run's record headers (count,) as a structured view into ``data`` (drop it before closing)."""
    return np.ndarray((run.count,), _HEADER_DTYPE, buffer=data, offset=run.offset, strides=(run.stride,))


def _checksums(data: bytes | mmap.mmap, run: _Run, count: int) -> NDArray[np.uint32]:
    """CRC-32 (count,) of the first ``count`` records of the run: header's first 16 bytes, then payload."""
    rows = np.ndarray((count, run.stride), np.uint8, buffer=data, offset=run.offset)
    signed = np.concatenate([rows[:, :16], rows[:, RECORD_HEADER_SIZE:]], axis=1)  # one copy, C order
    del rows
    return np.fromiter(map(zlib.crc32, signed), np.uint32, count)


@dataclass
class RecordingReader:
    """Reads a recording written by :class:`RecordingWriter`, or by a writer that was killed."""

    path: Path
    version: int = FORMAT_VERSION
    torn: TornTail | None = None
    _data: bytes | mmap.mmap = field(default=b"", repr=False)
    _index: _Index | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: str | Path) -> RecordingReader:
        p = Path(path)
        data: bytes | mmap.mmap = b""
        try:
            with p.open("rb") as f:
                # Mapped, not read: an 8-hour recording need not sit in memory to be decoded.
                if os.fstat(f.fileno()).st_size:
                    data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except FileNotFoundError as e:
            raise RecordingError(f"{p} does not exist") from e
        except OSError as e:
            raise RecordingError(f"cannot read {p}: {e.strerror}") from e
        if len(data) < FILE_HEADER_SIZE or data[: len(MAGIC)] != MAGIC:
            hint = "pass a .sbrec file written by `sensorbridge record` or `sensorbridge simulate`"
            if data[1:4] == b"SBR":
                hint = "the file was transferred in text mode (line endings changed): copy it as binary"
            raise NotARecordingError(f"{p} is not a sensorbridge recording", hint=hint)
        _, version, _, _ = FILE_HEADER.unpack_from(data)
        if version > FORMAT_VERSION:
            raise NewerVersionError(
                f"{p} is recording format version {version}; this sensorbridge reads up to {FORMAT_VERSION}",
                hint="upgrade sensorbridge to read it",
            )
        return cls(p, version, None, data)

    def __enter__(self) -> RecordingReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Unmap the file (also happens when the reader is garbage-collected)."""
        if isinstance(self._data, mmap.mmap):
            self._data.close()
        self._data = b""
        self._index = None

    def _scan(self) -> _Index:
        """Walk the file once, checking every record, and remember the runs of intact records."""
        if self._index is not None:
            return self._index
        data = self._data
        end = len(data)
        pos = FILE_HEADER_SIZE
        runs: list[_Run] = []
        roles: set[int] = set()
        damage: CorruptRecordError | None = None
        for run in _runs_from(data, pos, end):
            good = self._intact(run, end, roles)
            if good:
                runs.append(_Run(run.offset, good, run.length))
            self.release_pages()  # the checks touched every page of the run
            pos = run.offset + good * run.stride
            if good < run.count:
                damage = self._fault(pos, end)
                break
        else:
            if pos < end:
                self.torn = TornTail(pos, end - pos, "incomplete record header")
        self._index = _Index(tuple(runs), damage, frozenset(roles))
        return self._index

    def _intact(self, run: _Run, end: int, roles: set[int]) -> int:
        """How many records at the start of ``run`` pass every check; adds their packets' role bytes."""
        if run.length > MAX_PAYLOAD:
            return 0
        complete = min(run.count, (end - run.offset) // run.stride)
        if not complete:
            return 0
        h = _headers(self._data, run)[:complete]
        role = h["role"]
        ok = (
            np.isin(h["kind"], _KINDS)
            & (h["reserved"] == 0)
            & ((role == NO_ROLE) | (role <= 1))
            & (_checksums(self._data, run, complete) == h["crc"])
        )
        good = int(np.argmin(ok)) if not ok.all() else complete
        packets = h["kind"][:good] == RecordKind.PACKET
        roles.update(np.unique(role[:good][packets]).tolist())
        del h, role
        return good

    def _fault(self, pos: int, end: int) -> CorruptRecordError | None:
        """The record at ``pos`` failed a check: say which, as a torn tail (kept in :attr:`torn`) or
        as damage (returned)."""
        data = self._data
        if end - pos < RECORD_HEADER_SIZE:
            self.torn = TornTail(pos, end - pos, "incomplete record header")
            return None
        kind, role, reserved, length, _, crc = RECORD_HEADER.unpack_from(data, pos)
        stop = pos + RECORD_HEADER_SIZE + length
        if length > MAX_PAYLOAD:
            return self._damaged(pos, f"record claims {length} payload bytes (at most {MAX_PAYLOAD})")
        if stop > end:
            self.torn = TornTail(pos, end - pos, f"record needs {stop - pos} bytes, file has {end - pos}")
            return None
        if record_crc(data[pos : pos + 16], data[pos + RECORD_HEADER_SIZE : stop]) != crc:
            if stop == end:
                self.torn = TornTail(pos, end - pos, "last record fails its checksum")
                return None
            return self._damaged(pos, "record fails its checksum")
        if kind not in _KIND_SET:
            return self._damaged(pos, f"unknown record kind {kind}")
        assert reserved or role not in (0, 1, NO_ROLE), "a record the vectorised checks refused passes"
        return self._damaged(pos, f"bad role {role} or reserved field {reserved}")

    def _damaged(self, offset: int, what: str) -> CorruptRecordError:
        return CorruptRecordError(
            f"{self.path} is damaged at byte {offset}: {what}",
            hint="the records before that point are intact; restore the file from a backup or re-record",
        )

    def _select(
        self, run: _Run, kinds: tuple[int, ...], role: int | None
    ) -> tuple[NDArray[np.int64], FloatArray]:
        """Offsets (k,) of the run's records of ``kinds`` (and role byte ``role``), and their host times."""
        h = _headers(self._data, run)
        sel = np.isin(h["kind"], kinds)
        if role is not None:
            sel &= h["role"] == role
        idx = np.flatnonzero(sel)
        host = np.array(h["host"][idx], dtype=np.float64)  # a copy: no view into the file survives
        del h
        return run.offset + idx * run.stride, host

    def records(self) -> Iterator[Record]:
        """Every complete record in file order. A torn last record ends the iteration and is kept in
        :attr:`torn`; damage before the end raises :class:`CorruptRecordError` after the intact
        records before it."""
        return self._records(tuple(int(k) for k in RecordKind))

    def _records(self, kinds: tuple[int, ...]) -> Iterator[Record]:
        ix = self._scan()
        for run in ix.runs:
            offsets, host = self._select(run, kinds, None)
            self.release_pages()  # selecting read every header of the run
            for offset, when in zip(offsets.tolist(), host.tolist(), strict=True):
                kind, role, _, length, _, _ = RECORD_HEADER.unpack_from(self._data, offset)
                start = offset + RECORD_HEADER_SIZE
                yield Record(
                    RecordKind(kind),
                    None if role == NO_ROLE else Role(role),
                    when,
                    bytes(self._data[start : start + length]),
                    offset,
                )
        if ix.damage is not None:
            raise ix.damage

    def release_pages(self) -> None:
        """Let the OS drop the mapped pages read so far from this process's memory (they stay in
        the page cache and come back when touched), so reading a long day keeps memory flat."""
        if isinstance(self._data, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            self._data.madvise(mmap.MADV_DONTNEED)

    @property
    def buffer(self) -> bytes | mmap.mmap:
        """The whole file, for ``struct.unpack_from`` at the offsets of :meth:`packet_spans`."""
        return self._data

    def packet_blocks(self, role: Role, packets: int) -> Iterator[Spans]:
        """The node's packets in file order, ``packets`` at a time (the last block may hold fewer):
        payload start and stop byte offsets (P,) and host receive times (P,) Unix s. Memory is one
        block's, whatever the recording's length. Raises :class:`CorruptRecordError` on a damaged file."""
        if packets < 1:
            raise ValueError(f"packets must be >= 1, got {packets}")
        ix = self._scan()
        if ix.damage is not None:
            raise ix.damage
        starts: list[NDArray[np.int64]] = []
        stops: list[NDArray[np.int64]] = []
        hosts: list[FloatArray] = []
        size = 0
        for run in ix.runs:
            offsets, host = self._select(run, (int(RecordKind.PACKET),), int(role))
            self.release_pages()
            if not offsets.size:
                continue
            starts.append(offsets + RECORD_HEADER_SIZE)
            stops.append(starts[-1] + run.length)
            hosts.append(host)
            size += int(offsets.size)
            while size >= packets:
                a, b, h = np.concatenate(starts), np.concatenate(stops), np.concatenate(hosts)
                yield a[:packets], b[:packets], h[:packets]
                starts, stops, hosts = [a[packets:]], [b[packets:]], [h[packets:]]
                size -= packets
        if size:
            yield np.concatenate(starts), np.concatenate(stops), np.concatenate(hosts)

    def packet_spans(self, role: Role) -> Spans:
        """Where the node's packets lie: payload start and stop byte offsets (P,) and host receive
        times (P,) Unix s, in file order. Raises :class:`CorruptRecordError` on a damaged file."""
        blocks = list(self.packet_blocks(role, 1 << 62))
        if not blocks:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        return blocks[0]

    def last_packet_time(self, role: Role) -> float | None:
        """The host receive time (Unix s) of the node's last packet, None without packets."""
        ix = self._scan()
        for run in reversed(ix.runs):
            _, host = self._select(run, (int(RecordKind.PACKET),), int(role))
            self.release_pages()
            if host.size:
                return float(host[-1])
        return None

    def metadata(self, role: Role | None = None) -> dict[str, Any]:
        """The merged META records of the recording (``role`` None) or of one node."""
        out: dict[str, Any] = {}
        for r in self._records((int(RecordKind.META),)):
            if r.role == role:
                out.update(r.json())
        return out

    def events(self) -> list[tuple[float, Role | None, dict[str, Any]]]:
        return [(r.host_time, r.role, r.json()) for r in self._records((int(RecordKind.EVENT),))]

    def packets(self, role: Role) -> tuple[list[bytes], FloatArray]:
        """The node's packets in file order and their host receive times (P,) Unix s."""
        start, stop, host = self.packet_spans(role)
        data = self._data
        return [bytes(data[a:b]) for a, b in zip(start.tolist(), stop.tolist(), strict=True)], host

    def roles(self) -> list[Role]:
        """The nodes that have packets in the recording."""
        return [Role(r) for r in sorted(self._scan().packet_roles) if r != NO_ROLE]

    def load_node(self, role: Role, clock: Clock = "device") -> NodeRecording:
        """One node's whole recording as one batch: see :mod:`sensorbridge.recording.nodes`."""
        from sensorbridge.recording.nodes import load_node

        return load_node(self, role, clock)

    def iter_node(
        self, role: Role, clock: Clock = "device", chunk_packets: int = 2048
    ) -> Iterator[DecodedChunk]:
        """One node's samples in bounded chunks: see :mod:`sensorbridge.recording.nodes`."""
        from sensorbridge.recording.nodes import iter_node

        return iter_node(self, role, clock, chunk_packets)
