"""The frozen ward station, built once per content and kept: tests and the benchmark share it.

``built_bundle()`` returns the folder ``hardtruths-desktop/`` (what ``make bundle`` puts in
``dist/``), built by PyInstaller from ``build.spec`` into ``~/.cache/hardtruths-bundle/<hash>/``
(``HARDTRUTHS_BUNDLE_CACHE`` overrides the folder). The hash covers every file the bundle is made
from (the packages, build.spec, pyproject.toml) and the versions of Python, PyInstaller and PySide6,
so a change anywhere rebuilds it and a repeat run reuses it. Builds are serialised by a file lock,
and a build only becomes visible once complete (renamed into place); older builds are pruned.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("hardtruths_desktop", "ui")
SPEC_FILES = ("build.spec", "pyproject.toml")
KEEP = 2  # builds kept in the cache (each is a couple of hundred MB)
NAME = "hardtruths-desktop"


def cache_root() -> Path:
    return Path(os.environ.get("HARDTRUTHS_BUNDLE_CACHE") or Path.home() / ".cache" / "hardtruths-bundle")


def _inputs() -> Iterator[Path]:
    for name in SPEC_FILES:
        yield ROOT / name
    for package in SOURCES:
        for path in sorted((ROOT / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                yield path


def content_hash() -> str:
    h = hashlib.sha256()
    h.update(f"{sys.version}|{sys.platform}|{version('pyinstaller')}|{version('PySide6-Essentials')}".encode())
    for path in _inputs():
        h.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:20]


def program(bundle: Path, console: bool = False) -> Path:
    """The windowed program, or the console companion (``-cli``) that Windows needs for sub-commands."""
    name = NAME + ("-cli" if console else "") + (".exe" if sys.platform == "win32" else "")
    return bundle / name


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+b") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def built_bundle() -> Path:
    """The bundle for the current sources, building it (a few minutes) if the cache lacks it."""
    root = cache_root()
    digest = content_hash()
    target = root / digest
    bundle = target / NAME
    with _locked(root / ".lock"):
        if not program(bundle).is_file():
            _build(target)
        os.utime(target)  # most recently used: pruned last
        _prune(root)
    return bundle


def _build(target: Path) -> None:
    work = target.with_name(target.name + ".partial")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    log = work / "pyinstaller.log"
    with open(log, "w", encoding="utf-8") as out:
        res = subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                              "--distpath", str(work / "dist"), "--workpath", str(work / "build"), str(ROOT / "build.spec")],
                             cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, timeout=1500)
    if res.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-4000:]
        raise RuntimeError(f"PyInstaller failed (log: {log}):\n{tail}")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    (work / "dist" / NAME).rename(target / NAME)
    shutil.move(str(log), target / "pyinstaller.log")
    shutil.rmtree(work, ignore_errors=True)


def _prune(root: Path) -> None:
    builds = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.endswith(".partial")),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in builds[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
    for partial in root.glob("*.partial"):
        if time.time() - partial.stat().st_mtime > 3600:
            shutil.rmtree(partial, ignore_errors=True)
