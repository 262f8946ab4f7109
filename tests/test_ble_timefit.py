"""The clock map: a lower-envelope fit recovers offset and drift through one-sided radio latency."""

from __future__ import annotations

import numpy as np
import pytest

from sensorbridge.ble.timefit import ClockMapper, lower_envelope_line


def _packets(rng: np.random.Generator, seconds: float, drift_ppm: float, offset_s: float, latency_s: float):
    """(device µs of each packet's last sample, host receive s): 104 Hz, 18 samples a packet."""
    dev_us = np.arange(1, int(seconds * 104 / 18)) * 18 * 1e6 / 104
    true_host = offset_s + dev_us * 1e-6 / (1 + drift_ppm * 1e-6)
    # Latency: mostly a few ms, sometimes a long retry, never negative.
    lat = rng.exponential(latency_s, dev_us.size) + np.where(rng.random(dev_us.size) < 0.05, 0.08, 0.0)
    return dev_us, true_host + lat


@pytest.mark.parametrize("drift_ppm", [-80.0, 0.0, 45.0])
def test_envelope_recovers_drift_and_offset(drift_ppm: float) -> None:
    rng = np.random.default_rng(4)
    dev_us, host = _packets(rng, 120.0, drift_ppm, 1_700_000_000.0, 0.006)
    mapper = ClockMapper()
    for d, h in zip(dev_us, host, strict=True):
        mapper.observe(float(d), float(h))
    truth = 1_700_000_000.0 + dev_us * 1e-6 / (1 + drift_ppm * 1e-6)
    err = mapper.host(dev_us[-200:]) - truth[-200:]
    assert np.max(np.abs(err)) < 0.002  # 2 ms, while the latency itself averages 6 ms
    assert mapper.line is not None
    assert mapper.line.drift_ppm == pytest.approx(-drift_ppm, abs=15.0)


def test_fit_is_never_above_a_point() -> None:
    rng = np.random.default_rng(9)
    dev_us, host = _packets(rng, 60.0, 30.0, 50.0, 0.01)
    line = lower_envelope_line(dev_us * 1e-6, host, 2000.0)
    assert np.all(line.host(dev_us) <= host + 1e-9)


def test_reset_keeps_the_drift_and_re_anchors() -> None:
    rng = np.random.default_rng(2)
    dev_us, host = _packets(rng, 100.0, 60.0, 10.0, 0.004)
    mapper = ClockMapper()
    for d, h in zip(dev_us, host, strict=True):
        mapper.observe(float(d), float(h))
    assert mapper.line is not None
    rate = mapper.line.rate
    mapper.reset()
    assert mapper.line is None
    assert mapper.resets == 1
    mapper.observe(173_077.0, 500.0)
    assert mapper.line is not None
    assert mapper.line.rate == rate
    assert float(mapper.host(173_077.0)) == pytest.approx(500.0)


def test_bad_input_raises() -> None:
    with pytest.raises(ValueError, match="equal"):
        lower_envelope_line(np.zeros(3), np.zeros(4), 100.0)
    with pytest.raises(ValueError, match="observe"):
        ClockMapper().host(0.0)
