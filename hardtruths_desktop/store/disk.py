"""Telling a full or read-only disk apart from a damaged database.

A nurse or IT reading "is not a ward station database" after the disk filled up would restore a
backup they did not need; these helpers name the real cause so the command line and the GUI can
say it in one line.
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

_SQLITE_FULL = 13
_SQLITE_READONLY = 8


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        orig = getattr(cur, "orig", None)  # SQLAlchemy wraps the driver's error
        cur = orig if isinstance(orig, BaseException) else (cur.__cause__ or cur.__context__)
    return seen


def disk_problem(exc: BaseException, folder: Path) -> str | None:
    """A one-line explanation when ``exc`` was caused by a full or read-only disk, else None."""
    for e in _chain(exc):
        code = getattr(e, "sqlite_errorcode", None)
        text = str(e).lower()
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            return full_message(folder)
        if isinstance(e, OSError) and e.errno == errno.EROFS:
            return read_only_message(folder)
        if isinstance(e, sqlite3.Error):
            if (isinstance(code, int) and code & 0xFF == _SQLITE_FULL) or "disk is full" in text:
                return full_message(folder)
            if (isinstance(code, int) and code & 0xFF == _SQLITE_READONLY) or "readonly database" in text:
                return read_only_message(folder)
    if folder_is_read_only(folder):
        return read_only_message(folder)
    return None


def folder_is_read_only(folder: Path) -> bool:
    """True when the folder (or its nearest existing parent) sits on a read-only filesystem."""
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    try:
        return bool(os.statvfs(probe).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # pragma: no cover - Windows has no statvfs
        return False


def full_message(folder: Path) -> str:
    return f"the disk holding {folder} is full: nothing was saved; free some space (or tell IT) and try again"


def read_only_message(folder: Path) -> str:
    return f"the disk holding {folder} is read-only: nothing was saved; tell IT (the station needs a writable local disk)"
