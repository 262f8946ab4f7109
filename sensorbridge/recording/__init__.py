"""The recording file (``.sbrec``): raw packets as received, metadata and events, append-only.

:mod:`~sensorbridge.recording.format` holds the file layout, :mod:`~sensorbridge.recording.writer`
the writer, :mod:`~sensorbridge.recording.reader` the record reader, and
:mod:`~sensorbridge.recording.nodes` decodes one node's packets into samples on the device or the
host clock, whole or in bounded chunks.
"""

from sensorbridge.recording.format import (
    FILE_HEADER_SIZE,
    FLUSH_INTERVAL_S,
    FORMAT_VERSION,
    MAGIC,
    RECORD_HEADER_SIZE,
    SUFFIX,
    CorruptRecordError,
    NewerVersionError,
    NotARecordingError,
    Record,
    RecordingError,
    RecordKind,
    TornTail,
    encode_record,
)
from sensorbridge.recording.nodes import DecodedChunk, HostClock, NodeRecording, iter_node, load_node
from sensorbridge.recording.reader import RecordingReader
from sensorbridge.recording.writer import RecordingWriter

__all__ = [
    "FILE_HEADER_SIZE",
    "FLUSH_INTERVAL_S",
    "FORMAT_VERSION",
    "MAGIC",
    "RECORD_HEADER_SIZE",
    "SUFFIX",
    "CorruptRecordError",
    "DecodedChunk",
    "HostClock",
    "NewerVersionError",
    "NodeRecording",
    "NotARecordingError",
    "Record",
    "RecordKind",
    "RecordingError",
    "RecordingReader",
    "RecordingWriter",
    "TornTail",
    "encode_record",
    "iter_node",
    "load_node",
]
