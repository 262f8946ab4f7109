"""The wearer's days and hours: local midnight to local midnight, in Unix seconds, across DST changes.

A day is 86 400 s except on a daylight-saving change (82 800 or 90 000 s in Europe). Hours are cut
every 3 600 s from local midnight, so the 25-hour day has 25 rows and the repeated local hour appears
twice (told apart by its UTC offset).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sensorbridge.store.errors import StoreError

_SYSTEM_ZONE_FILE = Path("/etc/localtime")


def local_zone(name: str | None = None) -> dt.tzinfo:
    """The zone called ``name`` (IANA, e.g. "Europe/Berlin"), else ``$TZ``, else the system's zone."""
    name = name or os.environ.get("TZ") or None
    if name:
        try:
            return ZoneInfo(name.removeprefix(":"))
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise StoreError(
                f"unknown time zone {name!r}", hint="use an IANA name such as Europe/Berlin, or unset TZ"
            ) from e
    if _SYSTEM_ZONE_FILE.exists():
        with _SYSTEM_ZONE_FILE.open("rb") as f:
            return ZoneInfo.from_file(f, key="localtime")
    # No zone database (e.g. Windows without tzdata): a fixed offset, right except across a DST change.
    return dt.datetime.now().astimezone().tzinfo or dt.UTC


def day_bounds(day: dt.date, tz: dt.tzinfo) -> tuple[float, float]:
    """Unix seconds of local midnight starting ``day`` and of the next local midnight."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start.timestamp(), end.timestamp()


def hour_starts(start: float, end: float) -> list[float]:
    """Unix seconds of each hour's start from ``start`` (a local midnight) up to ``end``."""
    out = []
    t = start
    while t < end:
        out.append(t)
        t += 3600.0
    return out


def local_date(t: float, tz: dt.tzinfo) -> dt.date:
    return dt.datetime.fromtimestamp(t, tz).date()


def iso_local(t: float, tz: dt.tzinfo) -> str:
    """``t`` as local ISO time with its offset, to the second (e.g. 2026-03-29T03:00:00+02:00)."""
    return dt.datetime.fromtimestamp(round(t), tz).isoformat()


def today(tz: dt.tzinfo) -> dt.date:
    return dt.datetime.now(tz).date()
