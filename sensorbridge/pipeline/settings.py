"""Every tunable of the pipeline in one frozen value, with the reason for each default.

Angles are degrees and times seconds (people type these); the pipeline converts once.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sensorbridge.config import Config


@dataclass(frozen=True)
class OrientationSettings:
    """The per-node 6-axis filter (VQF). ``None`` keeps VQF's own default for that parameter."""

    tau_acc_s: float = 3.0  # VQF's default accelerometer time constant
    rest_bias_estimation: bool = True
    motion_bias_estimation: bool = True
    rest_gyro_dps: float = 2.0  # VQF's rest detection threshold (its default)
    rest_acc: float = 0.5  # m/s², VQF's default
    rest_filter_tau_s: float = 0.5  # VQF's default
    bias_sigma_rest_dps: float = 0.03  # VQF's default
    reset_after_gap_s: float = 60.0  # a longer gap may mean the clip was taken off: start afresh


@dataclass(frozen=True)
class StreamSettings:
    """How raw, possibly irregular samples become a uniform grid."""

    rate_hz: float = 104.0  # the clip's output data rate; CSV inputs are resampled to it
    max_interp_gap_s: float = 0.1  # a hole up to this long is interpolated; a longer one is a gap
    tick_hz: float = 10.0  # the rate of posture decisions: states run on ticks, not on samples
    head_wait_s: float = 2.0  # a tick waits this long (in back-clip time) for the head clip's data


@dataclass(frozen=True)
class StateSettings:
    """Thresholds that decide moving and not_worn."""

    moving_gyro_dps: float = 45.0  # a tick whose peak rate exceeds this is motion (reaching, walking)
    moving_acc: float = 1.5  # m/s² of |acc| away from 1 g: steps, standing up
    moving_hold_s: float = 1.0  # stay `moving` this long after the last motion (pauses in a reach)
    not_worn_tilt_deg: float = 60.0  # a back clip this far from neutral is lying on a desk, not worn
    not_worn_after_s: float = 10.0  # ...for this long
    not_worn_still_gyro_dps: float = 0.1  # or perfectly still (a body always moves a little)...
    not_worn_still_after_s: float = 60.0  # ...for this long


@dataclass(frozen=True)
class SlouchSettings:
    """Slouch detection users will not hate: threshold, hysteresis, dwell, motion gating, alerts."""

    angle_deg: float = 12.0  # thoracic flexion beyond neutral (evidence: about 10-15°)
    hysteresis_deg: float = 3.0  # once slouched, flexion must fall below angle - hysteresis to end it
    dwell_s: float = 30.0  # a slouch must last this long to count or alert
    merge_s: float = 5.0  # dips (and movements) shorter than this do not split a slouch
    forward_head_deg: float = 20.0  # neck flexion beyond neutral: forward head (own episodes, alerts)
    forward_head_alerts: bool = True  # with a head clip, a long forward-head spell alerts too
    drift_tau_s: float = 900.0  # the neutral follows slow settling of the clip with this time constant
    drift_cap_deg: float = 4.0  # ...but never further than this, so real slouching is never absorbed
    alert_repeat_s: float = 120.0  # while slouched, remind (stronger each time) at most this often
    alert_max_level: int = 3
    min_alert_interval_s: float = 60.0  # rate limit across episodes


@dataclass(frozen=True)
class NeckSettings:
    """The relative heading of two independent 6-axis filters drifts: its rate is measured and removed,
    what is left is measured whenever the thorax is tilted, and pulled toward zero slowly."""

    heading_tau_s: float = 600.0  # time constant of the pull toward zero rotation, only while both are still
    heading_still_gyro_dps: float = 10.0
    trunk_moving_dps: float = 20.0  # the neck's rotation is held across trunk movements faster than this
    # The filters' relative heading drift rate is learnt from ticks where the head's yaw relative to the
    # thorax is under rel_still_dps (sway is 0.1-0.5°/s, the simulator's glances several °/s), averaged
    # with drift_tau_s: VQF's rest-phase bias estimates wander on that scale. Neck rotation RMSE over 20
    # simulated cases (NOTES.md), mean: 0.7°/s 2.10°, 1.0 1.71, 1.5 1.52, 2.0 1.55, 3.0 2.03.
    drift_tau_s: float = 20.0
    rel_still_dps: float = 1.5
    # The hold across a trunk movement ends after this long without trunk movement (a walk's steps
    # dip under trunk_moving_dps; releasing at each dip took the neck's sway for a heading step).
    hold_release_s: float = 0.5
    # While the thorax is tilted (slouching, leaning) the neck's lateral flexion sees the heading
    # error; it is corrected with this time constant against the lateral flexion upright, averaged
    # over lateral_ref_tau_s; 0 turns it off. Mean neck rotation RMSE over the 20 cases (NOTES.md):
    # incline_tau_s 20 s 1.23°, 30 s 1.26°, 60 s 1.31°; lateral_ref_tau_s 30 s 1.25°, 120 s 1.27°.
    incline_tau_s: float = 30.0
    lateral_ref_tau_s: float = 60.0
    # After a slouch, the upright lateral flexion over this many seconds rechecks the reference: what
    # the rule made of a shift the filters' inclination carried through the slouch is taken out; 0: off.
    # Neck rotation RMSE mean over the 20 cases: off 1.256°, 10 s 1.235°, 20 s 1.214°, 30 s 1.227°.
    incline_recheck_s: float = 20.0
    # While the trunk turns about a horizontal axis faster than rate_min_dps, the two clips' angular
    # rates show the relative heading (angles.RateRule), weighed against the neck's own sideways rate
    # (rate_noise_dps; 0 turns the rule off); the heading's error is taken to grow by
    # heading_walk_deg_rts per √s between such moments. Neck rotation RMSE over the 20 tune cases
    # (NOTES.md), mean / max: noise 0.5°/s 0.911 / 1.51, 1 0.896 / 1.50, 2 0.886 / 1.49; walk 0.08
    # 0.889 / 1.49, 0.32 0.912 / 1.51; min 2.5°/s 0.896 / 1.50, 10 0.933 / 1.51; off 1.157 / 1.68.
    rate_min_dps: float = 5.0
    rate_noise_dps: float = 1.0
    heading_walk_deg_rts: float = 0.16


@dataclass(frozen=True)
class PipelineSettings:
    orientation: OrientationSettings = field(default_factory=OrientationSettings)
    stream: StreamSettings = field(default_factory=StreamSettings)
    states: StateSettings = field(default_factory=StateSettings)
    slouch: SlouchSettings = field(default_factory=SlouchSettings)
    neck: NeckSettings = field(default_factory=NeckSettings)

    @staticmethod
    def from_config(config: Config) -> PipelineSettings:
        """The defaults with the user's configured slouch angle and dwell."""
        s = PipelineSettings()
        slouch = replace(s.slouch, angle_deg=config.slouch_angle_deg, dwell_s=config.slouch_dwell_s)
        return replace(s, slouch=slouch)
