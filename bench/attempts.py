"""Measuring the parts of a section one by one, so one part's failure keeps the others' figures."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from bench.errors import PartialFailureError
from bench.report import Figure

P = ParamSpec("P")
T = TypeVar("T")


def describe(e: BaseException) -> str:
    """What went wrong, in the words of a SensorbridgeError when it is one."""
    text = getattr(e, "describe", None)
    return str(text()) if callable(text) else f"{type(e).__name__}: {e}"


class Attempts:
    """Collects the failures of a section's measurements instead of stopping at the first.

    ``bench.errors.Unavailable`` passes through untouched: "not there yet" is not a failure.
    """

    def __init__(self) -> None:
        self.failures: list[str] = []

    def run(self, what: str, func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """``func(*args, **kwargs)``, or None after recording why it failed (traceback on stderr)."""
        from bench.errors import Unavailable

        try:
            return func(*args, **kwargs)
        except Unavailable:
            raise
        except Exception as e:  # reported in the table and the exit code; the other parts still run
            traceback.print_exc(file=sys.stderr)
            self.failures.append(f"{what}: {describe(e)}")
            return None

    def finish(self, figures: list[Figure]) -> list[Figure]:
        """The figures, or :class:`PartialFailureError` carrying them when any part failed."""
        if self.failures:
            raise PartialFailureError("; ".join(self.failures), figures)
        return figures
