"""The recording file (``.sbrec``): raw packets as received, with metadata and events. Append-only.

Layout (all integers little-endian)::

    file header, 16 bytes   magic b"\\x89SBR\\r\\n\\x1a\\n" (8) · u16 version · u16 reserved · u32 reserved
    record*                 header 20 bytes · payload

    record header           u8 kind · u8 role (0 back, 1 head, 255 none) · u16 reserved (0)
                            u32 payload length (<= MAX_PAYLOAD) · f64 host time (Unix s)
                            u32 CRC-32 of the header's first 16 bytes and the payload

Kinds: ``META`` (a JSON object; the role says whose; later keys override earlier ones, so the
calibration can be added when it is made), ``PACKET`` (a sample-stream notification's bytes exactly
as received), ``EVENT`` (a JSON object with at least ``"type"``: connect, disconnect, alert, ...).

Why it survives a crash: records are only ever appended, every record carries its own length and
checksum, and the writer flushes its buffer to the OS at least once a second (a background thread
does it even when no record arrives). A killed writer leaves at worst a torn last record: the
reader reports it (:attr:`RecordingReader.torn`) and keeps everything before it. A bad checksum
anywhere else is real damage and raises :class:`CorruptRecordError`.

The magic's high-bit byte, CR LF and SUB catch a file mangled by a 7-bit or text-mode transfer, as
PNG's signature does.
"""

from __future__ import annotations

import enum
import json
import mmap
import os
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, BinaryIO, Final, Literal

import numpy as np
from numpy.typing import NDArray

from sensorbridge.conventions import FloatArray, Role
from sensorbridge.errors import SensorbridgeError

if TYPE_CHECKING:
    from sensorbridge.recording.nodes import DecodedChunk, NodeRecording

Clock = Literal["device", "host"]

MAGIC: Final = b"\x89SBR\r\n\x1a\n"
FORMAT_VERSION: Final = 1
SUFFIX: Final = ".sbrec"
_FILE_HEADER = struct.Struct("<8sHHI")
_RECORD_HEADER = struct.Struct("<BBHIdI")
FILE_HEADER_SIZE: Final = _FILE_HEADER.size
RECORD_HEADER_SIZE: Final = _RECORD_HEADER.size
MAX_PAYLOAD: Final = 1 << 20  # a packet is < 250 bytes; metadata JSON is small
NO_ROLE: Final = 255
FLUSH_INTERVAL_S: Final = 1.0  # a killed recorder loses at most this much
assert FILE_HEADER_SIZE == 16
assert len(MAGIC) == 8
assert RECORD_HEADER_SIZE == 20


class RecordKind(enum.IntEnum):
    META = 1
    PACKET = 2
    EVENT = 3


class RecordingError(SensorbridgeError):
    """A recording that cannot be read or written."""


class NotARecordingError(RecordingError):
    """The file does not start with the recording magic."""


class NewerVersionError(RecordingError):
    """Written by a newer sensorbridge."""


class CorruptRecordError(RecordingError):
    """A record inside the file fails its checksum or its layout."""


@dataclass(frozen=True)
class Record:
    kind: RecordKind
    role: Role | None
    host_time: float
    payload: bytes
    offset: int  # byte offset of the record header in the file

    def json(self) -> dict[str, Any]:
        value = json.loads(self.payload.decode("utf-8"))
        if not isinstance(value, dict):
            raise CorruptRecordError(f"record at byte {self.offset} holds JSON that is not an object")
        return value


def _crc(header16: bytes, payload: bytes) -> int:
    return zlib.crc32(payload, zlib.crc32(header16)) & 0xFFFFFFFF


def encode_record(kind: RecordKind, role: Role | None, host_time: float, payload: bytes) -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise RecordingError(f"record payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    head = _RECORD_HEADER.pack(
        int(kind), NO_ROLE if role is None else int(role), 0, len(payload), host_time, 0
    )
    return head[:16] + struct.pack("<I", _crc(head[:16], payload)) + payload


def _json_bytes(value: Mapping[str, Any]) -> bytes:
    return json.dumps(dict(value), sort_keys=True, separators=(",", ":")).encode("utf-8")


