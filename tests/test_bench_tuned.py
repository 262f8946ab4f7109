"""The best tuned anchor rows: grids scored in child processes on BROAD excerpts (tests/data/broad)."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import scipy.io

from bench import tuned
from bench.anchors import ANCHORS, ahrs_madgwick, ahrs_mahony, imufusion_ahrs
from bench.broad import BroadTrial, find_trials, load_trial
from bench.errors import BenchError
from bench.report import Figure, SectionResult, Status, markdown_table
from bench.sections.orientation import _score
from sensorbridge.conventions import FloatArray

EXCERPTS = sorted((Path(__file__).parent / "data" / "broad").glob("*_excerpt.npz"))


def _as_mat(src: Path, folder: Path) -> Path:
    """An excerpt written as a BROAD .mat trial, as the bench reads them."""
    d = np.load(src)
    path = folder / f"{src.stem}.mat"
    scipy.io.savemat(
        path,
        {
            "imu_gyr": d["imu_gyr"].astype(np.float64),
            "imu_acc": d["imu_acc"].astype(np.float64),
            "opt_quat": d["opt_quat"].astype(np.float64),
            "movement": d["movement"].astype(np.uint8).reshape(-1, 1),
            "sampling_rate": np.array([[float(d["sampling_rate"])]]),
        },
    )
    return path


@pytest.fixture(scope="module")
def broad(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("broad")
    for src in EXCERPTS:
        _as_mat(src, folder)
    return folder


@pytest.fixture(scope="module")
def trials(broad: Path) -> list[BroadTrial]:
    return [load_trial(p) for p in find_trials(broad)]


def _grid(family: str, fixed_row: str, fixed: tuned.Params, points: tuple[tuned.Params, ...]) -> tuned.Grid:
    return tuned.Grid(family, f"{family} tuned", fixed_row, fixed, points, points[:1], 1, "issue: test")


def _tune(grid: tuned.Grid, broad: Path, fixed: Figure | None, quick: bool = False) -> Figure:
    with ThreadPoolExecutor(max_workers=2) as pool:
        (pending,) = tuned.start([grid], find_trials(broad), quick, pool)
        return tuned.finish(pending, fixed)


def test_the_fixed_rows_are_the_grids_fixed_points(trials: list[BroadTrial]) -> None:
    """The grid reuses the fixed row's scores for its fixed point, so both must be the same filter."""
    trial = trials[0]
    for grid in tuned.GRIDS:
        fixed_row = ANCHORS[grid.fixed_row](trial.gyr, trial.acc, trial.rate_hz)
        at_point = tuned.FAMILIES[grid.family](trial.gyr, trial.acc, trial.rate_hz, **grid.fixed)
        np.testing.assert_array_equal(at_point, fixed_row, err_msg=grid.label)


@pytest.mark.parametrize(
    ("family", "fixed_row", "fixed", "points"),
    [
        ("madgwick", "ahrs Madgwick (gain 0.033)", {"gain": 0.033}, ({"gain": 0.01}, {"gain": 0.1})),
        ("mahony", "ahrs Mahony", {"k_p": 1.0, "k_i": 0.3}, ({"k_p": 0.5, "k_i": 0.001},)),
        (
            "imufusion",
            "imufusion (Fusion AHRS, no mag)",
            tuned.FUSION_FIXED,
            (tuned.fusion_point(0.2, 0.0), tuned.fusion_point(0.2, 30.0)),
        ),
    ],
)
def test_the_tuned_row_is_never_worse_than_the_fixed_one_on_the_same_trials(
    family: str,
    fixed_row: str,
    fixed: tuned.Params,
    points: tuple[tuned.Params, ...],
    broad: Path,
    trials: list[BroadTrial],
) -> None:
    fixed_fig = _score(fixed_row, ANCHORS[fixed_row], trials)
    fig = _tune(_grid(family, fixed_row, fixed, points), broad, fixed_fig)
    assert fig.value is not None
    assert fixed_fig.value is not None
    assert fig.value <= fixed_fig.value
    assert set(fig.details["per_trial_deg"]) == {t.name for t in trials}
    grid = fig.details["grid"]
    assert len(grid) == 1 + len(points)
    assert grid[0]["params"] == dict(fixed)
    assert grid[0]["seconds"] is None  # the fixed point is reused, not scored again
    assert all(g["cpu_seconds"] > 0 for g in grid[1:])
    assert fig.details["grid_cpu_seconds"] == pytest.approx(sum(g["cpu_seconds"] for g in grid[1:]), abs=0.2)
    assert fig.value == pytest.approx(min(g["mean_deg"] for g in grid), abs=1e-4)
    assert f"chosen: {tuned.describe(fig.details['chosen'])}" in fig.note


