"""The live pipeline as the live engine sees it, keeping on the way what the dashboard shows.

:class:`PipelineTap` forwards ``update`` and ``drain`` to the :class:`LivePipeline` and keeps the
latest posture, today's totals, the per-second history, alerts, stretch progress and calibration
results. Storing is the live engine's job (its store sink sees the same ticks and events).
Angles in degrees, times in seconds on the samples' host clock.
"""

from __future__ import annotations

import collections

import numpy as np

from calibration.model import ClipCalibration
from sensorbridge.conventions import Role
from sensorbridge.pipeline.live import LiveEvents, LivePipeline
from sensorbridge.pipeline.values import CalibrationResult, ExerciseProgress
from sensorbridge.posture import PostureSample, PostureState
from sensorbridge.samples import ImuBatch
from sensorbridge.ui.model import HISTORY_SECONDS, AlertView, Totals


class PipelineTap:
    """The pipeline as the live engine sees it, keeping what the dashboard shows on the way."""

    def __init__(self, pipeline: LivePipeline, slouch_deg: float, totals: Totals | None = None) -> None:
        self.pipeline = pipeline
        self.slouch_deg = slouch_deg
        self.latest: PostureSample | None = None
        self.totals = totals or Totals()  # today so far: earlier sessions, then this one
        self.history: collections.deque[float | None] = collections.deque(maxlen=HISTORY_SECONDS)
        self._next_second: float | None = None
        self.over_since: float | None = None
        self.alerts: list[AlertView] = []
        self.progress: ExerciseProgress | None = None
        self.hold_start: float | None = None  # when the current hold entered the band (host s)
        self.set_faults: set[str] = set()  # every fault named so far in the current set
        self.calibration_results: list[CalibrationResult] = []
        self.gyro_dps = 0.0  # back clip's recent rotation rate, for the stillness meter
        self.samples = 0

    def update(self, batch: ImuBatch) -> list[PostureSample]:
        self.samples += len(batch)
        if batch.role is Role.BACK and len(batch):
            self.gyro_dps = float(np.degrees(np.sqrt(np.mean(np.sum(batch.gyr**2, axis=1)))))
        out = self.pipeline.update(batch)
        for sample in out:
            self._count(sample)
        return out

    def finish(self) -> list[PostureSample]:
        """The stream ended: the pipeline's open tick (the live engine hands it to its store sink)."""
        out = self.pipeline.finish()
        for sample in out:
            self._count(sample)
        return out

    @property
    def calibrations(self) -> dict[Role, ClipCalibration]:
        """The pipeline's calibrations in force (the live engine stores new ones through its sink)."""
        return self.pipeline.calibrations

    def drain(self) -> LiveEvents:
        events = self.pipeline.drain()
        for alert in events.alerts:
            minutes = max(0.0, alert.t - alert.episode_start) / 60.0
            what = "your head is forward" if alert.reason == "forward_head" else "you are slouching"
            text = f"For {minutes:.1f} min {what}: sit tall, shoulders down and back."
            self.alerts.append(AlertView(len(self.alerts) + 1, alert.t, text, alert.level))
        for progress in events.exercise:
            holding = progress.phase == "holding"
            if holding and (self.progress is None or self.progress.phase != "holding"):
                self.hold_start = progress.t
            elif not holding:
                self.hold_start = None
            self.set_faults.update(progress.faults)
            self.progress = progress
        self.calibration_results.extend(events.calibration)
        return events

    def _count(self, s: PostureSample) -> None:
        prev = self.latest
        dt = 0.0 if prev is None else min(1.0, max(0.0, s.t - prev.t))  # a gap is not counted as time
        worn = s.state in (PostureState.UPRIGHT, PostureState.SLOUCHED, PostureState.MOVING)
        new_episode = s.state is PostureState.SLOUCHED and (prev is None or prev.state is not s.state)
        t = self.totals
        self.totals = Totals(
            worn_s=t.worn_s + (dt if worn else 0.0),
            upright_s=t.upright_s + (dt if s.state is PostureState.UPRIGHT else 0.0),
            slouched_s=t.slouched_s + (dt if s.state is PostureState.SLOUCHED else 0.0),
            episodes=t.episodes + new_episode,
        )
        flex = s.angles.thoracic_flexion
        if flex is not None and flex > self.slouch_deg and worn:
            self.over_since = s.t if self.over_since is None else self.over_since
        else:
            self.over_since = None
        if self._next_second is None:
            self._next_second = s.t
        while s.t >= self._next_second:
            self.history.append(flex if worn else None)
            self._next_second += 1.0
        self.latest = s
