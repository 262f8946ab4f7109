"""Best tuned anchors: each alternative filter scored over a small grid of its parameters, best mean kept.

The fixed rows (Madgwick gain 0.033, Mahony and imufusion at their defaults) show what a user gets out
of the box. A user who tunes the filter gets more, and a comparison against the untuned figure only
would flatter the project. These rows report the best mean over a grid scored on the very trials it
is reported on: an optimistic figure for the anchor, which is the fair direction.

The ahrs filters are Python loops (Madgwick about 17 k samples/s, Mahony about 12 k): one pass over
ten BROAD trials costs 30-50 s of CPU. So the grids are small, the fixed row's point is reused rather than
scored again, and each point runs in its own child process (:mod:`bench.isolate`), two at a time.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.anchors import (
    FUSION_GAIN,
    MADGWICK_GAIN,
    MAHONY_K_I,
    MAHONY_K_P,
    ahrs_madgwick,
    ahrs_mahony,
    imufusion_ahrs,
)
from bench.broad import BroadTrial, load_trial
from bench.isolate import run_isolated
from bench.metrics import inclination_rmse
from bench.report import Figure
from sensorbridge.conventions import FloatArray

Params = Mapping[str, float]

# Each family's estimator takes (gyr, acc, rate_hz) and its parameters as keywords.
FAMILIES: dict[str, Callable[..., FloatArray]] = {
    "madgwick": ahrs_madgwick,
    "mahony": ahrs_mahony,
    "imufusion": imufusion_ahrs,
}
# How a parameter is named in the table.
_LABELS = {"gain": "gain", "k_p": "k_P", "k_i": "k_I", "acceleration_rejection": "acceleration rejection"}
# Set by another parameter, not tuned on its own (Fusion's timeout: 5 s when rejecting, else 0).
_DERIVED = {"rejection_timeout_s"}
FUSION_TIMEOUT_S = 5.0  # Fusion's examples: reject for at most 5 s, then recover
TASK_TIMEOUT_S = 900.0  # one child; a full pass of the slowest point takes about 50 s on an idle core


@dataclass(frozen=True)
class Grid:
    """The points a family is tried at. ``fixed`` is the fixed row's point: its scores are reused."""

    family: str
    label: str  # the row: "<label>: mean inclination RMSE"
    fixed_row: str  # the name of the fixed row in bench.anchors.ANCHORS
    fixed: Params
    points: tuple[Params, ...]  # tried beside ``fixed`` in the full run
    quick_points: tuple[Params, ...]  # ... and in `make bench-quick`
    per_task: int  # points one child scores in a row (1 for the slow ahrs loops, to share the cores)
    target: str  # the figure


def fusion_point(gain: float, rejection: float) -> Params:
    """Fusion's settings for ``gain`` and an acceleration rejection threshold in degrees (0 = off)."""
    timeout = FUSION_TIMEOUT_S if rejection > 0 else 0.0
    return {"gain": gain, "acceleration_rejection": rejection, "rejection_timeout_s": timeout}


FUSION_FIXED = fusion_point(FUSION_GAIN, 0.0)
FUSION_GRID = tuple(
    p
    for p in (fusion_point(g, r) for g in (0.1, 0.2, 0.3, 0.5, 1.0) for r in (0.0, 20.0, 30.0, 45.0))
    if p != FUSION_FIXED
)

# Slowest first, so that the two child processes run out of work at about the same time.
GRIDS: tuple[Grid, ...] = (
    Grid(
        "mahony",
        "ahrs Mahony, best tuned on these trials",
        "ahrs Mahony",
        {"k_p": MAHONY_K_P, "k_i": MAHONY_K_I},
        ({"k_p": 0.2, "k_i": 0.001}, {"k_p": 0.3, "k_i": 0.001}),
        ({"k_p": 0.3, "k_i": 0.001},),
        1,
        "issue: 2.64° over 30 trials, best tuned",
    ),
    Grid(
        "madgwick",
        "ahrs Madgwick, best tuned on these trials",
        "ahrs Madgwick (gain 0.033)",
        {"gain": MADGWICK_GAIN},
        ({"gain": 0.025}, {"gain": 0.04}, {"gain": 0.05}),
        ({"gain": 0.05},),
        1,
        "issue: 1.97° over 30 trials, best tuned",
    ),
    Grid(
        "imufusion",
        "imufusion, best tuned on these trials",
        "imufusion (Fusion AHRS, no mag)",
        FUSION_FIXED,
        FUSION_GRID,
        FUSION_GRID,
        len(FUSION_GRID),
        "issue: 3.2° over 30 trials, best tuned",
    ),
)


def describe(params: Params) -> str:
    """How the table names a point: ``"k_P 0.3, k_I 0.001"``, ``"gain 0.2, acceleration rejection 30°
    (5 s timeout)"``, ``"gain 0.5, acceleration rejection off"``."""
    parts = []
    for key, value in params.items():
        if key in _DERIVED:
            continue
        if key == "acceleration_rejection":
            timeout = params.get("rejection_timeout_s", 0.0)
            text = f"{value:g}° ({timeout:g} s timeout)" if value > 0 and timeout > 0 else "off"
        else:
            text = f"{value:g}"
        parts.append(f"{_LABELS.get(key, key)} {text}")
    return ", ".join(parts)


