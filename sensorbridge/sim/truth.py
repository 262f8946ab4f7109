"""Ground truth of a simulated scenario: what the pipeline is scored against.

Semantics (every rule here is what a scorer may rely on):

Clock
    All truth times are seconds on the **back clip's clock since its first sample**: the clock a
    recording reader maps device time to, and the ``t`` column of the simulator's CSV files. (True
    time differs from it by the clip's crystal error, a few tens of ppm.)

Angles (degrees, signs as :mod:`sensorbridge.conventions`)
    ``thoracic_flexion``/``thoracic_lateral``: the thorax segment's tilt angles relative to the
    neutral pose, which is upright by construction (:mod:`sensorbridge.sim.body`); turning the chair
    or walking direction changes neither. ``neck_flexion``/``neck_lateral``/``neck_rotation``: the
    head segment relative to the thorax (``R_T⁻¹ R_H`` decomposed as Rz·Ry·Rx). They include sway,
    breathing, gait and wobble. NaN where unknown: neck angles without a head clip; all angles while
    the clips are not worn (from the moment they lie on the desk until they are picked up).

States (:class:`~sensorbridge.posture.PostureState`), by priority
    ``no_data`` (only when the simulator's export was asked to lose packets: the back clip's lost
    samples, from the first to one period after the last) > ``not_worn`` (clips on a desk) >
    ``calibrating`` (from the start of the neutral hold to the end of the nod) > ``moving`` (a
    scripted gross movement: reach, stand up, walk, sit down, chair turn, taking the clips off or
    putting them on, from its first transition's start to its last one's end) > ``slouched``
    (inside a slouch episode) > ``upright``. During a stretch set the state is ``upright`` (holds
    are deliberate, and a set is never part of a slouch episode). A slouch episode runs on across a
    data gap shorter than the merge gap.

Slouch episode
    A maximal run of time, outside the higher-priority states, where the true thoracic flexion is
    at least :data:`SLOUCH_THRESHOLD_DEG`, runs separated by less than :data:`MERGE_GAP_S` joined
    into one, kept when it lasts at least :data:`SLOUCH_DWELL_S`. ``start`` is the threshold
    crossing (not the crossing plus the dwell), ``end`` the crossing back, ``peak_flexion`` the
    largest true flexion inside. Planted slouches are 16-30° deep with a wobble that stays above
    the threshold, and shorter ones (5-18 s) exist on purpose: they are not episodes and their time
    counts as ``upright``.

Forward-head episode
    The same rule on the neck flexion with :data:`FORWARD_HEAD_DEG` (only with a head clip). The
    thorax is upright then, so these are not slouch episodes.

Exercises
    One hold per plateau of a stretch (see :mod:`sensorbridge.sim.stretches`): ``start``/``end`` the
    plateau, ``seconds`` its length, ``faults`` the planted ones, ``valid`` = at least 5 s and no
    fault. Lateral flexion has a right and a left hold per rep, shoulder squeeze a back and a forward
    hold. ``set`` numbers the sets in time order (each live request is a set of one rep), ``rep`` the
    rep in its set. ``attempts`` counts holds; ``valid_reps`` counts reps whose holds are all valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sensorbridge.conventions import FloatArray, Role
from sensorbridge.posture import PostureState
from sensorbridge.sim.body import pose_at
from sensorbridge.sim.stream import WearerStream
from sensorbridge.sim.timeline import Ch, LabelKind

SLOUCH_THRESHOLD_DEG = 12.0  # the pipeline's default (config.slouch_angle_deg)
SLOUCH_DWELL_S = 30.0  # the pipeline's default (config.slouch_dwell_s)
MERGE_GAP_S = 5.0
FORWARD_HEAD_DEG = 20.0
TRUTH_HZ = 20.0
_CHUNK = 200_000

STATE_CODES: tuple[PostureState, ...] = tuple(PostureState)


@dataclass(frozen=True)
class Episode:
    start: float
    end: float
    peak: float  # degrees

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class DenseTruth:
    """Truth on a regular grid. ``t`` (N,) s on the back clip's clock; ``true_s`` (N,) scenario
    time; angles (N,) degrees (NaN where unknown); ``state`` (N,) indices into :data:`STATE_CODES`."""

    t: FloatArray
    true_s: FloatArray
    thoracic_flexion: FloatArray
    thoracic_lateral: FloatArray
    neck_flexion: FloatArray
    neck_lateral: FloatArray
    neck_rotation: FloatArray
    state: NDArray[np.uint8]

    def states(self) -> list[PostureState]:
        return [STATE_CODES[i] for i in self.state]


@dataclass(frozen=True)
class Truth:
    dense: DenseTruth
    slouch_episodes: tuple[Episode, ...]
    forward_head_episodes: tuple[Episode, ...]
    report: dict[str, Any]  # everything else, JSON-ready (see :func:`compute_truth`)


def _runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """(first, last + 1) index pairs of the True runs."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def episodes_from(
    t: FloatArray, angle_deg: FloatArray, eligible: NDArray[np.bool_], threshold: float, dwell: float
) -> list[Episode]:
    """Episodes of ``angle_deg`` >= ``threshold`` where ``eligible``, merged across gaps shorter than
    :data:`MERGE_GAP_S`, kept when at least ``dwell`` long. ``t`` (N,) s regular; arrays (N,)."""
    if not (t.shape == angle_deg.shape == eligible.shape):
        raise ValueError(f"shapes differ: {t.shape}, {angle_deg.shape}, {eligible.shape}")
    runs = _runs(eligible & (angle_deg >= threshold))
    merged: list[list[int]] = []
    for a, b in runs:
        if merged and t[a] - t[merged[-1][1] - 1] < MERGE_GAP_S:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    out = []
    for a, b in merged:
        start, end = float(t[a]), float(t[b - 1])
        if end - start >= dwell:
            out.append(Episode(start, end, float(np.max(angle_deg[a:b]))))
    return out


