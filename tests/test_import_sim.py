"""A simulated stretch of desk work, analysed by the real pipeline, ingested and summarised.

The simulator (with its truth) makes the clips' samples; :func:`analyze` turns them into intervals and
episodes; the store must give back, per local day, exactly what the analysis found: every figure
within 1 % or 1 s. The import starts at 01:50 on the spring DST night in Berlin and runs across the
missing hour, and a second one crosses midnight, so the figures are also checked per local day
against the analysis' own per-tick timeline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from sensorbridge.conventions import Role
from sensorbridge.pipeline.analysis import Analysis, analyze
from sensorbridge.posture import PostureState
from sensorbridge.samples import ImuBatch
from sensorbridge.sim import WearerStream
from sensorbridge.sim.truth import Truth, compute_truth
from sensorbridge.store.ingest import ingest_analysis
from sensorbridge.store.localtime import day_bounds
from sensorbridge.store.store import Store
from sensorbridge.store.summary import summarise_day

BERLIN = ZoneInfo("Europe/Berlin")
DURATION_S = 900.0
SEED = 11
KEYS = ("duration_s", "upright_s", "slouched_s", "moving_s", "not_worn_s", "no_data_s", "calibrating_s")


def _batches(stream: WearerStream) -> dict[Role, ImuBatch]:
    """All samples of each clip in SI units, stamped with the simulator's true time (one clock for both
    clips, as the recording reader's host-time mapping would give; the truth's clock differs by ppm)."""
    chunks = {r: n.next_chunk(n.samples_until(stream.duration_s)) for r, n in stream.nodes.items()}
    out = {}
    for role, ch in chunks.items():
        x = ch.raw.astype(np.float64) * stream.nodes[role].settings.lsb()
        out[role] = ImuBatch(role, ch.true_s.copy(), x[:, :3], x[:, 3:])
    return out


@pytest.fixture(scope="module")
def simulated() -> tuple[Analysis, Truth]:
    b = _batches(WearerStream.create("desk_day", seed=SEED, duration_s=DURATION_S))
    truth = compute_truth(WearerStream.create("desk_day", seed=SEED, duration_s=DURATION_S))
    return analyze(b[Role.BACK], b[Role.HEAD]), truth


@pytest.fixture
def analysis(simulated: tuple[Analysis, Truth]) -> Analysis:
    return simulated[0]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "sim.db") as s:
        yield s


def _close(got: float, want: float) -> bool:
    return abs(got - want) <= max(1.0, 0.01 * abs(want))


def _per_day(a: Analysis, start_unix: float, day: dt.date) -> dict[str, float]:
    """Seconds per state of the analysis' ticks that fall in local ``day`` (ticks stamped at their start)."""
    lo, hi = day_bounds(day, BERLIN)
    t = a.timeline.t - float(a.intervals[0].start) + start_unix
    inside = (t >= lo) & (t < hi)
    states = np.array([s.value for s in a.timeline.states()])[inside]
    out = {f"{s.value}_s": float(np.sum(states == s.value)) * a.timeline.tick_s for s in PostureState}
    out["duration_s"] = float(np.sum(inside)) * a.timeline.tick_s
    return out


def test_the_day_summary_is_what_the_analysis_found(analysis: Analysis, store: Store) -> None:
    start = dt.datetime(2026, 5, 4, 10, tzinfo=BERLIN).timestamp()
    report = ingest_analysis(
        store, analysis, start_unix=start, source="sim", recording_path="sim/desk_day.sbrec"
    )
    assert report.intervals == len(analysis.intervals)
    day = summarise_day(store, dt.date(2026, 5, 4), BERLIN)
    want = analysis.summary
    for key in KEYS:
        assert _close(getattr(day, key), getattr(want, key)), (key, getattr(day, key), getattr(want, key))
    assert day.slouch_episodes == want.slouch_episodes
    assert day.alerts == len(analysis.alerts)
    assert day.duration_s == pytest.approx(DURATION_S, abs=1.0)
    hours = (
        day.hours[10].upright_s
        + day.hours[10].slouched_s
        + day.hours[10].moving_s
        + day.hours[10].calibrating_s
    )
    assert hours == pytest.approx(day.worn_s, abs=1e-3)  # all of it in the 10:00 hour


@pytest.mark.parametrize(
    ("start", "days"),
    [
        (dt.datetime(2026, 3, 29, 1, 50, tzinfo=BERLIN), [dt.date(2026, 3, 29)]),  # across 02:00 → 03:00
        (dt.datetime(2026, 6, 1, 23, 55, tzinfo=BERLIN), [dt.date(2026, 6, 1), dt.date(2026, 6, 2)]),
    ],
)
def test_days_split_at_local_midnight(
    analysis: Analysis, store: Store, start: dt.datetime, days: list[dt.date]
) -> None:
    ingest_analysis(store, analysis, start_unix=start.timestamp())
    total = 0.0
    for day in days:
        got = summarise_day(store, day, BERLIN)
        want = _per_day(analysis, start.timestamp(), day)
        for key in KEYS:
            assert _close(getattr(got, key), want[key]), (day, key, getattr(got, key), want[key])
        total += got.duration_s
    assert total == pytest.approx(analysis.summary.duration_s, abs=1.0)
    if len(days) == 1:  # the DST night: 01:50-02:00 then 03:00-03:05 local, no 02:xx hour exists
        s = summarise_day(store, days[0], BERLIN)
        assert [h.start[11:16] for h in s.hours[1:3]] == ["01:00", "03:00"]
        first, second = s.hours[1], s.hours[2]
        seen = [sum(getattr(h, k) for k in KEYS[1:]) for h in (first, second)]
        assert seen == pytest.approx([600.0, DURATION_S - 600.0], abs=1.0)


def test_the_stored_day_agrees_with_the_simulators_truth(
    simulated: tuple[Analysis, Truth], store: Store
) -> None:
    """Store, pipeline and simulator together. The store adds no error (checked above); what is left is
    the pipeline's: slouch time within 5 % and every true episode found (issue 5's targets), moving
    time within 5 % or 2 s. Upright and calibrating differ by the calibration window: analyze's default
    (the first 12 s) is shorter than the scripted hold and bend (see the report)."""
    analysis, truth = simulated
    ingest_analysis(store, analysis, start_unix=dt.datetime(2026, 5, 5, 9, tzinfo=BERLIN).timestamp())
    day = summarise_day(store, dt.date(2026, 5, 5), BERLIN)
    want = truth.report["summary"]
    assert day.duration_s == pytest.approx(want["duration_s"], abs=1.0)
    assert day.slouched_s == pytest.approx(want["slouched_s"], rel=0.05)
    assert day.moving_s == pytest.approx(want["moving_s"], abs=max(2.0, 0.05 * want["moving_s"]))
    assert day.slouch_episodes == want["slouch_episodes"]
    worn_truth = want["upright_s"] + want["slouched_s"] + want["moving_s"] + want["calibrating_s"]
    assert day.worn_s == pytest.approx(worn_truth, abs=1.0)
