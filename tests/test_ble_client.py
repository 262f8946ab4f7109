"""The production BLE client (BleSource over bleak) against one and two virtual clips on bumble.

Figures are asserted on counts, never on timing: every sample a clip sent while connected arrives;
every gap is reported with its exact length (received + gaps == the samples the clips' clocks span);
after the clock fit settles, the two nodes' times agree with the truth within 5 ms. Every test runs
on a virtual-time event loop (:mod:`sensorbridge.virtual.timeloop`): a minute of streaming takes
about a second, and the machine's load cannot shift a timestamp.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from sensorbridge.ble.bonds import BondRegistry
from sensorbridge.ble.client import BleSource, ClipTarget
from sensorbridge.conventions import Role
from sensorbridge.protocol import LogRecord, Result, SetRate, Vibrate, VibrationPattern, period_ns
from sensorbridge.samples import Gap, ImuBatch
from sensorbridge.source import LinkEvent, LinkState, LogRecordsEvent, SampleSource, SourceEvent
from sensorbridge.virtual.backend import bleak_backends
from sensorbridge.virtual.clip import ClipSpec, Faults
from sensorbridge.virtual.rig import VirtualSource
from sensorbridge.virtual.timeloop import run_virtual

SPEED = 1.0  # on the virtual-time loop the world runs as fast as the CPU allows anyway
ALIGN_S = 0.005
P_US = period_ns(104) / 1000


def virtual_time(test: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    """Run an async test on the virtual-time loop (a plain test to pytest)."""

    @functools.wraps(test)
    def run() -> None:
        run_virtual(test())

    return run


@dataclass
class Collected:
    batches: dict[Role, list[ImuBatch]] = field(default_factory=lambda: {Role.BACK: [], Role.HEAD: []})
    gaps: dict[Role, list[Gap]] = field(default_factory=lambda: {Role.BACK: [], Role.HEAD: []})
    links: list[LinkEvent] = field(default_factory=list)
    logs: list[LogRecordsEvent] = field(default_factory=list)

    def take(self, event: SourceEvent) -> None:
        if isinstance(event, ImuBatch):
            self.batches[event.role].append(event)
        elif isinstance(event, Gap):
            self.gaps[event.role].append(event)
        elif isinstance(event, LinkEvent):
            self.links.append(event)
        else:
            self.logs.append(event)

    def samples(self, role: Role) -> int:
        return sum(len(b) for b in self.batches[role])

    def lost(self, role: Role) -> int:
        return sum(g.samples_lost for g in self.gaps[role])

    def times(self, role: Role) -> np.ndarray:
        return np.concatenate([b.t for b in self.batches[role]])

    def states(self, role: Role) -> list[LinkState]:
        return [e.state for e in self.links if e.role == role]


async def _until(src: VirtualSource, cond: Callable[[], bool], world_s: float, what: str) -> None:
    """Wait, in world time, until ``cond`` holds; fail saying ``what`` did not happen."""
    deadline = src.air.clock.now() + world_s
    while not cond():
        if src.air.clock.now() > deadline:
            raise AssertionError(f"within {world_s} world seconds: {what}")
        await src.air.clock.sleep(0.05)


async def stream(
    src: VirtualSource, world_s: float, during: Callable[[VirtualSource], object] | None = None
) -> Collected:
    """Run ``src`` for ``world_s`` world seconds; then end cleanly: faults off, one more packet,
    generation paused, everything sent received, source closed."""
    out = Collected()
    assert isinstance(src, SampleSource)
    async with src:

        async def consume() -> None:
            async for event in src.events():
                out.take(event)

        consumer = asyncio.ensure_future(consume())
        await _until(src, lambda: src.connected_roles() == set(src.clips), 30.0, "every clip streaming")
        await src.air.clock.sleep(world_s)
        if during is not None:
            result = during(src)
            if asyncio.iscoroutine(result):
                await result
        for clip in src.clips.values():
            clip.faults = Faults(latency_max_s=0.0)
        await _until(src, lambda: src.connected_roles() == set(src.clips), 30.0, "clips back after faults")
        sent = {r: c.counters.sent_packets for r, c in src.clips.items()}
        await _until(
            src,
            lambda: all(c.counters.sent_packets > sent[r] + 1 for r, c in src.clips.items()),
            10.0,
            "a clean packet after the faults",
        )
        for clip in src.clips.values():
            clip.pause()
        await _until(
            src, lambda: not any(c.pending_packets for c in src.clips.values()), 10.0, "queues empty"
        )
        await _until(
            src,
            lambda: all(src.ble.stream(r).samples == c.counters.sent_samples for r, c in src.clips.items()),
            10.0,
            "every sent sample received",
        )
    await consumer
    return out


def _check_exact(src: VirtualSource, out: Collected, role: Role) -> None:
    """No sample the clip sent is lost, and the gaps account exactly for the rest of its span."""
    clip = src.clips[role]
    assert src.ble.stream(role).decode_errors == 0
    assert out.samples(role) == clip.counters.sent_samples
    span = clip.stream_span_us
    assert span is not None
    assert out.samples(role) + out.lost(role) == round((span[1] - span[0]) / P_US)
    t = out.times(role)
    assert np.all(np.diff(t) > 0), "host times must increase"


def _alignment_errors(src: VirtualSource) -> dict[Role, float]:
    """Mapped host time minus true time of the sample each clip takes now, s."""
    now = src.air.clock.now()
    errs = {}
    for role, clip in src.clips.items():
        d = clip.device_us(now)
        errs[role] = float(src.ble.stream(role).clock.host(d)) - now
    return errs


def _two(faults_back: Faults | None = None, faults_head: Faults | None = None, **kw: object) -> VirtualSource:
    specs = [
        ClipSpec(Role.BACK, faults_back or Faults(), seed=1),
        ClipSpec(Role.HEAD, faults_head or Faults(), seed=2),
    ]
    return VirtualSource(specs, speed=SPEED, **kw)  # type: ignore[arg-type]


@virtual_time
async def test_one_clip_streams_every_sample() -> None:
    src = VirtualSource([ClipSpec(Role.BACK, seed=5)], speed=SPEED)
    out = await stream(src, 10.0)
    _check_exact(src, out, Role.BACK)
    assert out.lost(Role.BACK) == 0
    assert out.states(Role.BACK)[:3] == [LinkState.SCANNING, LinkState.CONNECTING, LinkState.STREAMING]
    assert out.states(Role.BACK)[-1] == LinkState.IDLE
    streaming = next(e for e in out.links if e.state == LinkState.STREAMING)
    assert (streaming.rate_hz, streaming.battery, streaming.rssi) == (104, 87, -55)


@virtual_time
async def test_two_clips_at_104_hz_aligned_within_5_ms() -> None:
    specs = [
        ClipSpec(Role.BACK, Faults(drift_ppm=45.0), seed=1),
        ClipSpec(Role.HEAD, Faults(drift_ppm=-35.0), seed=2),
    ]
    src = VirtualSource(specs, speed=SPEED)
    errors: list[dict[Role, float]] = []

    async def measure(s: VirtualSource) -> None:
        for _ in range(12):
            errors.append(_alignment_errors(s))
            await s.air.clock.sleep(5.0)

    out = await stream(src, 30.0, measure)
    for role in (Role.BACK, Role.HEAD):
        _check_exact(src, out, role)
        assert out.lost(role) == 0
        t = out.times(role)
        rate = (len(t) - 1) / (t[-1] - t[0])
        assert rate == pytest.approx(104.0, rel=1e-3)
    for e in errors:
        assert abs(e[Role.BACK]) < ALIGN_S
        assert abs(e[Role.HEAD]) < ALIGN_S
        assert abs(e[Role.BACK] - e[Role.HEAD]) < ALIGN_S
    back_line = src.ble.stream(Role.BACK).clock.line
    head_line = src.ble.stream(Role.HEAD).clock.line
    assert back_line is not None
    assert head_line is not None
    # host = device / (1 + ppm): a crystal 45 ppm fast maps with a slope 45 ppm below one.
    assert back_line.drift_ppm == pytest.approx(-45.0, abs=15.0)
    assert head_line.drift_ppm == pytest.approx(35.0, abs=15.0)


@virtual_time
async def test_dropped_notifications_become_exact_gaps() -> None:
    src = _two(Faults(drop_rate=0.1))
    out = await stream(src, 25.0)
    back = src.clips[Role.BACK].counters
    assert back.dropped_samples > 0
    _check_exact(src, out, Role.BACK)
    assert out.lost(Role.BACK) == back.dropped_samples
    assert src.ble.stream(Role.BACK).tracker.lost_packets == back.dropped_samples // 18
    _check_exact(src, out, Role.HEAD)
    assert out.lost(Role.HEAD) == 0


@virtual_time
async def test_disconnects_reconnect_and_keep_the_other_clip() -> None:
    src = _two(Faults(disconnect_every_s=6.0))
    out = await stream(src, 20.0)
    forced = src.clips[Role.BACK].counters.forced_disconnects
    assert forced >= 2
    assert src.ble.connections(Role.BACK) == forced + 1
    assert src.ble.connections(Role.HEAD) == 1
    _check_exact(src, out, Role.BACK)
    assert len(out.gaps[Role.BACK]) >= forced  # every reconnect leaves a gap of exact length
    _check_exact(src, out, Role.HEAD)
    assert out.lost(Role.HEAD) == 0
    back_states = out.states(Role.BACK)
    assert back_states.count(LinkState.BACKOFF) == forced
    assert back_states.count(LinkState.STREAMING) == forced + 1
    assert src.clips[Role.BACK].counters.pairings == 1  # bonded: reconnects re-encrypt, no re-pairing


@virtual_time
async def test_reboot_resets_the_clock_without_a_jump() -> None:
    src = _two(faults_head=Faults(reboot_every_s=7.0))
    out = await stream(src, 18.0)
    reboots = src.clips[Role.HEAD].counters.reboots
    assert reboots >= 2
    assert src.ble.stream(Role.HEAD).tracker.resets == reboots
    t = out.times(Role.HEAD)
    assert np.all(np.diff(t) > 0)
    assert np.max(np.diff(t)) < 3.0  # the reboot shows as a gap of about its downtime, not a jump
    # Since the last boot, the span is exact again.
    clip = src.clips[Role.HEAD]
    assert clip.stream_span_us is not None
    assert out.samples(Role.BACK) == src.clips[Role.BACK].counters.sent_samples
    assert out.samples(Role.HEAD) == clip.counters.sent_samples
    assert src.ble.connections(Role.BACK) == 1


@virtual_time
async def test_stall_then_burst_loses_nothing_and_stays_aligned() -> None:
    src = _two(Faults(stall_every_s=5.0, stall_s=1.5))
    errors: list[dict[Role, float]] = []

    async def measure(s: VirtualSource) -> None:
        for _ in range(3):
            errors.append(_alignment_errors(s))
            await s.air.clock.sleep(1.7)

    out = await stream(src, 20.0, measure)
    for role in (Role.BACK, Role.HEAD):
        _check_exact(src, out, role)
        assert out.lost(role) == 0
    for e in errors:
        # A burst arrives up to 1.5 s late: a fit fooled by it would be off by that much.
        assert abs(e[Role.BACK]) < ALIGN_S
        assert abs(e[Role.HEAD]) < ALIGN_S


@virtual_time
async def test_firmware_mismatch_is_refused_with_the_firmware_to_flash() -> None:
    specs = [ClipSpec(Role.BACK, seed=1), ClipSpec(Role.HEAD, seed=2, protocol_version=2)]
    src = VirtualSource(specs, speed=SPEED)
    out = Collected()
    async with src:

        async def consume() -> None:
            async for event in src.events():
                out.take(event)

        consumer = asyncio.ensure_future(consume())
        await _until(src, lambda: LinkState.FAILED in out.states(Role.HEAD), 30.0, "head refused")
        await _until(src, lambda: out.samples(Role.BACK) > 500, 30.0, "back streaming")
    await consumer
    failed = next(e for e in out.links if e.role == Role.HEAD and e.state == LinkState.FAILED)
    assert "protocol version 2" in failed.message
    assert "flash firmware" in failed.message
    assert out.samples(Role.HEAD) == 0


@virtual_time
async def test_only_bonded_clips_are_accepted() -> None:
    bonds = BondRegistry()
    bonds.add("C1:00:00:00:00:01")  # the back clip (first address on a fresh air) is ours
    src = _two(bonds=bonds)
    out = Collected()
    async with src:

        async def consume() -> None:
            async for event in src.events():
                out.take(event)

        consumer = asyncio.ensure_future(consume())
        await _until(src, lambda: LinkState.FAILED in out.states(Role.HEAD), 30.0, "head refused")
        await _until(src, lambda: out.samples(Role.BACK) > 200, 30.0, "back streaming")
    await consumer
    assert src.clips[Role.BACK].address == "C1:00:00:00:00:01"
    failed = next(e for e in out.links if e.role == Role.HEAD and e.state == LinkState.FAILED)
    assert "not bonded" in failed.message
    assert src.clips[Role.HEAD].counters.connections == 0


@virtual_time
async def test_commands_and_the_log_after_connecting() -> None:
    records = tuple(LogRecord(1_790_000_000 + 3600 * i, 45, 15, 2) for i in range(40))
    src = VirtualSource([ClipSpec(Role.BACK, seed=3, log_records=records)], speed=SPEED)
    results: list[Result] = []

    async def commands(s: VirtualSource) -> None:
        results.append((await s.send(Role.BACK, Vibrate(VibrationPattern.LONG, 80))).result)
        results.append((await s.send(Role.BACK, SetRate(52))).result)
        await s.air.clock.sleep(3.0)

    out = await stream(src, 3.0, commands)
    assert results == [Result.OK, Result.OK]
    clip = src.clips[Role.BACK]
    assert [(v.pattern, v.intensity) for v in clip.vibrations] == [(VibrationPattern.LONG, 80)]
    assert len(out.logs) == 1
    assert out.logs[0].records == records
    assert clip.log == []  # handed over, then cleared on the clip
    assert src.ble.stream(Role.BACK).last_period_s == pytest.approx(1 / 52, rel=1e-6)
    t = out.times(Role.BACK)
    assert np.all(np.diff(t) > 0)


@virtual_time
async def test_five_minutes_of_every_fault_at_once() -> None:
    """Drops, disconnects, stalls and opposite drifts together on both clips: still nothing lost
    that was sent, every gap exact, times increasing, nodes aligned once the links are back."""
    back = Faults(drop_rate=0.05, disconnect_every_s=70.0, stall_every_s=23.0, stall_s=2.0, drift_ppm=40.0)
    head = Faults(drop_rate=0.03, disconnect_every_s=55.0, stall_every_s=17.0, stall_s=1.0, drift_ppm=-40.0)
    src = _two(back, head)
    errors: list[dict[Role, float]] = []

    async def measure(s: VirtualSource) -> None:
        for clip in s.clips.values():
            clip.faults = Faults(drift_ppm=clip.faults.drift_ppm)  # calm, same crystals
        await _until(s, lambda: s.connected_roles() == set(s.clips), 30.0, "both back")
        await s.air.clock.sleep(20.0)
        errors.append(_alignment_errors(s))

    out = await stream(src, 300.0, measure)
    for role in (Role.BACK, Role.HEAD):
        clip = src.clips[role].counters
        assert clip.forced_disconnects >= 3
        assert clip.dropped_samples > 0
        _check_exact(src, out, role)
        assert out.states(role).count(LinkState.STREAMING) == clip.forced_disconnects + 1
    for e in errors:
        assert abs(e[Role.BACK] - e[Role.HEAD]) < ALIGN_S


@virtual_time
async def test_an_adapter_with_too_small_an_mtu_is_refused_with_a_hint() -> None:
    src = VirtualSource([ClipSpec(Role.BACK, seed=1)], att_mtu=23)
    out = Collected()
    async with src:

        async def consume() -> None:
            async for event in src.events():
                out.take(event)

        consumer = asyncio.ensure_future(consume())
        await _until(src, lambda: LinkState.FAILED in out.states(Role.BACK), 30.0, "back refused")
    await consumer
    failed = next(e for e in out.links if e.state == LinkState.FAILED)
    assert "MTU 23" in failed.message
    assert "Bluetooth 4.2" in failed.message
    assert src.clips[Role.BACK].counters.connections == 1  # refused once, not retried forever


@virtual_time
async def test_a_smaller_mtu_streams_smaller_packets_without_loss() -> None:
    src = VirtualSource([ClipSpec(Role.BACK, seed=1)], att_mtu=100)
    out = await stream(src, 10.0)
    _check_exact(src, out, Role.BACK)
    assert {len(b) for b in out.batches[Role.BACK]} == {6}  # (100 - 3 - 20) // 12 samples a packet


@virtual_time
async def test_after_an_hour_out_of_range_the_clips_log_is_handed_over() -> None:
    src = VirtualSource([ClipSpec(Role.BACK, Faults(outage_every_s=20.0, outage_s=4000.0), seed=1)])
    out = Collected()
    async with src:

        async def consume() -> None:
            async for event in src.events():
                out.take(event)

        consumer = asyncio.ensure_future(consume())
        await _until(src, lambda: bool(out.logs), 5000.0, "the log handed over after the outage")
        await _until(src, lambda: src.connected_roles() == {Role.BACK}, 60.0, "streaming again")
    await consumer
    clip = src.clips[Role.BACK]
    assert clip.counters.outages == 1
    records = [r for event in out.logs for r in event.records]
    minutes = sum(r.upright_min + r.slouched_min for r in records)
    assert 64 <= minutes <= 67  # 4000 s standalone, counted in whole minutes per clock hour
    assert all(r.slouched_min == 0 for r in records)  # no neutral set: everything counts upright
    assert all(not r.flags for r in records)  # the clock was synced before the outage: Unix hours
    assert {r.hour_start % 3600 for r in records} == {0}
    assert clip.log == []  # handed over, then cleared
    assert out.states(Role.BACK).count(LinkState.STREAMING) == 2


@virtual_time
async def test_a_clip_chosen_by_address_takes_the_role_it_is_used_for() -> None:
    src = VirtualSource([ClipSpec(Role.BACK, seed=1), ClipSpec(Role.HEAD, seed=2)])
    async with src:
        # A second client on the same air asks for the back clip's address as its head node.
        await src.ble.close()  # only the second client may hold the clips
        scanner, client = bleak_backends(src.air, host_address="F2:F2:F2:F2:F2:F2")
        back_clip = src.clips[Role.BACK]
        other = BleSource(
            [ClipTarget(Role.HEAD, back_clip.address)],
            scanner_backend=scanner,
            client_backend=client,
            clock=src.air.clock,
            sleep=src.air.clock.sleep,
        )
        batches: list[ImuBatch] = []
        async with other:

            async def consume() -> None:
                async for event in other.events():
                    if isinstance(event, ImuBatch):
                        batches.append(event)

            consumer = asyncio.ensure_future(consume())
            await _until(src, lambda: len(batches) > 20, 60.0, "the re-roled clip streaming")
        await consumer
    assert back_clip.role == Role.HEAD
    assert (4, Result.OK) in back_clip.commands  # SET_ROLE
    assert {b.role for b in batches} == {Role.HEAD}
    assert other.stream(Role.HEAD).decode_errors == 0


@virtual_time
async def test_when_every_node_is_refused_the_events_end() -> None:
    src = VirtualSource([ClipSpec(Role.BACK, seed=1, protocol_version=3)])
    states: list[LinkState] = []
    async with src, asyncio.timeout(120.0):  # loop time: virtual seconds
        async for event in src.events():
            if isinstance(event, LinkEvent):
                states.append(event.state)
    assert states[-1] == LinkState.FAILED
