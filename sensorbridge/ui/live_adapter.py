"""The dashboard over the real thing: :class:`sensorbridge.live.LiveEngine` and the pipeline.

:class:`LiveDashboardEngine` implements :class:`~sensorbridge.ui.engine.DashboardEngine` for any
:class:`~sensorbridge.source.SampleSource` (real clips over BLE, or virtual clips on bumble); the
``dashboard`` command builds the source, so nothing here imports a radio. The pipeline runs at the
full sample rate inside the live engine's task; the app only reads the figures kept here.
Angles in degrees, times in seconds on the samples' host clock.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from sensorbridge.conventions import Role
from sensorbridge.errors import SensorbridgeError
from sensorbridge.live import LiveEngine, LiveSnapshot
from sensorbridge.live_store import StoreSink
from sensorbridge.pipeline.analysis import DEFAULT_CALIBRATION_S
from sensorbridge.pipeline.live import LivePipeline
from sensorbridge.pipeline.values import CalibrationResult, ExerciseProgress, ExerciseReport
from sensorbridge.posture import PostureState
from sensorbridge.protocol import VibrationPattern
from sensorbridge.source import LinkState, SampleSource
from sensorbridge.ui.engine import DeviceDirectory
from sensorbridge.ui.errors import UiError
from sensorbridge.ui.live_tap import PipelineTap
from sensorbridge.ui.model import (
    CalibrationFailure,
    CalibrationPhase,
    CalibrationView,
    DeviceView,
    LinkView,
    LiveView,
    RepResult,
    Side,
    StretchFault,
    StretchKind,
    StretchView,
    Thresholds,
    Totals,
)
from sensorbridge.ui.scripted_stretch import HOLD_S, ZONES, judged_angle

NEUTRAL_HOLD_S = 11.0  # the first part of the calibration window: settle, then hold still for 10 s
STILL_GYRO_DPS = 10.0  # back-clip rotation at which the stillness meter reads zero
RATE_WINDOW_S = 2.0  # the measured sample rate averages over this much stream time
VIBRATION_INTENSITY = 60  # percent; the pipeline's own alerts choose theirs

# Words in the pipeline's refusal -> the dashboard's reason (its hint is shown as well).
_FAILURE_WORDS = (
    ("hold lasted", CalibrationFailure.TOO_SHORT),
    ("you moved", CalibrationFailure.MOVED),
    ("accelerometer read", CalibrationFailure.MOVED),
    ("still samples", CalibrationFailure.MOVED),
    ("does not look worn", CalibrationFailure.NOT_WORN),
    ("bend reached", CalibrationFailure.NO_MOVEMENT),
    ("nod reached", CalibrationFailure.NO_MOVEMENT),
)


def failure_of(result: CalibrationResult) -> CalibrationFailure:
    """The dashboard's reason for a refused calibration, from the pipeline's message."""
    text = result.message.lower()
    return next((why for words, why in _FAILURE_WORDS if words in text), CalibrationFailure.OTHER)


def _stretch_fault(name: str) -> StretchFault | None:
    try:
        return StretchFault(name)
    except ValueError:
        return None


class LiveDashboardEngine:
    """A :class:`DashboardEngine` over a sample source, the live engine and the live pipeline.

    ``wearer`` is the virtual wearer's request function (``VirtualSource.request``) when the clips
    are virtual; it returns ``None`` when the request makes no sense now.
    """

    def __init__(
        self,
        source: SampleSource,
        *,
        expect_head: bool,
        pipeline: LivePipeline | None = None,
        wearer: Callable[[str], float | None] | None = None,
        sink: StoreSink | None = None,
        directory: DeviceDirectory | None = None,
        today: Totals | None = None,
        calibrate_on_start: bool = False,
    ) -> None:
        self.pipeline = pipeline or LivePipeline(expect_head=expect_head)
        self._tap = PipelineTap(self.pipeline, self.pipeline.settings.slouch.angle_deg, today)
        self._sink = sink
        self.live_engine = LiveEngine(source, self._tap, vibrate=False, sink=sink)  # the app buzzes, once
        self._wearer = wearer
        self._task: asyncio.Task[LiveSnapshot] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._rates: dict[Role, collections.deque[tuple[float, int]]] = {}
        self._snooze_until: float | None = None
        self._cal_start: float | None = None
        self._cal_seen = 0
        self._cal: CalibrationView = CalibrationView(CalibrationPhase.IDLE)
        self._stretch: tuple[StretchKind, int] | None = None
        self._report: ExerciseReport | None = None
        self.vibration_failures = 0
        self._directory = directory
        self._firmware: dict[str, str] = {}  # address -> firmware revision, as each link reported
        # No stored calibration: angles against the nominal mounting would read a natural upper-back
        # curve as a slouch, so the first thing done once the back clip streams is the calibration.
        self._calibrate_on_start = calibrate_on_start

    @property
    def virtual(self) -> bool:
        return self._wearer is not None

    async def start(self) -> None:
        self._task = asyncio.create_task(self.live_engine.run())

    async def stop(self) -> None:
        self.live_engine.stop()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _now(self) -> float | None:
        return None if self._tap.latest is None else self._tap.latest.t

    # -- live ------------------------------------------------------------------------------------
    def _link(self, role: Role, snap: LiveSnapshot) -> LinkView:
        node = snap.nodes[role]
        window = self._rates.setdefault(role, collections.deque())
        if node.last_t is not None and (not window or window[-1][0] != node.last_t):
            window.append((node.last_t, node.samples))
        while len(window) > 2 and window[-1][0] - window[0][0] > RATE_WINDOW_S:
            window.popleft()
        rate: float | None = None
        if len(window) >= 2 and window[-1][0] > window[0][0] and node.state is LinkState.STREAMING:
            rate = round((window[-1][1] - window[0][1]) / (window[-1][0] - window[0][0]))  # whole Hz
        return LinkView(
            role, node.state, node.message, node.battery, node.rssi, rate, node.samples_lost, node.address
        )

    def live(self) -> LiveView:
        snap = self.live_engine.latest
        if self._calibrate_on_start and self._begin_calibration(ask_wearer=False):
            self._calibrate_on_start = False
        tap = self._tap
        links = tuple(self._link(role, snap) for role in sorted(snap.nodes))
        t = self._now() or 0.0
        alert = tap.alerts[-1] if tap.alerts else None
        if tap.latest is None or tap.latest.state is not PostureState.SLOUCHED:
            alert = None  # the banner stays only while the slouch does
        snoozed = self._snooze_until if self._snooze_until is not None and t < self._snooze_until else None
        slouch = self.pipeline.settings.slouch
        return LiveView(
            t=t,
            posture=tap.latest,
            slouch_s=0.0 if tap.over_since is None else t - tap.over_since,
            totals=tap.totals,
            links=links,
            history=tuple(tap.history),
            thresholds=Thresholds(thoracic_flexion=slouch.angle_deg, neck_flexion=slouch.forward_head_deg),
            alert=alert,
            snoozed_until=snoozed,
            samples_per_s=sum(link.rate_hz or 0.0 for link in links),
            error=self._error(),
        )

    def _error(self) -> str | None:
        """Why the live engine stopped, if it stopped on an error (never swallowed: shown)."""
        task = self._task
        if task is None or not task.done() or task.cancelled() or task.exception() is None:
            return None
        err = task.exception()
        return err.describe() if isinstance(err, SensorbridgeError) else f"{type(err).__name__}: {err}"

    def snooze(self, minutes: int) -> None:
        if minutes < 0:
            raise UiError(f"cannot snooze for {minutes} minutes")
        now = self._now()
        if now is None:
            raise UiError("no samples yet, so nothing to snooze", hint="wait for the clips to stream")
        self._snooze_until = now + 60.0 * minutes if minutes else None
        self.pipeline.snooze(now if self._snooze_until is None else self._snooze_until)

    def vibrate(self, role: Role, pattern: int) -> None:
        if role not in self.live_engine.latest.nodes:
            raise UiError(f"the {role.name.lower()} clip is not connected", hint="see the Devices screen")
        self._spawn(self._buzz(role, VibrationPattern(pattern)))

    async def _buzz(self, role: Role, pattern: VibrationPattern) -> None:
        try:
            await self.live_engine.alert(role, pattern, VIBRATION_INTENSITY)
        except SensorbridgeError:
            self.vibration_failures += 1  # counted in the live engine's snapshot too, and shown

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- calibration -----------------------------------------------------------------------------
    @property
    def calibrating(self) -> bool:
        return self._cal_start is not None

    def start_calibration(self) -> None:
        if not self._begin_calibration(ask_wearer=True):
            self._cal = CalibrationView(CalibrationPhase.FAILED, failure=CalibrationFailure.NO_DATA)

    def _begin_calibration(self, *, ask_wearer: bool) -> bool:
        """Open the pipeline's calibration window now; False when the back clip is not streaming.

        A virtual wearer is asked to do the procedure (the person at the keyboard cannot hold still
        for it); at start-up it is already doing it, as every scenario begins with it."""
        back = self.live_engine.latest.nodes.get(Role.BACK)
        if back is None or back.last_t is None or back.state is not LinkState.STREAMING:
            return False
        if ask_wearer and self._wearer is not None:
            self._wearer("calibrate")
        self._cal_start = back.last_t
        self._cal_seen = len(self._tap.calibration_results)
        self.pipeline.start_calibration(back.last_t, DEFAULT_CALIBRATION_S)
        self._cal = CalibrationView(
            CalibrationPhase.HOLD, 1.0, NEUTRAL_HOLD_S, roles=tuple(sorted(self.live_engine.latest.nodes))
        )
        return True

    def cancel_calibration(self) -> None:
        # The pipeline finishes its window regardless; the dashboard stops following it.
        self._cal_start = None
        self._cal = CalibrationView(CalibrationPhase.IDLE)

    def calibration(self) -> CalibrationView:
        if self._cal_start is None:
            return self._cal
        results = self._tap.calibration_results[self._cal_seen :]
        if results:
            result = results[0]
            self._cal_start = None
            if result.ok:
                self._cal = replace(
                    self._cal,
                    phase=CalibrationPhase.DONE,
                    progress=1.0,
                    seconds_left=0.0,
                    detail=result.message,
                )
            else:
                self._cal = replace(
                    self._cal,
                    phase=CalibrationPhase.FAILED,
                    failure=failure_of(result),
                    detail=result.message,
                    hint=result.hint or "",
                )
            return self._cal
        elapsed = (self._now() or self._cal_start) - self._cal_start
        stillness = max(0.0, 1.0 - self._tap.gyro_dps / STILL_GYRO_DPS)
        if elapsed < NEUTRAL_HOLD_S:
            self._cal = replace(
                self._cal,
                phase=CalibrationPhase.HOLD,
                stillness=stillness,
                seconds_left=NEUTRAL_HOLD_S - elapsed,
                progress=elapsed / NEUTRAL_HOLD_S,
            )
        else:
            span = DEFAULT_CALIBRATION_S - NEUTRAL_HOLD_S
            self._cal = replace(
                self._cal,
                phase=CalibrationPhase.MOUNTING,
                stillness=stillness,
                seconds_left=max(0.0, DEFAULT_CALIBRATION_S - elapsed),
                progress=min(1.0, (elapsed - NEUTRAL_HOLD_S) / span),
            )
        return self._cal

    # -- stretches -------------------------------------------------------------------------------
    def start_stretch(self, kind: StretchKind, reps: int) -> None:
        self.pipeline.start_exercise(kind.value)
        self._tap.progress = None
        self._tap.hold_start = None
        self._tap.set_faults = set()
        self._report = None
        self._stretch = (kind, reps)

    def stop_stretch(self) -> None:
        if self._stretch is not None:
            self._report = self.pipeline.stop_exercise()
            self._tap.drain()  # the machine's last words
            if self._report is not None:
                self._store_set(self._report)
        self._stretch = None

    def _store_set(self, report: ExerciseReport) -> None:
        """The finished set into the live engine's session (the sink applies its clock offset)."""
        if self._sink is not None and self._sink.session_id is not None and report.holds:
            self._sink.exercise(report)

    def stretch(self) -> StretchView | None:
        if self._stretch is None and self._report is None:
            return None
        progress = self._tap.progress
        if self._stretch is not None and progress is not None and progress.phase == "done":
            self.stop_stretch()  # the set is complete: store it and show its summary
        if self._stretch is not None:
            kind, reps = self._stretch
        else:
            assert self._report is not None
            kind, reps = StretchKind(self._report.exercise), 5
        latest = self._tap.latest
        values = {} if latest is None else vars(latest.angles)
        value = judged_angle(
            kind, {k: values.get(k) for k in ("thoracic_flexion", "neck_flexion", "neck_lateral")}
        )
        results: tuple[RepResult, ...] = ()
        if self._report is not None:
            results = tuple(
                RepResult(
                    i + 1,
                    round(h.seconds, 1),
                    h.valid,
                    Side(h.side) if h.side in ("right", "left") else None,
                    tuple(f for f in map(_stretch_fault, h.faults) if f is not None),
                )
                for i, h in enumerate(self._report.holds)
            )
        target = progress.target_reps if progress is not None else reps
        verifiable = (
            progress.verifiable if progress is not None else not (kind.needs_head and not self._head())
        )
        if self._report is not None:
            verifiable = self._report.verifiable
        side = None
        if progress is not None and progress.side in ("right", "left"):
            side = Side(progress.side)
        return StretchView(
            kind=kind,
            verifiable=verifiable,
            reps_target=max(target, reps),
            reps_done=self._report.valid_reps if self._report else (progress.valid_reps if progress else 0),
            hold_s=self._hold_s(progress),
            hold_target_s=HOLD_S,
            in_zone=progress is not None and progress.phase == "holding",
            value=value,
            zone=ZONES[kind],
            side=side,
            warnings=tuple(
                f for f in map(_stretch_fault, progress.faults if progress else ()) if f is not None
            ),
            results=results,
            finished=self._report is not None or (progress is not None and progress.phase == "done"),
        )

    def _hold_s(self, progress: ExerciseProgress | None) -> float:
        """Seconds in the band so far: the pipeline's figure, or counted from when the hold began
        (its progress arrives on phase changes, the countdown must run in between)."""
        if progress is None:
            return 0.0
        latest, start = self._tap.latest, self._tap.hold_start
        running = 0.0 if latest is None or start is None else max(0.0, latest.t - start)
        return max(progress.hold_s, running)

    def _head(self) -> bool:
        node = self.live_engine.latest.nodes.get(Role.HEAD)
        return node is not None and node.state is LinkState.STREAMING

    # -- the virtual wearer ------------------------------------------------------------------------
    def wearer(self, action: str) -> None:
        if self._wearer is None:
            raise UiError("these are real clips: there is no virtual wearer", hint="run with --virtual")
        if action in ("stretch_good", "stretch_bad"):
            if self._stretch is None:
                raise UiError("no stretch is running", hint="open the Stretch screen and start one")
            action = self._stretch[0].value + ("_bad" if action == "stretch_bad" else "")
        if self._wearer(action) is None:
            raise UiError(f"the virtual wearer cannot {action.replace('_', ' ')} now")

    # -- devices -----------------------------------------------------------------------------------
    def note_link(self, role: Role, address: str, firmware: str) -> None:
        """What a fresh link learned about its clip (the BLE source's link tap)."""
        self._firmware[address] = firmware

    def devices(self) -> tuple[DeviceView, ...]:
        directory = self._directory
        return tuple(
            DeviceView(
                node.address or "—",
                f"SB-{role.name.title()}",
                role,
                self._firmware.get(node.address or ""),
                node.battery,
                node.rssi,
                bonded=directory is not None and node.address is not None and directory.bonded(node.address),
                connected=node.state is LinkState.STREAMING,
            )
            for role, node in sorted(self.live_engine.latest.nodes.items())
        )

    async def scan(self) -> tuple[DeviceView, ...]:
        """Clips heard now, with the ones this session follows marked connected."""
        ours = {d.address: d for d in self.devices()}
        if self._directory is None:
            return tuple(ours.values())
        heard = await self._directory.scan()
        merged = [ours.pop(d.address, d) for d in heard]
        return (*ours.values(), *merged)

    async def connect(self, address: str, role: Role) -> None:
        raise UiError(
            "the dashboard follows the clips it was started with (it pairs them on first connection)",
            hint=f"to use this one: quit, then run `sensorbridge --device {address}` (back first, then head)",
        )

    def forget(self, address: str) -> None:
        if self._directory is None:
            raise UiError("this session keeps no bonds to forget")
        if not self._directory.forget(address):
            raise UiError(f"{address} is not bonded", hint="nothing to forget")
