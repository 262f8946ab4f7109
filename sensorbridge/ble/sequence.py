"""Per-node packet bookkeeping: duplicates, sequence gaps and exactly how many samples they hide.

The sequence number (u16, +1 per packet the clip generates) says *that* packets are missing; the
device timestamps say *how many samples*: the first missing sample is where the previous packet
ended, and the next packet starts ``lost`` periods later. A FIFO overflow on the clip loses samples
without losing a packet, and shows the same way in time. Pure: no radio.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sensorbridge.protocol import SEQ_MODULUS, PacketFlags

_HALF = SEQ_MODULUS // 2  # a difference beyond this is "behind", i.e. an old or repeated packet


class Verdict(enum.Enum):
    FIRST = "first"  # the first packet since tracking started
    NEXT = "next"  # follows the previous packet without loss
    GAP = "gap"  # samples are missing before this packet (``lost_samples`` of them)
    RESET = "reset"  # the clip's clock restarted (it rebooted): earlier times do not apply
    DUPLICATE = "duplicate"  # seen already, or older than the newest: drop it


@dataclass(frozen=True)
class Check:
    """What :meth:`SequenceTracker.check` found. ``gap_start_us`` is the device time of the first
    missing sample (GAP only), ``lost_packets`` how many sequence numbers were skipped."""

    verdict: Verdict
    lost_samples: int = 0
    lost_packets: int = 0
    gap_start_us: float | None = None


class SequenceTracker:
    """Feed every packet's header in arrival order; counts are kept for the link status."""

    def __init__(self) -> None:
        self._seq: int | None = None
        self._next_us = 0.0  # device time where the next packet should start
        self._t0_us = -1
        self.packets = 0
        self.duplicates = 0
        self.gaps = 0
        self.lost_packets = 0
        self.lost_samples = 0
        self.resets = 0
        self.inconsistent = 0  # sequence skipped but no time missing: a clip bug, counted not hidden

    def check(self, seq: int, t0_us: int, count: int, period_ns: int, flags: PacketFlags) -> Check:
        if count < 1 or period_ns <= 0 or not 0 <= seq < SEQ_MODULUS:
            raise ValueError(f"bad packet header: seq {seq}, count {count}, period {period_ns} ns")
        period_us = period_ns / 1000.0
        if self._seq is not None:
            diff = (seq - self._seq) % SEQ_MODULUS
            repeated = diff == 0 or diff > _HALF
            if repeated and (t0_us == self._t0_us or not flags & PacketFlags.CLOCK_RESET):
                self.duplicates += 1
                return Check(Verdict.DUPLICATE)
        first = self._seq is None
        reset = not first and (bool(flags & PacketFlags.CLOCK_RESET) or t0_us < self._next_us - period_us / 2)
        result: Check
        if first or reset:
            result = Check(Verdict.FIRST if first else Verdict.RESET)
            if reset:
                self.resets += 1
        else:
            assert self._seq is not None
            skipped = (seq - self._seq) % SEQ_MODULUS - 1
            missing = round((t0_us - self._next_us) / period_us)
            if missing > 0:
                result = Check(Verdict.GAP, missing, skipped, self._next_us)
                self.gaps += 1
                self.lost_packets += skipped
                self.lost_samples += missing
            else:
                if skipped:
                    self.inconsistent += 1
                result = Check(Verdict.NEXT)
        self._seq = seq
        self._t0_us = t0_us
        self._next_us = t0_us + count * period_us
        self.packets += 1
        return result
