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
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from sensorbridge.conventions import Role
from sensorbridge.errors import SensorbridgeError

Clock = Literal["device", "host"]

MAGIC: Final = b"\x89SBR\r\n\x1a\n"
FORMAT_VERSION: Final = 1
SUFFIX: Final = ".sbrec"
FILE_HEADER = struct.Struct("<8sHHI")
RECORD_HEADER = struct.Struct("<BBHIdI")
FILE_HEADER_SIZE: Final = FILE_HEADER.size
RECORD_HEADER_SIZE: Final = RECORD_HEADER.size
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


def record_crc(header16: bytes, payload: bytes) -> int:
    return zlib.crc32(payload, zlib.crc32(header16)) & 0xFFFFFFFF


def encode_record(kind: RecordKind, role: Role | None, host_time: float, payload: bytes) -> bytes:
    if len(payload) > MAX_PAYLOAD:
        raise RecordingError(f"record payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    head = RECORD_HEADER.pack(
        int(kind), NO_ROLE if role is None else int(role), 0, len(payload), host_time, 0
    )
    return head[:16] + struct.pack("<I", record_crc(head[:16], payload)) + payload


def json_bytes(value: Mapping[str, Any]) -> bytes:
    return json.dumps(dict(value), sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True)
class TornTail:
    """The incomplete record a crashed writer left at the end: where it starts and its bytes."""

    offset: int
    size: int
    reason: str

    def describe(self) -> str:
        """What a reader should tell the person (the recorder was probably killed mid-write)."""
        return (
            f"the last record ({self.size} bytes at byte {self.offset}) is incomplete: {self.reason}; "
            "everything before it was read (the recorder was probably stopped mid-write)"
        )
