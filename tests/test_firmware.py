"""The firmware's host tests (cmocka, in firmware/tests/) run from pytest, so `pytest` alone covers the
C core too. `make -C firmware host-test` builds each suite (incrementally) and runs it; every suite
prints cmocka's summary, which is checked here as well as the exit code."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

FIRMWARE = Path(__file__).resolve().parent.parent / "firmware"


def test_every_host_suite_passes() -> None:
    if shutil.which("make") is None or shutil.which("cc") is None:
        pytest.fail("the firmware host tests need make and a C compiler (apt-get install build-essential)")
    run = subprocess.run(["make", "-s", "-C", str(FIRMWARE), "host-test"], capture_output=True, text=True)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    suites = re.findall(r"\[  PASSED  \] (\d+) test\(s\)\.", output)
    makefile = (FIRMWARE / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    declared = re.search(r"^TESTS\s*:=\s*(.+)$", makefile, re.M)
    assert declared is not None
    assert len(suites) == len(declared.group(1).split())  # no suite silently skipped
    assert "FAILED" not in output
    assert sum(int(n) for n in suites) >= 80
