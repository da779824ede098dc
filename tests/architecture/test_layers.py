"""STYLE.md habit 1: the core runs without Qt. Checked in a fresh interpreter, so nothing the test
runner itself imported (pytest-qt loads PySide6) can hide or fake the result."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("PySide6", "shiboken6", "ui")


def _loaded_after(code: str, tmp_path: Path) -> list[str]:
    probe = code + (
        "\nimport json, sys\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})))\n"
    )
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env={"PATH": "/usr/bin:/bin", "HARDTRUTHS_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)})
    assert res.returncode == 0, res.stderr
    loaded: list[str] = json.loads(res.stdout.strip().splitlines()[-1])
    return loaded


def test_cli_store_and_demo_import_no_qt(tmp_path: Path) -> None:
    code = "import hardtruths_desktop.cli, hardtruths_desktop.store.session, hardtruths_desktop.demo"
    assert _loaded_after(code, tmp_path) == []


def test_running_cli_commands_loads_no_qt(tmp_path: Path) -> None:
    """Commands import their store modules lazily: run some, then look."""
    code = (
        "import io, contextlib\n"
        "from hardtruths_desktop import cli\n"
        f"d = {str(tmp_path / 'station')!r}\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert cli.main(['demo', '--data-dir', d]) == 0\n"
        "    assert cli.main(['check', '--data-dir', d]) == 0\n"
        "    assert cli.main(['ward', 'list', '--json', '--data-dir', d]) == 0\n"
    )
    assert _loaded_after(code, tmp_path) == []


def test_no_core_module_imports_qt(tmp_path: Path) -> None:
    code = (
        "import importlib, pkgutil, hardtruths_desktop\n"
        "for m in pkgutil.walk_packages(hardtruths_desktop.__path__, 'hardtruths_desktop.'):\n"
        "    if m.name != 'hardtruths_desktop.__main__':\n"
        "        importlib.import_module(m.name)\n"
    )
    assert _loaded_after(code, tmp_path) == []