class RecordingWriter:
    """Appends records to a new recording file. Use as a context manager.

    ``metadata`` becomes the first META record (e.g. scenario, seed, software version). Writes go to
    a buffer that is flushed to the OS when it is a second old, by the write itself or by a
    background thread (``autoflush``), and on :meth:`close`.
    """

    def __init__(
        self,
        path: str | Path,
        metadata: Mapping[str, Any] | None = None,
        autoflush: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.path = Path(path)
        self._clock = clock
        try:
            self._file: BinaryIO = self.path.open("xb")
        except FileExistsError as e:
            raise RecordingError(
                f"{self.path} already exists", hint="choose another file name or remove the old file"
            ) from e
        except OSError as e:
            raise RecordingError(f"cannot create {self.path}: {e.strerror}") from e
        self._lock = threading.Lock()
        self._buffer: list[bytes] = [_FILE_HEADER.pack(MAGIC, FORMAT_VERSION, 0, 0)]
        self._oldest: float | None = self._clock()
        self.records = 0
        self._closed = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        meta = {"format_version": FORMAT_VERSION, "created_unix": time.time(), **(metadata or {})}
        self.write_meta(meta, host_time=float(meta["created_unix"]))
        self.flush()
        if autoflush:
            self._thread = threading.Thread(target=self._flusher, name="recording-flush", daemon=True)
            self._thread.start()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _append(self, blob: bytes) -> None:
        with self._lock:
            if self._closed:
                raise RecordingError(f"{self.path} is closed")
            self._buffer.append(blob)
            self.records += 1
            now = self._clock()
            if self._oldest is None:
                self._oldest = now
            elif now - self._oldest >= FLUSH_INTERVAL_S:
                self._flush_locked()

    def write_packet(self, role: Role, host_time: float, data: bytes) -> None:
        """A sample-stream notification exactly as received, at ``host_time`` (Unix s)."""
        self._append(encode_record(RecordKind.PACKET, role, host_time, bytes(data)))

    def write_meta(
        self, meta: Mapping[str, Any], role: Role | None = None, host_time: float | None = None
    ) -> None:
        """Metadata of the recording (``role`` None) or of one node: address, name, firmware, rate,
        ranges, calibration, ... JSON-serialisable values."""
        t = time.time() if host_time is None else host_time
        self._append(encode_record(RecordKind.META, role, t, _json_bytes(meta)))

    def write_event(self, type_: str, host_time: float, role: Role | None = None, **fields: Any) -> None:
        """Something that happened: ``type_`` (connect, disconnect, alert, calibrated, ...) plus fields."""
        self._append(encode_record(RecordKind.EVENT, role, host_time, _json_bytes({"type": type_, **fields})))

    def _flush_locked(self) -> None:
        if self._buffer:
            self._file.write(b"".join(self._buffer))
            self._buffer.clear()
        self._file.flush()
        self._oldest = None

    def flush(self) -> None:
        with self._lock:
            if not self._closed:
                self._flush_locked()

    def _flusher(self) -> None:
        while not self._stop.wait(FLUSH_INTERVAL_S / 2):
            with self._lock:
                if self._closed:
                    return
                if self._oldest is not None and self._clock() - self._oldest >= FLUSH_INTERVAL_S / 2:
                    self._flush_locked()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            if self._closed:
                return
            self._flush_locked()
            self._closed = True
            self._file.close()


@dataclass(frozen=True)
class TornTail:
    """The incomplete record a crashed writer left at the end: where it starts and its bytes."""

    offset: int
    size: int
    reason: str


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
        _, version, _, _ = _FILE_HEADER.unpack_from(data)
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
        kinds: list[int] = []
        roles: list[int] = []
        hosts: list[float] = []
        offsets: list[int] = []
        lengths: list[int] = []
        damage: CorruptRecordError | None = None
        while pos < end:
            if end - pos < RECORD_HEADER_SIZE:
                self.torn = TornTail(pos, end - pos, "incomplete record header")
                break
            kind, role, reserved, length, host_time, crc = _RECORD_HEADER.unpack_from(data, pos)
            stop = pos + RECORD_HEADER_SIZE + length
            if length > MAX_PAYLOAD:
                damage = self._damaged(pos, f"record claims {length} payload bytes (at most {MAX_PAYLOAD})")
                break
            if stop > end:
                self.torn = TornTail(pos, end - pos, f"record needs {stop - pos} bytes, file has {end - pos}")
                break
            if _crc(data[pos : pos + 16], data[pos + RECORD_HEADER_SIZE : stop]) != crc:
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
        offset = np.asarray(offsets, np.int64)
        self._index = _Index(
            np.asarray(kinds, np.uint8),
            np.asarray(roles, np.uint8),
            np.asarray(hosts, np.float64),
            offset,
            offset + RECORD_HEADER_SIZE,
            offset + RECORD_HEADER_SIZE + np.asarray(lengths, np.int64),
            damage,
        )
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
