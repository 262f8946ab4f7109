"""The real ``sensorbridge --virtual`` in a real terminal (tmux at 120x40), used as a person would.

Keys go in with ``send-keys`` and the screen comes back with ``capture-pane``. Each check polls the
screen until the text appears, with a generous deadline: that is waiting for a slow machine, not a
timed assertion. tmux runs on a private socket, so the test never touches anyone else's sessions.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

DEADLINE_S = 90.0  # generous: the virtual BLE stack and Textual start on a busy 2-core machine
POLL_S = 0.25


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True, timeout=30
        )
        return out.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "main")

    def wait_for(self, *texts: str) -> str:
        """Poll the screen until every text is on it; fail with the last screen after the deadline."""
        deadline = time.monotonic() + DEADLINE_S
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(t in screen for t in texts):
                return screen
            time.sleep(POLL_S)
        raise AssertionError(f"never saw {texts!r} within {DEADLINE_S:.0f} s; the screen was:\n{screen}")

    def wait_gone(self, text: str) -> None:
        """Poll until ``text`` has left the screen."""
        deadline = time.monotonic() + DEADLINE_S
        while text in (screen := self.screen()):
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} stayed on the screen:\n{screen}")
            time.sleep(POLL_S)

    def keys(self, *keys: str) -> None:
        self("send-keys", "-t", "main", *keys)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    assert shutil.which("tmux"), "tmux is needed for this test (.ci/run installs it)"
    exe = Path(sys.executable).parent / "sensorbridge"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "sensorbridge.cli"]
    command += ["--db", str(tmp_path / "db.sqlite"), "--virtual"]
    env = {
        "SENSORBRIDGE_CONFIG": str(tmp_path / "absent.toml"),  # defaults, not the user's file
        "TERM": "xterm-256color",
        "COLUMNS": "120",
        "LINES": "40",
    }
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    shell = (
        f"cd {shlex.quote(os.getcwd())} && env {exports} {shlex.join(command)}; echo SB-EXIT=$?; sleep 600"
    )
    t = Tmux(f"sbtest-{os.getpid()}")
    t("new-session", "-d", "-s", "main", "-x", "120", "-y", "40", shell)
    try:
        yield t
    finally:
        subprocess.run(["tmux", "-L", t.socket, "kill-server"], check=False, capture_output=True, timeout=30)


@pytest.mark.slow
def test_the_real_dashboard_with_virtual_clips_in_tmux(tmux: Tmux) -> None:
    # A first run has no stored calibration: the dashboard calibrates first, then shows Live.
    tmux.wait_for("Calibrate", "Step 1 of 2", "Stillness")
    tmux.wait_for("Calibrated")
    screen = tmux.wait_for("Live", "Thoracic flexion", "Back streaming", "Head streaming")
    assert "virtual clips" in screen
    assert "Snooze 15m" in screen  # the footer shows the keys
    tmux.wait_for("104 Hz")  # the measured sample rate of the streaming clips

    tmux.keys("S")  # the virtual wearer slouches
    tmux.wait_for("leaning forward for")

    tmux.keys("1")  # snooze 15 minutes with one key
    tmux.wait_for("Alerts snoozed")

    tmux.keys("c")
    tmux.wait_for("The neutral pose", "Sit tall", "Press Enter")
    tmux.keys("Enter")
    tmux.wait_for("Step 1 of 2", "Stillness")

    tmux.keys("s")
    tmux.wait_for("Routine", "Chin tuck", "Shoulder squeeze")

    tmux.keys("m")
    tmux.wait_for("Summary", "Slouch minutes per hour")

    tmux.keys("d")
    tmux.wait_for("Devices", "SB-Back", "SB-Head", "1.0.0")  # firmware, as each link reported it
    tmux.keys("r")  # scan the (virtual) air
    tmux.wait_for("clip(s) found")

    tmux.keys("?")
    tmux.wait_for("Keep this open beside your work")
    tmux.keys("Escape")  # alone: an escape followed at once by a key reads as alt+key
    tmux.wait_gone("Keep this open beside your work")

    tmux.keys("q")
    tmux.wait_for("SB-EXIT=0")
