"""Reads recordings, including those a killed writer left behind (see :mod:`.format`)."""

from __future__ import annotations

import mmap
import os
from array import array
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


_KINDS: Final = frozenset(int(k) for k in RecordKind)


@dataclass(frozen=True)
class _Index:
    """Per record (R,): kind, role byte, host time, and byte offsets of the record and its payload."""

    kind: NDArray[np.uint8]
    role: NDArray[np.uint8]
    host_time: FloatArray
    offset: NDArray[np.int64]
    start: NDArray[np.int64]
    stop: NDArray[np.int64]
    damage: CorruptRecordError | None


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
        """Walk the file once, checking every record, and remember where each one lies."""
        if self._index is not None:
            return self._index
        data = self._data
        pos = FILE_HEADER_SIZE
        end = len(data)
        # Typed arrays, not lists: an 8-hour day has ~670 000 records, and a list holds an object each.
        kinds = array("B")
        roles = array("B")
        hosts = array("d")
        offsets = array("q")
        lengths = array("q")
        damage: CorruptRecordError | None = None
        while pos < end:
            if end - pos < RECORD_HEADER_SIZE:
                self.torn = TornTail(pos, end - pos, "incomplete record header")
                break
            kind, role, reserved, length, host_time, crc = RECORD_HEADER.unpack_from(data, pos)
            stop = pos + RECORD_HEADER_SIZE + length
            if length > MAX_PAYLOAD:
                damage = self._damaged(pos, f"record claims {length} payload bytes (at most {MAX_PAYLOAD})")
                break
            if stop > end:
                self.torn = TornTail(pos, end - pos, f"record needs {stop - pos} bytes, file has {end - pos}")
                break
            if record_crc(data[pos : pos + 16], data[pos + RECORD_HEADER_SIZE : stop]) != crc:
                if stop == end:
                    self.torn = TornTail(pos, end - pos, "last record fails its checksum")
                else:
                    damage = self._damaged(pos, "record fails its checksum")
                break
            if kind not in _KINDS:
                damage = self._damaged(pos, f"unknown record kind {kind}")
                break
            if reserved or (role != NO_ROLE and role not in (0, 1)):
                damage = self._damaged(pos, f"bad role {role} or reserved field {reserved}")
                break
            kinds.append(kind)
            roles.append(role)
            hosts.append(host_time)
            offsets.append(pos)
            lengths.append(length)
            pos = stop
        offset = np.frombuffer(offsets, np.int64)
        self._index = _Index(
            np.frombuffer(kinds, np.uint8),
            np.frombuffer(roles, np.uint8),
            np.frombuffer(hosts, np.float64),
            offset,
            offset + RECORD_HEADER_SIZE,
            offset + RECORD_HEADER_SIZE + np.frombuffer(lengths, np.int64),
            damage,
        )
        self.release_pages()  # the checksum pass touched every page of the file
        return self._index

    def records(self) -> Iterator[Record]:
        """Every complete record in file order. A torn last record ends the iteration and is kept in
        :attr:`torn`; damage before the end raises :class:`CorruptRecordError` after the intact
        records before it."""
        ix = self._scan()
        for k in range(ix.kind.size):
            role = int(ix.role[k])
            yield Record(
                RecordKind(int(ix.kind[k])),
                None if role == NO_ROLE else Role(role),
                float(ix.host_time[k]),
                bytes(self._data[int(ix.start[k]) : int(ix.stop[k])]),
                int(ix.offset[k]),
            )
        if ix.damage is not None:
            raise ix.damage

    def _damaged(self, offset: int, what: str) -> CorruptRecordError:
        return CorruptRecordError(
            f"{self.path} is damaged at byte {offset}: {what}",
            hint="the records before that point are intact; restore the file from a backup or re-record",
        )

    def release_pages(self) -> None:
        """Let the OS drop the mapped pages read so far from this process's memory (they stay in
        the page cache and come back when touched), so reading a long day keeps memory flat."""
        if isinstance(self._data, mmap.mmap) and hasattr(mmap, "MADV_DONTNEED"):
            self._data.madvise(mmap.MADV_DONTNEED)

    @property
    def buffer(self) -> bytes | mmap.mmap:
        """The whole file, for ``struct.unpack_from`` at the offsets of :meth:`packet_spans`."""
        return self._data

    def packet_spans(self, role: Role) -> tuple[NDArray[np.int64], NDArray[np.int64], FloatArray]:
        """Where the node's packets lie: payload start and stop byte offsets (P,) and host receive
        times (P,) Unix s, in file order. Raises :class:`CorruptRecordError` on a damaged file."""
        ix = self._scan()
        if ix.damage is not None:
            raise ix.damage
        sel = (ix.kind == RecordKind.PACKET) & (ix.role == int(role))
        return ix.start[sel], ix.stop[sel], ix.host_time[sel]

    def metadata(self, role: Role | None = None) -> dict[str, Any]:
        """The merged META records of the recording (``role`` None) or of one node."""
        out: dict[str, Any] = {}
        for r in self.records():
            if r.kind == RecordKind.META and r.role == role:
                out.update(r.json())
        return out

    def events(self) -> list[tuple[float, Role | None, dict[str, Any]]]:
        return [(r.host_time, r.role, r.json()) for r in self.records() if r.kind == RecordKind.EVENT]

    def packets(self, role: Role) -> tuple[list[bytes], FloatArray]:
        """The node's packets in file order and their host receive times (P,) Unix s."""
        start, stop, host = self.packet_spans(role)
        data = self._data
        return [bytes(data[a:b]) for a, b in zip(start.tolist(), stop.tolist(), strict=True)], host

    def roles(self) -> list[Role]:
        """The nodes that have packets in the recording."""
        ix = self._scan()
        found = np.unique(ix.role[ix.kind == RecordKind.PACKET])
        return [Role(int(r)) for r in found if r != NO_ROLE]

    def load_node(self, role: Role, clock: Clock = "device") -> NodeRecording:
        """One node's whole recording as one batch: see :mod:`sensorbridge.recording.nodes`."""
        from sensorbridge.recording.nodes import load_node

        return load_node(self, role, clock)

    def iter_node(
        self, role: Role, clock: Clock = "device", chunk_packets: int = 4096
    ) -> Iterator[DecodedChunk]:
        """One node's samples in bounded chunks: see :mod:`sensorbridge.recording.nodes`."""
        from sensorbridge.recording.nodes import iter_node

        return iter_node(self, role, clock, chunk_packets)
