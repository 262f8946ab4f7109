"""Run one measurement in a fresh Python process, so that peak memory of one never mixes with another.

The child (``python -m bench.child module:function``) reads keyword arguments as JSON on stdin, runs
the module-level function, and prints one JSON line: the function's result, the process's peak resident
set size before the call (interpreter and imports) and after it (the kernel's ``VmHWM``, KiB; not
``getrusage``'s ``ru_maxrss``, which also counts the parent's resident set at the fork).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.errors import BenchError

Task = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class ChildResult:
    result: dict[str, Any]
    baseline_rss_kib: int  # peak RSS once the task's module was imported, before it ran
    peak_rss_kib: int  # peak RSS of the whole child


def run_isolated(func: Task, timeout_s: float, **kwargs: Any) -> ChildResult:
    """Call the module-level ``func(**kwargs)`` in a child process (arguments and result as JSON).

    Raises :class:`BenchError` with the tail of the child's stderr if it fails or overruns.
    """
    task = f"{func.__module__}:{func.__qualname__}"
    if "." in func.__qualname__ or func.__module__ == "__main__":
        raise BenchError(f"{task} is not a module-level function a child process can import")
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "bench.child", task],
            input=json.dumps(kwargs),
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise BenchError(
            f"bench task {task} did not finish within {timeout_s:.0f} s",
            hint="the machine may be busy; rerun, or run the section alone with --only",
        ) from e
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)  # the child's whole traceback, for whoever debugs it
        last = proc.stderr.strip().splitlines()[-1:] or ["(no message)"]
        raise BenchError(f"bench task {task} exited with {proc.returncode}: {last[0]}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise BenchError(f"bench task {task} printed no result; stderr: {proc.stderr.strip()[-400:]}")
    doc = json.loads(lines[-1])
    return ChildResult(doc["result"], int(doc["baseline_rss_kib"]), int(doc["peak_rss_kib"]))
