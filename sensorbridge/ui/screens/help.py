"""The help screen: what each screen is for and its keys."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# sensorbridge

Keep this open beside your work. It is calm while you sit well and tells you when you slouch.

| key | screen |
| --- | --- |
| `l` | **Live**: your posture now, the angles against your thresholds, today's totals, the clips |
| `c` | **Calibrate**: teach it your neutral pose, then the mounting movement |
| `s` | **Stretch**: the four stretches, each held 5 s, 5–10 times, checked as you go |
| `m` | **Summary**: today, 7 and 30 days |
| `d` | **Devices**: scan, connect and pair, roles, forget a clip |
| `?` | this help · `ctrl+p` command palette · `ctrl+t` light/dark · `q` quit |

On **Live**, `1`, `2` and `3` snooze alerts for 15, 30 or 60 minutes; `0` resumes them.

With virtual clips (`sensorbridge --virtual`) the wearer obeys: `S` slouch, `U` sit up, `R` reach,
`W` walk away, `B` come back; on **Stretch**, `g` does the stretch well and `b` badly.

Angles are degrees from your calibrated neutral: flexion is positive forward, side bend positive
to the right, rotation positive to the left.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll { width: 96; height: 80%; border: thick $accent; background: $surface; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Markdown(HELP)
