"""Kiosk languages through Qt's translation system.

``hardtruths_desktop/resources/translations/kiosk_<code>.ts`` are the Qt Linguist sources (written for this project;
each names its review status). ``build()`` compiles them to ``.qm`` with ``pyside6-lrelease``: run
at install (``make``), by the tests, and on first use when a ``.qm`` is missing or older than its
``.ts``. ``python -m ui.kiosk.translations`` builds them all.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QTranslator

log = logging.getLogger(__name__)


def translations_dir() -> Path:
    """``hardtruths_desktop/resources/translations``, through the one resource helper (frozen or not)."""
    from hardtruths_desktop.resources import resource

    return resource("translations")


@dataclass(frozen=True)
class Language:
    code: str
    locale: str
    english: str
    native: str
    rtl: bool
    ts: str | None

    @property
    def qm(self) -> str | None:
        return None if self.ts is None else self.ts.removesuffix(".ts") + ".qm"


@cache
def languages() -> tuple[Language, ...]:
    data = json.loads((translations_dir() / "languages.json").read_text(encoding="utf-8"))
    return tuple(Language(str(x["code"]), str(x["locale"]), str(x["english"]), str(x["native"]), bool(x["rtl"]), x["ts"])
                 for x in data["languages"])


def language(code: str) -> Language:
    for lang in languages():
        if lang.code == code:
            return lang
    raise KeyError(code)


def _lrelease() -> list[str]:
    here = Path(sys.executable).parent / "pyside6-lrelease"
    if here.exists():
        return [str(here)]
    found = shutil.which("pyside6-lrelease") or shutil.which("lrelease")
    if found:
        return [found]
    raise RuntimeError("pyside6-lrelease is not installed: install PySide6 to build the kiosk translations")


def build(folder: Path | None = None, force: bool = False) -> list[Path]:
    """Compile every .ts newer than its .qm; returns the .qm files (all of them)."""
    folder = folder or translations_dir()
    out = []
    for lang in languages():
        if lang.ts is None:
            continue
        ts, qm = folder / lang.ts, folder / str(lang.qm)
        if force or not qm.exists() or qm.stat().st_mtime < ts.stat().st_mtime:
            subprocess.run([*_lrelease(), "-silent", str(ts), "-qm", str(qm)], check=True, capture_output=True)
        out.append(qm)
    return out


class KioskTranslator:
    """Installs one language's translator on the application at a time (English: none)."""

    def __init__(self) -> None:
        self._translator: QTranslator | None = None
        self.current = "en"

    def use(self, code: str) -> Language:
        lang = language(code)
        app = QCoreApplication.instance()
        if self._translator is not None and app is not None:
            app.removeTranslator(self._translator)
        self._translator = None
        self.current = code
        if lang.qm is not None and app is not None:
            qm = translations_dir() / lang.qm
            if not qm.exists() or qm.stat().st_mtime < (translations_dir() / str(lang.ts)).stat().st_mtime:
                try:
                    build()
                except (OSError, RuntimeError, subprocess.CalledProcessError):
                    log.exception("could not build the kiosk translations")
            t = QTranslator()
            if t.load(str(qm)):
                app.installTranslator(t)
                self._translator = t
            else:
                log.error("the %s translation (%s) could not be loaded: showing English", lang.english, qm)
        return lang

    def locale(self) -> QLocale:
        return QLocale(language(self.current).locale)


def main() -> int:
    for qm in build(force="--force" in sys.argv):
        print(qm)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
