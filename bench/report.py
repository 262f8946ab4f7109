"""What a section hands back, and how the results become one markdown table and one JSON document."""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Figure:
    """One measured number. ``value`` is None exactly when ``missing`` says why it is not available.

    ``details`` holds what the JSON should keep beside the number (per-trial values, raw timings).
    """

    name: str
    value: float | None
    unit: str = ""
    note: str = ""
    missing: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.value is None) == (self.missing is None):
            raise ValueError(f"figure {self.name!r} needs exactly one of a value and a missing reason")
        if self.value is not None and not math.isfinite(self.value):
            raise ValueError(f"figure {self.name!r} is not a finite number: {self.value}")

    @staticmethod
    def unavailable(name: str, reason: str, unit: str = "") -> Figure:
        return Figure(name, None, unit, missing=reason)


class Status(enum.StrEnum):
    OK = "ok"
    UNAVAILABLE = "not available"
    FAILED = "failed"


@dataclass(frozen=True)
class SectionResult:
    key: str
    title: str
    status: Status
    figures: tuple[Figure, ...] = ()
    reason: str | None = None  # why the section is unavailable or failed
    seconds: float = 0.0  # wall time the section took


# (threshold, divisor, prefix): thousands get "k" from ten thousand on, so 1234 stays readable as is
_SCALES = ((1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k"))
_BYTE_SCALES = ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB"))


def format_value(number: float, unit: str = "") -> str:
    """A number for a person: three significant digits, big counts scaled (k, M, G), bytes in KiB/MiB/GiB.

    ``format_value(3_104_000, "samples/s") == "3.1 M samples/s"``, ``format_value(0.5312, "°") == "0.531 °"``.
    """
    value = float(number)
    if not math.isfinite(value):
        raise ValueError(f"cannot format {value}")
    if unit == "B":
        for scale, name in _BYTE_SCALES:
            if abs(value) >= scale:
                return f"{value / scale:.3g} {name}"
        return f"{value:.0f} B"
    prefix = ""
    for threshold, divisor, name in _SCALES:
        if abs(value) >= threshold:
            value, prefix = value / divisor, name
            break
    text = f"{value:.3g}" if abs(value) < 999.5 else f"{value:.0f}"
    label = f"{prefix} {unit}".strip()
    return f"{text} {label}".rstrip()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(results: Sequence[SectionResult]) -> str:
    """One markdown table: a row per figure, and one row for a section that failed or is not available."""
    lines = ["| Section | Measure | Value | Note |", "| --- | --- | --- | --- |"]
    for res in results:
        if res.status is not Status.OK and not res.figures:
            lines.append(
                f"| {_cell(res.title)} | (whole section) | {res.status} | {_cell(res.reason or '')} |"
            )
            continue
        if res.status is Status.FAILED:
            lines.append(f"| {_cell(res.title)} | (section) | failed | {_cell(res.reason or '')} |")
        for fig in res.figures:
            if fig.value is None:
                value, note = "not available", f"{fig.missing}" + (f"; {fig.note}" if fig.note else "")
            else:
                value, note = format_value(fig.value, fig.unit), fig.note
            lines.append(f"| {_cell(res.title)} | {_cell(fig.name)} | {value} | {_cell(note)} |")
    return "\n".join(lines)


def results_json(results: Sequence[SectionResult]) -> dict[str, Any]:
    """Every figure keyed by section, as plain JSON types, so that two runs can be diffed."""
    out: dict[str, Any] = {}
    for res in results:
        out[res.key] = {
            "title": res.title,
            "status": str(res.status),
            "reason": res.reason,
            "seconds": round(res.seconds, 3),
            "figures": [
                {
                    "name": f.name,
                    "value": f.value,
                    "unit": f.unit,
                    "note": f.note,
                    "missing": f.missing,
                    **({"details": dict(f.details)} if f.details else {}),
                }
                for f in res.figures
            ],
        }
    return out
