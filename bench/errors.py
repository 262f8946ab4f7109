"""The benchmark's errors: what went wrong and what to do, like every sensorbridge error."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sensorbridge.errors import SensorbridgeError

if TYPE_CHECKING:
    from bench.report import Figure


class BenchError(SensorbridgeError):
    """The benchmark cannot measure something it was asked to."""


class BroadMissingError(BenchError):
    """The BROAD folder given with ``--broad`` is missing or holds no trial."""


class PartialFailureError(BenchError):
    """Some measurements of a section failed; ``figures`` holds what the others measured."""

    def __init__(self, message: str, figures: list[Figure]) -> None:
        super().__init__(message)
        self.figures = figures


class Unavailable(Exception):  # noqa: N818 - a state, not a fault: the part has not landed yet
    """A figure or a section cannot be measured because the project's part is not there (yet).

    Not an error: the table shows "not available: <reason>" and the exit code stays zero.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
