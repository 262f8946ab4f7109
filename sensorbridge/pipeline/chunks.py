"""Time-ordered pieces of a two-clip input, and the fixed steps the offline engine is fed in.

A *piece* is ``(back, head)``: consecutive samples of each clip (either may be empty; ``head`` is None
without a head clip) such that every sample of a piece is at or after every sample of the pieces
before it. :func:`merge_in_time` makes such pieces from each clip's own chunk stream (a recording's
nodes decoded chunk by chunk); :class:`TimeSteps` cuts them into the engine's steps of ``chunk_s``
seconds on a grid from the input's first sample, the same steps whatever the piece sizes, so an
analysis of pieces equals the analysis of the whole input. Memory: a piece or two per clip.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from sensorbridge.conventions import Role
from sensorbridge.samples import ImuBatch

Piece = tuple[ImuBatch, ImuBatch | None]


def empty_batch(role: Role) -> ImuBatch:
    return ImuBatch(role, np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3)))


def merge_in_time(back: Iterator[ImuBatch], head: Iterator[ImuBatch] | None) -> Iterator[Piece]:
    """Pieces from each clip's chunks (each clip's own time order): each piece ends where the clip
    whose buffered samples end first ends, so the other clip's later samples wait for the next piece.
    Holds at most one chunk per clip besides the piece it yields."""
    sources: dict[Role, Iterator[ImuBatch]] = {Role.BACK: back} | ({Role.HEAD: head} if head else {})
    held = {role: empty_batch(role) for role in sources}
    live = set(sources)
    while True:
        for role in sorted(live):
            while role in live and not len(held[role]):
                nxt = next(sources[role], None)
                if nxt is None:
                    live.discard(role)
                elif nxt.role is not role:
                    raise ValueError(f"a {nxt.role.name.lower()} chunk among the {role.name.lower()} clip's")
                else:
                    held[role] = nxt
        if not any(len(b) for b in held.values()):
            return
        # Every later chunk of a clip still streaming starts after its held samples end.
        cut = min((float(held[r].t[-1]) for r in live), default=math.inf)
        out: dict[Role, ImuBatch] = {}
        for role, batch in held.items():
            n = int(np.searchsorted(batch.t, cut, side="right"))
            out[role] = ImuBatch(role, batch.t[:n], batch.acc[:n], batch.gyr[:n])
            held[role] = ImuBatch(role, batch.t[n:], batch.acc[n:], batch.gyr[n:])
        yield out[Role.BACK], out.get(Role.HEAD)


def step_edge(origin: float, chunk_s: float, k: int) -> float:
    """The start (s) of step ``k`` on the grid ``origin + k · chunk_s``, as ``np.arange`` computes it."""
    if k == 0:
        return origin
    if k == 1:
        return origin + chunk_s
    # np.arange fills start + i · (second − first): the same floats as the whole-input grid.
    return origin + k * ((origin + chunk_s) - origin)


class TimeSteps:
    """Buffers time-ordered pieces and hands out the samples of each step ``[lo, hi)`` (s) once no later
    piece can add to it. Steps lie on the grid ``origin + k · chunk_s`` (computed as ``np.arange``
    computes it), ``origin`` being the first sample of either clip."""

    def __init__(self, roles: tuple[Role, ...], chunk_s: float) -> None:
        if not chunk_s > 0:
            raise ValueError(f"chunk_s must be > 0, got {chunk_s}")
        self.chunk_s = chunk_s
        self.buf = {role: empty_batch(role) for role in roles}
        self.pos = dict.fromkeys(roles, 0)  # samples of buf already handed out
        self.high = -math.inf  # the latest sample seen: no later piece holds anything before it
        self.origin: float | None = None
        self.k = 0  # the next step

    def add(self, piece: Piece) -> None:
        """Buffer a piece; raises ValueError when it reaches back before the pieces already added."""
        back, head = piece
        high = self.high
        for role, batch in ((Role.BACK, back), (Role.HEAD, head)):
            if batch is None or not len(batch):
                continue
            if batch.role is not role or role not in self.buf:
                raise ValueError(
                    f"a piece must be (back, head) batches, got a {batch.role.name.lower()} batch"
                )
            if float(batch.t[0]) < self.high:
                raise ValueError(
                    f"pieces out of time order: a {role.name.lower()} sample at {float(batch.t[0]):.3f} s "
                    f"after one at {self.high:.3f} s"
                )
            rest = self.buf[role]
            p = self.pos[role]
            kept = ImuBatch(role, rest.t[p:], rest.acc[p:], rest.gyr[p:])
            self.buf[role] = ImuBatch.concat([kept, batch]) if len(kept) else batch
            self.pos[role] = 0
            high = max(high, float(batch.t[-1]))
        self.high = high

    def buffered(self, role: Role) -> ImuBatch:
        """The samples of ``role`` not yet handed out."""
        b, p = self.buf[role], self.pos[role]
        return ImuBatch(role, b.t[p:], b.acc[p:], b.gyr[p:])

    def _edge(self, k: int) -> float:
        assert self.origin is not None
        return step_edge(self.origin, self.chunk_s, k)

    def steps(self, *, final: bool) -> Iterator[tuple[float, float, dict[Role, ImuBatch]]]:
        """``(lo, hi, samples per role in [lo, hi))`` for every step that is complete (all of them
        up to the last sample with ``final``)."""
        if self.origin is None:
            firsts = [float(b.t[0]) for b in self.buf.values() if len(b)]
            if not firsts:
                return
            self.origin = min(firsts)
        while True:
            lo, hi = self._edge(self.k), self._edge(self.k + 1)
            if not (hi <= self.high or (final and lo <= self.high)):
                return
            self.k += 1
            parts = {}
            for role, b in self.buf.items():
                p = self.pos[role]
                n = p + int(np.searchsorted(b.t[p:], hi))
                parts[role] = ImuBatch(role, b.t[p:n], b.acc[p:n], b.gyr[p:n])
                self.pos[role] = n
            yield lo, hi, parts
