"""The ``sensorbridge`` command: global flags, then one sub-command per module in ``commands/``.

With no sub-command it opens the dashboard (``--virtual`` streams virtual clips instead of real ones).
Each command module provides ``configure(parser)`` and ``run(args, config) -> int`` and imports its
heavy dependencies inside ``run`` so that ``sensorbridge --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, cast

from sensorbridge import __version__
from sensorbridge.config import Config, load_config
from sensorbridge.errors import SensorbridgeError

# name -> module under sensorbridge.commands (a module may not share a keyword's name, hence import_)
COMMANDS: dict[str, str] = {
    "dashboard": "dashboard",
    "summary": "summary",
    "export": "export",
    "import": "import_",
    "monitor": "monitor",
    "record": "record",
    "scan": "scan",
    "simulate": "simulate",
    "analyze": "analyze",
}


class Command(Protocol):
    HELP: str

    def configure(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace, config: Config) -> int: ...


def _command(module: str) -> Command:
    return cast(Command, importlib.import_module(f"sensorbridge.commands.{module}"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sensorbridge",
        description="Posture monitor for BLE IMU clips. With no command, opens the dashboard.",
    )
    parser.add_argument("--version", action="version", version=f"sensorbridge {__version__}")
    parser.add_argument("--db", type=Path, help="SQLite database (default: user data directory)")
    parser.add_argument("--config", type=Path, help="TOML config file")
    parser.add_argument(
        "--virtual",
        nargs="?",
        const="desk_day",
        metavar="SCENARIO",
        help="use virtual clips that stream a simulated wearer (default scenario: desk_day)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in COMMANDS.items():
        cmd = _command(module)
        cmd.configure(sub.add_parser(name, help=cmd.HELP, description=cmd.HELP))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    try:
        config = load_config(args.config, overrides={"db_path": args.db})
        command = args.command or "dashboard"
        if command not in COMMANDS:
            parser.error(f"the {command!r} command is not available in this build")
        return _command(COMMANDS[command]).run(args, config)
    except SensorbridgeError as e:
        print(f"sensorbridge: {e.describe()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
