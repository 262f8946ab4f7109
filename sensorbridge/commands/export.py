"""``sensorbridge export``: everything stored in a range of local days, as CSV or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sensorbridge.commands.summary import UsageError, parse_date
from sensorbridge.config import Config

HELP = "export everything stored between two local dates (inclusive) as CSV or JSON"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="first", required=True, help="first local day, YYYY-MM-DD")
    parser.add_argument("--to", dest="last", help="last local day, YYYY-MM-DD (default: the --from day)")
    parser.add_argument(
        "--format", choices=("csv", "json"), default="json", help="output format (default json)"
    )
    parser.add_argument("--out", type=Path, help="write to this file instead of standard output")
    parser.add_argument("--tz", help="IANA time zone for the days (default: $TZ or the system's)")
    parser.add_argument(
        "--include-unplaced",
        action="store_true",
        help="also export clip-log hours whose clock was not synced",
    )


def run(args: argparse.Namespace, config: Config) -> int:
    from sensorbridge.store.export import export_range, to_csv, to_json
    from sensorbridge.store.localtime import local_zone
    from sensorbridge.store.store import Store

    first = parse_date(args.first)
    last = parse_date(args.last) if args.last else first
    if last < first:
        raise UsageError(f"--to {last} is before --from {first}", hint="swap the two dates")
    tz = local_zone(args.tz)
    with Store.open(config.db_path) as store:
        data = export_range(store, first, last, tz, include_unplaced=args.include_unplaced)
    text = to_csv(data) if args.format == "csv" else to_json(data) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        try:
            args.out.write_text(text, encoding="utf-8")
        except OSError as e:
            raise UsageError(
                f"cannot write {args.out}: {e.strerror}", hint="choose a writable --out path"
            ) from e
        counts = ", ".join(f"{len(data[k])} {k}" for k in ("sessions", "intervals", "slouch_episodes"))
        print(f"wrote {args.out}: {counts}", file=sys.stderr)
    return 0
