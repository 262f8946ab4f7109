"""The child side of :mod:`bench.isolate`: ``python -m bench.child module:function``.

Peaks are the kernel's ``VmHWM`` of this process. A task that resets it (to measure its own peak from
a point on) returns the peak before the reset as ``rss_peak_before_reset_kib``, so the whole
process's peak is still reported."""

from __future__ import annotations

import importlib
import json
import resource
import sys


def peak_rss_kib() -> int:
    """This process's own peak resident set (KiB): the kernel's ``VmHWM`` where /proc has it.
    ``getrusage``'s ``ru_maxrss`` also counts the parent's resident set at the fork that started this
    process, which floors every figure at the parent's size."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def main(argv: list[str]) -> int:
    if len(argv) != 1 or ":" not in argv[0]:
        print("usage: python -m bench.child module:function  (keyword arguments as JSON on stdin)")
        return 2
    module_name, func_name = argv[0].split(":", 1)
    func = getattr(importlib.import_module(module_name), func_name)
    kwargs = json.loads(sys.stdin.read() or "{}")
    baseline = peak_rss_kib()
    result = func(**kwargs)
    peak = max(peak_rss_kib(), int(result.get("rss_peak_before_reset_kib", 0)))
    # stdout may carry the task's own prints; the result is the last line that starts with "{".
    print(json.dumps({"result": result, "baseline_rss_kib": baseline, "peak_rss_kib": peak}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
