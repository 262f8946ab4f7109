"""Firmware: flash and RAM of the cross-compiled core, and the codec's cost per packet on the host.

Both build into the run's scratch folder (``make BUILD=...``), never into firmware/build/, so a bench
run cannot disturb someone's build there.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np

from bench.context import Context, Section
from bench.errors import BenchError, Unavailable
from bench.report import Figure
from sensorbridge.conventions import Role
from sensorbridge.protocol import MAX_SAMPLES_PER_PACKET, SamplePacket, decode_sample_packets

_CODE = re.compile(r"core code: flash (\d+) bytes .*?RAM (\d+) bytes")
_STATE = re.compile(r"core state as the app allocates it: RAM (\d+) bytes")
_LINKED = re.compile(r"core linked alone \(([^)]*)\): flash (\d+) bytes, RAM (\d+) bytes")
CODEC_ITERATIONS = 200_000  # ~60 ns per call: a few hundred ms in all, long enough to be stable
PY_PACKETS = 2_000
T = TypeVar("T")


def _run(cmd: list[str], cwd: Path, timeout_s: float) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout_s, check=False)
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-4:])
        raise BenchError(f"`{' '.join(cmd)}` failed: {tail}")
    return proc.stdout


@dataclass(frozen=True)
class FirmwareSize:
    """Bytes, from ``make -C firmware size``: the core's objects, the state the app allocates for it,
    and the core linked into an image on its own (with how it was linked), when the Makefile says."""

    flash: int
    ram: int
    state_ram: int | None = None
    linked_flash: int | None = None
    linked_ram: int | None = None
    linked_how: str = ""


def parse_size(text: str) -> FirmwareSize:
    """Read the lines ``make -C firmware size`` prints; refuses output without the core code line."""
    code = _CODE.search(text)
    if code is None:
        raise BenchError(f"no 'core code: flash ... RAM ...' line in the size output: {text.strip()[-300:]}")
    state = _STATE.search(text)
    linked = _LINKED.search(text)
    return FirmwareSize(
        int(code.group(1)),
        int(code.group(2)),
        int(state.group(1)) if state else None,
        int(linked.group(2)) if linked else None,
        int(linked.group(3)) if linked else None,
        linked.group(1) if linked else "",
    )


def run_size(ctx: Context) -> list[Figure]:
    firmware = ctx.repo / "firmware"
    makefile = firmware / "Makefile"
    if not makefile.exists() or not re.search(r"^size:", makefile.read_text(encoding="utf-8"), re.M):
        raise Unavailable("firmware/Makefile has no `size` target yet")
    if shutil.which("arm-none-eabi-gcc") is None:
        raise Unavailable("arm-none-eabi-gcc is not installed (apt-get install gcc-arm-none-eabi)")
    build = ctx.scratch / "firmware-build"
    out = _run(["make", "-s", "--no-print-directory", f"BUILD={build}", "size"], firmware, 300)
    size = parse_size(out)
    figures = [
        Figure("core flash (cortex-m4, -Os)", size.flash, "B", "text + data of every firmware/core object"),
        Figure(
            "core static RAM", size.ram, "B", "data + bss of the core objects (the caller owns all state)"
        ),
    ]
    if size.state_ram is not None:
        figures.append(Figure("core state as the app allocates it", size.state_ram, "B", "RAM (bss)"))
    if size.linked_flash is not None and size.linked_ram is not None:
        how = f"the core linked alone ({size.linked_how})"
        figures.append(Figure("core image flash", size.linked_flash, "B", how))
        figures.append(Figure("core image RAM", size.linked_ram, "B", how))
    return figures


def _c_codec(ctx: Context) -> dict[str, float]:
    core = ctx.repo / "firmware" / "core"
    sources = [core / "sb_protocol.c", core / "sb_command.c"]
    missing = [p.name for p in sources if not p.exists()]
    if missing:
        raise Unavailable(f"firmware/core has no {', '.join(missing)} yet")
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if cc is None:
        raise Unavailable("no host C compiler (cc) to build the codec benchmark")
    exe = ctx.scratch / "codec_cost"
    src = Path(__file__).resolve().parent.parent / "c" / "codec_cost.c"
    _run([cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", f"-I{core}", str(src), *map(str, sources),
          "-o", str(exe)], ctx.repo, 120)  # fmt: skip
    result: dict[str, float] = json.loads(_run([str(exe), str(CODEC_ITERATIONS)], ctx.repo, 120))
    return result


def _packets(n: int) -> list[SamplePacket]:
    rng = np.random.default_rng(8)
    samples = rng.integers(-10_000, 10_000, size=(n, MAX_SAMPLES_PER_PACKET, 6), dtype=np.int16)
    return [SamplePacket(Role.BACK, i % 65536, i * 173_077, 9_615_385, samples[i]) for i in range(n)]


def _per_call_us(func: Callable[[T], object], items: Sequence[T]) -> float:
    """Mean wall time of ``func(item)`` over ``items``, in µs."""
    start = time.perf_counter()
    for item in items:
        func(item)
    return (time.perf_counter() - start) / len(items) * 1e6


def run_codec(ctx: Context) -> list[Figure]:
    figures: list[Figure] = []
    try:
        c = _c_codec(ctx)
    except Unavailable as e:
        figures.append(Figure.unavailable("C sb_packet_encode per packet (host)", e.reason, "ns"))
    else:
        calls, size = int(c["iterations"]), int(c["packet_bytes"])
        note = f"firmware/core on this host, -O2, {calls} calls, {size}-byte packet"
        figures += [
            Figure("C sb_packet_encode per packet (host)", c["encode_ns"], "ns", note),
            Figure("C sb_packet_decode per packet (host)", c["decode_ns"], "ns", note),
            Figure(
                "C sb_command_parse per request (host)",
                c["command_parse_ns"],
                "ns",
                "SET_THRESHOLDS, 10 bytes",
            ),
        ]
    packets = _packets(PY_PACKETS)
    encoded = [p.encode() for p in packets]
    enc_us = _per_call_us(SamplePacket.encode, packets)
    dec_us = _per_call_us(SamplePacket.decode, encoded)
    start = time.perf_counter()
    decode_sample_packets(encoded, Role.BACK)
    batch_us = (time.perf_counter() - start) / len(encoded) * 1e6
    note = f"{PY_PACKETS} packets of {MAX_SAMPLES_PER_PACKET} samples"
    figures += [
        Figure("Python SamplePacket.encode per packet", enc_us, "µs", note),
        Figure("Python SamplePacket.decode per packet", dec_us, "µs", note),
        Figure("Python decode_sample_packets per packet (vectorised)", batch_us, "µs", f"{note}, one call"),
    ]
    return figures


SIZE_SECTION = Section("firmware", "Firmware size", run_size)
CODEC_SECTION = Section("codec", "Codec cost per packet", run_codec)
