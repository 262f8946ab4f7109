"""Writes recordings: append-only, flushed to the OS at least once a second (see :mod:`.format`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

from sensorbridge.conventions import Role
from sensorbridge.recording.format import (
    FILE_HEADER,
    FLUSH_INTERVAL_S,
    FORMAT_VERSION,
    MAGIC,
    RecordingError,
    RecordKind,
    encode_record,
    json_bytes,
)


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
        self._buffer: list[bytes] = [FILE_HEADER.pack(MAGIC, FORMAT_VERSION, 0, 0)]
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
        self._append(encode_record(RecordKind.META, role, t, json_bytes(meta)))

    def write_event(self, type_: str, host_time: float, role: Role | None = None, **fields: Any) -> None:
        """Something that happened: ``type_`` (connect, disconnect, alert, calibrated, ...) plus fields."""
        self._append(encode_record(RecordKind.EVENT, role, host_time, json_bytes({"type": type_, **fields})))

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

    def flush_if_stale(self) -> bool:
        """Flush when the oldest buffered record has waited half the interval; the background thread
        calls this twice per interval, so nothing waits in the buffer for a whole second."""
        with self._lock:
            if self._closed or self._oldest is None:
                return False
            if self._clock() - self._oldest < FLUSH_INTERVAL_S / 2:
                return False
            self._flush_locked()
            return True

    def _flusher(self) -> None:
        while not self._stop.wait(FLUSH_INTERVAL_S / 2):
            self.flush_if_stale()

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
