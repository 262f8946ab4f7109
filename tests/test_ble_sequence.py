"""Sequence tracking: exact lost-sample counts, duplicates, wrap-around, clock resets."""

from __future__ import annotations

import pytest

from sensorbridge.ble.sequence import SequenceTracker, Verdict
from sensorbridge.protocol import PacketFlags, period_ns

P_NS = period_ns(104)
P_US = P_NS / 1000


def _t0(k: int) -> int:
    return round(k * P_US)


def test_consecutive_packets_are_next() -> None:
    tr = SequenceTracker()
    assert tr.check(0, _t0(0), 18, P_NS, PacketFlags.CLOCK_RESET).verdict == Verdict.FIRST
    assert tr.check(1, _t0(18), 18, P_NS, PacketFlags.NONE).verdict == Verdict.NEXT
    assert (tr.gaps, tr.lost_samples, tr.duplicates) == (0, 0, 0)


def test_gap_counts_the_exact_samples_of_missing_packets() -> None:
    tr = SequenceTracker()
    tr.check(10, _t0(0), 18, P_NS, PacketFlags.NONE)
    # Packets 11 and 12 (18 + 7 samples, the MTU changed) are lost.
    check = tr.check(13, _t0(18 + 18 + 7), 18, P_NS, PacketFlags.NONE)
    assert check.verdict == Verdict.GAP
    assert check.lost_samples == 25
    assert check.lost_packets == 2
    assert check.gap_start_us == pytest.approx(18 * P_US)
    assert (tr.gaps, tr.lost_samples) == (1, 25)


def test_fifo_overflow_loses_samples_without_losing_a_packet() -> None:
    tr = SequenceTracker()
    tr.check(0, _t0(0), 18, P_NS, PacketFlags.NONE)
    check = tr.check(1, _t0(18 + 40), 18, P_NS, PacketFlags.FIFO_OVERFLOW)
    assert (check.verdict, check.lost_samples, check.lost_packets) == (Verdict.GAP, 40, 0)


def test_duplicates_and_old_packets_are_dropped() -> None:
    tr = SequenceTracker()
    tr.check(5, _t0(0), 18, P_NS, PacketFlags.NONE)
    tr.check(6, _t0(18), 18, P_NS, PacketFlags.NONE)
    assert tr.check(6, _t0(18), 18, P_NS, PacketFlags.NONE).verdict == Verdict.DUPLICATE
    assert tr.check(5, _t0(0), 18, P_NS, PacketFlags.NONE).verdict == Verdict.DUPLICATE
    assert tr.duplicates == 2
    assert tr.packets == 2


def test_sequence_wraps_at_65536() -> None:
    tr = SequenceTracker()
    tr.check(65535, _t0(0), 18, P_NS, PacketFlags.NONE)
    assert tr.check(0, _t0(18), 18, P_NS, PacketFlags.NONE).verdict == Verdict.NEXT
    check = tr.check(3, _t0(18 * 4), 18, P_NS, PacketFlags.NONE)
    assert (check.verdict, check.lost_samples, check.lost_packets) == (Verdict.GAP, 36, 2)


def test_clock_reset_starts_over() -> None:
    tr = SequenceTracker()
    tr.check(400, _t0(5000), 18, P_NS, PacketFlags.NONE)
    check = tr.check(0, _t0(0), 18, P_NS, PacketFlags.CLOCK_RESET)
    assert check.verdict == Verdict.RESET
    assert tr.resets == 1
    assert tr.check(1, _t0(18), 18, P_NS, PacketFlags.NONE).verdict == Verdict.NEXT


def test_bad_header_raises() -> None:
    with pytest.raises(ValueError, match="bad packet header"):
        SequenceTracker().check(0, 0, 0, P_NS, PacketFlags.NONE)
