"""``sensorbridge`` (no command) and ``sensorbridge dashboard``: the Textual dashboard."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from sensorbridge.config import Config

HELP = "open the dashboard (the default when no command is given)"
SCAN_S = 3.0  # a Devices-screen scan: long enough to hear each clip's advertising a few times


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-head", action="store_true", help="only the back clip, no head clip")
    parser.add_argument(
        "--device",
        action="append",
        default=[],
        metavar="ADDR",
        help="the back clip's address, then the head clip's (default: the first clip of each role)",
    )
    parser.add_argument("--seed", type=int, default=0, help="with --virtual: the simulation's seed")
    parser.add_argument(
        "--scripted",
        action="store_true",
        help="a scripted stand-in wearer without the BLE stack or the pipeline (quick UI demo)",
    )
    parser.add_argument(
        "--refresh-hz", type=float, default=None, help="screen updates per second (default 4)"
    )


def _source_args(args: argparse.Namespace) -> argparse.Namespace:
    """The flags ``monitor.build_source`` reads, with defaults when no sub-command was given."""
    return argparse.Namespace(
        virtual=getattr(args, "virtual", None),
        device=getattr(args, "device", []),
        no_head=getattr(args, "no_head", False),
        speed=1.0,
        seed=getattr(args, "seed", 0),
    )


class RadioDirectory:
    """Scanning and bonds for the Devices screen, over the source's own radio (a real adapter, or
    the virtual air). Lives here because the dashboard package may not import the radio."""

    def __init__(self, source: Any) -> None:
        self._source = source

    def _bonds(self) -> Any:
        ble = getattr(self._source, "ble", self._source)  # VirtualSource wraps a BleSource
        return getattr(ble, "bonds", None)

    async def scan(self) -> tuple[Any, ...]:
        from sensorbridge.ble.scan import scan_clips
        from sensorbridge.ui.model import DeviceView

        backend = None
        if hasattr(self._source, "air"):  # virtual clips: scan the in-memory air they advertise on
            from sensorbridge.virtual.backend import bleak_backends

            backend = bleak_backends(self._source.air)[0]
        found = await scan_clips(SCAN_S, backend=backend)
        return tuple(
            DeviceView(
                c.address,
                c.name or "?",
                c.role,
                None,
                c.battery,
                c.rssi,
                bonded=self.bonded(c.address),
                connected=False,
            )
            for c in found
        )

    def bonded(self, address: str) -> bool:
        bonds = self._bonds()
        return bool(bonds is not None and bonds.is_bonded(address))

    def forget(self, address: str) -> bool:
        bonds = self._bonds()
        return bool(bonds is not None and bonds.remove(address))


def stored_calibrations(store: Any, wearer: str = "me") -> dict[Any, Any]:
    """The calibrations in force now for ``wearer``'s clips, by role; an unreadable one is left out
    (the dashboard then calibrates first, which replaces it)."""
    import time

    from calibration.errors import CalibrationFormatError
    from calibration.model import ClipCalibration
    from sensorbridge.conventions import Role

    wearer_id = store.ensure_wearer(wearer)
    found = {}
    for role in Role:
        stored = store.calibration_at(wearer_id, role, time.time())
        if stored is None:
            continue
        try:
            found[role] = ClipCalibration.from_dict(stored.data)
        except CalibrationFormatError:
            continue
    return found


def run(args: argparse.Namespace, config: Config) -> int:
    # Imported here so that `sensorbridge --help` does not load Textual, bleak or bumble.
    from sensorbridge.commands.monitor import build_source
    from sensorbridge.conventions import Role
    from sensorbridge.live_store import StoreSink
    from sensorbridge.pipeline.live import LivePipeline
    from sensorbridge.pipeline.settings import PipelineSettings, SlouchSettings
    from sensorbridge.store.store import Store
    from sensorbridge.ui.app import DEFAULT_REFRESH_HZ, build_app
    from sensorbridge.ui.engine import DashboardEngine
    from sensorbridge.ui.live_adapter import LiveDashboardEngine
    from sensorbridge.ui.scripted import ScriptedEngine
    from sensorbridge.ui.summaries import StoreSummaries, totals_of

    source_args = _source_args(args)
    head = not source_args.no_head
    refresh_hz = getattr(args, "refresh_hz", None) or DEFAULT_REFRESH_HZ
    scripted = getattr(args, "scripted", False)
    engine: DashboardEngine
    tz = dt.datetime.now().astimezone().tzinfo or dt.UTC
    with Store.open(config.db_path) as store:
        if scripted:
            engine = ScriptedEngine(
                head=head, slouch_deg=config.slouch_angle_deg, dwell_s=config.slouch_dwell_s
            )
        else:
            links: list[Any] = []  # the engine, once built: the source reports each fresh link to it

            def link_tap(role: Any, address: str, info: Any) -> None:
                if links:
                    links[0].note_link(role, address, info.firmware_revision)

            source = build_source(source_args, config, link_tap=link_tap)[0]  # (source, sleep, clock)
            slouch = SlouchSettings(angle_deg=config.slouch_angle_deg, dwell_s=config.slouch_dwell_s)
            calibrations = stored_calibrations(store)
            pipeline = LivePipeline(PipelineSettings(slouch=slouch), calibrations, expect_head=head)
            engine = LiveDashboardEngine(
                source,
                expect_head=head,
                pipeline=pipeline,
                wearer=getattr(source, "request", None),  # only virtual clips have a wearer to ask
                sink=StoreSink.for_pipeline(store, pipeline.settings, source="dashboard"),
                directory=RadioDirectory(source),
                today=totals_of(StoreSummaries(store, tz).day(dt.date.today())),
                calibrate_on_start=Role.BACK not in calibrations,
            )
            links.append(engine)
        app = build_app(config, engine, StoreSummaries(store, tz), refresh_hz=refresh_hz)
        app.run()
    return 0
