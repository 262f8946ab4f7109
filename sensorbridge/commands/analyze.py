"""``sensorbridge analyze``: run the pipeline offline over a recording or CSV files and report.

    sensorbridge analyze [RECORDING] [--back CSV] [--head CSV] [--calibration START:END]
                         [--exercise NAME] [--json OUT|-] [--timeline-hz HZ] [--quaternions DIR]
                         [--acausal]

Times are seconds on the input's own clock: a CSV's ``t`` column as written; a recording's host
receive clock, counted from the back clip's first sample, so the two clips share one time base.
``--calibration START:END`` names the seconds holding the calibration procedure (a neutral hold,
then the optional bend and nod); without it, the first 25 s: the guided procedure the dashboard
leads (settle, hold still 10 s, bend forward slowly and back, nod).
When the two clips' clocks clearly differ (CSV files written from each clip's own clock), the head is
shifted onto the back's clock by the lag that lines up their trunk movements, and a note says so.
A CSV from another IMU is filtered at its own rate (its median sample spacing).
``--quaternions DIR`` writes ``back.csv`` (and ``head.csv``): ``t,qw,qx,qy,qz``, each filtered
sample's sensor orientation in the z-up earth frame; it needs no calibration.
``--acausal`` re-analyses with hindsight (VQF's offline filter; the neck's relative heading smoothed
by a backward pass): more accurate than what the wearer saw live, and reported as such (``"method":
"acausal"``). It reads the whole input into memory and runs the engine twice: a 30-minute two-clip
recording took 1.8 s and 184 MB at peak, against 1.5 s and 140 MB (about 120 bytes more per sample).
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Literal

from sensorbridge.config import Config
from sensorbridge.errors import SensorbridgeError

if TYPE_CHECKING:
    from sensorbridge.conventions import FloatArray, Role
    from sensorbridge.pipeline.analysis import Analysis, QuaternionSink
    from sensorbridge.pipeline.chunks import Piece
    from sensorbridge.pipeline.settings import PipelineSettings
    from sensorbridge.recording import RecordingReader
    from sensorbridge.samples import ImuBatch

HELP = "analyse a recording or CSV files offline: angles, states, slouches, stretches (text or JSON)"
ALIGN_MIN_S = 0.25  # smaller offsets are within a tick or two: not worth a correction
EXERCISES = ("chin_tuck", "cervical_flexion", "lateral_flexion", "shoulder_squeeze")


class AnalyzeUsageError(SensorbridgeError):
    """The command line does not describe a usable input."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("recording", nargs="?", type=Path, help="a .sbrec recording")
    parser.add_argument("--back", type=Path, metavar="CSV", help="the back clip's CSV (t,ax,ay,az,gx,gy,gz)")
    parser.add_argument("--head", type=Path, metavar="CSV", help="the head clip's CSV, same clock as --back")
    parser.add_argument(
        "--calibration",
        metavar="START:END",
        help="seconds (input clock) holding the calibration procedure (default: the first 25 s)",
    )
    parser.add_argument("--exercise", choices=EXERCISES, help="verify this stretch over the whole input")
    parser.add_argument("--json", metavar="OUT", help="write the JSON report to OUT ('-' for stdout)")
    parser.add_argument(
        "--timeline-hz", type=float, default=1.0, metavar="HZ", help="timeline rate in the JSON (default 1)"
    )
    parser.add_argument("--quaternions", type=Path, metavar="DIR", help="write t,qw,qx,qy,qz per clip here")
    parser.add_argument(
        "--acausal",
        action="store_true",
        help="re-analyse with hindsight (more accurate, not what was seen live; reads the input whole)",
    )


def parse_window(text: str | None) -> tuple[float, float] | None:
    """``START:END`` seconds, or None."""
    if text is None:
        return None
    try:
        a, b = (float(x) for x in text.split(":"))
    except ValueError as e:
        raise AnalyzeUsageError(
            f"--calibration {text!r} is not START:END", hint="give seconds on the input's clock, e.g. 0:12"
        ) from e
    if not a < b:
        raise AnalyzeUsageError(f"--calibration {text!r}: START must be before END", hint="e.g. 0:12")
    return a, b


def load_inputs(args: argparse.Namespace) -> tuple[ImuBatch, ImuBatch | None, str]:
    """The CSV inputs' back and head batches on one clock, and a description of them (a recording
    is read chunk by chunk instead: :func:`recording_pieces`)."""
    from sensorbridge.conventions import Role

    if args.recording is not None and (args.back or args.head):
        raise AnalyzeUsageError(
            "give either a recording or --back/--head CSV files, not both",
            hint="sensorbridge analyze day.sbrec, or sensorbridge analyze --back back.csv",
        )
    if args.back is None:
        raise AnalyzeUsageError(
            "nothing to analyse"
            if args.head is None
            else "--head needs --back (posture needs the back clip)",
            hint="sensorbridge analyze day.sbrec, or sensorbridge analyze --back back.csv [--head head.csv]",
        )
    from sensorbridge.csv_import import read_imu_csv

    back = read_imu_csv(args.back, Role.BACK)
    head = read_imu_csv(args.head, Role.HEAD) if args.head else None
    return back, head, f"{args.back}" + (f" + {args.head}" if args.head else "")


