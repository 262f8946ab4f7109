"""One node's packets on the host: duplicates dropped, sequence gaps turned into exact Gap events,
device time mapped to host time, and a clip reboot continued without a jump. Pure: no radio; it
outlives a link, so gaps across reconnects are counted."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sensorbridge.ble.sequence import SequenceTracker, Verdict
from sensorbridge.ble.timefit import ClockMapper
from sensorbridge.conventions import Role
from sensorbridge.protocol import SamplePacket
from sensorbridge.samples import Gap, ImuBatch
from sensorbridge.source import SourceEvent


@dataclass
class NodeStream:
    """Per-node decoding state that survives reconnects: sequence, clock map, output time."""

    role: Role
    tracker: SequenceTracker = field(default_factory=SequenceTracker)
    clock: ClockMapper = field(default_factory=ClockMapper)
    last_t: float | None = None  # host s of the newest sample handed out
    last_period_s: float = 1.0 / 104
    samples: int = 0
    decode_errors: int = 0
    time_shifts: int = 0  # batches nudged forward so the output never overlaps (a refit moved back)

    def packet_events(self, packet: SamplePacket, received: float) -> list[SourceEvent]:
        """Fold one decoded packet in; returns the events it produces (Gap and/or ImuBatch)."""
        check = self.tracker.check(packet.seq, packet.t0_us, packet.count, packet.period_ns, packet.flags)
        if check.verdict == Verdict.DUPLICATE:
            return []
        events: list[SourceEvent] = []
        period_s = packet.period_ns * 1e-9
        dev_us = packet.sample_times_us()
        if check.verdict == Verdict.RESET:
            self.clock.reset()
        self.clock.observe(float(dev_us[-1]), received)
        t = self.clock.host(dev_us)
        if check.verdict == Verdict.GAP and check.gap_start_us is not None:
            start = float(self.clock.host(check.gap_start_us))
            events.append(Gap(self.role, start, float(t[0]), check.lost_samples))
        elif check.verdict == Verdict.RESET and self.last_t is not None:
            # The clip rebooted: its clock restarted, so how many samples it missed is only known
            # from host time. Never let the new segment start before the old one ended.
            if t[0] <= self.last_t:
                t = t + (self.last_t + period_s - t[0])
            lost = max(0, round((t[0] - self.last_t) / period_s) - 1)
            if lost:
                events.append(Gap(self.role, self.last_t + period_s, float(t[0]), lost))
        if self.last_t is not None and t[0] <= self.last_t:
            t = t + (self.last_t + 0.5 * period_s - t[0])
            self.time_shifts += 1
        self.last_t = float(t[-1])
        self.last_period_s = period_s
        self.samples += packet.count
        events.append(ImuBatch(self.role, np.asarray(t, np.float64), packet.acc(), packet.gyr()))
        return events

    @property
    def dropped(self) -> int:
        return self.tracker.lost_samples
