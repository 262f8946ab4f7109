"""Virtual clips and the production BLE client over them, as one sample source.

:class:`VirtualSource` is what ``--virtual``, the demo and the tests use: it builds a
:class:`~sensorbridge.virtual.air.VirtualAir`, starts a :class:`VirtualClip` per
:class:`~sensorbridge.virtual.clip.ClipSpec`, and streams them through
:class:`~sensorbridge.ble.client.BleSource` with the bleak backend over bumble: the same code path a
wearer's real clips take. Everything bumble is created inside the running loop, in ``__aenter__``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace

from sensorbridge.ble.bonds import BondRegistry
from sensorbridge.ble.client import BleSource, ClipTarget, LinkTap
from sensorbridge.ble.link import PacketTap
from sensorbridge.conventions import Role
from sensorbridge.errors import SensorbridgeError
from sensorbridge.protocol import MAX_ATT_MTU, Command, Response
from sensorbridge.sim import Action, SimOptions, WearerStream
from sensorbridge.source import SourceEvent
from sensorbridge.virtual.air import VirtualAir
from sensorbridge.virtual.backend import bleak_backends
from sensorbridge.virtual.clip import ClipSpec, VirtualClip
from sensorbridge.virtual.motion import SimMotion


class VirtualSource:
    """A :class:`~sensorbridge.source.SampleSource` and :class:`~sensorbridge.source.CommandSink`
    over virtual clips. ``speed`` > 1 runs the world faster than real time."""

    def __init__(
        self,
        specs: Sequence[ClipSpec] = (ClipSpec(Role.BACK), ClipSpec(Role.HEAD)),
        *,
        scenario: str | None = None,
        seed: int = 0,
        speed: float = 1.0,
        bonds: BondRegistry | None = None,
        scan_timeout_s: float = 5.0,
        packet_tap: PacketTap | None = None,
        link_tap: LinkTap | None = None,
        att_mtu: int = MAX_ATT_MTU,
    ) -> None:
        if not specs:
            raise SensorbridgeError("a virtual source needs at least one clip")
        self.specs = list(specs)
        self.wearer: WearerStream | None = None
        if scenario is not None:
            # One simulated wearer drives every clip, so back and head move as one body.
            roles = {s.role for s in self.specs}
            self.wearer = WearerStream.create(scenario, seed, options=SimOptions(head=Role.HEAD in roles))
            self.specs = [
                s if s.motion is not None else replace(s, motion=SimMotion(self.wearer.node(s.role)))
                for s in self.specs
            ]
        self.speed = speed
        self.bonds = bonds
        self.scan_timeout_s = scan_timeout_s
        self.packet_tap = packet_tap
        self.att_mtu = att_mtu  # what the host's adapter asks for
        self.link_tap = link_tap
        self._air: VirtualAir | None = None
        self._ble: BleSource | None = None
        self.clips: dict[Role, VirtualClip] = {}
        self.started = asyncio.Event()  # set once the clips run and the client is looking for them

    @property
    def air(self) -> VirtualAir:
        if self._air is None:
            raise SensorbridgeError("the virtual source is not started", hint="use it in `async with`")
        return self._air

    @property
    def ble(self) -> BleSource:
        if self._ble is None:
            raise SensorbridgeError("the virtual source is not started", hint="use it in `async with`")
        return self._ble

    async def __aenter__(self) -> VirtualSource:
        self._air = air = VirtualAir(self.speed)
        for spec in self.specs:
            clip = VirtualClip(
                air,
                spec.role,
                motion=spec.motion,
                faults=spec.faults,
                seed=spec.seed,
                log_records=spec.log_records,
                protocol_version=spec.protocol_version,
            )
            await clip.start()
            self.clips[spec.role] = clip
        scanner, client = bleak_backends(air, mtu=self.att_mtu)
        self._ble = BleSource(
            [ClipTarget(spec.role) for spec in self.specs],
            scanner_backend=scanner,
            client_backend=client,
            clock=air.clock,
            sleep=air.clock.sleep,
            bonds=self.bonds,
            scan_timeout_s=self.scan_timeout_s,
            packet_tap=self.packet_tap,
            link_tap=self.link_tap,
        )
        await self._ble.__aenter__()
        self.started.set()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._ble is not None:
            await self._ble.close()
        for clip in self.clips.values():
            await clip.stop()

    def events(self) -> AsyncIterator[SourceEvent]:
        return self.ble.events()

    async def send(self, role: Role, command: Command) -> Response:
        return await self.ble.send(role, command)

    def connected_roles(self) -> frozenset[Role]:
        return self._ble.connected_roles() if self._ble is not None else frozenset()

    def request(self, action: Action | str) -> float | None:
        """Ask the simulated wearer to do something (slouch, sit up, a stretch, ...); returns the
        scenario time it starts, or None when there is no simulated wearer or it makes no sense now."""
        return self.wearer.request(action) if self.wearer is not None else None
