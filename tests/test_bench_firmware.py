"""Reading `make -C firmware size`'s lines (the bench's only parsing of another tool's output)."""

from __future__ import annotations

import pytest

from bench.errors import BenchError
from bench.sections.firmware import parse_size

SIZE_OUTPUT = """\
core code: flash 9876 bytes (text 9800 + data 76), RAM 1300 bytes (data 76 + bss 1224)
core state as the app allocates it: RAM 4410 bytes (bss)
"""


def test_parse_size_reads_flash_ram_and_state() -> None:
    assert parse_size(SIZE_OUTPUT) == (9876, 1300, 4410)


def test_parse_size_without_the_state_line() -> None:
    assert parse_size(SIZE_OUTPUT.splitlines()[0]) == (9876, 1300, None)


def test_parse_size_refuses_output_it_does_not_know() -> None:
    with pytest.raises(BenchError, match="no 'core code"):
        parse_size("text data bss dec hex filename\n 100 0 0 100 64 x.o\n")
