"""The posture state machine, one step per tick: no_data, calibrating, not_worn, moving, slouched,
upright; slouch and forward-head episodes, the capped neutral-drift tracker, snooze and alerts.

A slouch starts when thoracic flexion beyond the (drift-adjusted) neutral reaches ``angle_deg``,
continues while it stays above ``angle_deg - hysteresis_deg``, survives dips and movements shorter
than ``merge_s`` (one slouch however it wobbles), and counts once it has lasted ``dwell_s``. The tick
states handed out are causal (upright during the dwell); when a slouch is confirmed a
:class:`Relabel` marks it from its start, so the record, the summary and the episodes all count it
from when it really began. With a head clip, neck flexion beyond ``forward_head_deg`` is tracked the
same way as forward-head episodes: they alert, but the state stays what the thorax says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sensorbridge.pipeline.settings import PipelineSettings, SlouchSettings
from sensorbridge.pipeline.values import Alert, Relabel
from sensorbridge.posture import PostureState, SlouchEpisode

STATES: tuple[PostureState, ...] = tuple(PostureState)
CODE = {s: i for i, s in enumerate(STATES)}
NO_DATA = CODE[PostureState.NO_DATA]
CALIBRATING = CODE[PostureState.CALIBRATING]
NOT_WORN = CODE[PostureState.NOT_WORN]
MOVING = CODE[PostureState.MOVING]
SLOUCHED = CODE[PostureState.SLOUCHED]
UPRIGHT = CODE[PostureState.UPRIGHT]
_UPRIGHT_ONLY = frozenset({PostureState.UPRIGHT})


@dataclass(frozen=True)
class TickInputs:
    """Per-tick inputs, (K,) arrays: times (s, tick centres), back present, angles (°, nan unknown),
    the back clip's peak rate (°/s) and peak | |acc| - g | (m/s²), and the calibrating flag."""

    t: np.ndarray
    has_back: np.ndarray
    flexion: np.ndarray
    lateral: np.ndarray
    neck_flexion: np.ndarray
    gyro_dps: np.ndarray
    acc_dev: np.ndarray
    calibrating: np.ndarray


@dataclass
class StepOutput:
    states: np.ndarray  # (K,) int8 codes into STATES
    relabels: list[Relabel] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    episodes: list[SlouchEpisode] = field(default_factory=list)
    forward_head: list[SlouchEpisode] = field(default_factory=list)


class EpisodeDetector:
    """Threshold with hysteresis, dwell and merging, on one angle; escalating, rate-limited alerts."""

    def __init__(self, threshold: float, s: SlouchSettings, reason: str) -> None:
        self.threshold = threshold
        self.s = s
        self.reason = reason
        self.clear()

    def clear(self) -> None:
        self.start: float | None = None
        self.last_bad = -math.inf  # end time of the latest bad tick
        self.peak = -math.inf
        self.confirmed = False
        self.level = 0
        self.next_alert = math.inf

    def expire(self, tick_start: float, out: list[SlouchEpisode]) -> None:
        """End the episode if it has not been bad for ``merge_s``."""
        if self.start is not None and tick_start - self.last_bad >= self.s.merge_s:
            self.end(out)

    def end(self, out: list[SlouchEpisode]) -> None:
        if self.start is not None and self.confirmed:
            out.append(SlouchEpisode(self.start, self.last_bad, self.peak))
        self.clear()

    def bad(self, value: float) -> bool:
        margin = self.s.hysteresis_deg if self.start is not None else 0.0
        return value >= self.threshold - margin

    def mark(self, t0: float, t1: float, value: float, relabels: list[Relabel] | None) -> None:
        """A bad tick ``[t0, t1)``; ``relabels`` receives the hindsight corrections (None: none)."""
        if self.start is None:
            self.start = t0
        elif self.confirmed and t0 > self.last_bad + 1e-9 and relabels is not None:
            relabels.append(Relabel(self.last_bad, t0, PostureState.SLOUCHED, _UPRIGHT_ONLY))
        self.last_bad = t1
        self.peak = max(self.peak, value)
        if not self.confirmed and t1 - self.start >= self.s.dwell_s - 1e-9:
            self.confirmed = True
            if relabels is not None:
                relabels.append(Relabel(self.start, t0, PostureState.SLOUCHED, _UPRIGHT_ONLY))
            self.next_alert = t0

    def alert(self, t: float, gate: AlertGate, out: list[Alert]) -> None:
        if not self.confirmed or t < self.next_alert:
            return
        allowed = gate.allowed_from()
        if t < allowed:
            self.next_alert = allowed
            return
        self.level = min(self.level + 1, self.s.alert_max_level)
        assert self.start is not None
        out.append(Alert(t, self.level, self.reason, self.start))
        gate.last = t
        self.next_alert = t + self.s.alert_repeat_s


