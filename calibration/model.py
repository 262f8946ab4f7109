"""Calibrations as versioned, serialisable values, one per clip and wearer.

The model the pipeline applies to each raw sample of a clip (sensor frame, SI units)::

    acc_calibrated = acc_scale * (acc_raw - acc_offset)      # per axis, m/s²
    gyr_calibrated = gyr_raw - gyro_bias                     # rad/s
    v_segment      = segment_from_sensor @ v_sensor          # rows: segment x, y, z in sensor axes

``segment_from_sensor``'s z row is the earth's up direction in the sensor frame while the wearer held
the neutral pose, so every angle is measured from that pose; its x row is the anterior direction,
measured by the guided bend (``mounting_measured``) or assumed from the nominal way of wearing the clip.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from calibration.errors import CalibrationFormatError
from sensorbridge.conventions import SEGMENT_FROM_SENSOR_NOMINAL, FloatArray, Role

CALIBRATION_VERSION = 1

Vec3 = tuple[float, float, float]
Mat3 = tuple[Vec3, Vec3, Vec3]


def _vec3(values: Any, name: str) -> Vec3:
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != (3,) or not np.all(np.isfinite(arr)):
        raise CalibrationFormatError(f"{name} must be three finite numbers, got {values!r}")
    return (float(arr[0]), float(arr[1]), float(arr[2]))


def _mat3(values: Any, name: str) -> Mat3:
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != (3, 3) or not np.all(np.isfinite(arr)):
        raise CalibrationFormatError(f"{name} must be a 3×3 matrix of finite numbers, got {values!r}")
    if not np.allclose(arr @ arr.T, np.eye(3), atol=1e-6) or np.linalg.det(arr) < 0:
        raise CalibrationFormatError(
            f"{name} must be a rotation (orthonormal rows, right-handed)", hint="recalibrate the clip"
        )
    return (_vec3(arr[0], name), _vec3(arr[1], name), _vec3(arr[2], name))


@dataclass(frozen=True)
class SensorIntrinsics:
    """Per-clip sensor corrections (see the module docstring for the equations)."""

    acc_offset: Vec3 = (0.0, 0.0, 0.0)  # m/s²
    acc_scale: Vec3 = (1.0, 1.0, 1.0)  # dimensionless
    gyro_bias: Vec3 = (0.0, 0.0, 0.0)  # rad/s

    def apply(self, acc: FloatArray, gyr: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Corrected ``(acc (N, 3) m/s², gyr (N, 3) rad/s)`` from raw arrays of the same shapes."""
        if acc.shape != gyr.shape or acc.shape[-1:] != (3,):
            raise ValueError(f"acc and gyr must both be (N, 3), got {acc.shape} and {gyr.shape}")
        if self.is_identity:
            return acc, gyr
        a = (acc - np.asarray(self.acc_offset)) * np.asarray(self.acc_scale)
        return np.asarray(a, dtype=np.float64), np.asarray(gyr - np.asarray(self.gyro_bias), np.float64)

    @property
    def is_identity(self) -> bool:
        return self == SensorIntrinsics()

    def to_dict(self) -> dict[str, Any]:
        return {
            "acc_offset": list(self.acc_offset),
            "acc_scale": list(self.acc_scale),
            "gyro_bias": list(self.gyro_bias),
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> SensorIntrinsics:
        try:
            return SensorIntrinsics(
                _vec3(d["acc_offset"], "acc_offset"),
                _vec3(d["acc_scale"], "acc_scale"),
                _vec3(d["gyro_bias"], "gyro_bias"),
            )
        except (KeyError, TypeError) as e:
            raise CalibrationFormatError(f"sensor intrinsics are incomplete: {e}") from e


def nominal_mounting(up_in_sensor: FloatArray | None = None) -> FloatArray:
    """``segment_from_sensor`` (3, 3) for a clip worn as the README shows.

    With ``up_in_sensor`` (3,) from a neutral hold, z becomes that direction and x the nominal anterior
    axis (sensor -z) made orthogonal to it; without it, the nominal matrix itself.
    """
    if up_in_sensor is None:
        return np.array(SEGMENT_FROM_SENSOR_NOMINAL)
    return mounting_from_axes(up_in_sensor, SEGMENT_FROM_SENSOR_NOMINAL[0])


def mounting_from_axes(up_in_sensor: FloatArray, anterior_hint: FloatArray) -> FloatArray:
    """Rotation (3, 3) whose z row is ``up_in_sensor`` and x row the part of ``anterior_hint`` ⟂ to it."""
    z = np.asarray(up_in_sensor, dtype=np.float64)
    a = np.asarray(anterior_hint, dtype=np.float64)
    if z.shape != (3,) or a.shape != (3,):
        raise ValueError(f"axes must have shape (3,), got {z.shape} and {a.shape}")
    z = z / np.linalg.norm(z)
    x = a - np.dot(a, z) * z
    norm = np.linalg.norm(x)
    if norm < 1e-6:
        raise ValueError("the anterior direction is parallel to up: cannot build a segment frame")
    x = x / norm
    return np.stack([x, np.cross(z, x), z])


@dataclass(frozen=True)
class ClipCalibration:
    """Everything the pipeline needs to turn one clip's samples into segment angles."""

    role: Role
    segment_from_sensor: Mat3 = field(
        default_factory=lambda: _mat3(SEGMENT_FROM_SENSOR_NOMINAL, "segment_from_sensor")
    )
    mounting_measured: bool = False  # True when the guided bend/nod gave the anterior axis
    neutral_measured: bool = False  # False: the nominal pose, not the wearer's own
    intrinsics: SensorIntrinsics = field(default_factory=SensorIntrinsics)
    # rad/s, the gyroscope's mean during the neutral hold: it seeds the filter's bias estimate, which
    # keeps tracking (the bias wanders with temperature); None when no hold was measured
    hold_gyro_bias: Vec3 | None = None
    clip_id: str = ""  # the clip's address or serial, when known
    wearer: str = ""
    created: float = 0.0  # unix time, s
    version: int = CALIBRATION_VERSION

    @property
    def matrix(self) -> FloatArray:
        """``segment_from_sensor`` as a (3, 3) array."""
        return np.array(self.segment_from_sensor, dtype=np.float64)

    @property
    def up_in_sensor(self) -> FloatArray:
        """The neutral pose's up direction in the sensor frame, (3,)."""
        return np.asarray(self.matrix[2], dtype=np.float64)

    @staticmethod
    def nominal(role: Role) -> ClipCalibration:
        """The assumption when nothing was measured: worn as the README shows, neutral = upright."""
        return ClipCalibration(role)

    @staticmethod
    def from_matrix(role: Role, segment_from_sensor: FloatArray, **kwargs: Any) -> ClipCalibration:
        return ClipCalibration(role, _mat3(segment_from_sensor, "segment_from_sensor"), **kwargs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "role": self.role.name.lower(),
            "segment_from_sensor": [list(row) for row in self.segment_from_sensor],
            "mounting_measured": self.mounting_measured,
            "neutral_measured": self.neutral_measured,
            "intrinsics": self.intrinsics.to_dict(),
            "hold_gyro_bias": None if self.hold_gyro_bias is None else list(self.hold_gyro_bias),
            "clip_id": self.clip_id,
            "wearer": self.wearer,
            "created": self.created,
        }

    @staticmethod
    def from_dict(d: dict[str, Any]) -> ClipCalibration:
        version = d.get("version")
        if version != CALIBRATION_VERSION:
            raise CalibrationFormatError(
                f"calibration version {version!r} is not supported (this build reads {CALIBRATION_VERSION})",
                hint="recalibrate the clip",
            )
        try:
            role = Role[str(d["role"]).upper()]
            return ClipCalibration(
                role,
                _mat3(d["segment_from_sensor"], "segment_from_sensor"),
                bool(d["mounting_measured"]),
                bool(d["neutral_measured"]),
                SensorIntrinsics.from_dict(d["intrinsics"]),
                None if d.get("hold_gyro_bias") is None else _vec3(d["hold_gyro_bias"], "hold_gyro_bias"),
                str(d.get("clip_id", "")),
                str(d.get("wearer", "")),
                float(d.get("created", 0.0)),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise CalibrationFormatError(f"calibration is incomplete or malformed: {e!r}") from e

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @staticmethod
    def from_json(text: str) -> ClipCalibration:
        try:
            d = json.loads(text)
        except json.JSONDecodeError as e:
            raise CalibrationFormatError(f"calibration is not valid JSON: {e}") from e
        if not isinstance(d, dict):
            raise CalibrationFormatError("calibration JSON must be an object")
        return ClipCalibration.from_dict(d)
