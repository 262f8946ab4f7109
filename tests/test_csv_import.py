"""CSV import: the format round trip, and one clear error (with its line) per kind of bad input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sensorbridge.conventions import STANDARD_GRAVITY, Role
from sensorbridge.csv_import import CsvImportError, read_imu_csv, write_imu_csv
from sensorbridge.samples import ImuBatch

HEADER = "t,ax,ay,az,gx,gy,gz"


def rows(n: int = 50, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.005, 0.015, n))  # irregular sampling is allowed
    acc = np.tile([STANDARD_GRAVITY, 0.0, 0.0], (n, 1)) + rng.normal(0, 0.05, (n, 3))
    gyr = rng.normal(0, 0.02, (n, 3))
    return np.column_stack([t, acc, gyr])


def write(path: Path, data: np.ndarray, header: str = HEADER) -> Path:
    lines = [header] + [",".join(f"{v:.6f}" for v in r) for r in data]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_reads_the_documented_format(tmp_path: Path) -> None:
    data = rows()
    batch = read_imu_csv(write(tmp_path / "a.csv", data), Role.HEAD)
    assert batch.role == Role.HEAD
    np.testing.assert_allclose(batch.t, data[:, 0], atol=1e-6)
    np.testing.assert_allclose(batch.acc, data[:, 1:4], atol=1e-6)
    np.testing.assert_allclose(batch.gyr, data[:, 4:7], atol=1e-6)


def test_columns_in_any_order_extra_columns_and_blank_lines(tmp_path: Path) -> None:
    data = rows(10)
    p = tmp_path / "b.csv"
    lines = ["temp, gz,gy,gx,az,ay,ax,T"]
    for r in data:
        lines.append(",".join(f"{v:.6f}" for v in [21.5, r[6], r[5], r[4], r[3], r[2], r[1], r[0]]))
    lines.insert(4, "")
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    batch = read_imu_csv(p)
    np.testing.assert_allclose(batch.acc, data[:, 1:4], atol=1e-6)
    np.testing.assert_allclose(batch.t, data[:, 0], atol=1e-6)


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    data = rows(30, seed=4)
    batch = ImuBatch(Role.BACK, data[:, 0], data[:, 1:4], data[:, 4:7])
    write_imu_csv(tmp_path / "c.csv", batch)
    back = read_imu_csv(tmp_path / "c.csv")
    np.testing.assert_allclose(back.acc, batch.acc, rtol=1e-5)
    np.testing.assert_allclose(back.t, batch.t, atol=1e-6)


def test_missing_columns_are_named(tmp_path: Path) -> None:
    p = write(tmp_path / "d.csv", rows()[:, :4], header="t,ax,ay,az")
    with pytest.raises(CsvImportError, match=r"line 1: missing column\(s\) gx, gy, gz") as err:
        read_imu_csv(p)
    assert err.value.hint is not None
    assert "t,ax,ay,az,gx,gy,gz" in err.value.hint


def test_a_value_that_is_not_a_number_names_line_and_column(tmp_path: Path) -> None:
    p = write(tmp_path / "e.csv", rows())
    lines = p.read_text().splitlines()
    cells = lines[6].split(",")
    cells[4] = "fast"
    lines[6] = ",".join(cells)
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(CsvImportError, match=r"line 7: gx is 'fast', not a number"):
        read_imu_csv(p)


def test_a_short_line_is_reported(tmp_path: Path) -> None:
    p = write(tmp_path / "e2.csv", rows())
    lines = p.read_text().splitlines()
    lines[3] = "0.5,1,2"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(CsvImportError, match=r"line 4: 3 values, the header has 7"):
        read_imu_csv(p)


def test_nan_names_its_line(tmp_path: Path) -> None:
    data = rows()
    data[9, 2] = math.nan
    with pytest.raises(CsvImportError, match=r"line 11: ay is nan") as err:
        read_imu_csv(write(tmp_path / "f.csv", data))
    assert "NaN" in (err.value.hint or "")


def test_time_going_back_or_repeating_names_its_line(tmp_path: Path) -> None:
    data = rows()
    data[20, 0] = data[19, 0] - 0.001
    with pytest.raises(CsvImportError, match=r"line 22: time .* goes back"):
        read_imu_csv(write(tmp_path / "g.csv", data))
    data = rows()
    data[5, 0] = data[4, 0]
    with pytest.raises(CsvImportError, match=r"line 7: time .* repeats"):
        read_imu_csv(write(tmp_path / "h.csv", data))


def test_accelerometer_in_g_says_multiply_by_standard_gravity(tmp_path: Path) -> None:
    data = rows()
    data[:, 1:4] /= STANDARD_GRAVITY
    with pytest.raises(CsvImportError, match=r"line \d+: .* it is in g, not m/s²") as err:
        read_imu_csv(write(tmp_path / "i.csv", data))
    assert "9.80665" in (err.value.hint or "")


def test_accelerometer_in_mg_is_caught_too(tmp_path: Path) -> None:
    data = rows()
    data[:, 1:4] *= 1000.0 / STANDARD_GRAVITY
    with pytest.raises(CsvImportError, match=r"it is in mg"):
        read_imu_csv(write(tmp_path / "j.csv", data))


def test_gyroscope_in_degrees_per_second_is_caught(tmp_path: Path) -> None:
    data = rows()
    data[:, 4:7] = np.degrees(data[:, 4:7]) + 30.0  # a still sensor with a bias reads ~30 in deg/s
    with pytest.raises(CsvImportError, match=r"line \d+: the gyroscope .* looks like deg/s") as err:
        read_imu_csv(write(tmp_path / "k.csv", data))
    assert "π/180" in (err.value.hint or "")
    data = rows()
    data[10, 5] = 200.0  # one spin beyond any gyro's range
    with pytest.raises(CsvImportError, match=r"line 12: the gyroscope reads 200"):
        read_imu_csv(write(tmp_path / "l.csv", data))


def test_missing_file_and_too_few_samples(tmp_path: Path) -> None:
    with pytest.raises(CsvImportError, match="does not exist"):
        read_imu_csv(tmp_path / "nope.csv")
    with pytest.raises(CsvImportError, match="1 sample"):
        read_imu_csv(write(tmp_path / "m.csv", rows(1)))


def test_spreadsheet_exports_with_bom_and_crlf_are_read(tmp_path: Path) -> None:
    data = rows(20)
    p = tmp_path / "excel.csv"
    lines = [HEADER] + [",".join(f"{v:.6f}" for v in r) for r in data]
    p.write_bytes(("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8"))
    np.testing.assert_allclose(read_imu_csv(p).acc, data[:, 1:4], atol=1e-6)


def test_semicolon_separated_files_get_their_own_message(tmp_path: Path) -> None:
    p = tmp_path / "semi.csv"
    p.write_text("t;ax;ay;az;gx;gy;gz\n0;0;0;9,81;0;0;0\n", encoding="utf-8")
    with pytest.raises(CsvImportError, match="semicolons") as err:
        read_imu_csv(p)
    assert "commas" in (err.value.hint or "")