def score(family: str, params: Params, trials: Sequence[BroadTrial]) -> dict[str, float]:
    """Inclination RMSE (degrees) per trial of ``family`` at ``params``, keyed by trial name."""
    if family not in FAMILIES:
        raise ValueError(f"unknown filter family {family!r}; known: {', '.join(FAMILIES)}")
    if not trials:
        raise ValueError("need at least one trial to score")
    estimate = FAMILIES[family]
    out = {}
    for trial in trials:
        q = estimate(trial.gyr, trial.acc, trial.rate_hz, **params)
        if q.shape != (len(trial), 4):
            raise ValueError(f"{family} returned {q.shape} quaternions for {len(trial)} samples")
        out[trial.name] = inclination_rmse(q, trial.quat, trial.movement).rmse_deg
    return out


def score_task(family: str, points: list[dict[str, float]], paths: list[str]) -> dict[str, Any]:
    """The child side (``python -m bench.child bench.tuned:score_task``): score ``points`` on the trials
    at ``paths``; returns ``{"points": [{"params", "per_trial_deg", "seconds", "cpu_seconds"}, ...]}``."""
    trials = [load_trial(Path(p)) for p in paths]
    out = []
    for params in points:
        start, cpu = time.perf_counter(), time.process_time()
        per_trial = score(family, params, trials)
        out.append(
            {
                "params": params,
                "per_trial_deg": per_trial,
                "seconds": time.perf_counter() - start,
                "cpu_seconds": time.process_time() - cpu,  # what the point costs on an idle core
            }
        )
    return {"points": out}


@dataclass(frozen=True)
class Scored:
    params: Params
    per_trial_deg: Mapping[str, float]
    seconds: float | None  # None for the fixed point, scored by the fixed row
    cpu_seconds: float | None = None

    @property
    def mean(self) -> float:
        return float(np.mean(list(self.per_trial_deg.values())))


def best(candidates: Sequence[Scored]) -> Scored:
    """The lowest mean; on a tie the earlier candidate (the fixed point comes first)."""
    if not candidates:
        raise ValueError("no candidate to choose from")
    return min(candidates, key=lambda c: c.mean)  # min keeps the first of equal keys


def at_edge(grid: Sequence[Params], chosen: Params) -> list[str]:
    """The parameters whose chosen value is the smallest or largest of three or more values the grid
    tried (a wider grid might do better there); with two values every choice is an edge, so those are
    left out, as are parameters that follow another."""
    edges = []
    for key, value in chosen.items():
        if key in _DERIVED:
            continue
        tried = {p[key] for p in grid if key in p}
        if len(tried) >= 3 and value in (min(tried), max(tried)):
            edges.append(_LABELS.get(key, key))
    return edges


@dataclass
class Pending:
    """A grid whose points are being scored in child processes."""

    grid: Grid
    futures: list[Future[dict[str, Any]]]
    quick: bool


def start(
    grids: Sequence[Grid], paths: Sequence[Path], quick: bool, pool: ThreadPoolExecutor
) -> list[Pending]:
    """Submit every grid's points to ``pool`` (each task a child process), slowest families first."""
    names = [str(p) for p in paths]
    pending = []
    for grid in grids:
        points = [dict(p) for p in (grid.quick_points if quick else grid.points)]
        chunks = [points[i : i + grid.per_task] for i in range(0, len(points), grid.per_task)]
        futures = [pool.submit(_isolated, grid.family, chunk, names) for chunk in chunks if chunk]
        pending.append(Pending(grid, futures, quick))
    return pending


def _isolated(family: str, points: list[dict[str, float]], paths: list[str]) -> dict[str, Any]:
    return run_isolated(score_task, TASK_TIMEOUT_S, family=family, points=points, paths=paths).result


def finish(pending: Pending, fixed: Figure | None) -> Figure:
    """Wait for a grid's points and build its row; ``fixed`` is the fixed row's figure (its per-trial
    scores stand for the fixed point), or None when that row failed (the grid is then scored alone).

    Raises whatever a child raised (:class:`bench.errors.BenchError` with the child's last line).
    """
    grid = pending.grid
    candidates = []
    if fixed is not None and "per_trial_deg" in fixed.details:
        candidates.append(Scored(grid.fixed, dict(fixed.details["per_trial_deg"]), None))
    for future in pending.futures:
        for point in future.result()["points"]:
            seconds, cpu = float(point["seconds"]), float(point["cpu_seconds"])
            candidates.append(Scored(point["params"], point["per_trial_deg"], seconds, cpu))
    chosen = best(candidates)
    tried = [c.params for c in candidates]
    edges = at_edge(tried, chosen.params)
    per_trial = " · ".join(f"{name.split('_', 1)[0]} {v:.2f}" for name, v in chosen.per_trial_deg.items())
    scope = f"{len(candidates)} points" + (
        " (quick: a reduced grid on the quick trials)" if pending.quick else ""
    )
    note = (
        f"chosen: {describe(chosen.params)}, best of {scope}, tuned on the same trials it is scored on "
        f"(optimistic for the anchor)"
        + (f"; at the grid's edge in {', '.join(edges)}" if edges else "")
        + f"; {grid.target}; per trial: {per_trial}"
    )
    return Figure(
        f"{grid.label}: mean inclination RMSE",
        chosen.mean,
        "°",
        note,
        details={
            "chosen": dict(chosen.params),
            "per_trial_deg": dict(chosen.per_trial_deg),
            "grid": [
                {
                    "params": dict(c.params),
                    "mean_deg": round(c.mean, 4),
                    "seconds": None if c.seconds is None else round(c.seconds, 2),
                    "cpu_seconds": None if c.cpu_seconds is None else round(c.cpu_seconds, 2),
                }
                for c in candidates
            ],
            "grid_cpu_seconds": round(sum(c.cpu_seconds or 0.0 for c in candidates), 1),
            "fixed_row": grid.fixed_row,
            "quick": pending.quick,
        },
    )