def _label_mask(stream: WearerStream, kind: LabelKind, true_s: FloatArray) -> NDArray[np.bool_]:
    mask = np.zeros(true_s.shape, bool)
    for lab in stream.timeline.labels:
        if lab.kind == kind:
            mask |= (true_s >= lab.start) & (true_s <= lab.end)
    return mask


def _dense(stream: WearerStream, hz: float, until: float) -> tuple[FloatArray, dict[str, FloatArray]]:
    true_s = np.arange(0.0, until, 1.0 / hz)
    cols: dict[str, list[FloatArray]] = {k: [] for k in ("tf", "tl", "nf", "nl", "nr")}
    for i in range(0, true_s.shape[0], _CHUNK):
        v = pose_at(stream.timeline, stream.osc, true_s[i : i + _CHUNK])
        for key, ch in (("tf", Ch.TH_FLEX), ("tl", Ch.TH_LAT), ("nf", Ch.NK_FLEX), ("nl", Ch.NK_LAT)):
            cols[key].append(np.degrees(v[ch]))
        cols["nr"].append(np.degrees(v[Ch.NK_ROT]))
    return true_s, {k: np.concatenate(v) if v else np.zeros(0) for k, v in cols.items()}


def compute_truth(
    stream: WearerStream,
    hz: float = TRUTH_HZ,
    until: float | None = None,
    no_data: Sequence[tuple[float, float]] = (),
) -> Truth:
    """The truth of ``stream``'s scenario from 0 to ``until`` true seconds (default: its duration).

    ``no_data``: true-time ``(start, end)`` stretches where the back clip's samples never reached
    the host (link faults); their state is ``no_data``. Works for live-steered streams too
    (requests add to the same timeline)."""
    end = stream.duration_s if until is None else until
    back = stream.node(Role.BACK).clock
    scale = 1.0 + back.errors.clock_ppm * 1e-6

    def clock(x: float | FloatArray) -> Any:
        return (x - back.start_s) * scale

    true_s, a = _dense(stream, hz, end)
    t = np.asarray(clock(true_s), dtype=np.float64)
    worn = stream.scenario.worn
    head = Role.HEAD in stream.nodes
    off = _label_mask(stream, LabelKind.NOT_WORN, true_s) | (not worn)
    for key in a:
        a[key][off] = np.nan  # no clip on the body: no angle to measure
    nan = np.full(t.shape, np.nan)
    tf, tl = a["tf"], a["tl"]
    nf, nl, nr = (a["nf"], a["nl"], a["nr"]) if head else (nan, nan, nan)

    code = {s: i for i, s in enumerate(STATE_CODES)}
    state = np.full(t.shape, code[PostureState.UPRIGHT], np.uint8)
    busy = np.zeros(t.shape, bool)
    for start, stop in no_data:
        busy |= (true_s >= start) & (true_s < stop)
    state[busy] = code[PostureState.NO_DATA]
    for kind, st in (
        (LabelKind.NOT_WORN, PostureState.NOT_WORN),
        (LabelKind.CALIBRATING, PostureState.CALIBRATING),
        (LabelKind.MOVING, PostureState.MOVING),
    ):
        m = _label_mask(stream, kind, true_s) & ~busy
        state[m] = code[st]
        busy |= m
    # Stretches are deliberate positions, never slouching: their sets are not eligible.
    eligible = ~busy & ~_label_mask(stream, LabelKind.EXERCISE, true_s)
    slouches = episodes_from(t, tf, eligible, SLOUCH_THRESHOLD_DEG, SLOUCH_DWELL_S) if worn else []
    for ep in slouches:
        state[(t >= ep.start) & (t <= ep.end)] = code[PostureState.SLOUCHED]
    fwd = episodes_from(t, nf, eligible, FORWARD_HEAD_DEG, SLOUCH_DWELL_S) if worn and head else []
    dense = DenseTruth(t, true_s, tf, tl, nf, nl, nr, state)
    report = {
        "scenario": stream.scenario.name,
        "seed": stream.seed,
        "duration_s": float(clock(end)),
        "clock": "back clip device clock, seconds since its first sample",
        "head": head,
        "worn": worn,
        "thresholds": {
            "slouch_threshold_deg": SLOUCH_THRESHOLD_DEG,
            "slouch_dwell_s": SLOUCH_DWELL_S,
            "merge_gap_s": MERGE_GAP_S,
            "forward_head_deg": FORWARD_HEAD_DEG,
        },
        "calibration": _calibration(stream, clock),
        "slouch_episodes": [_ep(e) for e in slouches],
        "forward_head_episodes": [_ep(e) for e in fwd],
        "exercises": _exercises(stream, clock, end),
        "movements": [
            {"start": float(clock(lab.start)), "end": float(clock(lab.end)), **lab.info}
            for lab in stream.timeline.labels
            if lab.kind == LabelKind.MOVING and lab.start < end
        ],
        "state_intervals": _intervals(t, state, 1.0 / hz),
        "summary": _summary(state, hz, len(slouches)),
        "nodes": {
            role.name.lower(): {
                "mounting": node.mounting.to_dict(),
                "errors": node.errors.to_dict(),
                "start_s": node.clock.start_s,
                "rate_hz": node.settings.rate_hz,
            }
            for role, node in stream.nodes.items()
        },
        "options": {
            "mounting_error_deg": stream.options.mounting_error_deg,
            "rotated_deg": stream.options.rotated_deg,
        },
    }
    return Truth(dense, tuple(slouches), tuple(fwd), report)