def test_a_grid_point_better_than_the_default_is_chosen_and_printed(
    broad: Path, trials: list[BroadTrial]
) -> None:
    """On the excerpts Fusion's gain 1 beats its default 0.5 (0.71° against 0.83° mean): the row takes
    it, its scores are a direct call's, and the table names it."""
    fixed_row = "imufusion (Fusion AHRS, no mag)"
    fixed_fig = _score(fixed_row, ANCHORS[fixed_row], trials)
    point = tuned.fusion_point(1.0, 0.0)
    fig = _tune(_grid("imufusion", fixed_row, tuned.FUSION_FIXED, (point,)), broad, fixed_fig)
    assert fig.details["chosen"] == point
    assert fig.value is not None
    assert fixed_fig.value is not None
    assert fig.value < fixed_fig.value - 0.05
    assert tuned.score("imufusion", point, trials) == pytest.approx(fig.details["per_trial_deg"], abs=1e-12)
    table = markdown_table([SectionResult("orientation", "Orientation accuracy (BROAD)", Status.OK, (fig,))])
    assert (
        "| imufusion tuned: mean inclination RMSE | 0.714 ° | chosen: gain 1, acceleration rejection off"
        in table
    )
    assert "tuned on the same trials it is scored on (optimistic for the anchor)" in table


def test_without_the_fixed_row_the_grid_is_scored_alone(broad: Path) -> None:
    fig = _tune(_grid("imufusion", "x", tuned.FUSION_FIXED, (tuned.fusion_point(0.3, 0.0),)), broad, None)
    assert [g["params"] for g in fig.details["grid"]] == [tuned.fusion_point(0.3, 0.0)]
    assert "chosen: gain 0.3, acceleration rejection off" in fig.note


def test_the_quick_run_scores_the_reduced_grid_and_says_so(broad: Path) -> None:
    grid = _grid(
        "imufusion", "x", tuned.FUSION_FIXED, (tuned.fusion_point(0.3, 0.0), tuned.fusion_point(1.0, 0.0))
    )
    fig = _tune(grid, broad, None, quick=True)
    assert len(fig.details["grid"]) == 1
    assert fig.details["quick"] is True
    assert "a reduced grid on the quick trials" in fig.note


def test_a_failing_grid_point_is_reported_with_the_childs_reason(broad: Path) -> None:
    grid = _grid("kalman", "x", {}, ({"gain": 1.0},))
    with pytest.raises(BenchError, match="unknown filter family 'kalman'"):
        _tune(grid, broad, None)


