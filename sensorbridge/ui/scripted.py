"""A self-contained engine for the dashboard: a scripted wearer and two simulated clips.

It implements :class:`~sensorbridge.ui.engine.DashboardEngine` without a radio or the pipeline,
so every screen can be driven exactly and instantly in tests (``advance(dt)``) and shown when the
real live engine is not available. Live, ``start()`` steps it from the event loop's clock.
Angles in degrees, times in seconds since the engine started.
"""

from __future__ import annotations

import asyncio
import collections
import math
from dataclasses import dataclass, replace

from sensorbridge.conventions import Role
from sensorbridge.posture import Angles, PostureSample, PostureState
from sensorbridge.source import LinkState
from sensorbridge.ui.errors import UiError
from sensorbridge.ui.model import (
    HISTORY_SECONDS,
    AlertView,
    CalibrationFailure,
    CalibrationPhase,
    CalibrationView,
    DeviceView,
    LinkView,
    LiveView,
    StretchKind,
    StretchView,
    Thresholds,
    Totals,
)
from sensorbridge.ui.scripted_stretch import StretchChecker, judged_angle
from sensorbridge.ui.scripted_wearer import ANGLE_NAMES, ScriptedWearer

TICK_S = 0.1  # the engine's own step; the pipeline it stands for decides states at 10 Hz
HOLD_S = 5.0  # neutral hold the calibration asks for
MOUNTING_TIMEOUT_S = 15.0  # how long to wait for the forward bend before giving up
MOUNTING_MIN_DEG = 20.0  # a bend smaller than this cannot show how the clip is worn
STILL_DEG_S = 4.0  # angular speed (deg/s) at which the stillness meter reads zero
REALERT_S = 120.0  # a slouch that goes on is reminded about every two minutes
MOUNT_OFFSET_DEG = 6.0  # the clip sits tilted on the back until calibration measures it
RATE_HZ = 104.0


@dataclass
class _Stored:
    """What the engine would have written to the store; tests read it."""

    calibrations: list[float]
    stretch_sets: list[StretchView]