def _ep(e: Episode) -> dict[str, float]:
    return {"start": e.start, "end": e.end, "seconds": e.seconds, "peak_flexion": e.peak}


def _calibration(stream: WearerStream, clock: Any) -> dict[str, float] | None:
    found = {lab.kind: lab for lab in stream.timeline.labels if lab.kind.value.startswith(("calib", "mount"))}
    if LabelKind.CALIBRATING not in found:
        return None
    out = {"start": float(clock(found[LabelKind.CALIBRATING].start))}
    out["end"] = float(clock(found[LabelKind.CALIBRATING].end))
    for kind, key in ((LabelKind.CALIBRATION_HOLD, "hold"), (LabelKind.MOUNTING_MOVEMENT, "mounting")):
        if kind in found:
            out[f"{key}_start"] = float(clock(found[kind].start))
            out[f"{key}_end"] = float(clock(found[kind].end))
    return out


def _exercises(stream: WearerStream, clock: Any, end: float) -> list[dict[str, Any]]:
    """Holds grouped by exercise; a rep is identified by its set (the ``exercise`` label holding it,
    counted from 0 in time order) and its index in the set."""
    set_starts = sorted(lab.start for lab in stream.timeline.labels if lab.kind == LabelKind.EXERCISE)
    by_ex: dict[str, list[dict[str, Any]]] = {}
    for lab in stream.timeline.labels:
        if lab.kind != LabelKind.HOLD or lab.start >= end:
            continue
        hold = {
            "start": float(clock(lab.start)),
            "end": float(clock(lab.end)),
            "seconds": float(clock(lab.end) - clock(lab.start)),
            "set": int(np.searchsorted(set_starts, lab.start, side="right")) - 1,
            **lab.info,
        }
        by_ex.setdefault(str(lab.info["exercise"]), []).append(hold)
    out = []
    for ex, holds in by_ex.items():
        reps: dict[tuple[int, int], list[bool]] = {}
        for h in holds:
            reps.setdefault((int(h["set"]), int(h["rep"])), []).append(bool(h["valid"]))
        out.append(
            {
                "exercise": ex,
                "attempts": len(holds),
                "valid_holds": sum(bool(h["valid"]) for h in holds),
                "valid_reps": sum(all(v) for v in reps.values()),
                "holds": holds,
            }
        )
    return out


