"""``sensorbridge monitor``: once a second of stream time, both nodes, text or JSON lines."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from sensorbridge.cli import main
from sensorbridge.commands.monitor import monitor
from sensorbridge.conventions import Role
from sensorbridge.virtual.clip import ClipSpec
from sensorbridge.virtual.rig import VirtualSource
from sensorbridge.virtual.timeloop import run_virtual


def test_json_lines_show_both_nodes() -> None:
    run_virtual(_json_lines_show_both_nodes())


async def _json_lines_show_both_nodes() -> None:
    source = VirtualSource([ClipSpec(Role.BACK, seed=1), ClipSpec(Role.HEAD, seed=2)])

    async def world_sleep(seconds: float) -> None:
        await source.started.wait()
        await source.air.clock.sleep(seconds)

    out = io.StringIO()
    snap = await monitor(
        source,
        world_sleep,
        duration=12.0,
        as_json=True,
        calibrate_s=None,
        expect_head=True,
        vibrate=False,
        out=out,
    )
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["elapsed_s"] for line in lines] == [float(i) for i in range(1, 13)]
    last = lines[-1]
    assert set(last["nodes"]) == {"back", "head"}
    for node in last["nodes"].values():
        assert node["link"] == "streaming"
        assert node["samples"] > 500
        assert node["samples_lost"] == 0
        assert node["rate_hz"] == 104
    assert last["state"] is not None
    assert last["angles"]["thoracic_flexion"] is not None
    assert snap.nodes[Role.HEAD].samples >= last["nodes"]["head"]["samples"]


def test_cli_monitor_virtual_scenario_text(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["monitor", "--virtual", "desk_short", "--duration", "8", "--speed", "inf"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert len(out) == 8
    assert "back: streaming" in out[-1]
    assert "head: streaming" in out[-1]


def test_cli_global_virtual_flag_reaches_monitor(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["--virtual", "desk_short", "monitor", "--no-head", "--duration", "3", "--speed", "inf", "--json"]
    )
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert list(lines[-1]["nodes"]) == ["back"]
    assert lines[-1]["nodes"]["back"]["samples"] > 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["monitor", "--virtual", "--device", "C1:00:00:00:00:01", "--duration", "1"], "exclude each other"),
        (["monitor", "--virtual", "--speed", "0", "--duration", "1"], "--speed must be positive"),
        (["monitor", "--device", "A", "--device", "B", "--device", "C"], "at most two"),
        (["monitor", "--speed", "3", "--duration", "1"], "only applies to --virtual"),
    ],
)
def test_bad_flags_say_what_to_do(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_calibrate_reports_the_outcome(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["monitor", "--virtual", "desk_short", "--no-head", "--duration", "22", "--speed", "inf"]
    code = main([*argv, "--calibrate", "12", "--json"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 0
    assert lines[0]["calibration"] is None
    outcome = lines[-1]["calibration"]
    assert outcome is not None
    assert outcome["message"]
    assert outcome["ok"] or outcome["hint"]  # refused only with a hint (this scenario skips the bend)


def test_a_clips_log_is_kept_as_soon_as_it_arrives(tmp_path: Path) -> None:
    from sensorbridge.commands.monitor import store_device_log
    from sensorbridge.config import Config
    from sensorbridge.protocol import LogRecord
    from sensorbridge.store.store import Store

    records = tuple(LogRecord(1_790_000_000 + 3600 * i, 40, 20, 1) for i in range(3))
    kept: list[tuple[Role, str | None, int]] = []
    config = Config(db_path=tmp_path / "db.sqlite")

    def keep(role: Role, address: str | None, recs: object) -> None:
        assert isinstance(recs, tuple)
        kept.append((role, address, len(recs)))
        store_device_log(config, role, address, recs)

    async def go() -> None:
        source = VirtualSource([ClipSpec(Role.BACK, seed=1, log_records=records)])

        async def world_sleep(seconds: float) -> None:
            await source.started.wait()
            await source.air.clock.sleep(seconds)

        await monitor(
            source,
            world_sleep,
            duration=5.0,
            as_json=True,
            calibrate_s=None,
            expect_head=False,
            vibrate=False,
            out=io.StringIO(),
            keep_log=keep,
        )

    run_virtual(go())
    assert kept == [(Role.BACK, "C1:00:00:00:00:01", 3)]
    with Store.open(config.db_path) as store:
        rows = store.conn.execute("SELECT COUNT(*) FROM device_log").fetchone()
    assert rows[0] == 3
