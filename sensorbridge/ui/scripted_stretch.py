"""A small stretch checker for the scripted engine: a hold counts when it lasts 5 s in the zone.

The real verifier lives in :mod:`sensorbridge.pipeline`; this one follows the same rules closely
enough for the dashboard to be tried and tested without it. Angles in degrees, time in seconds.
"""

from __future__ import annotations

from dataclasses import replace

from sensorbridge.ui.model import RepResult, Side, StretchFault, StretchKind, StretchView

HOLD_S = 5.0  # the article: hold each stretch for 5 seconds
MIN_REPS, MAX_REPS = 5, 10  # the article: repeat 5-10 times

# Target zone per stretch, degrees of the angle it is judged on (absolute value).
ZONES: dict[StretchKind, tuple[float, float]] = {
    StretchKind.CHIN_TUCK: (8.0, 25.0),
    StretchKind.CERVICAL_FLEXION: (25.0, 60.0),
    StretchKind.LATERAL_FLEXION: (15.0, 45.0),
    StretchKind.SHOULDER_SQUEEZE: (4.0, 20.0),
}
SCALE_DEG: dict[StretchKind, float] = {  # the end of the zone bar's scale
    StretchKind.CHIN_TUCK: 40.0,
    StretchKind.CERVICAL_FLEXION: 70.0,
    StretchKind.LATERAL_FLEXION: 60.0,
    StretchKind.SHOULDER_SQUEEZE: 25.0,
}


def judged_angle(kind: StretchKind, angles: dict[str, float | None]) -> float | None:
    """The angle (degrees) a stretch is judged on; a shoulder squeeze tips the upper back backward."""
    if kind is StretchKind.SHOULDER_SQUEEZE:
        flex = angles["thoracic_flexion"]
        return None if flex is None else -flex
    return angles["neck_lateral" if kind is StretchKind.LATERAL_FLEXION else "neck_flexion"]


class StretchChecker:
    """Counts reps of one stretch. Lateral flexion alternates sides: right first, ``reps`` per side."""

    def __init__(self, kind: StretchKind, reps: int, *, verifiable: bool) -> None:
        if not MIN_REPS <= reps <= MAX_REPS:
            raise ValueError(f"reps must be {MIN_REPS}..{MAX_REPS}, got {reps}")
        lateral = kind is StretchKind.LATERAL_FLEXION
        self._faults: set[StretchFault] = set()
        self.view = StretchView(
            kind=kind,
            verifiable=verifiable,
            reps_target=2 * reps if lateral else reps,
            reps_done=0,
            hold_s=0.0,
            hold_target_s=HOLD_S,
            in_zone=False,
            value=None,
            zone=ZONES[kind],
            side=Side.RIGHT if lateral else None,
        )

    def update(self, dt: float, value: float | None, fault: StretchFault | None) -> StretchView:
        """One tick of ``dt`` seconds with the judged angle and any form fault seen now."""
        v = self.view
        if v.finished or not v.verifiable:
            return v
        lo, hi = v.zone
        signed_ok = v.side is None or value is None or (value > 0) == (v.side is Side.RIGHT)
        in_zone = value is not None and lo <= abs(value) <= hi and signed_ok
        if fault is not None:
            self._faults.add(fault)
        if in_zone:
            v = replace(v, hold_s=v.hold_s + dt)
        elif v.in_zone:  # left the zone: the rep ends here
            v = self._finish_rep(v)
        warnings = tuple(sorted(self._faults)) if (in_zone or fault) else ()
        self.view = replace(v, in_zone=in_zone, value=value, warnings=warnings)
        return self.view

    def _finish_rep(self, v: StretchView) -> StretchView:
        faults = set(self._faults)
        if v.hold_s < HOLD_S:
            faults.add(StretchFault.TOO_SHORT)
        ok = not faults
        result = RepResult(len(v.results) + 1, round(v.hold_s, 1), ok, v.side, tuple(sorted(faults)))
        done = v.reps_done + ok
        side = v.side
        if side is not None and ok:
            side = Side.LEFT if side is Side.RIGHT else Side.RIGHT
        self._faults.clear()
        return replace(
            v,
            results=(*v.results, result),
            reps_done=done,
            hold_s=0.0,
            side=side,
            finished=done >= v.reps_target,
        )
