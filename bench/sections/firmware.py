"""Placeholder until the section is written."""

from __future__ import annotations

from bench.context import Context, Section
from bench.errors import Unavailable
from bench.report import Figure


def run(ctx: Context) -> list[Figure]:
    raise Unavailable("not written yet")


SECTION = Section("firmware", "firmware", run)
