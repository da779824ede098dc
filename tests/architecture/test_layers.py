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


def test_sub_commands_through_the_program_load_no_qt(tmp_path: Path) -> None:
    """``hardtruths-desktop check`` starts at ui.launcher, which imports Qt only to open the window."""
    code = (
        "import io, contextlib\n"
        "from ui import launcher\n"
        f"d = {str(tmp_path / 'station')!r}\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert launcher.main(['demo', '--data-dir', d]) == 0\n"
        "    assert launcher.main(['check', '--data-dir', d]) == 0\n"
    )
    assert [m for m in _loaded_after(code, tmp_path) if m.split(".")[0] != "ui" or m == "ui.app"] == []


def test_the_core_alone_does_not_open_the_window(tmp_path: Path) -> None:
    """``python -m hardtruths_desktop`` is the command line only: with no sub-command it says so (exit 2)."""
    res = subprocess.run([sys.executable, "-m", "hardtruths_desktop", "--data-dir", str(tmp_path / "d")], capture_output=True,
                         text=True, timeout=120, cwd=ROOT, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1 and "sub-command" in res.stderr


def _lint_imports(project: Path) -> subprocess.CompletedProcess[str]:
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(lint), "--no-cache"], capture_output=True, text=True, timeout=120, cwd=project,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(project), "PYTHONPATH": f"{project}:{ROOT}"})


def test_the_dynamic_import_contract_catches_a_core_that_opens_the_gui_by_name(tmp_path: Path) -> None:
    """The contract in pyproject (tools/import_contracts.py) breaks on the very call the core used to make."""
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "__init__.py").write_text("")
    (tmp_path / "core" / "cli.py").write_text("from importlib import import_module\n\n\ndef main():\n    return import_module('gui.app').main()\n")
    (tmp_path / "core" / "plugins.py").write_text("import importlib\n\n\ndef load(name):\n    return importlib.import_module(name)\n")
    (tmp_path / "gui").mkdir()
    (tmp_path / "gui" / "__init__.py").write_text("")
    (tmp_path / "gui" / "app.py").write_text("def main():\n    return 0\n")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.importlinter]\nroot_packages = ["core", "gui"]\n'
        'contract_types = ["no_dynamic_import: tools.import_contracts.NoDynamicImportContract"]\n'
        '[[tool.importlinter.contracts]]\nname = "no gui by name"\ntype = "no_dynamic_import"\n'
        'source_modules = ["core"]\nforbidden_modules = ["gui"]\n')
    res = _lint_imports(tmp_path)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "core.cli:5 imports gui.app by name" in res.stdout
    assert "core.plugins:5 imports a module whose name is not a literal" in res.stdout
    (tmp_path / "core" / "cli.py").write_text("def main():\n    return 0\n")
    (tmp_path / "core" / "plugins.py").write_text("")
    res = _lint_imports(tmp_path)
    assert res.returncode == 0, res.stdout + res.stderr
