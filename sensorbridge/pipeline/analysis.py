"""Offline analysis of a whole recording: the same streaming engine as live, fed in time-ordered
chunks, so the result matches what the wearer saw live, with memory bounded by the chunk size (the
result grows: the per-tick timeline at the tick rate, or with ``timeline_hz`` only that timeline and
one interval per state run).

Calibration: with ``calibration_window=(start, end)`` (seconds on the input's clock) the procedure of
:mod:`calibration.procedure` runs on each clip's samples in that window (a neutral hold, then the
optional bend/nod) and its result applies to the whole input (hindsight is allowed offline); ticks
inside the window are ``calibrating``. With ``None`` the documented default is used: stored
``calibrations`` if given, otherwise the first :data:`DEFAULT_CALIBRATION_S` seconds of the input. A
refused calibration falls back to the nominal mounting and says why in ``Analysis.calibration``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from calibration.errors import CalibrationError
from calibration.model import ClipCalibration
from calibration.procedure import calibrate_clip
from sensorbridge.conventions import FloatArray, Role
from sensorbridge.pipeline.angles import HeadingTracker
from sensorbridge.pipeline.chunks import Piece, TimeSteps, step_edge
from sensorbridge.pipeline.engine import Engine, EngineOutput
from sensorbridge.pipeline.exercises import spec_for
from sensorbridge.pipeline.heading_smoother import HeadingLog, HeadingPlan, smooth
from sensorbridge.pipeline.orientation import OrientationOutput
from sensorbridge.pipeline.settings import PipelineSettings
from sensorbridge.pipeline.timeline import ANGLE_COLUMNS, Summary, Timeline
from sensorbridge.pipeline.timeline_builder import TimelineBuilder
from sensorbridge.pipeline.values import Alert, CalibrationResult, ExerciseReport
from sensorbridge.posture import SlouchEpisode, StateInterval
from sensorbridge.samples import Gap, ImuBatch

# The guided procedure, as the dashboard leads it and the simulator performs it: settle, hold the neutral
# pose still for 10 s, bend forward slowly and come back, nod; 25 s in all.
DEFAULT_CALIBRATION_S = 25.0
CHUNK_S = 300.0  # seconds of input per engine step offline (fewer, longer numpy calls; same result)
# Gaps are listed minute by minute of input (each minute the head clip's, then the back clip's), the
# order the engine found them in when it stepped by a minute, so the list does not depend on CHUNK_S.
GAP_REPORT_S = 60.0

QuaternionSink = Callable[[Role, FloatArray, FloatArray], None]


@dataclass(frozen=True)
class Analysis:
    calibration: CalibrationResult
    calibrations: dict[Role, ClipCalibration]
    timeline: Timeline  # per tick, or at ``timeline_hz`` when only that was kept
    intervals: list[StateInterval]
    slouch_episodes: list[SlouchEpisode]
    forward_head_episodes: list[SlouchEpisode]
    exercises: list[ExerciseReport]
    summary: Summary
    gaps: list[Gap] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    samples: dict[str, int] = field(default_factory=dict)  # per role: samples read and filtered
    heading_correction_deg: float = 0.0  # the largest relative-heading correction of the neck
    timeline_hz: float | None = None  # the rate the timeline was kept at; None: per tick
    acausal: bool = False  # with hindsight (VQF offline, the neck's heading smoothed): not the live result

    def to_dict(self, timeline_hz: float = 1.0) -> dict[str, Any]:
        """The JSON document of ``sensorbridge analyze``: degrees, seconds on the input's clock.
        Raises ValueError for a ``timeline_hz`` other than the one an analysis kept its timeline at."""
        if self.timeline_hz is None:
            tl = self.timeline.sample(timeline_hz)
        elif timeline_hz == self.timeline_hz:
            tl = self.timeline
        else:
            raise ValueError(
                f"this analysis kept its timeline at {self.timeline_hz:g} Hz, not {timeline_hz:g} Hz"
            )
        timeline: dict[str, Any] = {"t": _floats(tl.t, 3)}
        for c in ANGLE_COLUMNS:
            timeline[c] = _floats(getattr(tl, c), 2)
        timeline["state"] = [s.value for s in tl.states()]
        cal = self.calibration
        return {
            "method": "acausal" if self.acausal else "live",
            "calibration": {"ok": cal.ok, "start": cal.start, "end": cal.end, "message": cal.message},
            "timeline": timeline,
            "slouch_episodes": [
                {"start": round(e.start, 3), "end": round(e.end, 3), "peak_flexion": round(e.peak_flexion, 2)}
                for e in self.slouch_episodes
            ],
            "forward_head_episodes": [
                {
                    "start": round(e.start, 3),
                    "end": round(e.end, 3),
                    "peak_neck_flexion": round(e.peak_flexion, 2),
                }
                for e in self.forward_head_episodes
            ],
            "exercises": [
                {
                    "exercise": r.exercise,
                    "verifiable": r.verifiable,
                    "attempts": r.attempts,
                    "valid_reps": r.valid_reps,
                    "message": r.message,
                    "holds": [
                        {
                            "start": round(h.start, 3),
                            "end": round(h.end, 3),
                            "seconds": h.seconds,
                            "valid": h.valid,
                            "faults": list(h.faults),
                            "side": h.side,
                        }
                        for h in r.holds
                    ],
                }
                for r in self.exercises
            ],
            "summary": asdict(self.summary),
            "gaps": [
                {"role": g.role.name.lower(), "start": g.start, "end": g.end, "lost": g.samples_lost}
                for g in self.gaps
            ],
        }

    def to_json(self, timeline_hz: float = 1.0) -> str:
        return json.dumps(self.to_dict(timeline_hz), allow_nan=False)


def _floats(x: FloatArray, digits: int) -> list[float | None]:
    return [None if math.isnan(v) else round(v, digits) for v in x.tolist()]


def _window(batch: ImuBatch, start: float, end: float) -> ImuBatch:
    lo, hi = np.searchsorted(batch.t, [start, end])
    return ImuBatch(batch.role, batch.t[lo:hi], batch.acc[lo:hi], batch.gyr[lo:hi])


def input_rate(batch: ImuBatch, nominal_hz: float) -> float:
    """The sample rate (Hz) of an input: ``nominal_hz`` when its median spacing is within 2 % of it
    (a clip's own rate error is far smaller), else the median spacing's (another IMU's CSV file)."""
    if len(batch) < 3:
        return nominal_hz
    median = float(np.median(np.diff(batch.t)))
    if median <= 0.0:
        raise ValueError("sample times do not increase")
    measured = 1.0 / median
    return nominal_hz if abs(measured / nominal_hz - 1.0) <= 0.02 else round(measured, 3)


def calibrate_window(
    batches: Mapping[Role, ImuBatch],
    window: tuple[float, float],
    base: Mapping[Role, ClipCalibration] | None = None,
) -> tuple[CalibrationResult, dict[Role, ClipCalibration]]:
    """Run the calibration procedure on each clip's samples in ``window`` (s, input clock).

    A clip whose procedure is refused keeps its previous (or the nominal) calibration; the others
    keep what they measured. The result is ``ok`` only when every clip calibrated, and says why not.
    """
    start, end = window
    cals: dict[Role, ClipCalibration] = {}
    done: list[Role] = []
    measured: list[Role] = []
    refusals: list[tuple[Role, CalibrationError]] = []
    for role, batch in batches.items():
        intr = base[role].intrinsics if base and role in base else None
        w = _window(batch, start, end)
        acc, gyr = intr.apply(w.acc, w.gyr) if intr else (w.acc, w.gyr)
        try:
            cals[role] = calibrate_clip(role, w.t, acc, gyr, intrinsics=intr)
        except CalibrationError as e:
            cals[role] = (base or {}).get(role) or ClipCalibration.nominal(role)
            refusals.append((role, e))
            continue
        done.append(role)
        if cals[role].mounting_measured:
            measured.append(role)
    if refusals:
        msg = "; ".join(f"{r.name.lower()} clip: {e}" for r, e in refusals)
        if done:
            msg += f" (calibrated {', '.join(r.name.lower() for r in done)})"
        return CalibrationResult(
            False, start, end, msg, refusals[0][1].hint, tuple(done), tuple(measured)
        ), cals
    names = ", ".join(r.name.lower() for r in done)
    how = f"; forward axis measured for {', '.join(r.name.lower() for r in measured)}" if measured else ""
    result = CalibrationResult(
        True, start, end, f"calibrated {names}{how}", None, tuple(done), tuple(measured)
    )
    return result, cals


def analyze(
    back: ImuBatch,
    head: ImuBatch | None = None,
    *,
    calibration_window: tuple[float, float] | None = None,
    exercise: str | None = None,
    settings: PipelineSettings | None = None,
    calibrations: Mapping[Role, ClipCalibration] | None = None,
    quaternion_sink: QuaternionSink | None = None,
    progress: Callable[[float], None] | None = None,
    chunk_s: float = CHUNK_S,
    acausal: bool = False,
    timeline_hz: float | None = None,
) -> Analysis:
    """Analyse a whole input: ``back`` (and ``head``) samples on one clock (s, m/s², rad/s, sensor frame).

    See the module docstring for the calibration rules. ``quaternion_sink(role, t (N,), q (N, 4))``
    receives every filtered sample's orientation, chunk by chunk; ``progress(fraction)`` reports.
    ``acausal=True`` re-analyses with hindsight: orientations from VQF's offline (acausal) variant, and
    with a head clip the neck's relative heading smoothed by a backward pass
    (:mod:`~sensorbridge.pipeline.heading_smoother`, so the engine runs twice). More accurate, but not
    what the wearer saw live, and memory grows with the input (VQF's offline outputs, 32 bytes per
    sample, and the heading log, about 100 bytes per tick).
    ``timeline_hz`` keeps the timeline only at that rate (as :meth:`Timeline.sample` gives it), not
    per tick; the intervals and the summary are the same either way.
    """
    settings = settings or PipelineSettings()
    if back.role is not Role.BACK or (head is not None and head.role is not Role.HEAD):
        raise ValueError("analyze needs the back clip's batch first and the head clip's second")
    if len(back) == 0:
        raise ValueError("the back clip's input holds no samples")
    batches = {Role.BACK: back} | ({Role.HEAD: head} if head is not None else {})
    options = _Options(
        calibration_window, exercise, settings, calibrations, quaternion_sink, progress, chunk_s, timeline_hz
    )

    end_s = max(float(b.t[-1]) for b in batches.values() if len(b))
    rates = {role: input_rate(b, settings.stream.rate_hz) for role, b in batches.items()}
    offline: dict[Role, OrientationOutput] = {}  # VQF offline runs once, even when the engine runs twice

    def run(o: _Options, heading: HeadingLog | HeadingPlan | None = None) -> Analysis:
        return _run(
            iter([(back, head)]),
            head is not None,
            o,
            end_s=end_s,
            rates=rates,
            acausal=batches if acausal else None,
            heading=heading,
            offline=offline,
        )

    if not acausal or head is None:
        return run(options)
    log = HeadingLog()
    run(replace(options, quaternion_sink=None, progress=_part(progress, 0.0)), log)
    tick_s = 1.0 / settings.stream.tick_hz
    plan = smooth(
        log,
        lambda: HeadingTracker.from_settings(settings.neck, tick_s),
        max_gap_ticks=round(settings.orientation.reset_after_gap_s / tick_s),
    )
    return run(replace(options, progress=_part(progress, 0.5)), plan)


def _part(progress: Callable[[float], None] | None, start: float) -> Callable[[float], None] | None:
    """``progress`` for one of two equal passes, the one from ``start`` (0 or 0.5)."""
    if progress is None:
        return None
    report = progress
    return lambda f: report(start + 0.5 * f)


def analyze_chunks(
    pieces: Iterable[Piece],
    *,
    head: bool,
    calibration_window: tuple[float, float] | None = None,
    exercise: str | None = None,
    settings: PipelineSettings | None = None,
    calibrations: Mapping[Role, ClipCalibration] | None = None,
    quaternion_sink: QuaternionSink | None = None,
    progress: Callable[[float], None] | None = None,
    end_s: float | None = None,
    chunk_s: float = CHUNK_S,
    timeline_hz: float | None = None,
) -> Analysis:
    """:func:`analyze` over an input that arrives in time-ordered pieces ``(back, head)`` (see
    :mod:`~sensorbridge.pipeline.chunks`; ``head`` says whether a head clip is there at all), with the
    same result as on the whole input, whatever the piece sizes.

    Memory: the pieces being cut into steps, the samples up to the calibration window's end (the
    window calibrates the whole input, so it is read first: the default window is the first 25 s),
    and the result: the per-tick timeline (10 Hz, 7 columns: 2 MB an hour), or with ``timeline_hz``
    only the timeline at that rate (49 bytes a sample) and one interval per state run (see
    :mod:`~sensorbridge.pipeline.timeline_builder`). Each clip's rate (:func:`input_rate`) is judged
    on those first samples. ``end_s`` (the last sample's time, input clock) lets ``progress`` report
    fractions. Raises ValueError when the pieces go back in time or the back clip has no samples.
    """
    settings = settings or PipelineSettings()
    options = _Options(
        calibration_window, exercise, settings, calibrations, quaternion_sink, progress, chunk_s, timeline_hz
    )
    return _run(iter(pieces), head, options, end_s=end_s, rates=None, acausal=None)


@dataclass(frozen=True)
class _Options:
    calibration_window: tuple[float, float] | None
    exercise: str | None
    settings: PipelineSettings
    calibrations: Mapping[Role, ClipCalibration] | None
    quaternion_sink: QuaternionSink | None
    progress: Callable[[float], None] | None
    chunk_s: float
    timeline_hz: float | None


def _read_calibration_span(
    pieces: Iterator[Piece], steps: TimeSteps, o: _Options
) -> tuple[float, float] | None:
    """Buffer pieces until the calibration window (the default one once the back clip's first sample
    is known) is complete; return the window, None with stored calibrations and no window."""
    window = o.calibration_window
    for piece in pieces:
        steps.add(piece)
        back = steps.buffered(Role.BACK)
        if window is None and o.calibrations is None and len(back):
            window = (float(back.t[0]), float(back.t[0]) + DEFAULT_CALIBRATION_S)
        if len(back) and (window is None or steps.high >= window[1]):
            break
    if not len(steps.buffered(Role.BACK)):
        raise ValueError("the back clip's input holds no samples")
    if window is None and o.calibrations is None:
        back = steps.buffered(Role.BACK)
        window = (float(back.t[0]), float(back.t[0]) + DEFAULT_CALIBRATION_S)
    return window


def _report_order(gaps: list[Gap], origin: float | None) -> list[Gap]:
    """``gaps`` (each clip's in time order) listed by :data:`GAP_REPORT_S` steps of input from
    ``origin`` (s), on the same grid :class:`TimeSteps` cuts: within a step the head clip's first.
    Each gap belongs to the step holding the sample that ends it."""
    if origin is None or len(gaps) < 2:
        return list(gaps)

    def step(t: float) -> int:
        k = max(0, int((t - origin) // GAP_REPORT_S))
        while k > 0 and step_edge(origin, GAP_REPORT_S, k) > t:
            k -= 1
        while step_edge(origin, GAP_REPORT_S, k + 1) <= t:
            k += 1
        return k

    return sorted(gaps, key=lambda g: (step(g.end), 0 if g.role is Role.HEAD else 1))


def _run(
    pieces: Iterator[Piece],
    head: bool,
    o: _Options,
    *,
    end_s: float | None,
    rates: dict[Role, float] | None,
    acausal: Mapping[Role, ImuBatch] | None,
    heading: HeadingLog | HeadingPlan | None = None,
    offline: dict[Role, OrientationOutput] | None = None,
) -> Analysis:
    settings = o.settings
    if o.exercise is not None:
        spec_for(o.exercise)  # fail before the work
    roles = (Role.BACK, Role.HEAD) if head else (Role.BACK,)
    steps = TimeSteps(roles, o.chunk_s)
    window = _read_calibration_span(pieces, steps, o)
    first = {role: steps.buffered(role) for role in roles}
    if window is not None:
        cal_result, cals = calibrate_window(first, window, o.calibrations)
    else:
        cals = dict(o.calibrations or {})
        cal_result = CalibrationResult(True, None, None, "stored calibrations", None, tuple(cals))
    if rates is None:
        rates = {role: input_rate(b, settings.stream.rate_hz) for role, b in first.items()}
    del first
    engine = Engine(
        settings,
        cals,
        rates=rates,
        expect_head=head,
        exercise=o.exercise,
        keep_quaternions=o.quaternion_sink is not None,
    )
    if window is not None:
        engine.calibrating.append(window)
    known = {} if offline is None else offline
    for role, batch in (acausal or {}).items():
        known[role] = engine.node(role).use_acausal(batch, known.get(role))
    if isinstance(heading, HeadingLog):
        engine.heading_log = heading
    elif isinstance(heading, HeadingPlan):
        engine.heading_plan = heading
    tick_s = 1.0 / settings.stream.tick_hz
    builder = TimelineBuilder(tick_s, settings.slouch.forward_head_deg, o.timeline_hz)
    result = EngineOutput()

    def collect(out: EngineOutput) -> None:
        builder.add(out.frame, out.relabels)
        builder.settle(engine.tracker.relabel_horizon())
        result.alerts.extend(out.alerts)
        result.episodes.extend(out.episodes)
        result.forward_head.extend(out.forward_head)
        result.gaps.extend(out.gaps)
        if o.quaternion_sink is not None:
            for role, t, q in out.quaternions:
                o.quaternion_sink(role, t, q)

    def drain(final: bool) -> None:
        for _lo, hi, parts in steps.steps(final=final):
            # The head first: the back clip's time drives which ticks are final.
            for role in (Role.HEAD, Role.BACK):
                if role in parts and len(parts[role]):
                    collect(engine.push(parts[role]))
            if o.progress is not None and end_s is not None and steps.origin is not None:
                o.progress(min(1.0, (hi - steps.origin) / max(end_s - steps.origin, 1e-9)))

    drain(final=False)
    for piece in pieces:
        steps.add(piece)
        drain(final=False)
    drain(final=True)
    collect(engine.finish())
    tl = builder.finish()
    episodes = result.episodes
    reports = [engine.exercise.report()] if engine.exercise is not None else []
    samples = {
        f"{r.name.lower()}_{k}": v
        for r, n in engine.nodes.items()
        for k, v in (("in", n.samples_in), ("filtered", n.samples_filtered))
    }
    return Analysis(
        cal_result,
        engine.calibrations,
        tl,
        builder.intervals,
        episodes,
        result.forward_head,
        reports,
        Summary.from_counts(builder.counts, builder.ticks, tick_s, episodes),
        _report_order(result.gaps, steps.origin),
        result.alerts,
        samples,
        float(np.degrees((engine.heading_plan or engine.heading).max_correction)),
        o.timeline_hz,
        acausal is not None,
    )