class ScriptedEngine:
    """A :class:`DashboardEngine` with a scripted wearer. ``head`` adds the head clip."""

    def __init__(
        self, *, head: bool = True, slouch_deg: float = 12.0, dwell_s: float = 30.0, realtime: bool = True
    ) -> None:
        self.t = 0.0
        self.realtime = realtime  # False: time moves only through advance(), as tests want
        self.wearer_model = ScriptedWearer()
        self.thresholds = Thresholds(thoracic_flexion=slouch_deg)
        self.dwell_s = dwell_s
        self.vibrations: list[tuple[float, Role, int]] = []
        self.stored = _Stored([], [])
        self._offset = MOUNT_OFFSET_DEG  # what calibration removes
        roles = (Role.BACK, Role.HEAD) if head else (Role.BACK,)
        self._links = {
            r: LinkView(
                r, LinkState.STREAMING, "", 90 - 4 * r, -52 - 6 * r, RATE_HZ, 0, f"C0:FF:EE:00:00:0{r:d}"
            )
            for r in roles
        }
        self._over_since: float | None = None
        self._state = PostureState.UPRIGHT
        self._totals = Totals()
        self._history: collections.deque[float | None] = collections.deque(maxlen=HISTORY_SECONDS)
        self._next_history_t = 1.0
        self._alert: AlertView | None = None
        self._alert_seq = 0
        self._last_alert_t = -math.inf
        self._snooze_until: float | None = None
        self._cal = CalibrationView(CalibrationPhase.IDLE)
        self._cal_t0 = 0.0
        self._cal_peak = 0.0
        self._prev_flex: float | None = None  # last tick's thoracic flexion, for the stillness meter
        self._checker: StretchChecker | None = None
        self._task: asyncio.Task[None] | None = None
        self._forgotten: set[str] = set()
        self._prev_state = PostureState.UPRIGHT
        self._angles_now = Angles()
        self._neutral = 0.0  # flexion read during the neutral hold, before it is removed
        self._last_stretch: StretchView | None = None

    # -- running ---------------------------------------------------------------------------
    @property
    def virtual(self) -> bool:
        return True

    async def start(self) -> None:
        """Step in real time from the event loop's clock until :meth:`stop` (if ``realtime``)."""
        if self.realtime:
            self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last = loop.time()
        while True:
            await asyncio.sleep(TICK_S)
            now = loop.time()
            self.advance(now - last)
            last = now

    def advance(self, seconds: float) -> None:
        """Move the simulation on by ``seconds`` (>= 0) in ticks of ``TICK_S``."""
        if not seconds >= 0:
            raise ValueError(f"cannot advance by {seconds} s")
        n = round(seconds / TICK_S)
        for _ in range(n):
            self._tick(TICK_S)

    # -- one tick ----------------------------------------------------------------------------
    def _angles(self) -> Angles:
        a = self.wearer_model.angles
        back = self._links.get(Role.BACK)
        if back is None or back.state is not LinkState.STREAMING:
            return Angles()
        head = self._links.get(Role.HEAD)
        neck = head is not None and head.state is LinkState.STREAMING and not self.wearer_model.away
        if self.wearer_model.away:  # the clip lies on the chair: no body angles to speak of
            return Angles(thoracic_flexion=-70.0, thoracic_lateral=0.0)
        values: dict[str, float | None] = {n: round(a[n], 2) for n in ANGLE_NAMES}
        values["thoracic_flexion"] = round(a["thoracic_flexion"] + self._offset, 2)
        if not neck:
            values.update(neck_flexion=None, neck_lateral=None, neck_rotation=None)
        return Angles(**values)

    def _tick(self, dt: float) -> None:
        self.t += dt
        self.wearer_model.step(dt)
        angles = self._angles()
        self._state = self._classify(angles, dt)
        self._count(dt)
        self._maybe_alert()
        self._calibration_tick(angles, dt)
        if self._checker is not None:
            values = {n: getattr(angles, n) for n in ANGLE_NAMES}
            self._checker.update(dt, judged_angle(self._checker.view.kind, values), self.wearer_model.fault)
            if self._checker.view.finished:
                self.stop_stretch()
        if self.t + 1e-9 >= self._next_history_t:
            self._next_history_t += 1.0
            self._history.append(angles.thoracic_flexion if self._state.value != "not_worn" else None)
        self._angles_now = angles
        self._prev_flex = angles.thoracic_flexion

    def _classify(self, angles: Angles, dt: float) -> PostureState:
        flex = angles.thoracic_flexion
        if flex is None:
            self._over_since = None
            return PostureState.NO_DATA
        if self.wearer_model.away:
            self._over_since = None
            return PostureState.NOT_WORN
        if self._cal.phase in (CalibrationPhase.HOLD, CalibrationPhase.MOUNTING):
            return PostureState.CALIBRATING
        if self.wearer_model.moving:
            return PostureState.MOVING
        if flex > self.thresholds.thoracic_flexion:
            self._over_since = self.t if self._over_since is None else self._over_since
            if self.t - self._over_since >= self.dwell_s:
                return PostureState.SLOUCHED
        else:
            self._over_since = None
        return PostureState.UPRIGHT

    def _count(self, dt: float) -> None:
        s, tot = self._state, self._totals
        worn = s in (PostureState.UPRIGHT, PostureState.SLOUCHED, PostureState.MOVING)
        new_episode = s is PostureState.SLOUCHED and self._prev_state is not PostureState.SLOUCHED
        self._totals = Totals(
            worn_s=tot.worn_s + (dt if worn else 0.0),
            upright_s=tot.upright_s + (dt if s is PostureState.UPRIGHT else 0.0),
            slouched_s=tot.slouched_s + (dt if s is PostureState.SLOUCHED else 0.0),
            episodes=tot.episodes + new_episode,
        )
        self._prev_state = s

    def _maybe_alert(self) -> None:
        if self._state is not PostureState.SLOUCHED:
            self._alert = None
            self._last_alert_t = -math.inf
            return
        if self._snooze_until is not None and self.t < self._snooze_until:
            return
        if self.t - self._last_alert_t >= REALERT_S:
            self._alert_seq += 1
            level = 1 if self._alert is None else self._alert.level + 1
            minutes = (self.t - (self._over_since or self.t)) / 60
            text = f"You have been slouching for {minutes:.1f} min: sit tall, shoulders down and back."
            self._alert = AlertView(self._alert_seq, self.t, text, level)
            self._last_alert_t = self.t

    # -- live view ---------------------------------------------------------------------------
    def live(self) -> LiveView:
        posture = None
        if self._state is not PostureState.NO_DATA:
            posture = PostureSample(self.t, self._angles_now, self._state)
        snoozed = self._snooze_until if self._snooze_until and self.t < self._snooze_until else None
        streaming = sum(v.state is LinkState.STREAMING for v in self._links.values())
        return LiveView(
            t=self.t,
            posture=posture,
            slouch_s=0.0 if self._over_since is None else self.t - self._over_since,
            totals=self._totals,
            links=tuple(self._links.values()),
            history=tuple(self._history),
            thresholds=self.thresholds,
            alert=self._alert,
            snoozed_until=snoozed,
            samples_per_s=RATE_HZ * streaming,
        )

    def snooze(self, minutes: int) -> None:
        if minutes < 0:
            raise UiError(f"cannot snooze for {minutes} minutes")
        self._snooze_until = self.t + 60.0 * minutes if minutes else None

    def vibrate(self, role: Role, pattern: int) -> None:
        link = self._links.get(role)
        if link is None or link.state is not LinkState.STREAMING:
            raise UiError(f"the {role.name.lower()} clip is not connected", hint="see the Devices screen")
        self.vibrations.append((self.t, role, pattern))

    # -- links (test and demo controls) ------------------------------------------------------
    def set_link(self, role: Role, state: LinkState, message: str = "", dropped: int = 0) -> None:
        """Change a clip's link, e.g. drop it (``BACKOFF``) and bring it back (``STREAMING``)."""
        link = self._links[role]
        self._links[role] = replace(
            link,
            state=state,
            message=message,
            dropped=link.dropped + dropped,
            rate_hz=RATE_HZ if state is LinkState.STREAMING else None,
        )

    # -- calibration -------------------------------------------------------------------------
    def start_calibration(self) -> None:
        self._cal_t0 = self.t
        self._cal = CalibrationView(CalibrationPhase.HOLD, 1.0, HOLD_S, 0.0, roles=tuple(self._links))

    def cancel_calibration(self) -> None:
        self._cal = CalibrationView(CalibrationPhase.IDLE)

    def calibration(self) -> CalibrationView:
        return self._cal

    def _fail(self, why: CalibrationFailure, detail: str = "") -> None:
        self._cal = replace(self._cal, phase=CalibrationPhase.FAILED, failure=why, detail=detail)

    def _calibration_tick(self, angles: Angles, dt: float) -> None:
        cal = self._cal
        if cal.phase not in (CalibrationPhase.HOLD, CalibrationPhase.MOUNTING):
            return
        elapsed = self.t - self._cal_t0
        flex = angles.thoracic_flexion
        if flex is None:
            short = cal.phase is CalibrationPhase.HOLD and elapsed > TICK_S * 1.5
            self._fail(CalibrationFailure.TOO_SHORT if short else CalibrationFailure.NO_DATA)
            return
        if self.wearer_model.away:
            self._fail(CalibrationFailure.NOT_WORN)
            return
        speed = 0.0 if self._prev_flex is None else abs(flex - self._prev_flex) / dt
        if cal.phase is CalibrationPhase.HOLD:
            stillness = max(0.0, 1.0 - speed / STILL_DEG_S)
            if self.wearer_model.moving or stillness < 0.25:
                self._fail(CalibrationFailure.MOVED, f"{speed:.0f}°/s of movement")
                return
            if elapsed >= HOLD_S:
                self._neutral = flex
                self._cal_t0, self._cal_peak = self.t, 0.0
                self._cal = replace(cal, phase=CalibrationPhase.MOUNTING, seconds_left=MOUNTING_TIMEOUT_S)
                self.wearer_model.bend_forward()
                return
            left, done = HOLD_S - elapsed, elapsed / HOLD_S
            self._cal = replace(cal, stillness=stillness, seconds_left=left, progress=done)
            return
        self._cal_peak = max(self._cal_peak, flex - self._neutral)
        back_up = self._cal_peak >= MOUNTING_MIN_DEG and flex - self._neutral < 5.0
        if back_up:
            self._offset -= self._neutral  # applied at once: the neutral pose now reads zero
            self.stored.calibrations.append(self._neutral)
            self._cal = replace(cal, phase=CalibrationPhase.DONE, seconds_left=0.0, progress=1.0)
        elif elapsed >= MOUNTING_TIMEOUT_S:
            self._fail(CalibrationFailure.NO_MOVEMENT, f"largest bend {self._cal_peak:.0f}°")
        else:
            self._cal = replace(
                cal,
                seconds_left=MOUNTING_TIMEOUT_S - elapsed,
                progress=min(1.0, self._cal_peak / MOUNTING_MIN_DEG),
            )

    # -- stretches ---------------------------------------------------------------------------
    def start_stretch(self, kind: StretchKind, reps: int) -> None:
        head = self._links.get(Role.HEAD)
        has_head = head is not None and head.state is LinkState.STREAMING
        self._checker = StretchChecker(kind, reps, verifiable=has_head or not kind.needs_head)

    def stop_stretch(self) -> None:
        if self._checker is not None:
            view = self._checker.view
            if view.verifiable and view.results:
                self.stored.stretch_sets.append(view)
            self._last_stretch = replace(view, finished=True)  # stopped: the set is over either way
            self._checker = None

    def stretch(self) -> StretchView | None:
        return self._checker.view if self._checker is not None else self._last_stretch

    def wearer(self, action: str) -> None:
        if action in ("stretch_good", "stretch_bad"):
            view = self.stretch()
            if view is None or view.finished:
                raise UiError("no stretch is running", hint="open the Stretch screen and start one")
            self.wearer_model.perform(view.kind, view.reps_target, well=action == "stretch_good")
            return
        self.wearer_model.request(action)

    # -- devices -----------------------------------------------------------------------------
    def devices(self) -> tuple[DeviceView, ...]:
        return tuple(
            DeviceView(
                v.address or "",
                f"SB-{v.role.name.title()}",
                v.role,
                "1.0.0",
                v.battery,
                v.rssi,
                bonded=True,
                connected=v.state is LinkState.STREAMING,
            )
            for v in self._links.values()
            if v.address not in self._forgotten
        )

    async def scan(self) -> tuple[DeviceView, ...]:
        return self.devices()

    async def connect(self, address: str, role: Role) -> None:
        self._forgotten.discard(address)
        if role in self._links:
            self.set_link(role, LinkState.STREAMING)

    def forget(self, address: str) -> None:
        self._forgotten.add(address)
        for role, link in self._links.items():
            if link.address == address:
                self.set_link(role, LinkState.IDLE, "forgotten")