def _intervals(t: FloatArray, state: NDArray[np.uint8], dt: float) -> list[dict[str, Any]]:
    if t.shape[0] == 0:
        return []
    cut = np.flatnonzero(np.diff(state)) + 1
    starts = np.concatenate([[0], cut])
    ends = np.concatenate([cut, [t.shape[0]]])
    return [
        {"start": float(t[a]), "end": float(t[b - 1] + dt), "state": str(STATE_CODES[state[a]])}
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True)
    ]


def _summary(state: NDArray[np.uint8], hz: float, episodes: int) -> dict[str, float]:
    counts = np.bincount(state, minlength=len(STATE_CODES))
    out = {f"{s}_s": float(counts[i] / hz) for i, s in enumerate(STATE_CODES)}
    out["duration_s"] = float(state.shape[0] / hz)
    out["slouch_episodes"] = episodes
    return out


def save_dense(dense: DenseTruth, path: Any) -> None:
    """Write the dense truth as ``.npz`` (arrays named as the fields, plus ``state_names``)."""
    np.savez_compressed(
        path,
        t=dense.t,
        true_s=dense.true_s,
        thoracic_flexion=dense.thoracic_flexion,
        thoracic_lateral=dense.thoracic_lateral,
        neck_flexion=dense.neck_flexion,
        neck_lateral=dense.neck_lateral,
        neck_rotation=dense.neck_rotation,
        state=dense.state,
        state_names=np.array([str(s) for s in STATE_CODES]),
    )


def angles_at(stream: WearerStream, true_s: Sequence[float] | FloatArray) -> dict[str, FloatArray]:
    """True angles (degrees) at arbitrary true times, e.g. a node's sample times (``NodeChunk.true_s``)."""
    t = np.asarray(true_s, dtype=np.float64)
    v = pose_at(stream.timeline, stream.osc, t)
    return {
        "thoracic_flexion": np.degrees(v[Ch.TH_FLEX]),
        "thoracic_lateral": np.degrees(v[Ch.TH_LAT]),
        "neck_flexion": np.degrees(v[Ch.NK_FLEX]),
        "neck_lateral": np.degrees(v[Ch.NK_LAT]),
        "neck_rotation": np.degrees(v[Ch.NK_ROT]),
    }
