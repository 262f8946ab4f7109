"""The Stretch screen: the four stretches, guided and verified one at a time."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from sensorbridge.ui.engine import host_of
from sensorbridge.ui.messages import StretchUpdated
from sensorbridge.ui.model import StretchKind, StretchView
from sensorbridge.ui.render import meter, zone_bar
from sensorbridge.ui.scripted_stretch import MAX_REPS, MIN_REPS, SCALE_DEG
from sensorbridge.ui.texts import FAULT_WORDS, NOT_VERIFIABLE, STRETCH_HOW, STRETCH_TITLES

KINDS = tuple(StretchKind)


def progress_text(view: StretchView) -> Text:
    """Target zone vs now, the hold countdown, reps, side and warnings (or the set's summary)."""
    text = Text()
    if not view.verifiable:
        text.append(NOT_VERIFIABLE, style="bold yellow")
        return text
    if view.finished:
        return summary_text(view)
    now = "—" if view.value is None else f"{view.value:+.0f}°"
    lo, hi = view.zone
    text.append(f"Target {lo:.0f}–{hi:.0f}°   now {now}\n")
    text.append_text(zone_bar(view.value, view.zone, span=SCALE_DEG[view.kind]))
    text.append("\n\n")
    state = ("in the zone", "green") if view.in_zone else ("move into the zone", "yellow")
    left = max(0.0, view.hold_target_s - view.hold_s)
    text.append(f"Hold  {meter(view.hold_s / view.hold_target_s, 20)}  {left:.1f} s  ")
    text.append(state[0], style=state[1])
    text.append("\n")
    dots = "●" * view.reps_done + "○" * max(0, view.reps_target - view.reps_done)
    text.append(f"Reps  {dots}  {view.reps_done} of {view.reps_target}")
    if view.side is not None:
        text.append(f"   side: {view.side.value.upper()}", style="bold")
    for fault in view.warnings:
        text.append(f"\n⚠ {FAULT_WORDS[fault]}", style="bold red")
    if view.results and not view.results[-1].ok:
        last = view.results[-1]
        words = ", ".join(FAULT_WORDS[f] for f in last.faults)
        text.append(f"\nRep {last.rep} not counted: {words}", style="yellow")
    return text


def summary_text(view: StretchView) -> Text:
    """The end of a set: each rep with its hold and faults."""
    text = Text()
    title = STRETCH_TITLES[view.kind]
    text.append(f"{title}: {view.reps_done} of {view.reps_target} reps counted. Set stored.\n", style="bold")
    for r in view.results:
        side = f" {r.side.value}" if r.side else ""
        mark, style = ("✔", "green") if r.ok else ("✘", "red")
        faults = "" if r.ok else "  " + ", ".join(FAULT_WORDS[f] for f in r.faults)
        text.append(f"{mark} rep {r.rep}{side}: held {r.held_s:.1f} s{faults}\n", style=style)
    return text


class StretchScreen(Screen[None]):
    TITLE = "Stretch"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "pick(1)", "Next"),
        Binding("p", "pick(-1)", "Previous", show=False),
        Binding("enter", "begin", "Start"),
        Binding("plus,equals_sign", "reps(1)", "+rep", key_display="+"),
        Binding("minus", "reps(-1)", "-rep", key_display="-"),
        Binding("escape", "end", "Stop"),
        Binding("g", "app.wearer('stretch_good')", "Do it well"),
        Binding("b", "app.wearer('stretch_bad')", "Do it badly"),
    ]
    DEFAULT_CSS = """
    #stretch-list { width: 30; height: 1fr; border: round $primary-muted; padding: 0 1; }
    #stretch-how { height: auto; border: round $primary-muted; padding: 0 1; }
    #stretch-now { height: 1fr; border: round $accent; padding: 1 2; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.kind = StretchKind.CHIN_TUCK
        self.reps = MIN_REPS

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal():
            yield Static(id="stretch-list")
            with Vertical():
                yield Static(id="stretch-how")
                yield Static("Press Enter to start.", id="stretch-now")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#stretch-list").border_title = "Routine"
        self.query_one("#stretch-now").border_title = "Now"
        self._show_choice()

    def _show_choice(self) -> None:
        lines = Text()
        for kind in KINDS:
            mark = "▶ " if kind is self.kind else "  "
            lines.append(f"{mark}{STRETCH_TITLES[kind]}\n", style="bold" if kind is self.kind else "")
        lines.append(f"\nreps: {self.reps} (+/-)", style="dim")
        self.query_one("#stretch-list", Static).update(lines)
        how = self.query_one("#stretch-how", Static)
        how.border_title = STRETCH_TITLES[self.kind]
        how.update(STRETCH_HOW[self.kind] + " Hold 5 s, then back to neutral.")

    def action_pick(self, step: int) -> None:
        self.kind = KINDS[(KINDS.index(self.kind) + step) % len(KINDS)]
        self._show_choice()

    def action_reps(self, step: int) -> None:
        self.reps = min(MAX_REPS, max(MIN_REPS, self.reps + step))
        self._show_choice()

    # The engine is called directly, not through a message: a key pressed right after Enter (the
    # virtual wearer's "do it well") must find the stretch already started.
    def action_begin(self) -> None:
        host_of(self.app).engine.start_stretch(self.kind, self.reps)
        self._refresh_now()

    def action_end(self) -> None:
        host_of(self.app).engine.stop_stretch()
        self._refresh_now()

    def _refresh_now(self) -> None:
        self.post_message(StretchUpdated(host_of(self.app).engine.stretch()))

    @on(StretchUpdated)
    def _show(self, message: StretchUpdated) -> None:
        view = message.view
        if view is None:
            return
        now = self.query_one("#stretch-now", Static)
        now.border_title = STRETCH_TITLES[view.kind]
        now.update(progress_text(view))
