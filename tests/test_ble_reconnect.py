"""The reconnect state machine and the bond registry, without a radio."""

from __future__ import annotations

from pathlib import Path

import pytest

from sensorbridge.ble.bonds import BondRegistry
from sensorbridge.ble.errors import BleError
from sensorbridge.ble.reconnect import (
    INITIAL_BACKOFF_S,
    MAX_BACKOFF_S,
    STABLE_AFTER_S,
    LinkInput,
    ReconnectMachine,
    TransitionError,
)
from sensorbridge.source import LinkState


def test_happy_path_and_loss() -> None:
    m = ReconnectMachine()
    assert m.fire(LinkInput.START, 0.0) == LinkState.SCANNING
    assert m.fire(LinkInput.FOUND, 0.1) == LinkState.CONNECTING
    assert m.fire(LinkInput.CONNECTED, 1.0) == LinkState.STREAMING
    assert m.fire(LinkInput.LOST, 2.0) == LinkState.BACKOFF
    assert m.backoff_s() == INITIAL_BACKOFF_S
    assert m.fire(LinkInput.RETRY, 3.0) == LinkState.SCANNING
    assert m.transitions == 5


def test_backoff_doubles_up_to_the_cap_and_resets_after_a_stable_stream() -> None:
    m = ReconnectMachine()
    m.fire(LinkInput.START, 0.0)
    waits = []
    for i in range(12):
        m.fire(LinkInput.LOST, float(i))
        waits.append(m.backoff_s())
        m.fire(LinkInput.RETRY, float(i))
    assert waits[:3] == [INITIAL_BACKOFF_S, 2 * INITIAL_BACKOFF_S, 4 * INITIAL_BACKOFF_S]
    assert max(waits) == MAX_BACKOFF_S
    m.fire(LinkInput.FOUND, 100.0)
    m.fire(LinkInput.CONNECTED, 100.0)
    m.fire(LinkInput.LOST, 100.0 + STABLE_AFTER_S)
    assert m.backoff_s() == INITIAL_BACKOFF_S


def test_refused_is_final_and_illegal_inputs_raise() -> None:
    m = ReconnectMachine()
    with pytest.raises(TransitionError, match="not allowed"):
        m.fire(LinkInput.CONNECTED, 0.0)
    m.fire(LinkInput.START, 0.0)
    m.fire(LinkInput.FOUND, 0.0)
    assert m.fire(LinkInput.REFUSED, 0.0) == LinkState.FAILED
    with pytest.raises(TransitionError):
        m.fire(LinkInput.RETRY, 0.0)
    assert m.fire(LinkInput.STOP, 0.0) == LinkState.IDLE


def test_bonds_first_clip_then_only_bonded(tmp_path: Path) -> None:
    path = tmp_path / "bonds.json"
    bonds = BondRegistry(path)
    assert bonds.accepts("C1:00:00:00:00:01")  # nothing bonded yet: the first clip pairs
    bonds.add("c1:00:00:00:00:01")
    assert not bonds.accepts("C9:00:00:00:00:09")
    again = BondRegistry(path)
    assert again.is_bonded("C1:00:00:00:00:01")
    assert BondRegistry(path, allow_new=True).accepts("C9:00:00:00:00:09")


def test_a_broken_bonds_file_is_an_error_with_a_hint(tmp_path: Path) -> None:
    path = tmp_path / "bonds.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(BleError) as err:
        BondRegistry(path)
    assert err.value.hint
    assert "pair" in err.value.hint
