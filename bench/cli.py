"""``python -m bench [--quick] --broad DIR [--json OUT] [--only KEY ...]``."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.broad import find_trials
from bench.context import Context
from bench.errors import BenchError
from bench.machine import load_average, machine_info, versions
from bench.report import markdown_table, results_json
from bench.runner import exit_code, run_all
from bench.sections import SECTIONS

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "bench" / "out"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Measure sensorbridge beside VQF, ahrs and imufusion; print one markdown table.",
    )
    parser.add_argument("--broad", type=Path, required=True, help="folder of BROAD .mat trials")
    parser.add_argument("--quick", action="store_true", help="reduced set: fewer trials, shorter days")
    parser.add_argument("--json", type=Path, help=f"JSON output (default: {DEFAULT_OUT}/bench-<time>.json)")
    parser.add_argument(
        "--only",
        action="append",
        choices=[s.key for s in SECTIONS],
        help="run only this section (repeatable)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        find_trials(args.broad)  # fail before anything runs, not twenty minutes in
    except BenchError as e:
        print(f"bench: {e.describe()}", file=sys.stderr)
        return 2
    started = dt.datetime.now(dt.UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    out = args.json or DEFAULT_OUT / f"bench{'-quick' if args.quick else ''}-{stamp}.json"
    sections = [s for s in SECTIONS if not args.only or s.key in args.only]
    doc = {"started": started.isoformat(), "quick": args.quick, "machine": machine_info(REPO)}
    doc["versions"] = versions()
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sensorbridge-bench-") as scratch:
        ctx = Context(args.broad.resolve(), args.quick, Path(scratch), REPO)
        results = run_all(sections, ctx)
    doc["seconds"] = round(time.perf_counter() - t0, 1)
    doc["load_average_at_end"] = load_average()
    doc["sections"] = results_json(results)
    print(markdown_table(results))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    except OSError as e:
        print(
            f"bench: cannot write {out}: {e}\n  what to do: pass a writable path with --json", file=sys.stderr
        )
        return 2
    print(f"bench: {len(results)} sections in {doc['seconds']} s; figures in {out}", file=sys.stderr)
    return exit_code(results)