@dataclass
class AlertGate:
    """Rate limit shared by every alert, and snooze."""

    min_interval_s: float
    last: float = -math.inf
    snooze_until: float = -math.inf

    def allowed_from(self) -> float:
        return max(self.snooze_until, self.last + self.min_interval_s)


class PostureTracker:
    def __init__(self, settings: PipelineSettings) -> None:
        self.settings = settings
        self.dt = 1.0 / settings.stream.tick_hz
        sl = settings.slouch
        self.gate = AlertGate(sl.min_alert_interval_s)
        self.slouch = EpisodeDetector(sl.angle_deg, sl, "slouch")
        self.head = EpisodeDetector(sl.forward_head_deg, sl, "forward_head")
        self.moving_until = -math.inf
        self.tilt_since: float | None = None
        self.not_worn = False
        self.drift = 0.0  # degrees added to neutral flexion by the drift tracker
        self.max_drift_seen = 0.0

    def snooze(self, until: float) -> None:
        """No alerts before ``until`` (s, input clock); states and episodes are still recorded."""
        self.gate.snooze_until = until

    def flush(self) -> StepOutput:
        """Close open episodes at the end of an input."""
        out = StepOutput(np.zeros(0, np.int8))
        self.slouch.end(out.episodes)
        self.head.end(out.forward_head)
        return out

    def step(self, x: TickInputs) -> StepOutput:
        st, sl = self.settings.states, self.settings.slouch
        n = x.t.shape[0]
        out = StepOutput(np.full(n, UPRIGHT, np.int8))
        states = out.states
        half = 0.5 * self.dt
        alpha = min(1.0, self.dt / sl.drift_tau_s)
        cap = sl.drift_cap_deg
        tilt_lim = st.not_worn_tilt_deg
        # Ticks that cannot change anything but the drift while nothing is open: upright, fast path.
        # Ticks that can only extend a confirmed slouch: slouched, second fast path.
        with np.errstate(invalid="ignore"):
            neck_quiet = (
                ~(x.neck_flexion >= sl.forward_head_deg - sl.hysteresis_deg) | ~sl.forward_head_alerts
            )
            calm = (
                x.has_back
                & ~x.calibrating
                & (np.abs(x.flexion) <= tilt_lim)
                & (np.abs(x.lateral) <= tilt_lim)
                & (x.gyro_dps <= st.moving_gyro_dps)
                & (x.acc_dev <= st.moving_acc)
                & neck_quiet
            )
            quiet = calm & (x.flexion < sl.angle_deg - sl.hysteresis_deg - cap)
            slouching = calm & (x.flexion >= sl.angle_deg - sl.hysteresis_deg + cap)
        still = x.gyro_dps < 10.0
        t_list, flex_list = x.t.tolist(), x.flexion.tolist()
        lat_list, neck_list = x.lateral.tolist(), x.neck_flexion.tolist()
        gyro_list, acc_list = x.gyro_dps.tolist(), x.acc_dev.tolist()
        present_list, cal_list = x.has_back.tolist(), x.calibrating.tolist()
        drift = self.drift
        idle = self._idle()
        ep = self.slouch
        code = zip(t_list, quiet.tolist(), slouching.tolist(), still.tolist(), flex_list, strict=True)
        for i, (t, q, sx, sti, flex) in enumerate(code):
            if q and idle and t >= self.moving_until:
                if sti:
                    d = drift + alpha * (flex - drift)
                    drift = cap if d > cap else (-cap if d < -cap else d)
                continue
            if (
                sx
                and ep.confirmed
                and t < ep.next_alert
                and t >= self.moving_until
                and abs(t - half - ep.last_bad) < 1e-6
                and self.head.start is None
                and self.tilt_since is None
            ):
                ep.last_bad = t + half
                if flex > ep.peak:
                    ep.peak = flex
                states[i] = SLOUCHED
                continue
            self.drift = drift
            states[i] = self._slow(t, half, present_list[i], cal_list[i], flex, lat_list[i], neck_list[i],
                                   gyro_list[i], acc_list[i], out)  # fmt: skip
            drift = self.drift
            idle = self._idle()
        self.drift = drift
        self.max_drift_seen = max(self.max_drift_seen, abs(drift))
        return out

    def relabel_horizon(self) -> float:
        """The earliest tick time (s) a later :class:`Relabel` can reach: ticks before it are final.
        An unconfirmed slouch may be relabelled from its start, a confirmed one from its last bad
        tick (a dip it merges), a tilt not yet called not-worn from where it began; nothing else
        reaches back before the tick being processed (inf: every tick handed out is final)."""
        out = math.inf
        ep = self.slouch
        if ep.start is not None:
            out = ep.last_bad if ep.confirmed else ep.start
        if self.tilt_since is not None and not self.not_worn:
            out = min(out, self.tilt_since)
        return out

    def _idle(self) -> bool:
        return (
            self.slouch.start is None
            and self.head.start is None
            and self.tilt_since is None
            and not self.not_worn
        )

    def _slow(
        self,
        t: float,
        half: float,
        present: bool,
        cal: bool,
        flex: float,
        lat: float,
        neck: float,
        gyro: float,
        accd: float,
        out: StepOutput,
    ) -> int:
        """One tick the fast path could not take; returns its state code."""
        st, sl = self.settings.states, self.settings.slouch
        slouch, head = self.slouch, self.head
        t0, t1 = t - half, t + half
        slouch.expire(t0, out.episodes)
        head.expire(t0, out.forward_head)
        if not present:
            return NO_DATA
        if cal:
            self.tilt_since = None
            slouch.end(out.episodes)
            head.end(out.forward_head)
            return CALIBRATING
        if abs(flex) > st.not_worn_tilt_deg or abs(lat) > st.not_worn_tilt_deg:
            if self.tilt_since is None:
                self.tilt_since = t0
            if not self.not_worn and t1 - self.tilt_since >= st.not_worn_after_s:
                self.not_worn = True
                out.relabels.append(
                    Relabel(
                        self.tilt_since,
                        t0,
                        PostureState.NOT_WORN,
                        frozenset({PostureState.UPRIGHT, PostureState.MOVING, PostureState.SLOUCHED}),
                    )
                )
        else:
            self.tilt_since = None
            self.not_worn = False
        if self.not_worn:
            slouch.clear()
            head.clear()
            return NOT_WORN
        if gyro > st.moving_gyro_dps or accd > st.moving_acc:
            self.moving_until = t + st.moving_hold_s
        if t < self.moving_until:
            return MOVING
        if sl.forward_head_alerts and not math.isnan(neck) and head.bad(neck):
            head.mark(t0, t1, neck, None)
            head.alert(t, self.gate, out.alerts)
        if slouch.bad(flex - self.drift):
            slouch.mark(t0, t1, flex, out.relabels)
            slouch.alert(t, self.gate, out.alerts)
            return SLOUCHED if slouch.confirmed else UPRIGHT
        if slouch.start is None and gyro < 10.0:
            cap = sl.drift_cap_deg
            alpha = min(1.0, self.dt / sl.drift_tau_s)
            self.drift = max(-cap, min(cap, self.drift + alpha * (flex - self.drift)))
        return UPRIGHT
