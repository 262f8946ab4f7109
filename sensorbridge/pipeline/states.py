"""The posture state machine, one step per tick: no_data, calibrating, not_worn, moving, slouched,
upright; slouch episodes, the capped neutral-drift tracker, snooze and escalating alerts.

A slouch starts when thoracic flexion beyond the (drift-adjusted) neutral passes ``angle_deg`` (or,
with a head clip, neck flexion passes ``forward_head_deg``), continues while it stays above the
threshold less ``hysteresis_deg``, survives dips and movement shorter than ``merge_s`` (one slouch
however it wobbles), and counts once it has lasted ``dwell_s``. The tick states handed out are
causal (upright during the dwell); when a slouch is confirmed a :class:`Relabel` marks its start,
so the record, the summary and the episodes all count it from when it really began.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sensorbridge.pipeline.settings import PipelineSettings
from sensorbridge.pipeline.values import Alert, Relabel
from sensorbridge.posture import PostureState, SlouchEpisode

STATES: tuple[PostureState, ...] = tuple(PostureState)
CODE = {s: i for i, s in enumerate(STATES)}
NO_DATA, CALIBRATING, NOT_WORN = (
    CODE[PostureState.NO_DATA],
    CODE[PostureState.CALIBRATING],
    CODE[PostureState.NOT_WORN],
)
MOVING, SLOUCHED, UPRIGHT = CODE[PostureState.MOVING], CODE[PostureState.SLOUCHED], CODE[PostureState.UPRIGHT]

MERGE_S = 10.0  # dips and movements shorter than this do not split a slouch


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


class PostureTracker:
    def __init__(self, settings: PipelineSettings) -> None:
        self.settings = settings
        self.dt = 1.0 / settings.stream.tick_hz
        self.snooze_until = -math.inf
        self.reset()

    def reset(self) -> None:
        self.moving_until = -math.inf
        self.tilt_since: float | None = None
        self.not_worn = False
        self.drift = 0.0  # degrees added to neutral flexion by the drift tracker
        self.max_drift_seen = 0.0
        self._clear_episode()
        self.last_alert_t = -math.inf

    def _clear_episode(self) -> None:
        self.ep_start: float | None = None
        self.ep_last_bad = -math.inf  # end time of the latest bad tick
        self.ep_peak = -math.inf
        self.ep_confirmed = False
        self.ep_reason = "slouch"
        self.alert_level = 0
        self.next_alert_t = math.inf

    def snooze(self, until: float) -> None:
        """No alerts before ``until`` (s, input clock); states and episodes are still recorded."""
        self.snooze_until = until

    def _end_episode(self, out: StepOutput) -> None:
        if self.ep_start is not None and self.ep_confirmed:
            out.episodes.append(SlouchEpisode(self.ep_start, self.ep_last_bad, self.ep_peak))
        self._clear_episode()

    def flush(self) -> list[SlouchEpisode]:
        """Close the open episode at the end of an input."""
        out = StepOutput(np.zeros(0, np.int8))
        self._end_episode(out)
        return out.episodes

    def step(self, x: TickInputs) -> StepOutput:
        s = self.settings
        sl, st = s.slouch, s.states
        out = StepOutput(np.empty(x.t.shape[0], np.int8))
        half = 0.5 * self.dt
        alpha = min(1.0, self.dt / sl.drift_tau_s)
        moving_gyro, moving_acc, hold = st.moving_gyro_dps, st.moving_acc, st.moving_hold_s
        columns = zip(
            x.t.tolist(),
            x.has_back.tolist(),
            x.flexion.tolist(),
            x.lateral.tolist(),
            x.neck_flexion.tolist(),
            x.gyro_dps.tolist(),
            x.acc_dev.tolist(),
            x.calibrating.tolist(),
            strict=True,
        )
        for i, (t, present, flex, lat, neck, gyro, accd, cal) in enumerate(columns):
            if self.ep_start is not None and t - half - self.ep_last_bad > MERGE_S:
                self._end_episode(out)
            if not present:
                out.states[i] = NO_DATA
                continue
            if cal:
                out.states[i] = CALIBRATING
                self.tilt_since = None
                if not self.ep_confirmed:
                    self._clear_episode()
                continue
            if abs(flex) > st.not_worn_tilt_deg or abs(lat) > st.not_worn_tilt_deg:
                if self.tilt_since is None:
                    self.tilt_since = t - half
                if not self.not_worn and t + half - self.tilt_since >= st.not_worn_after_s:
                    self.not_worn = True
                    out.relabels.append(
                        Relabel(
                            self.tilt_since,
                            t - half,
                            PostureState.NOT_WORN,
                            frozenset({PostureState.UPRIGHT, PostureState.MOVING}),
                        )
                    )
            else:
                self.tilt_since = None
                self.not_worn = False
            if self.not_worn:
                out.states[i] = NOT_WORN
                self._end_episode(out)
                continue
            if gyro > moving_gyro or accd > moving_acc:
                self.moving_until = t + hold
            if t < self.moving_until:
                out.states[i] = MOVING
                continue
            in_ep = self.ep_start is not None
            margin = sl.hysteresis_deg if in_ep else 0.0
            thoracic_bad = flex - self.drift > sl.angle_deg - margin
            head_bad = sl.forward_head_counts and neck > sl.forward_head_deg - margin
            if not (thoracic_bad or head_bad):
                out.states[i] = UPRIGHT
                if not in_ep and gyro < 10.0:
                    self.drift = max(
                        -sl.drift_cap_deg, min(sl.drift_cap_deg, self.drift + alpha * (flex - self.drift))
                    )
                    self.max_drift_seen = max(self.max_drift_seen, abs(self.drift))
                continue
            if self.ep_start is None:
                self.ep_start = t - half
                self.ep_reason = "slouch" if thoracic_bad else "forward_head"
            elif self.ep_confirmed and t - half > self.ep_last_bad + 1e-9:
                # The wobble below the threshold was part of this slouch after all.
                out.relabels.append(
                    Relabel(
                        self.ep_last_bad, t - half, PostureState.SLOUCHED, frozenset({PostureState.UPRIGHT})
                    )
                )
            self.ep_last_bad = t + half
            self.ep_peak = max(self.ep_peak, flex)
            if not self.ep_confirmed and self.ep_last_bad - self.ep_start >= sl.dwell_s - 1e-9:
                self.ep_confirmed = True
                out.relabels.append(
                    Relabel(self.ep_start, t - half, PostureState.SLOUCHED, frozenset({PostureState.UPRIGHT}))
                )
                earliest = max(self.snooze_until, self.last_alert_t + sl.min_alert_interval_s)
                self.next_alert_t = max(t, earliest)
            out.states[i] = SLOUCHED if self.ep_confirmed else UPRIGHT
            if self.ep_confirmed and t >= self.next_alert_t:
                if t < self.snooze_until:
                    self.next_alert_t = self.snooze_until
                else:
                    self.alert_level = min(self.alert_level + 1, sl.alert_max_level)
                    out.alerts.append(Alert(t, self.alert_level, self.ep_reason, self.ep_start))
                    self.last_alert_t = t
                    self.next_alert_t = t + sl.alert_repeat_s
        return out
