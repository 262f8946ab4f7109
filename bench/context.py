"""What every section receives: the run's options and a scratch folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.report import Figure


@dataclass(frozen=True)
class Context:
    broad: Path  # folder of BROAD .mat trials
    quick: bool  # the reduced set of `make bench-quick`
    scratch: Path  # a temporary folder for generated days and databases, removed after the run
    repo: Path  # the repository root (for `make -C firmware size`)


@dataclass(frozen=True)
class Section:
    """A section measures one thing and returns its figures.

    ``run`` raises :class:`bench.errors.Unavailable` when the project's part is not there; any other
    exception marks the section failed (the others still run).
    """

    key: str
    title: str
    run: Callable[[Context], list[Figure]]