def test_best_keeps_the_earlier_of_equal_means_and_at_edge_flags_the_grids_bounds() -> None:
    a = tuned.Scored({"gain": 0.033}, {"t": 1.0}, None)
    b = tuned.Scored({"gain": 0.05}, {"t": 1.0}, 1.0)
    c = tuned.Scored({"gain": 0.1}, {"t": 2.0}, 1.0)
    assert tuned.best([a, b, c]) is a
    assert tuned.best([c, b, a]) is b
    with pytest.raises(ValueError, match="no candidate"):
        tuned.best([])
    grid = [{"k_p": 0.3, "k_i": 0.01}, {"k_p": 1.0, "k_i": 0.01}, {"k_p": 0.5, "k_i": 0.3}]
    assert tuned.at_edge(grid, {"k_p": 0.5, "k_i": 0.3}) == []  # k_I: two values, no edge to speak of
    assert tuned.at_edge(grid, {"k_p": 0.3, "k_i": 0.01}) == ["k_P"]
    grid.append({"k_p": 0.5, "k_i": 0.001})
    assert tuned.at_edge(grid, {"k_p": 1.0, "k_i": 0.01}) == ["k_P"]
    assert tuned.at_edge(grid, {"k_p": 0.5, "k_i": 0.001}) == ["k_I"]
    assert tuned.at_edge([{"gain": 0.1}], {"gain": 0.1}) == []
    fusion = [tuned.fusion_point(g, r) for g in (0.2, 0.5, 1.0) for r in (0.0, 30.0, 45.0)]
    assert tuned.at_edge(fusion, tuned.fusion_point(0.5, 30.0)) == []  # the timeout follows the rejection


def test_describe_names_each_parameter_as_the_table_shows_it() -> None:
    assert tuned.describe({"gain": 0.04}) == "gain 0.04"
    assert tuned.describe({"k_p": 0.3, "k_i": 0.01}) == "k_P 0.3, k_I 0.01"
    assert tuned.describe(tuned.fusion_point(0.2, 0.0)) == "gain 0.2, acceleration rejection off"
    assert (
        tuned.describe(tuned.fusion_point(0.2, 30.0)) == "gain 0.2, acceleration rejection 30° (5 s timeout)"
    )


def test_the_shipped_grids_hold_no_duplicate_and_quick_points_come_from_the_full_grid() -> None:
    for grid in tuned.GRIDS:
        points = [grid.fixed, *grid.points]
        assert len({tuple(sorted(p.items())) for p in points}) == len(points), grid.label
        assert grid.quick_points, grid.label
        assert all(q in grid.points for q in grid.quick_points), grid.label
        assert grid.fixed_row in ANCHORS, grid.label


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda g, a: ahrs_madgwick(g, a, 100.0, gain=0.0), "Madgwick gain must be a finite positive"),
        (lambda g, a: ahrs_mahony(g, a, 100.0, k_p=1.0, k_i=0.0), "Mahony k_I must be a finite positive"),
        (
            lambda g, a: imufusion_ahrs(g, a, 100.0, gain=float("nan")),
            "Fusion gain must be a finite positive",
        ),
        (
            lambda g, a: imufusion_ahrs(g, a, 100.0, acceleration_rejection=200.0),
            "acceleration rejection must be 0..180",
        ),
    ],
)
def test_bad_parameters_are_refused_with_the_reason(
    call: Callable[[FloatArray, FloatArray], object], message: str
) -> None:
    gyr, acc = np.zeros((10, 3)), np.tile([0.0, 0.0, 9.81], (10, 1))
    with pytest.raises(ValueError, match=message):
        call(gyr, acc)


def test_score_refuses_an_unknown_family_and_no_trials(trials: list[BroadTrial]) -> None:
    with pytest.raises(ValueError, match="unknown filter family"):
        tuned.score("kalman", {}, trials)
    with pytest.raises(ValueError, match="at least one trial"):
        tuned.score("madgwick", {"gain": 0.033}, [])


def test_the_rows_use_the_same_inclination_error_as_the_project(trials: list[BroadTrial]) -> None:
    """bench.metrics and the pipeline's BROAD helper define the error alike (BROAD's README)."""
    from sensorbridge.pipeline.broad import inclination_rmse_deg

    scores = tuned.score("imufusion", tuned.FUSION_FIXED, trials)
    for trial in trials:
        q = imufusion_ahrs(trial.gyr, trial.acc, trial.rate_hz)
        assert scores[trial.name] == pytest.approx(
            inclination_rmse_deg(q, trial.quat, trial.movement), rel=1e-12
        )
