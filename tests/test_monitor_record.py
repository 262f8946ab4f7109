"""``sensorbridge record``: a recording of virtual clips that reads back with every sample and the
links' metadata; a drop fault leaves exactly the gaps the live client saw."""

from __future__ import annotations

from pathlib import Path

import pytest

from sensorbridge.cli import main
from sensorbridge.commands.record import record
from sensorbridge.conventions import Role
from sensorbridge.recording import RecordingReader, RecordingWriter
from sensorbridge.virtual.clip import ClipSpec, Faults
from sensorbridge.virtual.rig import VirtualSource
from sensorbridge.virtual.timeloop import run_virtual


def test_recording_holds_every_received_packet(tmp_path: Path) -> None:
    run_virtual(_recording_holds_every_received_packet(tmp_path))


async def _recording_holds_every_received_packet(tmp_path: Path) -> None:
    out = tmp_path / "two.sbrec"
    with RecordingWriter(out, {"source": "virtual"}, autoflush=False) as writer:
        source = VirtualSource(
            [ClipSpec(Role.BACK, Faults(drop_rate=0.1), seed=1), ClipSpec(Role.HEAD, seed=2)],
            packet_tap=writer.write_packet,
            link_tap=lambda role, address, info: writer.write_meta(
                {"address": address, "rate_hz": info.status.rate_hz, "firmware": info.firmware_revision},
                role=role,
            ),
        )

        async def world_sleep(seconds: float) -> None:
            await source.started.wait()
            await source.air.clock.sleep(seconds)

        samples = await record(source, world_sleep, lambda: source.air.clock.now(), writer, duration=15.0)
    back_stream = source.ble.stream(Role.BACK)
    with RecordingReader.open(out) as reader:
        assert reader.roles() == [Role.BACK, Role.HEAD]
        assert reader.metadata(Role.BACK)["firmware"] == "1.0.0"
        assert reader.metadata(Role.HEAD)["rate_hz"] == 104
        for role in (Role.BACK, Role.HEAD):
            node = reader.load_node(role, "host")
            assert len(node.batch) == source.ble.stream(role).samples
        back = reader.load_node(Role.BACK, "device")
        assert sum(g.samples_lost for g in back.gaps) == back_stream.tracker.lost_samples
        assert back_stream.tracker.lost_samples > 0
        links = [e for _t, _r, e in reader.events() if e["type"] == "link"]
        assert {"scanning", "connecting", "streaming"} <= {e["state"] for e in links}
    assert samples[Role.BACK] == back_stream.samples


def test_cli_record_virtual(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.sbrec"
    code = main(["record", "--out", str(out), "--virtual", "desk_short", "--duration", "6", "--speed", "inf"])
    printed = capsys.readouterr()
    assert code == 0
    assert f"wrote {out}" in printed.out
    assert "samples:" in printed.err
    with RecordingReader.open(out) as reader:
        assert reader.metadata()["scenario"] == "desk_short"
        assert len(reader.load_node(Role.BACK, "device").batch) > 100


def test_cli_record_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "exists.sbrec"
    out.write_bytes(b"")
    assert main(["record", "--out", str(out), "--virtual", "--duration", "1"]) == 2
    assert "already exists" in capsys.readouterr().err
