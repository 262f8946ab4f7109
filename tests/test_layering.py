"""The layering is a test, not a hope: the core imports neither the radio nor the screen."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
CORE = ["conventions.py", "protocol.py", "samples.py", "posture.py", "pipeline", "store", "sim"]
FORBIDDEN = {"bleak", "bumble", "textual", "sensorbridge.ble", "sensorbridge.virtual", "sensorbridge.ui"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_import_linter_contracts_hold() -> None:
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout  # the summary line "N kept, 0 broken." was printed


def test_no_core_file_imports_radio_or_screen_even_lazily() -> None:
    # import-linter sees module-level and function-level imports alike; this also covers calibration/.
    files = [p for name in CORE for p in (ROOT / "sensorbridge" / name).rglob("*.py")]
    files += list((ROOT / "calibration").rglob("*.py"))
    offenders = {
        str(f.relative_to(ROOT)): sorted(
            i for i in _imports(f) if i.split(".")[0] in FORBIDDEN or i in FORBIDDEN
        )
        for f in files
    }
    assert {k: v for k, v in offenders.items() if v} == {}
    assert len(files) >= 5
