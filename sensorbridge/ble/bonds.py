"""Which clips this host has bonded with. The first clip ever connected is paired (LE Secure
Connections) and remembered; afterwards only remembered clips are accepted, unless pairing is asked
for explicitly. Persisted as a small JSON list when given a path. Pure: no radio."""

from __future__ import annotations

import json
from pathlib import Path

from sensorbridge.ble.errors import BleError


class BondRegistry:
    def __init__(self, path: Path | None = None, *, allow_new: bool = False) -> None:
        self.path = path
        self.allow_new = allow_new  # True while the user asked to pair a new clip
        self._addresses: set[str] = set()
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as e:
                raise BleError(
                    f"cannot read the bonded clips file {path}: {e}",
                    hint="delete the file and pair the clips again (sensorbridge scan --pair ADDRESS)",
                ) from e
            if not isinstance(data, list) or not all(isinstance(a, str) for a in data):
                raise BleError(f"{path} is not a list of addresses", hint="delete it and pair again")
            self._addresses = {a.upper() for a in data}

    @property
    def addresses(self) -> frozenset[str]:
        return frozenset(self._addresses)

    def accepts(self, address: str) -> bool:
        """A clip may connect if it is bonded, if nothing is bonded yet, or while pairing is allowed."""
        return self.allow_new or not self._addresses or address.upper() in self._addresses

    def is_bonded(self, address: str) -> bool:
        return address.upper() in self._addresses

    def remove(self, address: str) -> bool:
        """Forget a clip; returns whether it was bonded."""
        if address.upper() not in self._addresses:
            return False
        self._addresses.discard(address.upper())
        self._save()
        return True

    def add(self, address: str) -> None:
        if address.upper() in self._addresses:
            return
        self._addresses.add(address.upper())
        self._save()

    def _save(self) -> None:
        if self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(sorted(self._addresses)), encoding="utf-8")
        except OSError as e:
            raise BleError(
                f"cannot write the bonded clips file {self.path}: {e.strerror}",
                hint="check the permissions of the sensorbridge data directory",
            ) from e
