"""The live pipeline: chunks of samples as packets arrive in, posture samples and events out.

It is a thin shell over :class:`~sensorbridge.pipeline.engine.Engine`, the same engine offline
analysis runs, so a day's summary matches what the wearer saw. ``update`` returns the posture at each
decision tick (10 Hz by default) that became final; everything else (gaps, alerts, hindsight relabels,
finished slouch episodes, exercise progress, calibration results) queues up for :meth:`drain`.

Live calibration: :meth:`start_calibration` marks ``[start, start + seconds)`` as calibrating and
buffers the clips' raw samples; once the back clip's data passes the end, the procedure runs and its
calibration applies from then on (a refusal keeps the previous one and says why).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

from calibration.model import ClipCalibration
from sensorbridge.conventions import Role
from sensorbridge.pipeline.analysis import DEFAULT_CALIBRATION_S, calibrate_window
from sensorbridge.pipeline.engine import Engine, EngineOutput
from sensorbridge.pipeline.exercises import spec_for
from sensorbridge.pipeline.settings import PipelineSettings
from sensorbridge.pipeline.states import STATES
from sensorbridge.pipeline.values import Alert, CalibrationResult, ExerciseProgress, ExerciseReport, Relabel
from sensorbridge.posture import Angles, PostureSample, SlouchEpisode
from sensorbridge.samples import Gap, ImuBatch


@dataclass
class LiveEvents:
    """What happened since the last :meth:`LivePipeline.drain`, in order of occurrence per kind."""

    gaps: list[Gap] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    relabels: list[Relabel] = field(default_factory=list)
    episodes: list[SlouchEpisode] = field(default_factory=list)
    forward_head: list[SlouchEpisode] = field(default_factory=list)
    exercise: list[ExerciseProgress] = field(default_factory=list)
    calibration: list[CalibrationResult] = field(default_factory=list)


def _opt(x: float) -> float | None:
    return None if math.isnan(x) else round(x, 3)


class LivePipeline:
    def __init__(
        self,
        settings: PipelineSettings | None = None,
        calibrations: Mapping[Role, ClipCalibration] | None = None,
        *,
        expect_head: bool = False,
    ) -> None:
        self.settings = settings or PipelineSettings()
        self.engine = Engine(self.settings, calibrations, expect_head=expect_head)
        self._events = LiveEvents()
        self._cal_window: tuple[float, float] | None = None
        self._cal_buffers: dict[Role, list[ImuBatch]] = {}
        self.latest: PostureSample | None = None

    @property
    def calibrations(self) -> dict[Role, ClipCalibration]:
        return dict(self.engine.calibrations)

    def update(self, batch: ImuBatch) -> list[PostureSample]:
        """Feed one chunk of one clip (host time, SI units, sensor frame); the ticks now final."""
        if self._cal_window is not None:
            self._buffer_calibration(batch)
        return self._take(self.engine.push(batch))

    def finish(self) -> list[PostureSample]:
        """The stream ended: flush what is open (the last tick, an open slouch)."""
        return self._take(self.engine.finish())

    def drain(self) -> LiveEvents:
        events, self._events = self._events, LiveEvents()
        return events

    def snooze(self, until: float) -> None:
        """No alerts before ``until`` (s, host time)."""
        self.engine.tracker.snooze(until)

    def start_exercise(self, name: str) -> None:
        spec_for(name)
        self.engine.set_exercise(name)

    def stop_exercise(self) -> ExerciseReport | None:
        machine = self.engine.exercise
        if machine is None:
            return None
        self._events.exercise.extend(machine.finish())
        self.engine.set_exercise(None)
        return machine.report()

    def start_calibration(self, start: float, seconds: float = DEFAULT_CALIBRATION_S) -> None:
        """Calibrate on the samples in ``[start, start + seconds)`` (s, host time)."""
        self._cal_window = (start, start + seconds)
        self._cal_buffers = {}
        self.engine.calibrating.append(self._cal_window)

    def mark_calibrating(self, start: float, end: float) -> None:
        """Label ``[start, end)`` (s) as calibrating without running the procedure (e.g. a replay whose
        calibration is already known), as offline analysis does for its calibration window."""
        self.engine.calibrating.append((start, end))

    def _buffer_calibration(self, batch: ImuBatch) -> None:
        assert self._cal_window is not None
        _start, end = self._cal_window
        self._cal_buffers.setdefault(batch.role, []).append(batch)
        if batch.role is Role.BACK and len(batch) and batch.t[-1] >= end:
            merged = {r: ImuBatch.concat(b) for r, b in self._cal_buffers.items()}
            result, cals = calibrate_window(merged, self._cal_window, self.engine.calibrations)
            for role in result.roles:  # the clips that calibrated; a refused one keeps its old one
                self.engine.set_calibration(cals[role])
            self._events.calibration.append(result)
            self._cal_window = None
            self._cal_buffers = {}

    def _take(self, out: EngineOutput) -> list[PostureSample]:
        ev = self._events
        ev.gaps.extend(out.gaps)
        ev.alerts.extend(out.alerts)
        ev.relabels.extend(out.relabels)
        ev.episodes.extend(out.episodes)
        ev.forward_head.extend(out.forward_head)
        ev.exercise.extend(out.exercise)
        f = out.frame
        samples = [
            PostureSample(t, Angles(_opt(a), _opt(b), _opt(c), _opt(d), _opt(e)), STATES[s])
            for t, a, b, c, d, e, s in zip(
                f.t.tolist(),
                f.thoracic_flexion.tolist(),
                f.thoracic_lateral.tolist(),
                f.neck_flexion.tolist(),
                f.neck_lateral.tolist(),
                f.neck_rotation.tolist(),
                f.state.tolist(),
                strict=True,
            )
        ]
        if samples:
            self.latest = samples[-1]
        return samples
