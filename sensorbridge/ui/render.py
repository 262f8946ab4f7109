"""Pure rendering: values in, Rich ``Text`` or strings out. No app needed to test them.

Every function checks its arguments and raises ``ValueError`` on a shape it cannot draw, rather
than drawing something misleading.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text

from sensorbridge.posture import PostureState

SPARK_CHARS = "▁▂▃▄▅▆▇█"
BAR_EIGHTHS = " ▁▂▃▄▅▆▇█"

STATE_WORDS: dict[PostureState, str] = {
    PostureState.UPRIGHT: "Upright",
    PostureState.SLOUCHED: "Slouching",
    PostureState.MOVING: "Moving",
    PostureState.NOT_WORN: "Not worn",
    PostureState.NO_DATA: "No data",
    PostureState.CALIBRATING: "Calibrating",
}

# Colours are theme variables where Textual CSS uses them; Rich Text needs concrete colours.
STATE_COLOURS: dict[PostureState, str] = {
    PostureState.UPRIGHT: "green",
    PostureState.SLOUCHED: "red",
    PostureState.MOVING: "cyan",
    PostureState.NOT_WORN: "bright_black",
    PostureState.NO_DATA: "bright_black",
    PostureState.CALIBRATING: "yellow",
}


def format_duration(seconds: float) -> str:
    """``"42s"``, ``"4m 05s"``, ``"2h 07m"``; negative or non-finite input raises."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a duration must be finite and >= 0, got {seconds}")
    s = int(seconds)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {(s % 3600) // 60:02d}m"


def _check_width(width: int) -> None:
    if width < 3:
        raise ValueError(f"width must be at least 3 cells, got {width}")


def gauge(value: float | None, limit: float, *, span: float | None = None, width: int = 31) -> Text:
    """A centred bar for a signed angle (degrees): zero in the middle, the fill runs toward the sign.

    ``limit`` (> 0) marks where the angle becomes a problem (``┊`` on both sides); ``span`` is the
    angle at the ends (default 2.5 × limit). Calm within the limit, yellow near it, red past it.
    An unknown value (``None``) draws an empty track.
    """
    _check_width(width)
    if not limit > 0:
        raise ValueError(f"limit must be > 0 degrees, got {limit}")
    span = 2.5 * limit if span is None else span
    if not span > limit:
        raise ValueError(f"span ({span}) must exceed the limit ({limit})")
    half = (width - 1) // 2
    cells = [" "] * (2 * half + 1)
    mark = min(half, round(half * limit / span))
    cells[half] = "│"
    cells[half - mark] = "┊"
    cells[half + mark] = "┊"
    text = Text()
    if value is None or not math.isfinite(value):
        text.append("".join(cells).replace(" ", "·"), style="bright_black")
        return text
    magnitude = abs(value)
    style = "red" if magnitude > limit else ("yellow" if magnitude > 0.75 * limit else "green")
    n = min(half, round(half * magnitude / span))
    lo, hi = (half + 1, half + 1 + n) if value > 0 else (half - n, half)
    track = "".join("·" if ch == " " else ch for ch in cells)
    # Three runs, not one span per cell: a frame renders runs, and runs are what cost.
    text.append(track[:lo], style="bright_black")
    text.append("█" * (hi - lo), style=style)
    text.append(track[hi:], style="bright_black")
    return text


def resample_max(values: Sequence[float | None], width: int) -> list[float | None]:
    """``width`` bins over ``values``, each the largest known value in it (``None`` if none)."""
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    n = len(values)
    if n == 0:
        return [None] * width
    out: list[float | None] = []
    for b in range(width):
        lo = b * n // width
        hi = max(lo + 1, (b + 1) * n // width)
        known = [v for v in values[lo:hi] if v is not None and math.isfinite(v)]
        out.append(max(known) if known else None)
    return out


def sparkline(
    values: Sequence[float | None], width: int, *, lo: float | None = None, hi: float | None = None
) -> str:
    """One line of block characters, ``width`` cells: unknown values are blanks.

    ``lo``/``hi`` fix the scale (values outside are clipped); by default the known values set it.
    Fewer values than cells are drawn right-aligned, as a scrolling history fills from the right.
    """
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    if len(values) < width:
        pad: list[float | None] = [None] * (width - len(values))
        bins = pad + list(values)
    else:
        bins = resample_max(values, width)
    known = [v for v in bins if v is not None and math.isfinite(v)]
    if not known:
        return " " * width
    low = min(known) if lo is None else lo
    high = max(known) if hi is None else hi
    if high < low:
        raise ValueError(f"hi ({high}) is below lo ({low})")
    top = len(SPARK_CHARS) - 1
    chars = []
    for v in bins:
        if v is None or not math.isfinite(v):
            chars.append(" ")
            continue
        frac = 0.0 if high == low else (min(max(v, low), high) - low) / (high - low)
        chars.append(SPARK_CHARS[round(frac * top)])
    return "".join(chars)


def bar_chart(values: Sequence[float], height: int, *, top: float | None = None) -> list[str]:
    """Vertical bars, one column per value, as ``height`` strings from the top row down.

    Eighth-block characters give each bar a resolution of ``height × 8`` steps; ``top`` is the value
    of a full column (default: the largest value). Negative values raise: these are amounts.
    """
    if height < 1:
        raise ValueError(f"height must be >= 1, got {height}")
    if any(not math.isfinite(v) or v < 0 for v in values):
        raise ValueError("bar values must be finite and >= 0")
    full = max(values, default=0.0) if top is None else top
    rows = [[" "] * len(values) for _ in range(height)]
    if full <= 0:
        return ["".join(r) for r in rows]
    for col, v in enumerate(values):
        eighths = round(min(v, full) / full * height * 8)
        for row in range(height):
            level = min(8, max(0, eighths - 8 * row))  # row 0 is the bottom
            rows[height - 1 - row][col] = BAR_EIGHTHS[level]
    return ["".join(r) for r in rows]


def timeline(states: Sequence[PostureState], width: int) -> Text:
    """A day's states as ``width`` coloured cells; each cell shows the most common state in it."""
    if width < 1:
        raise ValueError(f"width must be >= 1, got {width}")
    text = Text()
    n = len(states)
    for b in range(width):
        if n == 0:
            text.append(" ")
            continue
        lo = b * n // width
        chunk = states[lo : max(lo + 1, (b + 1) * n // width)]
        state = max(set(chunk), key=lambda s: (chunk.count(s), s.value))
        no_wear = state in (PostureState.NO_DATA, PostureState.NOT_WORN)
        text.append("░" if no_wear else "█", style=STATE_COLOURS[state])
    return text


def meter(fraction: float, width: int) -> str:
    """A left-to-right fill for a fraction in 0..1 (clipped), e.g. the stillness meter."""
    _check_width(width)
    if not math.isfinite(fraction):
        raise ValueError(f"fraction must be finite, got {fraction}")
    n = round(min(max(fraction, 0.0), 1.0) * width)
    return "█" * n + "░" * (width - n)


def zone_bar(value: float | None, zone: tuple[float, float], *, span: float, width: int = 41) -> Text:
    """Where the wearer is (``●``) against the target zone (shaded) on a 0..``span`` degree scale."""
    _check_width(width)
    lo, hi = zone
    if not 0 <= lo < hi <= span:
        raise ValueError(f"zone {zone} must lie within 0..{span} and be non-empty")

    def cell(angle: float) -> int:
        return min(width - 1, max(0, round(angle / span * (width - 1))))

    text = Text()
    pos = None if value is None or not math.isfinite(value) else cell(abs(value))
    in_zone = value is not None and lo <= abs(value) <= hi
    for i in range(width):
        if i == pos:
            text.append("●", style="bold green" if in_zone else "bold yellow")
        elif cell(lo) <= i <= cell(hi):
            text.append("▒", style="green")
        else:
            text.append("─", style="bright_black")
    return text
