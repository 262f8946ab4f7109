"""The dashboard's pure renderers: values in, text out, no app."""

from __future__ import annotations

import math

import pytest

from sensorbridge.posture import PostureState
from sensorbridge.ui.render import (
    SPARK_CHARS,
    bar_chart,
    format_duration,
    gauge,
    meter,
    resample_max,
    sparkline,
    timeline,
    zone_bar,
)


def test_format_duration_units() -> None:
    assert format_duration(0) == "0s"
    assert format_duration(59.9) == "59s"
    assert format_duration(65) == "1m 05s"
    assert format_duration(3600 + 7 * 60 + 3) == "1h 07m"


@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_format_duration_refuses_bad_input(bad: float) -> None:
    with pytest.raises(ValueError, match="duration"):
        format_duration(bad)


def test_gauge_zero_is_centred_and_calm() -> None:
    text = gauge(0.0, 10.0, width=21)
    assert len(text.plain) == 21
    assert text.plain[10] == "│"
    assert "█" not in text.plain
    # threshold marks sit symmetrically at limit/span of the half width
    assert text.plain.index("┊") == 10 - 4
    assert text.plain.rindex("┊") == 10 + 4


def test_gauge_fills_toward_the_sign() -> None:
    forward = gauge(12.5, 10.0, width=21).plain
    back = gauge(-12.5, 10.0, width=21).plain
    assert forward[11:16] == "█████"
    assert "█" not in forward[:10]
    assert back[5:10] == "█████"
    assert "█" not in back[11:]


def test_gauge_colour_follows_the_limit() -> None:
    def styles(value: float) -> set[str]:
        t = gauge(value, 10.0, width=21)
        return {str(span.style) for span in t.spans if "█" in t.plain[span.start : span.end]}

    assert styles(5.0) == {"green"}
    assert styles(8.0) == {"yellow"}
    assert styles(11.0) == {"red"}


def test_gauge_clips_at_the_span_and_draws_unknown_as_an_empty_track() -> None:
    assert gauge(1000.0, 10.0, width=21).plain[11:] == "█" * 10
    unknown = gauge(None, 10.0, width=21).plain
    assert "█" not in unknown
    assert len(unknown) == 21


@pytest.mark.parametrize(("limit", "span", "width"), [(0.0, None, 21), (10.0, 5.0, 21), (10.0, None, 2)])
def test_gauge_refuses_what_it_cannot_draw(limit: float, span: float | None, width: int) -> None:
    with pytest.raises(ValueError, match=r"limit|span|width"):
        gauge(1.0, limit, span=span, width=width)


def test_sparkline_scales_between_lo_and_hi() -> None:
    line = sparkline([0.0, 5.0, 10.0], 3, lo=0.0, hi=10.0)
    assert line == SPARK_CHARS[0] + SPARK_CHARS[4] + SPARK_CHARS[-1]
    assert sparkline([-50.0, 50.0], 2, lo=0.0, hi=10.0) == SPARK_CHARS[0] + SPARK_CHARS[-1]


def test_sparkline_short_history_is_right_aligned_and_gaps_are_blank() -> None:
    line = sparkline([1.0, None, 3.0], 6)
    assert line[:3] == "   "
    assert line[4] == " "
    assert line[3] == SPARK_CHARS[0]
    assert line[5] == SPARK_CHARS[-1]
    assert sparkline([], 4) == "    "


def test_sparkline_long_series_keeps_each_bins_peak() -> None:
    values: list[float | None] = [0.0] * 100
    values[57] = 9.0  # a short peak must survive the squeeze to 10 cells
    line = sparkline(values, 10)
    assert len(line) == 10
    assert line[5] == SPARK_CHARS[-1]
    assert line.count(SPARK_CHARS[-1]) == 1


def test_resample_max_bins() -> None:
    assert resample_max([1.0, 2.0, 3.0, 4.0], 2) == [2.0, 4.0]
    assert resample_max([None, None, 5.0], 3) == [None, None, 5.0]
    with pytest.raises(ValueError, match="width"):
        resample_max([1.0], 0)


def test_bar_chart_eighths_and_rows() -> None:
    rows = bar_chart([0.0, 5.0, 10.0], 2, top=10.0)
    assert rows == ["  █", " ██"]
    rows = bar_chart([1.25], 1, top=10.0)  # one eighth of a single row
    assert rows == ["▁"]
    assert bar_chart([0.0, 0.0], 3) == ["  "] * 3


def test_bar_chart_refuses_negative_amounts() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        bar_chart([1.0, -1.0], 3)


def test_timeline_takes_the_commonest_state_per_cell() -> None:
    s = PostureState
    states = [s.UPRIGHT] * 3 + [s.SLOUCHED] + [s.SLOUCHED] * 3 + [s.UPRIGHT] + [s.NO_DATA] * 4
    text = timeline(states, 3)
    assert text.plain == "██░"
    colours = [str(span.style) for span in text.spans]
    assert colours == ["green", "red", "bright_black"]


def test_meter_and_zone_bar() -> None:
    assert meter(0.5, 10) == "█████░░░░░"
    assert meter(2.0, 4) == "████"
    bar = zone_bar(15.0, (10.0, 20.0), span=30.0, width=31)
    assert bar.plain[15] == "●"
    assert bar.plain[10] == "▒"
    assert bar.plain[20] == "▒"
    assert bar.plain[21] == "─"
    with pytest.raises(ValueError, match="zone"):
        zone_bar(1.0, (20.0, 10.0), span=30.0)


def test_history_rows_fill_the_box_newest_on_the_right() -> None:
    from sensorbridge.ui.widgets.history import SCALE_DEG, history_rows

    lo, hi = SCALE_DEG
    rows = history_rows((hi, None, lo), 5, 2)
    assert len(rows) == 2
    assert all(len(r) == 5 for r in rows)
    assert [r[2] for r in rows] == ["█", "█"]  # the oldest known value, at the top of the scale
    assert rows[1][3:] == "  "  # an unknown second and the bottom of the scale draw nothing
    assert rows[0][:2] == "  "  # not yet five minutes of history: blank on the left
