"""``sensorbridge`` (no command) and ``sensorbridge dashboard``: the Textual dashboard."""

from __future__ import annotations

import argparse
import datetime as dt

from sensorbridge.config import Config

HELP = "open the dashboard (the default when no command is given)"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-head", action="store_true", help="with --virtual: only the back clip, no head clip"
    )
    parser.add_argument(
        "--refresh-hz", type=float, default=None, help="screen updates per second (default 4)"
    )


def run(args: argparse.Namespace, config: Config) -> int:
    # Imported here so that `sensorbridge --help` does not load Textual.
    from sensorbridge.store.store import Store
    from sensorbridge.ui.app import DEFAULT_REFRESH_HZ, build_app
    from sensorbridge.ui.engine import DashboardEngine
    from sensorbridge.ui.errors import UiError
    from sensorbridge.ui.scripted import ScriptedEngine
    from sensorbridge.ui.summaries import StoreSummaries

    virtual = getattr(args, "virtual", None)
    refresh_hz = getattr(args, "refresh_hz", None) or DEFAULT_REFRESH_HZ
    engine: DashboardEngine
    if virtual is not None:
        engine = ScriptedEngine(
            head=not getattr(args, "no_head", False),
            slouch_deg=config.slouch_angle_deg,
            dwell_s=config.slouch_dwell_s,
        )
    else:
        raise UiError(
            "the dashboard cannot drive real clips in this build yet",
            hint="try it with virtual clips: sensorbridge --virtual (or `make demo`)",
        )
    tz = dt.datetime.now().astimezone().tzinfo or dt.UTC
    with Store.open(config.db_path) as store:
        app = build_app(config, engine, StoreSummaries(store, tz), refresh_hz=refresh_hz)
        app.run()
    return 0
