"""NodeStream: decoded packets become batches on the host clock and gaps of exact length; a clip
reboot neither jumps back in time nor overlaps."""

from __future__ import annotations

import numpy as np

from sensorbridge.ble.stream import NodeStream
from sensorbridge.conventions import Role
from sensorbridge.protocol import PacketFlags, SamplePacket, period_ns
from sensorbridge.samples import Gap, ImuBatch

P_NS = period_ns(104)


def _packet(seq: int, first_sample: int, flags: PacketFlags = PacketFlags.NONE, n: int = 18) -> SamplePacket:
    raw = np.zeros((n, 6), np.int16)
    raw[:, 0] = 8192  # 1 g on x at ±4 g
    return SamplePacket(Role.BACK, seq, round(first_sample * P_NS / 1000), P_NS, raw, flags)


def _arrival(first_sample: int, n: int = 18, host0: float = 1000.0) -> float:
    return host0 + (first_sample + n - 1) * P_NS * 1e-9 + 0.003


def test_batches_and_an_exact_gap() -> None:
    ns = NodeStream(Role.BACK)
    events = []
    for seq, k in [(0, 0), (1, 18), (4, 72), (5, 90)]:  # packets 2 and 3 (36 samples) lost
        flags = PacketFlags.CLOCK_RESET if seq == 0 else PacketFlags.NONE
        events += ns.packet_events(_packet(seq, k, flags), _arrival(k))
    gaps = [e for e in events if isinstance(e, Gap)]
    batches = [e for e in events if isinstance(e, ImuBatch)]
    assert len(gaps) == 1
    assert gaps[0].samples_lost == 36
    assert gaps[0].start < gaps[0].end
    assert sum(len(b) for b in batches) == 72
    t = np.concatenate([b.t for b in batches])
    assert np.all(np.diff(t) > 0)
    assert np.allclose(batches[0].acc[:, 0], 8192 * 0.122e-3 * 9.80665)
    assert ns.dropped == 36


def test_duplicate_packet_produces_nothing() -> None:
    ns = NodeStream(Role.BACK)
    ns.packet_events(_packet(0, 0, PacketFlags.CLOCK_RESET), _arrival(0))
    assert ns.packet_events(_packet(0, 0, PacketFlags.CLOCK_RESET), _arrival(0) + 0.01) == []
    assert ns.tracker.duplicates == 1


def test_reboot_continues_forward_with_a_gap() -> None:
    ns = NodeStream(Role.BACK)
    events = []
    for seq in range(20):
        k = 18 * seq
        flags = PacketFlags.CLOCK_RESET if seq == 0 else PacketFlags.NONE
        events += ns.packet_events(_packet(seq, k, flags), _arrival(k))
    last = ns.last_t
    assert last is not None
    # The clip reboots: 0.5 s later its clock starts from zero again.
    reboot_host = 1000.0 + 20 * 18 * P_NS * 1e-9 + 0.5
    after = ns.packet_events(_packet(0, 0, PacketFlags.CLOCK_RESET), _arrival(0, host0=reboot_host))
    gaps = [e for e in after if isinstance(e, Gap)]
    batch = next(e for e in after if isinstance(e, ImuBatch))
    assert batch.t[0] > last
    assert len(gaps) == 1
    assert 40 <= gaps[0].samples_lost <= 60
    assert ns.clock.resets == 1
