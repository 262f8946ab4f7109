"""The child side of :mod:`bench.isolate`: ``python -m bench.child module:function``."""

from __future__ import annotations

import importlib
import json
import resource
import sys


def main(argv: list[str]) -> int:
    if len(argv) != 1 or ":" not in argv[0]:
        print("usage: python -m bench.child module:function  (keyword arguments as JSON on stdin)")
        return 2
    module_name, func_name = argv[0].split(":", 1)
    func = getattr(importlib.import_module(module_name), func_name)
    kwargs = json.loads(sys.stdin.read() or "{}")
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = func(**kwargs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # stdout may carry the task's own prints; the result is the last line that starts with "{".
    print(json.dumps({"result": result, "baseline_rss_kib": baseline, "peak_rss_kib": peak}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
