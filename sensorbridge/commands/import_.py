"""``sensorbridge import``: analyse a recording, or CSV files, into the store so the day can be reviewed.

Two forms::

    sensorbridge import RECORDING [--calibration START:END]
    sensorbridge import --back CSV [--head CSV] --calibration START:END --start ISO-TIME

``--calibration`` means what it means to ``sensorbridge analyze``: seconds on the input's own clock (the
CSV's ``t`` column; for a recording, seconds from its back clip's first sample). A recording's samples
are placed on the wall clock by its host receive times; CSV files have none, so ``--start`` says when
their first sample was taken (local time unless it carries an offset, e.g. ``2026-03-29T09:00:00+02:00``).
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from sensorbridge.commands.analyze import align_head, parse_window, recording_pieces
from sensorbridge.commands.summary import UsageError
from sensorbridge.config import Config

if TYPE_CHECKING:
    from sensorbridge.pipeline.analysis import Analysis
    from sensorbridge.pipeline.settings import PipelineSettings
    from sensorbridge.samples import ImuBatch
    from sensorbridge.store.ingest import IngestReport
    from sensorbridge.store.store import Store

HELP = "analyse a recording or CSV files into the store (then see `sensorbridge summary`)"
# The store keeps no timeline, so a recording's analysis keeps only a sparse one (a sample a minute):
# the intervals and the summary do not depend on it, and the per-tick one would grow with the input.
TIMELINE_HZ = 1.0 / 60.0


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recording", nargs="?", type=Path, help="a .sbrec recording")
    parser.add_argument("--back", type=Path, help="CSV of the back clip (t,ax,ay,az,gx,gy,gz)")
    parser.add_argument("--head", type=Path, help="CSV of the head clip")
    parser.add_argument(
        "--calibration",
        metavar="START:END",
        help="seconds on the input's clock holding the calibration procedure (as for analyze)",
    )
    parser.add_argument("--start", metavar="ISO-TIME", help="wall-clock time of the CSVs' first sample")
    parser.add_argument("--wearer", default="me", help="whose data this is (default: me)")
    parser.add_argument("--tz", help="IANA zone for --start without an offset (default: $TZ or the system's)")


def parse_start(text: str, tz: dt.tzinfo) -> float:
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError as e:
        raise UsageError(f"--start {text!r} is not an ISO time", hint="e.g. 2026-03-29T09:00:00") from e
    if when.tzinfo is None:
        when = when.replace(tzinfo=tz)
    return when.timestamp()


def _analyse(
    back: ImuBatch,
    head: ImuBatch | None,
    window: tuple[float, float] | None,
    zero: float,
    settings: PipelineSettings | None,
) -> Analysis:
    """``window`` is on the input's clock, whose 0 is at ``zero`` on the samples' clock."""
    from sensorbridge.pipeline.analysis import analyze

    absolute = None if window is None else (zero + window[0], zero + window[1])
    try:
        return analyze(back, head, calibration_window=absolute, settings=settings)
    except ValueError as e:
        raise _unusable(e) from e


def _unusable(e: ValueError) -> UsageError:
    return UsageError(f"the input cannot be analysed: {e}", hint="check the files are one wearer's clips")


def import_recording(
    store: Store,
    path: Path,
    *,
    window: tuple[float, float] | None = None,
    wearer: str = "me",
    settings: PipelineSettings | None = None,
) -> tuple[IngestReport, Analysis]:
    """Analyse the recording at ``path`` on host time (Unix s) and store it as one session.

    The recording is read chunk by chunk (as ``analyze RECORDING`` reads it), so memory does not grow
    with its length; the analysis returned keeps its timeline only at :data:`TIMELINE_HZ` (the store
    takes intervals, episodes, alerts, stretch sets and gaps, never the timeline)."""
    from sensorbridge.conventions import Role
    from sensorbridge.pipeline.analysis import analyze_chunks
    from sensorbridge.store.ingest import ingest_analysis

    src = recording_pieces(path, origin="unix", error=UsageError)
    # ``window`` counts from the back clip's first sample; the analysis runs on Unix seconds.
    absolute = None if window is None else (src.first_s + window[0], src.first_s + window[1])
    try:
        analysis = analyze_chunks(
            src.pieces,
            head=src.head,
            calibration_window=absolute,
            settings=settings,
            end_s=src.end_s,
            timeline_hz=TIMELINE_HZ,
        )
    except ValueError as e:
        raise _unusable(e) from e
    clips = []
    for role in (Role.BACK, Role.HEAD) if src.head else (Role.BACK,):
        meta = src.reader.metadata(role)
        if meta.get("address"):
            clips.append(store.upsert_clip(str(meta["address"]), role, firmware=meta.get("firmware")))
    report = ingest_analysis(
        store,
        analysis,
        start_unix=float(analysis.intervals[0].start) if analysis.intervals else src.first_s,
        wearer=wearer,
        source="recording",
        recording_path=str(path.resolve()),
        clip_ids=clips,
    )
    _store_calibrations(store, analysis, report, wearer)
    return report, analysis


def import_csv(
    store: Store,
    back_csv: Path,
    head_csv: Path | None,
    *,
    start_unix: float,
    window: tuple[float, float] | None,
    wearer: str = "me",
    settings: PipelineSettings | None = None,
) -> tuple[IngestReport, Analysis]:
    """Analyse CSV files (the CSV clock: ``t``) and store them with the first sample at ``start_unix``."""
    from sensorbridge.conventions import Role
    from sensorbridge.csv_import import read_imu_csv
    from sensorbridge.store.ingest import ingest_analysis

    back = read_imu_csv(back_csv, Role.BACK)
    head = read_imu_csv(head_csv, Role.HEAD) if head_csv else None
    head = align_head(back, head) if head is not None else None
    analysis = _analyse(back, head, window, 0.0, settings)
    report = ingest_analysis(
        store,
        analysis,
        start_unix=start_unix,
        t0=float(back.t[0]),
        wearer=wearer,
        source="csv",
        recording_path=str(back_csv.resolve()),
    )
    _store_calibrations(store, analysis, report, wearer)
    return report, analysis


def _store_calibrations(store: Store, analysis: Analysis, report: IngestReport, wearer: str) -> None:
    """Keep a measured calibration with the data it was measured on (in force from the session's start)."""
    if not analysis.calibration.ok:
        return
    wearer_id = store.ensure_wearer(wearer)
    for role, cal in analysis.calibrations.items():
        if cal.neutral_measured:
            store.add_calibration(
                wearer_id, role, cal.to_dict(), format_version=cal.version, in_force_from=report.start_unix
            )


def run(args: argparse.Namespace, config: Config) -> int:
    from sensorbridge.pipeline.settings import PipelineSettings
    from sensorbridge.store.localtime import iso_local, local_zone
    from sensorbridge.store.store import Store

    tz = local_zone(args.tz)
    window = parse_window(args.calibration)
    if (args.recording is None) == (args.back is None):
        raise UsageError(
            "give either a RECORDING or --back CSV (with --start)",
            hint="sensorbridge import day.sbrec, or sensorbridge import --back back.csv --calibration 0:12 "
            "--start 2026-03-29T09:00",
        )
    if args.back is not None and args.start is None:
        raise UsageError(
            "CSV files carry no wall-clock time: --start is needed", hint="e.g. --start 2026-03-29T09:00"
        )
    if args.recording is not None and (args.head or args.start):
        raise UsageError("--head and --start belong to the CSV form", hint="a recording carries both already")
    settings = PipelineSettings.from_config(config)  # the wearer's slouch angle and dwell, as analyze uses
    with Store.open(config.db_path) as store:
        if args.recording is not None:
            report, analysis = import_recording(
                store, args.recording, window=window, wearer=args.wearer, settings=settings
            )
        else:
            start = parse_start(args.start, tz)
            report, analysis = import_csv(
                store,
                args.back,
                args.head,
                start_unix=start,
                window=window,
                wearer=args.wearer,
                settings=settings,
            )
    cal = analysis.calibration
    print(
        f"imported session {report.session_id}: {iso_local(report.start_unix, tz)} to "
        f"{iso_local(report.end_unix, tz)}; {report.intervals} posture intervals, {report.episodes} slouch "
        f"episodes, {report.alerts} alerts, {report.stretch_sets} stretch sets, {report.gaps} gaps"
    )
    print(f"calibration: {cal.message}" + (f" ({cal.hint})" if cal.hint else ""))
    return 0
