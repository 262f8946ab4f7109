"""Reading `make -C firmware size`'s lines (the bench's only parsing of another tool's output)."""

from __future__ import annotations

import pytest

from bench.errors import BenchError
from bench.sections.firmware import FirmwareSize, parse_size

SIZE_OUTPUT = """\
core code: flash 11063 bytes (text 11063 + data 0), RAM 0 bytes (data 0 + bss 0)
core state as the app allocates it: RAM 23192 bytes (bss)
core linked alone (gc-sections, newlib-nano, libm): flash 15380 bytes, RAM 23296 bytes
"""


def test_parse_size_reads_every_line() -> None:
    assert parse_size(SIZE_OUTPUT) == FirmwareSize(
        11063, 0, 23192, 15380, 23296, "gc-sections, newlib-nano, libm"
    )


def test_parse_size_with_only_the_core_code_line() -> None:
    assert parse_size(SIZE_OUTPUT.splitlines()[0]) == FirmwareSize(11063, 0)


def test_parse_size_refuses_output_it_does_not_know() -> None:
    with pytest.raises(BenchError, match="no 'core code"):
        parse_size("text data bss dec hex filename\n 100 0 0 100 64 x.o\n")
