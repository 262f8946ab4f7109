"""Typed configuration, layered once at start-up: defaults, then a TOML file, then the environment,
then command-line flags. The result is passed down; nothing deeper reads files or the environment.

The TOML file is ``config.toml`` in the platform's user config directory (``SENSORBRIDGE_CONFIG``
names another). Keys are the field names of :class:`Config`, e.g.::

    slouch_angle_deg = 12.0
    bell = false
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from sensorbridge.errors import SensorbridgeError

APP = "sensorbridge"


class ConfigError(SensorbridgeError):
    """The configuration file or an override is unusable."""


def _data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


@dataclass(frozen=True)
class Config:
    """Everything a user may set. Angles in degrees and times in seconds, as a person types them."""

    db_path: Path = field(default_factory=lambda: _data_dir() / "sensorbridge.db")
    recordings_dir: Path = field(default_factory=lambda: _data_dir() / "recordings")
    slouch_angle_deg: float = 12.0  # beyond neutral; the evidence puts it at 10-15°
    slouch_dwell_s: float = 30.0  # a slouch must last this long before it counts or alerts
    bell: bool = True  # ring the terminal bell with an alert
    vibrate: bool = True  # buzz the clip with an alert
    theme: str = "textual-dark"


ENV = {
    "SENSORBRIDGE_DB": "db_path",
    "SENSORBRIDGE_RECORDINGS": "recordings_dir",
}


def default_config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


def _coerce(name: str, value: Any) -> Any:
    kinds = {f.name: f.type for f in dataclasses.fields(Config)}
    if name not in kinds:
        raise ConfigError(f"unknown setting {name!r}", hint=f"known settings: {', '.join(sorted(kinds))}")
    kind = kinds[name]
    try:
        if kind == "Path":
            return Path(value).expanduser()
        if kind == "float":
            return float(value)
        if kind == "bool":
            if isinstance(value, str):
                return value.strip().lower() in {"1", "true", "yes", "on"}
            return bool(value)
        return str(value)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"setting {name!r} cannot be {value!r}: {e}") from e


def load_config(
    file: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Defaults, then ``file`` (or the default file if it exists), then ``env``, then ``overrides``.

    ``overrides`` are flags already parsed; ``None`` values mean "not given" and are skipped.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    path = file or (Path(env["SENSORBRIDGE_CONFIG"]) if "SENSORBRIDGE_CONFIG" in env else None)
    path = path or default_config_file()
    if path.exists():
        try:
            values.update(tomllib.loads(path.read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise ConfigError(
                f"cannot read the config file {path}: {e}", hint="fix or delete the file"
            ) from e
    elif file is not None:
        raise ConfigError(f"config file {path} does not exist")
    for var, name in ENV.items():
        if var in env:
            values[name] = env[var]
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    return Config(**{name: _coerce(name, value) for name, value in values.items()})
