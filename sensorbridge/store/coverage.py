"""Pure time-line arithmetic for summaries: clip, de-overlap, find holes, split by hour.

Segments are ``(start, end, label)`` in seconds with ``start <= end``. Nothing here touches SQLite.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

L = TypeVar("L")


@dataclass(frozen=True)
class Segment(Generic[L]):
    start: float
    end: float
    label: L
    weight: float = 1.0  # fraction of the source interval this piece keeps (for per-interval totals)


def clip_and_resolve(segments: Iterable[Segment[L]], lo: float, hi: float) -> tuple[list[Segment[L]], float]:
    """Clip to ``[lo, hi)`` and drop overlaps (the earlier-starting segment keeps the time).

    Returns the sorted, non-overlapping pieces and the seconds dropped as overlap: two sessions
    covering the same time (a live session and an import of the same day) must not count it twice.
    """
    pieces: list[Segment[L]] = []
    dropped = 0.0
    reach = lo
    for s in sorted(segments, key=lambda x: (x.start, x.end)):
        full = s.end - s.start
        a, b = max(s.start, lo), min(s.end, hi)
        if b <= a:
            continue
        if a < reach:
            dropped += min(b, reach) - a
            a = reach
        if b <= a:
            continue
        weight = s.weight * (b - a) / full if full > 0 else s.weight
        pieces.append(Segment(a, b, s.label, weight))
        reach = b
    return pieces, dropped


def union(spans: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """The union of ``spans`` as sorted, disjoint ``(start, end)`` pairs."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


# Unix seconds near 1.8e9 carry ~2e-7 s of rounding; a hole shorter than this is arithmetic, not a gap.
MIN_HOLE_S = 1e-3


def holes(spans: Sequence[tuple[float, float]], covered: Sequence[Segment[L]]) -> list[tuple[float, float]]:
    """Parts of the disjoint sorted ``spans`` not covered by the sorted, non-overlapping ``covered``
    (holes shorter than :data:`MIN_HOLE_S` are rounding and left out)."""
    out: list[tuple[float, float]] = []
    starts = [c.start for c in covered]
    for a, b in spans:
        t = a
        i = max(bisect.bisect_right(starts, a) - 1, 0)
        while i < len(covered) and covered[i].start < b:
            c = covered[i]
            if c.end > t:
                if c.start - t >= MIN_HOLE_S:
                    out.append((t, c.start))
                t = max(t, c.end)
            i += 1
        if b - t >= MIN_HOLE_S:
            out.append((t, b))
    return out


def split_at(segment: Segment[L], cuts: Sequence[float]) -> list[tuple[int, Segment[L]]]:
    """Split at the sorted ``cuts`` (hour starts); returns (index of the cut each piece starts in, piece).

    Pieces before the first cut get index -1 (callers pass cuts starting at the segment's range start).
    """
    out = []
    a = segment.start
    i = bisect.bisect_right(cuts, a) - 1
    full = segment.end - segment.start
    while a < segment.end:
        b = min(segment.end, cuts[i + 1]) if i + 1 < len(cuts) else segment.end
        w = segment.weight * (b - a) / full if full > 0 else segment.weight
        out.append((i, Segment(a, b, segment.label, w)))
        a = b
        i += 1
    return out
