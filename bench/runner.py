"""Running the sections one after another, each isolated from the others' failures."""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Sequence

from bench.attempts import describe
from bench.context import Context, Section
from bench.errors import PartialFailureError, Unavailable
from bench.report import SectionResult, Status


def run_section(section: Section, ctx: Context) -> SectionResult:
    """Run one section; a failure becomes a result (with the traceback on stderr), never a crash."""
    start = time.perf_counter()
    try:
        figures = section.run(ctx)
    except PartialFailureError as e:  # each failed part printed its own traceback already
        return SectionResult(
            section.key,
            section.title,
            Status.FAILED,
            tuple(e.figures),
            reason=e.describe(),
            seconds=time.perf_counter() - start,
        )
    except Unavailable as e:
        return SectionResult(
            section.key,
            section.title,
            Status.UNAVAILABLE,
            reason=e.reason,
            seconds=time.perf_counter() - start,
        )
    except Exception as e:  # one section's failure is reported; the other sections still run
        traceback.print_exc(file=sys.stderr)
        return SectionResult(
            section.key, section.title, Status.FAILED, reason=describe(e), seconds=time.perf_counter() - start
        )
    return SectionResult(
        section.key, section.title, Status.OK, tuple(figures), seconds=time.perf_counter() - start
    )


def run_all(sections: Sequence[Section], ctx: Context) -> list[SectionResult]:
    results = []
    for section in sections:
        print(f"bench: {section.title} ...", file=sys.stderr, flush=True)
        res = run_section(section, ctx)
        print(f"bench: {section.title}: {res.status} in {res.seconds:.1f} s", file=sys.stderr, flush=True)
        results.append(res)
    return results


def exit_code(results: Sequence[SectionResult]) -> int:
    """Non-zero when any section failed; "not available" is not a failure."""
    return 1 if any(r.status is Status.FAILED for r in results) else 0
