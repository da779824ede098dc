"""Writing files the user keeps (PDFs, CSV returns) so that a crash never leaves half a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write to a temporary file beside ``path``, fsync, then rename over it."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def file_lock(lock_path: Path, wait: bool = True) -> Iterator[bool]:
    """Hold an OS file lock on ``lock_path`` (the ``filelock`` library: ``flock`` on Linux/macOS,
    ``msvcrt`` on the Windows ward PCs). With ``wait`` it waits, as long as it takes, for whoever
    holds it and yields True; without, it yields False at once if another process (or another
    opener in this one) holds it."""
    lock = FileLock(lock_path, mode=0o600)
    try:
        lock.acquire(blocking=wait)  # blocking: no timeout (a store upgrade can take a while)
    except Timeout:
        yield False
        return
    try:
        yield True
    finally:
        lock.release()


@contextmanager
def exclusive_lock(lock_path: Path) -> Iterator[None]:
    """Hold an OS file lock, waiting for another process (or thread) that holds it."""
    with file_lock(lock_path, wait=True):
        yield
