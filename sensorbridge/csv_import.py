"""Import one node's IMU samples from a CSV file, so data from any other IMU can be analysed.

Format: a header line naming at least ``t,ax,ay,az,gx,gy,gz`` (any order, extra columns ignored),
then one sample per line. Units: ``t`` seconds (any origin, strictly increasing, irregular spacing
allowed), ``ax..az`` m/s² (specific force: about +9.81 on the axis pointing up at rest),
``gx..gz`` rad/s, all in the sensor frame (see :mod:`sensorbridge.conventions` for how a clip is
worn). Blank lines are skipped; a line is numbered as in a text editor (the header is line 1).

Every problem raises :class:`CsvImportError` naming the line and what to do, never a silent fix:
missing columns, a value that is not a number, NaN or infinity, time that does not increase, an
accelerometer in g or mg, a gyroscope in deg/s.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Final

import numpy as np

from sensorbridge.conventions import STANDARD_GRAVITY, FloatArray, Role
from sensorbridge.errors import SensorbridgeError
from sensorbridge.samples import ImuBatch

COLUMNS: Final = ("t", "ax", "ay", "az", "gx", "gy", "gz")
HEADER: Final = ",".join(COLUMNS)
GYRO_RANGE_RAD_S: Final = math.radians(2000.0)  # the widest full scale of the LSM6DS3TR-C
GYRO_MEDIAN_LIMIT_RAD_S: Final = 0.5  # nobody turns at 29°/s for half of a recording
MIN_SAMPLES: Final = 2


class CsvImportError(SensorbridgeError):
    """A CSV file that is not in the import format."""


def write_imu_csv(path: str | Path, batch: ImuBatch, decimals: int = 6) -> None:
    """Write ``batch`` in the import format (the inverse of :func:`read_imu_csv`)."""
    data = np.column_stack([batch.t, batch.acc, batch.gyr])
    fmt = [f"%.{decimals}f"] + [f"%.{decimals}g"] * 6
    np.savetxt(path, data, delimiter=",", header=HEADER, comments="", fmt=fmt)


def _line_of_row(path: Path, row: int) -> int:
    """The 1-based line number of data row ``row`` (0-based), skipping blank lines. Error path only."""
    seen = -1
    number = 0
    with path.open(encoding="utf-8", newline="") as f:
        for number, line in enumerate(f, start=1):
            if number == 1 or not line.strip():
                continue
            seen += 1
            if seen == row:
                return number
    return number


def _first_bad_cell(path: Path, usecols: list[int]) -> CsvImportError:
    """Re-read slowly to name the line and column of the first value that is not a number."""
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        for number, row in enumerate(reader, start=2):
            if not row or not "".join(row).strip():
                continue
            if len(row) < len(header):
                return CsvImportError(
                    f"{path} line {number}: {len(row)} values, the header has {len(header)}",
                    hint="every line needs a value for every column",
                )
            for col in usecols:
                try:
                    float(row[col])
                except ValueError:
                    return CsvImportError(
                        f"{path} line {number}: {header[col].strip()} is {row[col]!r}, not a number",
                        hint="use plain decimal numbers with a dot (e.g. 9.81)",
                    )
    return CsvImportError(f"{path}: the values cannot be read as numbers")


def read_imu_csv(path: str | Path, role: Role = Role.BACK) -> ImuBatch:
    """One node's samples from ``path``: ``t`` (N,) s, ``acc`` (N, 3) m/s², ``gyr`` (N, 3) rad/s."""
    p = Path(path)
    try:
        with p.open(encoding="utf-8-sig", newline="") as f:  # -sig: a spreadsheet's BOM is fine
            header_line = f.readline()
    except FileNotFoundError as e:
        raise CsvImportError(f"{p} does not exist") from e
    except (OSError, UnicodeDecodeError) as e:
        raise CsvImportError(f"cannot read {p}: {e}", hint="the file must be UTF-8 text") from e
    names = [c.strip().lower() for c in next(csv.reader([header_line]), [])]
    missing = [c for c in COLUMNS if c not in names]
    if missing and ";" in header_line and "," not in header_line:
        raise CsvImportError(
            f"{p} line 1: the columns are separated by semicolons",
            hint="save the file with commas between values and dots for decimals",
        )
    if missing:
        raise CsvImportError(
            f"{p} line 1: missing column(s) {', '.join(missing)}; the header is {header_line.strip()!r}",
            hint=f"the first line must name the columns: {HEADER} (s, m/s², rad/s, sensor frame)",
        )
    usecols = [names.index(c) for c in COLUMNS]
    try:
        data = np.loadtxt(
            p, delimiter=",", skiprows=1, usecols=usecols, ndmin=2, comments=None, encoding="utf-8"
        )
    except ValueError as e:
        raise _first_bad_cell(p, usecols) from e
    if data.shape[0] < MIN_SAMPLES:
        raise CsvImportError(f"{p} has {data.shape[0]} sample(s); at least {MIN_SAMPLES} are needed")
    bad = ~np.isfinite(data)
    if bad.any():
        row, col = (int(x) for x in np.argwhere(bad)[0])
        raise CsvImportError(
            f"{p} line {_line_of_row(p, row)}: {COLUMNS[col]} is {data[row, col]}",
            hint="remove or fill the rows with missing values; NaN and infinity are not samples",
        )
    t, acc, gyr = data[:, 0], data[:, 1:4], data[:, 4:7]
    _check_time(p, t)
    _check_units(p, acc, gyr)
    return ImuBatch(role, np.ascontiguousarray(t), np.ascontiguousarray(acc), np.ascontiguousarray(gyr))


def _check_time(p: Path, t: FloatArray) -> None:
    steps = np.diff(t)
    if np.any(steps <= 0):
        row = int(np.argmax(steps <= 0)) + 1
        what = "repeats" if steps[row - 1] == 0 else "goes back from"
        raise CsvImportError(
            f"{p} line {_line_of_row(p, row)}: time {t[row]!r} {what} {t[row - 1]!r} on the line before",
            hint="sort the rows by t and drop duplicates; t must increase strictly (seconds)",
        )


def _check_units(p: Path, acc: FloatArray, gyr: FloatArray) -> None:
    norm = np.linalg.norm(acc, axis=1)
    median = float(np.median(norm))
    for unit, value, factor in (("g", 1.0, "9.80665"), ("mg", 1000.0, "0.00980665")):
        if 0.7 * value < median < 1.3 * value:
            row = int(np.argmin(np.abs(norm - value)))
            raise CsvImportError(
                f"{p} line {_line_of_row(p, row)}: the accelerometer reads {norm[row]:.3g} at rest "
                f"(median norm {median:.3g}): it is in {unit}, not m/s²",
                hint=f"multiply ax, ay, az by {factor} to get m/s² (rest reads about {STANDARD_GRAVITY})",
            )
    gnorm = np.linalg.norm(gyr, axis=1)
    if float(np.max(gnorm)) > GYRO_RANGE_RAD_S or float(np.median(gnorm)) > GYRO_MEDIAN_LIMIT_RAD_S:
        row = int(np.argmax(gnorm))
        raise CsvImportError(
            f"{p} line {_line_of_row(p, row)}: the gyroscope reads {gnorm[row]:.4g} (median "
            f"{float(np.median(gnorm)):.3g}): that looks like deg/s, not rad/s",
            hint="multiply gx, gy, gz by π/180 = 0.0174533 to get rad/s",
        )
