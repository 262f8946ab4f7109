"""``sensorbridge scan``: list the clips in range (address, name, role, battery, RSSI), by the
posture service's full 128-bit UUID. ``--pair ADDRESS`` pairs one more clip (after the first run,
only bonded clips are accepted); ``--forget ADDRESS`` drops a bond. With ``--virtual``, scans two
virtual clips instead."""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from sensorbridge.config import Config

HELP = "list the clips in range: address, name, role, battery, signal"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to listen (default 5)")
    parser.add_argument("--json", action="store_true", help="one JSON object per clip")
    parser.add_argument("--pair", metavar="ADDRESS", help="pair with this clip and remember it")
    parser.add_argument("--forget", metavar="ADDRESS", help="forget this clip's bond")
    parser.add_argument(
        "--virtual",
        nargs="?",
        const="desk_day",
        default=argparse.SUPPRESS,
        metavar="SCENARIO",
        help="scan two virtual clips (the scenario does not matter here)",
    )


async def _scan_virtual(seconds: float) -> list[Any]:
    from sensorbridge.ble.scan import scan_clips
    from sensorbridge.conventions import Role
    from sensorbridge.virtual.air import VirtualAir
    from sensorbridge.virtual.backend import bleak_backends
    from sensorbridge.virtual.clip import VirtualClip

    air = VirtualAir()
    clips = [VirtualClip(air, Role.BACK, seed=1), VirtualClip(air, Role.HEAD, seed=2, rssi_dbm=-63)]
    for clip in clips:
        await clip.start()
    try:
        scanner, _client = bleak_backends(air)
        return await scan_clips(seconds, scanner)
    finally:
        for clip in clips:
            await clip.stop()


def bonds_path(config: Config) -> Path:
    """Where the bonded clips are remembered (next to the database)."""
    return config.db_path.parent / "bonds.json"


def run(args: argparse.Namespace, config: Config) -> int:
    from sensorbridge.ble.bonds import BondRegistry
    from sensorbridge.ble.scan import scan_clips

    if args.pair or args.forget:
        if getattr(args, "virtual", None) is not None:
            from sensorbridge.ble.errors import BleError

            raise BleError("--pair and --forget act on real clips", hint="drop --virtual")
        bonds = BondRegistry(bonds_path(config))
        if args.forget:
            known = bonds.remove(args.forget)
            print(f"forgot {args.forget}" if known else f"{args.forget} was not bonded")
            return 0
        from sensorbridge.ble.pairing import pair_clip

        info = asyncio.run(pair_clip(args.pair, bonds))
        print(f"paired {args.pair}: {info.status.role.name.lower()} clip, firmware {info.firmware_revision}")
        return 0

    if args.seconds <= 0:
        from sensorbridge.ble.errors import BleError

        raise BleError(f"--seconds must be positive, got {args.seconds}")
    if getattr(args, "virtual", None) is not None:
        clips = asyncio.run(_scan_virtual(args.seconds))
    else:
        clips = asyncio.run(scan_clips(args.seconds))
    for c in clips:
        role = c.role.name.lower() if c.role is not None else None
        state = c.state.name.lower() if c.state is not None else None
        if args.json:
            record = {
                "address": c.address,
                "name": c.name,
                "rssi": c.rssi,
                "role": role,
                "battery": c.battery,
                "state": state,
                "problem": c.problem,
            }
            print(json.dumps(record))
        else:
            battery = f"{c.battery:3d}%" if c.battery is not None else "  ? "
            line = (
                f"{c.address}  {c.name or '?':<8} {role or '?':<5} {battery}  {c.rssi:4d} dBm  {state or ''}"
            )
            print(line + (f"  ({c.problem})" if c.problem else ""))
    if not clips and not args.json:
        print("no clips heard; wake a clip (press its button) and scan again")
    return 0
