"""``python -m bench.compare OLD.json NEW.json``: every figure of two runs side by side.

A figure is matched by section key and name. The change is NEW / OLD (for a time lower is better, for
a rate higher is better: the unit says which); figures present in one run only are listed too.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.report import format_value


def _figures(doc: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    out = {}
    for key, section in doc.get("sections", {}).items():
        for fig in section.get("figures", []):
            out[(key, fig["name"])] = fig
    return out


def _show(fig: Mapping[str, Any] | None) -> str:
    if fig is None:
        return "—"
    if fig.get("value") is None:
        return "not available"
    return format_value(float(fig["value"]), str(fig.get("unit", "")))


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> str:
    """A markdown table of every figure in either run: old, new and new/old where both are numbers."""
    a, b = _figures(old), _figures(new)
    keys = list(a) + [k for k in b if k not in a]
    lines = ["| Section | Measure | Old | New | New / old |", "| --- | --- | --- | --- | --- |"]
    for key in keys:
        fa, fb = a.get(key), b.get(key)
        va = fa.get("value") if fa else None
        vb = fb.get("value") if fb else None
        ratio = f"{vb / va:.3g}" if va not in (None, 0) and vb is not None else ""
        lines.append(f"| {key[0]} | {key[1]} | {_show(fa)} | {_show(fb)} | {ratio} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    docs = []
    for path in (args.old, args.new):
        try:
            docs.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as e:
            print(f"bench.compare: cannot read {path}: {e}\n  what to do: pass two JSON files that "
                  "`python -m bench` wrote (bench/out/)", file=sys.stderr)  # fmt: skip
            return 2
    print(compare(docs[0], docs[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
