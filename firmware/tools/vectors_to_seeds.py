#!/usr/bin/env python3
"""Seed the fuzzers' corpora with the golden vectors (protocol/vectors/vectors.json).

fuzz_parsers takes a selector byte then the message; fuzz_control takes a script, seeded with
"connect, encrypt, MTU 247, write <command>" for every command vector.
Usage: vectors_to_seeds.py VECTORS_JSON PARSERS_DIR CONTROL_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

SELECTOR = {
    "command": 0,
    "sample_packet": 1,
    "status": 2,
    "log_page": 3,
    "response": 4,
    "manufacturer_data": 5,
}


def main(src: str, parsers_dir: str, control_dir: str) -> None:
    vectors = json.loads(Path(src).read_text(encoding="utf-8"))["vectors"]
    parsers, control = Path(parsers_dir), Path(control_dir)
    parsers.mkdir(parents=True, exist_ok=True)
    control.mkdir(parents=True, exist_ok=True)
    for v in vectors:
        data = bytes.fromhex(v["hex"])
        (parsers / v["name"]).write_bytes(bytes([SELECTOR[v["kind"]]]) + data)
        if v["kind"] == "command" and len(data) < 32:
            script = bytes([0x00, 0x0A, 0x03, 247, 0, 0x0D]) + bytes([0x06 | (len(data) << 3)]) + data
            (control / v["name"]).write_bytes(script)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
