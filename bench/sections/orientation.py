"""Orientation accuracy on BROAD: inclination RMSE per trial and mean, per estimator.

Every estimator sees the same trials, whole, from their first sample (no warm-up cut). The metric is
the one BROAD's README defines (movement samples only, heading ignored): see :mod:`bench.metrics`.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from bench import project
from bench.anchors import ANCHORS, Estimator
from bench.attempts import Attempts
from bench.broad import BroadTrial, find_trials, load_trial
from bench.context import Context, Section
from bench.errors import Unavailable
from bench.metrics import inclination_rmse
from bench.report import Figure

QUICK_TRIALS = 2  # `make bench-quick`: the first trials only (the ahrs loops cost ~8 s per trial)

# What each row is; for the anchors, the mean the issue measured over all 30 BROAD trials (we hold 10).
NOTES = {
    "VQF offline (direct)": "issue: 0.53° over 30 trials",
    "VQF online (direct, batch 6D)": "issue: 0.72° over 30 trials",
    "ahrs Madgwick (gain 0.033)": "issue: 1.97° over 30 trials with the best tuned gain",
    "ahrs Mahony": "issue: 2.64° over 30 trials",
    "imufusion (Fusion AHRS, no mag)": "issue: 3.2° over 30 trials",
    "sensorbridge live path (packet chunks)": "the per-node stream (resampler, intrinsics, VQF) fed 18 "
    "samples per call, as the live pipeline sees packets; must equal VQF online",
    "sensorbridge offline path (acausal)": "the pipeline's offline_orientation; must equal VQF offline",
}
# The project's paths must equal VQF's: the live path VQF online, the acausal option VQF offline.
PROJECT_MATCHES = {
    "sensorbridge live path (packet chunks)": "VQF online (direct, batch 6D)",
    "sensorbridge offline path (acausal)": "VQF offline (direct)",
}


def _short(name: str) -> str:
    return name.split("_", 1)[0]


def _score(name: str, estimate: Estimator, trials: list[BroadTrial]) -> Figure:
    per_trial: dict[str, float] = {}
    seconds = 0.0
    samples = 0
    for trial in trials:
        start = time.perf_counter()
        q = estimate(trial.gyr, trial.acc, trial.rate_hz)
        seconds += time.perf_counter() - start
        samples += len(trial)
        if q.shape != (len(trial), 4):
            raise ValueError(f"{name} returned {q.shape} quaternions for {len(trial)} samples")
        err = inclination_rmse(q, trial.quat, trial.movement)
        per_trial[trial.name] = err.rmse_deg
    mean = float(np.mean(list(per_trial.values())))
    note = " · ".join(f"{_short(k)} {v:.2f}" for k, v in per_trial.items())
    target = NOTES.get(name)
    if target is not None:
        note = f"{target}; per trial: {note}"
    return Figure(
        f"{name}: mean inclination RMSE",
        mean,
        "°",
        note,
        details={
            "per_trial_deg": per_trial,
            "seconds": round(seconds, 3),
            "samples_per_second": round(samples / seconds) if seconds > 0 else None,
        },
    )


def _matches(figures: list[Figure]) -> list[Figure]:
    """How far each project path is from the VQF call it must equal: the largest per-trial difference."""
    by_name = {f.name.split(": ")[0]: f for f in figures if "per_trial_deg" in f.details}
    out = []
    for ours, theirs in PROJECT_MATCHES.items():
        if ours in by_name and theirs in by_name:
            a, b = by_name[ours].details["per_trial_deg"], by_name[theirs].details["per_trial_deg"]
            worst = max(abs(a[k] - b[k]) for k in a)
            out.append(
                Figure(
                    f"{ours} vs {theirs}: largest per-trial difference",
                    worst,
                    "°",
                    "the issue asks for equal accuracy",
                )
            )
    return out


def run(ctx: Context) -> list[Figure]:
    paths = find_trials(ctx.broad)
    if ctx.quick:
        paths = paths[:QUICK_TRIALS]
    trials = [load_trial(p) for p in paths]
    movement = sum(int(t.movement.sum()) for t in trials)
    no_truth = sum(int((t.movement & np.isnan(t.quat).any(axis=1)).sum()) for t in trials)
    figures = [
        Figure(
            "BROAD trials scored",
            len(trials),
            "trials",
            f"{movement} movement samples, {no_truth} of them without optical truth (NaN: left out)",
            details={"trials": [t.name for t in trials]},
        )
    ]
    estimators: dict[str, Estimator | Unavailable] = {**ANCHORS, **project.orientation_estimators()}
    attempts = Attempts()
    for name, est in estimators.items():
        print(f"bench:   orientation: {name}", file=sys.stderr, flush=True)
        if isinstance(est, Unavailable):
            figures.append(Figure.unavailable(f"{name}: mean inclination RMSE", est.reason, "°"))
        elif (fig := attempts.run(name, _score, name, est, trials)) is not None:
            figures.append(fig)
    figures.extend(_matches(figures))
    return attempts.finish(figures)


SECTION = Section("orientation", "Orientation accuracy (BROAD)", run)
