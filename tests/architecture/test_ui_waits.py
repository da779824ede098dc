"""Every GUI test's wait for the app names a timeout of at least ``QT_WAIT_MS`` (``support/qt_waits.py``):
pytest-qt's 5 s default failed a wait on a loaded CI machine."""

from __future__ import annotations

import ast
from pathlib import Path

from support.qt_waits import QT_WAIT_MS

UI_TESTS = Path(__file__).resolve().parents[1] / "ui"
WAITS = {"waitUntil", "waitSignal", "waitSignals", "waitCallback", "waitExposed", "waitActive"}


def short_waits(source: str, name: str) -> list[str]:
    """``file:line`` of each wait call in ``source`` without a timeout, or with one under ``QT_WAIT_MS``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WAITS):
            continue
        timeout = next((k.value for k in node.keywords if k.arg == "timeout"), None)
        ok = (isinstance(timeout, ast.Name) and timeout.id == "QT_WAIT_MS") or (
            isinstance(timeout, ast.Constant) and isinstance(timeout.value, int) and timeout.value >= QT_WAIT_MS)
        if not ok:
            found.append(f"{name}:{node.lineno}")
    return found


def test_every_gui_wait_has_the_generous_timeout() -> None:
    files = sorted(UI_TESTS.glob("*.py"))
    assert files
    short = [w for f in files for w in short_waits(f.read_text(encoding="utf-8"), f.name)]
    assert short == [], f"waits without timeout=QT_WAIT_MS: {short}"


def test_the_check_finds_a_default_and_a_short_wait() -> None:
    source = ("qtbot.waitUntil(lambda: True)\nwith qtbot.waitSignal(s, timeout=5000):\n    pass\n"
              "qtbot.waitUntil(f, timeout=QT_WAIT_MS)\nqtbot.waitUntil(f, timeout=60_000)\n")
    assert short_waits(source, "x.py") == ["x.py:1", "x.py:2"]