def align_head(back: ImuBatch, head: ImuBatch) -> ImuBatch:
    """The head's samples on the back's clock: shifted when the data clearly say the clocks differ."""
    from sensorbridge.pipeline.clocks import estimate_head_offset, shifted

    est = estimate_head_offset(back, head)
    if est.confident and abs(est.offset_s) >= ALIGN_MIN_S:
        print(
            f"note: the head clip's clock is {abs(est.offset_s):.2f} s "
            f"{'behind' if est.offset_s > 0 else 'ahead of'} the back clip's (matched on their shared "
            "trunk movements); shifted it",
            file=sys.stderr,
        )
        return shifted(head, est.offset_s)
    return head


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.enabled = stream.isatty()
        self.last = -1

    def __call__(self, fraction: float) -> None:
        if not self.enabled:
            return
        pct = int(fraction * 100)
        if pct != self.last:
            self.last = pct
            bar = "#" * (pct // 4)
            self.stream.write(f"\ranalysing [{bar:<25}] {pct:3d}%")
            self.stream.flush()

    def done(self) -> None:
        if self.enabled:
            self.stream.write("\r" + " " * 40 + "\r")
            self.stream.flush()


class _QuaternionWriter:
    def __init__(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise AnalyzeUsageError(f"cannot create {folder}: {e}") from e
        self.folder = folder
        self.files: dict[str, IO[str]] = {}

    def __call__(self, role: Role, t: FloatArray, q: FloatArray) -> None:
        import numpy as np

        name = role.name.lower()
        if name not in self.files:
            self.files[name] = (self.folder / f"{name}.csv").open("w", encoding="utf-8", newline="")
            self.files[name].write("t,qw,qx,qy,qz\n")
        np.savetxt(self.files[name], np.column_stack([t, q]), fmt="%.6f,%.7f,%.7f,%.7f,%.7f")

    def close(self) -> None:
        for f in self.files.values():
            f.close()


def run(args: argparse.Namespace, config: Config) -> int:
    from sensorbridge.pipeline.analysis import analyze
    from sensorbridge.pipeline.settings import PipelineSettings

    if args.timeline_hz <= 0 or args.timeline_hz > 10:
        raise AnalyzeUsageError(f"--timeline-hz {args.timeline_hz} is out of range", hint="use 0 < HZ <= 10")
    window = parse_window(args.calibration)
    settings = PipelineSettings.from_config(config)
    back = head = None
    if args.recording is None or args.back or args.head:
        back, head, what = load_inputs(args)  # CSV files: read whole (they fit in memory as text did)
        if head is not None:
            head = align_head(back, head)
    else:
        what = str(args.recording)
        if args.acausal:
            back, head = whole_recording(args.recording)
    writer = _QuaternionWriter(args.quaternions) if args.quaternions else None
    progress = _Progress(sys.stderr)
    try:
        if back is None:
            analysis = analyze_recording(
                args.recording,
                calibration_window=window,
                exercise=args.exercise,
                settings=settings,
                quaternion_sink=writer,
                progress=progress,
                timeline_hz=args.timeline_hz,  # only that timeline is kept: memory stays flat
            )
        else:
            analysis = analyze(
                back,
                head,
                calibration_window=window,
                exercise=args.exercise,
                settings=settings,
                quaternion_sink=writer,
                progress=progress,
                timeline_hz=args.timeline_hz,
                acausal=args.acausal,
            )
    except ValueError as e:
        raise AnalyzeUsageError(f"{what} cannot be analysed: {e}") from e
    finally:
        progress.done()
        if writer is not None:
            writer.close()
    if args.json:
        text = analysis.to_json(args.timeline_hz)
        if args.json == "-":
            sys.stdout.write(text + "\n")
        else:
            Path(args.json).write_text(text + "\n", encoding="utf-8")
    if args.json != "-":
        print(render_text(analysis, what))
    return 0


def analyze_recording(
    path: Path,
    *,
    calibration_window: tuple[float, float] | None = None,
    exercise: str | None = None,
    settings: PipelineSettings | None = None,
    quaternion_sink: QuaternionSink | None = None,
    progress: Callable[[float], None] | None = None,
    timeline_hz: float | None = None,
) -> Analysis:
    """Analyse a ``.sbrec`` recording chunk by chunk. Memory does not grow with its length bar the
    result: the per-tick timeline, or with ``timeline_hz`` only the timeline at that rate (see
    :func:`~sensorbridge.pipeline.analysis.analyze_chunks`). Both clips are decoded on the host
    receive clock, counted from the back clip's first sample, so they share one time base and need
    no alignment."""
    from sensorbridge.pipeline.analysis import analyze_chunks

    src = recording_pieces(path, origin="back")
    return analyze_chunks(
        src.pieces,
        head=src.head,
        calibration_window=calibration_window,
        exercise=exercise,
        settings=settings,
        quaternion_sink=quaternion_sink,
        progress=progress,
        end_s=src.end_s,
        timeline_hz=timeline_hz,
    )


def whole_recording(path: Path) -> tuple[ImuBatch, ImuBatch | None]:
    """A recording's back and head samples read whole, on the clock :func:`analyze_recording` uses."""
    from sensorbridge.samples import ImuBatch

    src = recording_pieces(path, origin="back")
    with src.reader:
        pieces = list(src.pieces)
    heads = [h for _, h in pieces if h is not None and len(h)]
    back = ImuBatch.concat([b for b, _ in pieces])
    return back, (ImuBatch.concat(heads) if src.head and heads else None)


@dataclass(frozen=True)
class RecordingPieces:
    """A recording's clips as time-ordered pieces (:mod:`~sensorbridge.pipeline.chunks`), decoded
    lazily, on the host receive clock minus ``origin_s``."""

    reader: RecordingReader  # still open: the pieces read from it (and its metadata is there)
    pieces: Iterator[Piece]
    head: bool  # whether the recording has a head clip
    first_s: float  # the back clip's first sample, host clock (Unix s)
    origin_s: float  # subtracted from every time: first_s, or 0.0 for Unix seconds
    end_s: float | None  # the back clip's last receive time on the pieces' clock: near enough its end


def recording_pieces(
    path: Path,
    *,
    origin: Literal["back", "unix"],
    error: type[SensorbridgeError] = AnalyzeUsageError,
) -> RecordingPieces:
    """Open the recording at ``path`` for a chunked analysis: times count from the back clip's first
    sample (``origin="back"``, what ``analyze`` reports) or stay Unix seconds (``"unix"``, what
    ``import`` stores). Notes a torn tail on stderr; raises ``error`` when there is no back clip.
    Only the first back chunk is decoded here; the rest as the pieces are consumed."""
    from sensorbridge.conventions import Role
    from sensorbridge.pipeline.chunks import merge_in_time
    from sensorbridge.recording import RecordingReader
    from sensorbridge.samples import ImuBatch

    reader = RecordingReader.open(path)
    roles = reader.roles()  # scans the file: the torn tail is known from here on
    if Role.BACK not in roles:
        raise error(f"{path} holds no back-clip packets", hint="posture needs the upper-back clip")
    if reader.torn is not None:
        print(
            f"note: {path} ends in a torn record ({reader.torn.reason}); kept all before it", file=sys.stderr
        )
    back = (c.batch for c in reader.iter_node(Role.BACK, clock="host"))
    first = next(back, None)
    if first is None:
        raise error(
            f"{path} holds no usable packets of the back clip", hint="posture needs the upper-back clip"
        )
    first_s = float(first.t[0])
    zero = first_s if origin == "back" else 0.0

    def shifted(batches: Iterator[ImuBatch]) -> Iterator[ImuBatch]:
        for b in batches:
            yield ImuBatch(b.role, b.t - zero, b.acc, b.gyr) if zero else b

    head = (c.batch for c in reader.iter_node(Role.HEAD, clock="host")) if Role.HEAD in roles else None
    last = reader.last_packet_time(Role.BACK)
    pieces = merge_in_time(
        shifted(itertools.chain([first], back)), shifted(head) if head is not None else None
    )
    return RecordingPieces(
        reader, pieces, head is not None, first_s, zero, last - zero if last is not None else None
    )


def render_text(a: Analysis, what: str) -> str:
    """A short human summary of an analysis."""
    s = a.summary
    lines = [
        f"input: {what}",
        f"calibration: {'ok' if a.calibration.ok else 'refused'}: {a.calibration.message}",
    ]
    if a.calibration.hint:
        lines.append(f"  what to do: {a.calibration.hint}")

    def row(name: str, sec: float) -> str:
        pct = 100.0 * sec / s.duration_s if s.duration_s else 0.0
        return f"  {name:<12}{sec:9.1f} s {pct:5.1f} %"

    lines.append(f"duration: {s.duration_s:.1f} s")
    for name in ("upright", "slouched", "moving", "not_worn", "no_data", "calibrating"):
        lines.append(row(name, getattr(s, f"{name}_s")))
    lines.append(f"slouch episodes: {s.slouch_episodes}")
    for e in a.slouch_episodes:
        lines.append(f"  {e.start:9.1f}-{e.end:9.1f} s  peak {e.peak_flexion:.1f}°")
    if a.forward_head_episodes:
        lines.append(f"forward-head episodes: {len(a.forward_head_episodes)}")
    for r in a.exercises:
        if not r.verifiable:
            lines.append(f"{r.exercise}: {r.message}")
            continue
        lines.append(f"{r.exercise}: {r.valid_reps} valid reps, {r.attempts} attempts")
        for h in r.holds:
            side = f" {h.side}" if h.side else ""
            verdict = "ok" if h.valid else ", ".join(h.faults)
            lines.append(f"  {h.start:9.1f}-{h.end:9.1f} s{side}: held {h.seconds:.1f} s  {verdict}")
    if a.gaps:
        lost = sum(g.samples_lost for g in a.gaps)
        lines.append(f"gaps: {len(a.gaps)} ({lost} samples lost)")
    return "\n".join(lines)
