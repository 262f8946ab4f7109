"""The reconnect state machine of one node's link, free of the radio so it can be tested directly.

States are :class:`~sensorbridge.source.LinkState`; inputs are :class:`LinkInput`. Every allowed
transition is in ``_TRANSITIONS``; anything else is a bug and raises. The machine also decides how
long to wait before the next attempt (exponential backoff with named limits).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from sensorbridge.errors import SensorbridgeError
from sensorbridge.source import LinkState

# A clip that dropped out (walked out of range, rebooted) advertises again within about half a
# second; retrying sooner only burns the scanner.
INITIAL_BACKOFF_S: Final = 0.5
# Double the wait after each failed attempt so a clip left in another room costs little.
BACKOFF_FACTOR: Final = 2.0
# Never wait longer than this: a wearer who comes back should see the link within half a minute.
MAX_BACKOFF_S: Final = 30.0
# A link that streamed this long was healthy: the next loss starts from the initial backoff again.
STABLE_AFTER_S: Final = 10.0
# Scanning longer than this without seeing the clip counts as a failed attempt (then back off).
SCAN_TIMEOUT_S: Final = 10.0
# Connection, MTU exchange, pairing and GATT discovery together; a real nRF52 needs ~1-2 s.
CONNECT_TIMEOUT_S: Final = 20.0


class LinkInput(enum.Enum):
    START = "start"
    FOUND = "found"  # the clip's advertisement was seen
    CONNECTED = "connected"  # subscribed and streaming
    LOST = "lost"  # the link dropped, or an attempt failed
    RETRY = "retry"  # the backoff wait is over
    REFUSED = "refused"  # the clip cannot be used (wrong firmware, not bonded): do not retry
    STOP = "stop"


class TransitionError(SensorbridgeError):
    """An input that the link state machine does not allow in its current state."""


S, In = LinkState, LinkInput
_TRANSITIONS: Final[dict[tuple[LinkState, LinkInput], LinkState]] = {
    (S.IDLE, In.START): S.SCANNING,
    (S.SCANNING, In.FOUND): S.CONNECTING,
    (S.SCANNING, In.LOST): S.BACKOFF,
    (S.CONNECTING, In.CONNECTED): S.STREAMING,
    (S.CONNECTING, In.LOST): S.BACKOFF,
    (S.STREAMING, In.LOST): S.BACKOFF,
    (S.BACKOFF, In.RETRY): S.SCANNING,
    (S.SCANNING, In.REFUSED): S.FAILED,
    (S.CONNECTING, In.REFUSED): S.FAILED,
    (S.STREAMING, In.REFUSED): S.FAILED,
}


@dataclass
class ReconnectMachine:
    """One node's link state. ``attempts`` counts failed attempts since the last stable stream."""

    state: LinkState = LinkState.IDLE
    attempts: int = 0
    transitions: int = 0
    streaming_since: float | None = None

    def fire(self, event: LinkInput, now: float) -> LinkState:
        """Apply one input at host time ``now`` (s); returns the new state."""
        if event == LinkInput.STOP:
            new = LinkState.IDLE
        else:
            try:
                new = _TRANSITIONS[(self.state, event)]
            except KeyError:
                raise TransitionError(
                    f"link input {event.value!r} is not allowed in state {self.state.value!r}",
                    hint="this is a bug in sensorbridge; please report it with the log",
                ) from None
        if event == LinkInput.CONNECTED:
            self.streaming_since = now
        if event == LinkInput.LOST:
            stable = self.streaming_since is not None and now - self.streaming_since >= STABLE_AFTER_S
            self.attempts = 1 if stable else self.attempts + 1
            self.streaming_since = None
        self.state = new
        self.transitions += 1
        return new

    def backoff_s(self) -> float:
        """How long to wait in BACKOFF before retrying."""
        if self.attempts <= 0:
            return 0.0
        return float(min(MAX_BACKOFF_S, INITIAL_BACKOFF_S * BACKOFF_FACTOR ** (self.attempts - 1)))
