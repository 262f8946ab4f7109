"""Tick records after the fact: the timeline arrays, hindsight relabels, state intervals and the summary."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sensorbridge.conventions import FloatArray
from sensorbridge.pipeline.engine import TickFrame
from sensorbridge.pipeline.states import CODE, STATES
from sensorbridge.pipeline.values import Relabel
from sensorbridge.posture import FORWARD_HEAD_STATES, PostureState, SlouchEpisode, StateInterval

ANGLE_COLUMNS = ("thoracic_flexion", "thoracic_lateral", "neck_flexion", "neck_lateral", "neck_rotation")


@dataclass(frozen=True)
class Timeline:
    """Per-tick arrays (K,): ``t`` s (tick centres, input clock), angles in degrees (nan unknown),
    ``state`` int8 codes into :data:`~sensorbridge.pipeline.states.STATES`; ``tick_s`` the spacing."""

    t: FloatArray
    thoracic_flexion: FloatArray
    thoracic_lateral: FloatArray
    neck_flexion: FloatArray
    neck_lateral: FloatArray
    neck_rotation: FloatArray
    state: np.ndarray
    tick_s: float

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @staticmethod
    def from_frames(frames: list[TickFrame], relabels: list[Relabel], tick_s: float) -> Timeline:
        parts = [f for f in frames if len(f)]
        if not parts:
            z = np.zeros(0)
            return Timeline(z, z, z, z, z, z, np.zeros(0, np.int8), tick_s)
        t = np.concatenate([f.t for f in parts])
        state = np.concatenate([f.state for f in parts])
        apply_relabels(t, state, relabels)
        a, b, c, d, e = (np.concatenate([getattr(f, c) for f in parts]) for c in ANGLE_COLUMNS)
        return Timeline(t, a, b, c, d, e, state, tick_s)

    def states(self) -> list[PostureState]:
        return [STATES[c] for c in self.state.tolist()]

    def sample(self, hz: float) -> Timeline:
        """The timeline at ``hz`` (≤ the tick rate): the tick at each ``start + n / hz``."""
        if hz <= 0:
            raise ValueError(f"timeline rate must be positive, got {hz}")
        if not len(self):
            return self
        t0 = self.t[0] - 0.5 * self.tick_s
        times = t0 + np.arange(0.0, self.t[-1] - t0, 1.0 / hz)
        idx = np.clip(np.searchsorted(self.t + 0.5 * self.tick_s, times, side="right"), 0, len(self) - 1)
        a, b, c, d, e = (getattr(self, c)[idx] for c in ANGLE_COLUMNS)
        return Timeline(times, a, b, c, d, e, self.state[idx], 1.0 / hz)


def apply_relabels(t: FloatArray, state: np.ndarray, relabels: list[Relabel]) -> None:
    """Apply hindsight corrections in the order they were made, in place on ``state`` (K,)."""
    for r in relabels:
        lo, hi = np.searchsorted(t, [r.start, r.end])
        seg = state[lo:hi]
        allowed = np.isin(seg, [CODE[s] for s in r.from_states])
        seg[allowed] = CODE[r.to]


def intervals(tl: Timeline, forward_head_deg: float) -> list[StateInterval]:
    """Runs of one state, with angle summaries (°): one row per run, not per tick."""
    if not len(tl):
        return []
    edges = np.flatnonzero(np.diff(tl.state)) + 1
    starts = np.concatenate([[0], edges])
    ends = np.concatenate([edges, [len(tl)]])
    out: list[StateInterval] = []
    with np.errstate(invalid="ignore"):
        fh = np.nan_to_num(tl.neck_flexion, nan=-np.inf) > forward_head_deg
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        code = int(tl.state[s])
        forward = int(np.count_nonzero(fh[s:e])) if STATES[code] in FORWARD_HEAD_STATES else 0
        out.append(
            interval_of(
                tl.t[s], tl.t[e - 1], code, tl.thoracic_flexion[s:e], tl.neck_flexion[s:e], forward, tl.tick_s
            )
        )
    return out


def interval_of(
    first_t: float,
    last_t: float,
    code: int,
    flexion: FloatArray,
    neck_flexion: FloatArray,
    forward_ticks: int,
    tick_s: float,
) -> StateInterval:
    """One run of state ``code`` from the tick at ``first_t`` to the one at ``last_t`` (s, centres):
    its ticks' thoracic and neck flexion (R,) degrees, and how many ticks had the head forward."""
    half = 0.5 * tick_s
    return StateInterval(
        float(first_t - half),
        float(last_t + half),
        STATES[code],
        _mean(flexion),
        _max(flexion),
        _mean(neck_flexion),
        float(forward_ticks * tick_s),
    )


def _mean(x: FloatArray) -> float | None:
    ok = x[~np.isnan(x)]
    return round(float(ok.mean()), 3) if ok.size else None


def _max(x: FloatArray) -> float | None:
    ok = x[~np.isnan(x)]
    return round(float(ok.max()), 3) if ok.size else None


@dataclass(frozen=True)
class Summary:
    """Seconds in each state over the input, and the number of slouch episodes."""

    duration_s: float
    upright_s: float
    slouched_s: float
    moving_s: float
    not_worn_s: float
    no_data_s: float
    calibrating_s: float
    slouch_episodes: int

    @staticmethod
    def of(tl: Timeline, episodes: list[SlouchEpisode]) -> Summary:
        counts = np.bincount(tl.state.astype(np.int64), minlength=len(STATES))
        return Summary.from_counts(counts, len(tl), tl.tick_s, episodes)

    @staticmethod
    def from_counts(counts: np.ndarray, ticks: int, tick_s: float, episodes: list[SlouchEpisode]) -> Summary:
        """From the number of ticks (of ``tick_s`` seconds) in each state code, ``counts`` (S,)."""
        seconds = counts * tick_s

        def sec(s: PostureState) -> float:
            return round(float(seconds[CODE[s]]), 3)

        return Summary(
            round(ticks * tick_s, 3),
            sec(PostureState.UPRIGHT),
            sec(PostureState.SLOUCHED),
            sec(PostureState.MOVING),
            sec(PostureState.NOT_WORN),
            sec(PostureState.NO_DATA),
            sec(PostureState.CALIBRATING),
            len(episodes),
        )
