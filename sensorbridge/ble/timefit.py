"""Map a clip's microsecond clock to host seconds: offset and drift, fitted to the lower envelope.

A notification reaches the host some time after its last sample was taken: the radio's connection
interval, retries and the OS add a latency that is never negative and often large. So the points
``(device time of a packet's last sample, host receive time)`` all lie on or above the true line
``host = offset + rate · device``. The line that lies below every point and closest to them (the
classic linear-programming fit of a lower envelope) is a supporting line of their lower convex hull;
we pick the hull edge that minimises the summed vertical distance, over a sliding window, so old
points and a slowly drifting crystal age out.

Pure: no radio. Times in seconds (host) and microseconds (device).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Final

import numpy as np

WINDOW_POINTS: Final = 600  # ~100 s of packets at 104 Hz with 18 samples each: enough to see drift
# Below this device-time span a slope is mostly latency noise (1 ms over 10 s is 100 ppm): keep the
# rate fitted so far (nominal at first) and fit only the offset.
MIN_SPAN_S: Final = 10.0
# Crystals are within ±50 ppm, plus temperature and ageing; a steeper fit is an artefact.
MAX_DRIFT_PPM: Final = 200.0
REFIT_EVERY: Final = 8  # points between fits: the line moves little, and fitting costs a hull


@dataclass(frozen=True)
class ClockLine:
    """``host_s = offset_s + rate · device_us · 1e-6`` (rate 1 ± drift)."""

    offset_s: float
    rate: float = 1.0

    def host(self, device_us: float | np.ndarray) -> np.ndarray:
        return np.asarray(self.offset_s + self.rate * (np.asarray(device_us, dtype=np.float64) * 1e-6))

    @property
    def drift_ppm(self) -> float:
        return (self.rate - 1.0) * 1e6


def lower_envelope_line(device_s: np.ndarray, host_s: np.ndarray, max_drift_ppm: float) -> ClockLine:
    """The line below every point ``(device_s, host_s)`` (both (N,) s, N ≥ 1, device_s increasing)
    with the least summed vertical distance to them, its slope limited to 1 ± max_drift_ppm."""
    d = np.asarray(device_s, dtype=np.float64)
    h = np.asarray(host_s, dtype=np.float64)
    if d.ndim != 1 or d.shape != h.shape or d.size == 0:
        raise ValueError(f"need two equal (N,) arrays with N ≥ 1, got {d.shape} and {h.shape}")
    lo, hi = 1.0 - max_drift_ppm * 1e-6, 1.0 + max_drift_ppm * 1e-6
    # Work relative to the first point to keep the arithmetic well conditioned.
    d0, h0 = d[0], h[0]
    x, y = d - d0, h - h0
    hull = _lower_hull(x, y)
    best_cost, best = np.inf, (float(np.min(y - x)), 1.0)
    n, sx, sy = x.size, float(x.sum()), float(y.sum())
    candidates: list[tuple[float, float]] = []
    for i in range(len(hull) - 1):
        a, b = hull[i], hull[i + 1]
        slope = (y[b] - y[a]) / (x[b] - x[a])
        candidates.append((float(slope), float(y[a] - slope * x[a])))
    for slope in (lo, hi, 1.0):  # the clamped slopes through the hull's supporting vertex
        candidates.append((slope, float(np.min(y - slope * x))))
    for slope, icpt in candidates:
        if not lo <= slope <= hi:
            continue
        icpt = min(icpt, float(np.min(y - slope * x)))  # stay below every point
        cost = sy - n * icpt - slope * sx
        if cost < best_cost:
            best_cost, best = cost, (icpt, slope)
    icpt, slope = best
    return ClockLine(offset_s=h0 + icpt - slope * d0, rate=slope)


def _lower_hull(x: np.ndarray, y: np.ndarray) -> list[int]:
    """Indices of the lower convex hull of points sorted by x (Andrew's monotone chain)."""
    hull: list[int] = []
    for i in range(x.size):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            cross = (x[b] - x[a]) * (y[i] - y[a]) - (y[b] - y[a]) * (x[i] - x[a])
            if cross > 0:
                break
            hull.pop()
        hull.append(i)
    return hull


class ClockMapper:
    """Streaming clock map of one clip. Feed :meth:`observe` with each packet's last sample time and
    its receive time; :meth:`host` maps device µs to host s with the current line.

    On a clip reboot (:meth:`reset`) the device clock restarts from zero: the window starts over,
    the drift fitted so far is kept (same crystal) and the offset is re-anchored on the first new
    point, so mapped times continue instead of jumping back.
    """

    def __init__(self, window: int = WINDOW_POINTS, max_drift_ppm: float = MAX_DRIFT_PPM) -> None:
        self._window = window
        self._max_drift_ppm = max_drift_ppm
        self._dev: deque[float] = deque(maxlen=window)
        self._host: deque[float] = deque(maxlen=window)
        self._line: ClockLine | None = None
        self._since_fit = 0
        self._rate = 1.0
        self.resets = 0

    @property
    def line(self) -> ClockLine | None:
        return self._line

    @property
    def points(self) -> int:
        return len(self._dev)

    def observe(self, device_us: float, host_s: float) -> None:
        """One packet: device µs of its newest sample, host s when it arrived."""
        if self._dev and device_us <= self._dev[-1] * 1e6:
            return  # not newer (duplicate or reordered): adds nothing to the envelope
        self._dev.append(device_us * 1e-6)
        self._host.append(host_s)
        self._since_fit += 1
        if self._line is None:
            self._line = ClockLine(host_s - self._rate * device_us * 1e-6, self._rate)
            return
        # Between fits, a point below the line moves the line down at once (latency never < 0).
        below = self._line.offset_s + self._line.rate * device_us * 1e-6 - host_s
        if below > 0:
            self._line = ClockLine(self._line.offset_s - below, self._line.rate)
        if self._since_fit >= REFIT_EVERY:
            self._refit()

    def _refit(self) -> None:
        self._since_fit = 0
        d = np.fromiter(self._dev, np.float64)
        h = np.fromiter(self._host, np.float64)
        if d[-1] - d[0] < MIN_SPAN_S:
            self._line = ClockLine(float(np.min(h - self._rate * d)), self._rate)
            return
        self._line = lower_envelope_line(d, h, self._max_drift_ppm)
        self._rate = self._line.rate

    def host(self, device_us: float | np.ndarray) -> np.ndarray:
        if self._line is None:
            raise ValueError("no clock line yet: observe a packet first")
        return self._line.host(device_us)

    def reset(self) -> None:
        """The clip rebooted: its clock restarted. Keep the drift, forget the points."""
        self._dev.clear()
        self._host.clear()
        self._line = None
        self._since_fit = 0
        self.resets += 1
