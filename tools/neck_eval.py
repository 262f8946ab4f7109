"""Neck-angle accuracy on the simulator's desk days: the cases behind the neck-rotation tables in
sensorbridge/pipeline/NOTES.md. Run from the repository's root:

    .venv/bin/python tools/neck_eval.py [--set tune|holdout|unseen|all] [--jobs 2] [--acausal]

Prints each case's RMSE (°) of the five angles and the neck rotation's mean, max and count at or over
1.5°. ``tune`` holds the 20 cases the heading tracker's settings were chosen on; ``holdout`` 9 cases
that were only checked afterwards (tuning on them would hide overfitting); ``unseen`` 11 cases first
run once every setting of session 4 was fixed, never used to choose anything; ``all`` is tune and
holdout. ``--acausal`` scores the
re-analysis with hindsight (``analyze(acausal=True)``) instead of the live path.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

sys.path.insert(0, os.getcwd())  # the checkout's own sensorbridge and tests

Case = tuple[str, int, dict[str, float | bool]]
M15 = {"mounting_error_deg": 15.0}
R30 = {"rotated_deg": 30.0}
_SHORT_TUNE: list[tuple[int, dict[str, float]]] = [
    (1, {}), (2, M15), (3, R30), (5, {}), (11, {}), (12, {}), (13, {}), (14, M15), (15, M15), (16, R30),
    (17, R30), (21, {}), (22, {}), (23, M15), (24, R30), (25, {}), (26, M15),
]  # fmt: skip
_SHORT_HOLDOUT: list[tuple[int, dict[str, float]]] = [
    (51, {}), (52, M15), (53, R30), (54, {}), (55, M15), (56, R30), (57, {}), (58, {}),
]  # fmt: skip
TUNE: list[Case] = [("desk_short", s, o) for s, o in _SHORT_TUNE] + [
    ("desk_day", s, {}) for s in (31, 32, 33)
]
HOLDOUT: list[Case] = [("desk_short", s, o) for s, o in _SHORT_HOLDOUT] + [("desk_day", 61, {})]
_SHORT_UNSEEN: list[tuple[int, dict[str, float]]] = [
    (71, {}), (72, M15), (73, R30), (74, {}), (75, M15), (76, R30), (77, {}), (78, {}), (79, M15), (80, R30),
]  # fmt: skip
UNSEEN: list[Case] = [("desk_short", s, o) for s, o in _SHORT_UNSEEN] + [("desk_day", 81, {})]


def one(case: Case) -> tuple[Case, dict[str, float]]:
    from tests.test_pipeline_sim import ANGLES, rmse, run

    scenario, seed, options = case
    r = run(scenario, seed, **options)  # options may carry acausal=True
    return case, {c: rmse(r.analysis.timeline, r.truth, c) for c in ANGLES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("tune", "holdout", "unseen", "all"), default="tune")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--acausal", action="store_true", help="score the re-analysis with hindsight")
    args = parser.parse_args()
    cases = {"tune": TUNE, "holdout": HOLDOUT, "unseen": UNSEEN, "all": TUNE + HOLDOUT}[args.set]
    if args.acausal:
        cases = [(scenario, seed, {**options, "acausal": True}) for scenario, seed, options in cases]
    start = time.time()
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(one, cases))
    print(f"{'case':34s} thF   thL   nkF   nkL   nkRot")
    for (scenario, seed, options), r in results:
        name = f"{scenario} {seed} {' '.join(f'{k}={v:g}' for k, v in options.items())}"
        print(f"{name:34s} " + " ".join(f"{v:5.2f}" for v in r.values()))
    rot = np.array([r["neck_rotation"] for _, r in results])
    print(
        f"neck_rotation mean {rot.mean():.3f} max {rot.max():.3f} over1.5 {(rot >= 1.5).sum()}/{rot.size}"
        f"  ({time.time() - start:.0f}s)"
    )


if __name__ == "__main__":
    main()
