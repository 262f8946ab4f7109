"""What a virtual clip is told to do wrong, and what it did: faults on demand and the truth
counters tests check the host against."""

from __future__ import annotations

from dataclasses import dataclass

from sensorbridge.protocol import VibrationPattern


@dataclass(frozen=True)
class Faults:
    """Misbehaviour on demand. Times are world seconds (see VirtualClock)."""

    drop_rate: float = 0.0  # fraction of stream notifications generated but never sent
    disconnect_every_s: float | None = None  # the clip drops the link after this long connected
    reboot_every_s: float | None = None  # the clip reboots (clock reset) this often
    drift_ppm: float = 0.0  # the crystal runs fast by this much
    stall_every_s: float | None = None  # the radio stalls this often ...
    stall_s: float = 1.0  # ... for this long; the queued packets then go out in a burst
    latency_max_s: float = 0.012  # notification latency, uniform in 0..max (connection events)
    outage_every_s: float | None = None  # the wearer walks out of range this often ...
    outage_s: float = 600.0  # ... for this long: no link, no advertising; the clip logs standalone


@dataclass(frozen=True)
class Vibration:
    """A VIBRATE the clip obeyed, at world time ``t``."""

    t: float
    pattern: VibrationPattern
    intensity: int


@dataclass
class ClipCounters:
    """Truth for tests: what the clip did. ``sent_samples`` went out as notifications;
    ``withheld_samples`` were streamed-for but never sent (drop fault, or the link fell while queued)."""

    generated_packets: int = 0
    sent_packets: int = 0
    sent_samples: int = 0
    dropped_samples: int = 0
    withheld_samples: int = 0
    reboots: int = 0
    forced_disconnects: int = 0
    connections: int = 0
    pairings: int = 0
    refused_pairings: int = 0
    internal_errors: int = 0
    outages: int = 0
