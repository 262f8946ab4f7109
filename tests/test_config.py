"""Config is layered once: defaults, then TOML, then environment, then flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from sensorbridge.config import Config, ConfigError, load_config


def test_layers_override_in_order(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text('db_path = "/from/toml.db"\nslouch_angle_deg = 14\nbell = false\n')
    cfg = load_config(toml, env={})
    assert (cfg.db_path, cfg.slouch_angle_deg, cfg.bell) == (Path("/from/toml.db"), 14.0, False)
    cfg = load_config(toml, env={"SENSORBRIDGE_DB": "/from/env.db"})
    assert cfg.db_path == Path("/from/env.db")
    cfg = load_config(toml, env={"SENSORBRIDGE_DB": "/from/env.db"}, overrides={"db_path": "/flag.db"})
    assert cfg.db_path == Path("/flag.db")
    cfg = load_config(toml, env={}, overrides={"db_path": None})
    assert cfg.db_path == Path("/from/toml.db")


def test_defaults_live_in_the_user_data_directory(tmp_path: Path) -> None:
    cfg = load_config(env={"SENSORBRIDGE_CONFIG": str(tmp_path / "absent.toml")})
    assert cfg == Config()
    assert cfg.db_path.name == "sensorbridge.db"
    assert "sensorbridge" in str(cfg.db_path.parent)


def test_bad_files_and_keys_are_explained(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", env={})
    broken = tmp_path / "broken.toml"
    broken.write_text("slouch_angle_deg = = 3")
    with pytest.raises(ConfigError, match="cannot read") as info:
        load_config(broken, env={})
    assert info.value.hint
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("slouch_angel_deg = 3")
    with pytest.raises(ConfigError, match="unknown setting") as info:
        load_config(unknown, env={})
    assert info.value.hint is not None
    assert "slouch_angle_deg" in info.value.hint
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('slouch_dwell_s = "soon"')
    with pytest.raises(ConfigError, match="slouch_dwell_s"):
        load_config(wrong, env={})
