"""``sensorbridge simulate``: write a simulated wearer's recording, CSV files and ground truth."""

from __future__ import annotations

import argparse
import sys

from sensorbridge.config import Config
from sensorbridge.errors import SensorbridgeError

HELP = "write a simulated scenario (recording, CSV files, ground truth) without any radio"


class SimulateUsageError(SensorbridgeError):
    """Flags that do not make a simulation."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("scenario", nargs="?", help="scenario name (see --list)")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--out", metavar="DIR", help="output directory (created)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--duration", type=float, metavar="S", help="seconds (default: the scenario's)")
    parser.add_argument(
        "--mounting-error", type=float, default=0.0, metavar="DEG", help="clip misalignment, any axis"
    )
    parser.add_argument(
        "--rotated", type=float, default=0.0, metavar="DEG", help="back clip worn turned about its z axis"
    )
    parser.add_argument(
        "--head", action=argparse.BooleanOptionalAction, default=True, help="wear the head clip too"
    )
    parser.add_argument(
        "--rate", type=int, default=104, choices=(52, 104, 208), help="output data rate, Hz (default 104)"
    )
    parser.add_argument("--no-csv", action="store_true", help="skip back.csv and head.csv")
    parser.add_argument(
        "--drop-rate", type=float, default=0.0, metavar="P", help="lose each notification with probability P"
    )
    parser.add_argument(
        "--outage",
        action="append",
        default=[],
        metavar="START:SECONDS",
        help="no packets from either clip for SECONDS from START (scenario s); repeatable",
    )


def _outage(text: str) -> tuple[float, float]:
    try:
        start, seconds = (float(x) for x in text.split(":"))
    except ValueError:
        raise SimulateUsageError(
            f"--outage {text!r} is not START:SECONDS", hint="e.g. --outage 120:30 (30 s from 120 s)"
        ) from None
    if start < 0 or seconds <= 0:
        raise SimulateUsageError(f"--outage {text!r} needs START >= 0 and SECONDS > 0")
    return start, seconds


def _list() -> int:
    from sensorbridge.sim.scenarios import SCENARIOS

    width = max(len(name) for name in SCENARIOS)
    for name, spec in SCENARIOS.items():
        length = f"{spec.default_duration_s:.0f} s" if spec.default_duration_s else "scripted"
        print(f"{name:<{width}}  {length:>8}  {spec.description}")
    return 0


def run(args: argparse.Namespace, config: Config) -> int:
    del config
    if args.list:
        return _list()
    if not args.scenario or not args.out:
        raise SimulateUsageError(
            "simulate needs a scenario and --out DIR",
            hint="e.g. sensorbridge simulate desk_day --out sim/day1 --seed 1 (sensorbridge simulate --list)",
        )
    if not 0.0 <= args.drop_rate < 0.5:
        raise SimulateUsageError(f"--drop-rate {args.drop_rate} is outside 0..0.5")
    if not 0.0 <= args.mounting_error <= 45.0:
        raise SimulateUsageError(f"--mounting-error {args.mounting_error} is outside 0..45 degrees")
    from pathlib import Path

    from sensorbridge.sim.export import LinkFaults, export_scenario
    from sensorbridge.sim.imu import ImuSettings
    from sensorbridge.sim.stream import SimOptions, WearerStream

    out = Path(args.out)
    taken = [n for n in ("recording.sbrec", "truth.json") if (out / n).exists()]
    if taken:
        raise SimulateUsageError(
            f"{out} already holds {', '.join(taken)}",
            hint="choose a new --out directory or remove the old one",
        )
    options = SimOptions(
        head=args.head,
        mounting_error_deg=args.mounting_error,
        rotated_deg=args.rotated,
        imu=ImuSettings(rate_hz=args.rate),
    )
    stream = WearerStream.create(args.scenario, args.seed, args.duration, options)
    tty = sys.stderr.isatty()

    def progress(fraction: float) -> None:
        if tty:
            print(f"\rsimulating {args.scenario}: {fraction:4.0%}", end="", file=sys.stderr, flush=True)

    faults = LinkFaults(args.drop_rate, tuple(_outage(text) for text in args.outage))
    summary = export_scenario(stream, out, write_csv=not args.no_csv, progress=progress, faults=faults)
    if tty:
        print(file=sys.stderr)
    total = sum(summary.samples.values())
    print(
        f"{args.scenario} seed {args.seed}: {summary.duration_s:.0f} s, "
        + ", ".join(
            f"{role} {n} samples, {summary.packets[role]} packets delivered"
            for role, n in summary.samples.items()
        )
        + f"; {summary.seconds:.1f} s wall ({total / summary.seconds:,.0f} samples/s)"
    )
    for name, size in sorted(summary.bytes_written.items()):
        print(f"  {out / name}  {size:,} bytes")
    return 0
