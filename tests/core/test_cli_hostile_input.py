"""Issue 8, "Bad input at the command line": each case in a real process, so everything it prints
is seen (a traceback or a ``--- Logging error ---`` from a handler counts as a failure).

Promise (README): bad input -> exit 2 with one line; the store cannot be opened or written -> exit 3
with one line saying why (a full or read-only disk is named as such); nothing half-written.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hardtruths_desktop.store.engine import DB_FILENAME

ROOT = Path(__file__).resolve().parents[2]


def run_cli(*argv: str | bytes, data_dir: Path | None = None, timeout: float = 120) -> tuple[int, str]:
    """The CLI in a fresh interpreter; returns (exit code, everything on stderr)."""
    args: list[str | bytes] = [sys.executable, "-m", "hardtruths_desktop", *argv]
    if data_dir is not None:
        args += ["--data-dir", str(data_dir)]
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    env.pop("HARDTRUTHS_DATA_DIR", None)
    p = subprocess.run(args, capture_output=True, cwd=ROOT, env=env, timeout=timeout, check=False)
    return p.returncode, p.stderr.decode("utf-8", "replace")


def assert_one_clear_line(err: str) -> None:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one line, got:\n{err}"
    assert "Traceback" not in err and "Logging error" not in err, err
    assert lines[0].startswith("hardtruths-desktop: error:"), err


@pytest.fixture(scope="module")
def station(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real station: the demo trust (made once for the module; tests copy it when they write)."""
    d = tmp_path_factory.mktemp("hostile") / "station"
    rc, err = run_cli("demo", data_dir=d, timeout=300)
    assert rc == 0, err
    return d


def _copy(station: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    target.mkdir()
    shutil.copy2(station / DB_FILENAME, target / DB_FILENAME)
    return target


def _counts(path: Path) -> tuple[int, int, int]:
    con = sqlite3.connect(path)
    try:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("shift", "outbox", "audit_log"))  # type: ignore[return-value]
    finally:
        con.close()


BAD_INPUT: dict[str, tuple[str, ...]] = {
    "show month 0000": ("staffing", "show", "--ward", "W7", "--month", "0000-01"),
    "show month 9999": ("staffing", "show", "--ward", "W7", "--month", "9999-12"),
    "show date 9999-12-31": ("staffing", "show", "--ward", "W7", "--date", "9999-12-31"),
    "record date 9999-12-31": ("staffing", "record", "--ward", "W7", "--shift", "early", "--date", "9999-12-31", "--rn-actual", "3"),
    "record date 0001-01-01": ("staffing", "record", "--ward", "W7", "--shift", "early", "--date", "0001-01-01", "--rn-actual", "3"),
    "export month 0000": ("export", "staffing-return", "--month", "0000-01", "--out", "/tmp/hardtruths-never-written.csv"),
    "export month 9999": ("export", "staffing-return", "--month", "9999-12", "--out", "/tmp/hardtruths-never-written.csv"),
    "print board date 9999-12-31": ("print", "board", "--ward", "W7", "--date", "9999-12-31", "--out", "/tmp/hardtruths-never.pdf"),
    "enrol: unreadable CA bundle": ("enrol", "--server", "https://127.0.0.1:9", "--code", "ABCD-EFGH", "--ca-bundle", "/nonexistent/ca.pem"),
    "enrol: CA bundle is a folder": ("enrol", "--server", "https://127.0.0.1:9", "--code", "ABCD-EFGH", "--ca-bundle", "/tmp"),
    "enrol: CA bundle holds no certificate": ("enrol", "--server", "https://127.0.0.1:9", "--code", "ABCD-EFGH", "--ca-bundle",
                                              "/etc/passwd"),
    "enrol: every problem at once": ("enrol", "--server", "ftp://x", "--code", "AB!", "--ca-bundle", "/etc/passwd"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(station: Path, tmp_path: Path, case: str) -> None:
    d = _copy(station, tmp_path)
    before = _counts(d / DB_FILENAME)
    rc, err = run_cli(*BAD_INPUT[case], data_dir=d)
    assert rc == 2, err
    assert_one_clear_line(err)
    assert _counts(d / DB_FILENAME) == before


def test_invalid_utf8_in_note_is_refused_not_a_crash(station: Path, tmp_path: Path) -> None:
    d = _copy(station, tmp_path)
    before = _counts(d / DB_FILENAME)
    rc, err = run_cli("staffing", "record", "--ward", "W7", "--shift", "early", "--date", "2026-11-20", "--note", b"bad \xff\xfe bytes",
                      data_dir=d)
    assert rc == 2, err
    assert_one_clear_line(err)
    assert "UTF-8" in err or "characters" in err
    assert _counts(d / DB_FILENAME) == before


@pytest.mark.parametrize("doc", ["board", "poster"])
def test_out_naming_a_folder_is_bad_input(station: Path, tmp_path: Path, doc: str) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    rc, err = run_cli("print", doc, "--ward", "W7", "--out", str(folder), data_dir=station)
    assert rc == 2, err
    assert_one_clear_line(err)
    assert "folder" in err
    assert list(folder.iterdir()) == []


def test_export_out_naming_a_folder_is_bad_input(station: Path, tmp_path: Path) -> None:
    rc, err = run_cli("export", "staffing-return", "--month", "2026-10", "--out", str(tmp_path), data_dir=station)
    assert rc == 2, err
    assert_one_clear_line(err)


def test_staffing_show_on_a_damaged_file_is_exit_3(tmp_path: Path) -> None:
    d = tmp_path / "damaged"
    d.mkdir()
    (d / DB_FILENAME).write_bytes(b"SQLite format 3\x00" + os.urandom(8192))
    rc, err = run_cli("staffing", "show", "--ward", "W7", "--month", "2026-11", data_dir=d)
    assert rc == 3, err
    assert_one_clear_line(err)


def test_a_data_dir_that_is_a_file(tmp_path: Path) -> None:
    f = tmp_path / "not-a-folder"
    f.write_text("hello")
    for argv in (("ward", "list"), ("demo",), ("check",)):
        rc, err = run_cli(*argv, data_dir=f)
        assert rc in (2, 3), err
        assert_one_clear_line(err)
        assert "not a folder" in err
    assert f.read_text() == "hello"


# --- full and read-only disks: a real small filesystem (tmpfs) -----------------------------------------

@contextmanager
def small_filesystem(where: Path, size: str, readonly: bool = False) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, text=True, check=False)
    if p.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot mount a small filesystem for the disk tests: {p.stderr.strip()}")
        pytest.skip(f"cannot mount a small filesystem here ({p.stderr.strip()}); CI runs as root and can")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(folder: Path) -> None:
    with open(folder / "filler", "wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass


def test_demo_on_a_full_disk_is_all_or_nothing_and_can_run_again(tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "mnt", "1200k") as mnt:
        d = mnt / "station"
        rc, err = run_cli("demo", data_dir=d, timeout=300)
        assert rc == 3, err
        assert_one_clear_line(err)
        assert "full" in err.lower()
        # nothing half-made: no wards on the station
        db = d / DB_FILENAME
        if db.exists():
            con = sqlite3.connect(db)
            try:
                assert con.execute("SELECT count(*) FROM ward").fetchone()[0] == 0
            finally:
                con.close()
        # once there is room, the demo runs
        subprocess.run(["mount", "-o", "remount,size=64m", str(mnt)], check=True)
        rc, err = run_cli("demo", data_dir=d, timeout=300)
        assert rc == 0, err


def test_a_write_on_a_full_disk_says_so(station: Path, tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "mnt", "48m") as mnt:
        d = mnt / "station"
        d.mkdir()
        shutil.copy2(station / DB_FILENAME, d / DB_FILENAME)
        rc, err = run_cli("check", data_dir=d)
        assert rc == 0, err
        before = _counts(d / DB_FILENAME)
        _fill(mnt)
        rc, err = run_cli("staffing", "record", "--ward", "W7", "--shift", "early", "--date", "2026-11-20",
                          "--note", "x" * 1500, "--rn-actual", "3", data_dir=d)
        assert rc == 3, err
        assert_one_clear_line(err)
        assert "full" in err.lower()
        os.remove(mnt / "filler")
        assert _counts(d / DB_FILENAME) == before


def test_a_read_only_disk_says_so(station: Path, tmp_path: Path) -> None:
    with small_filesystem(tmp_path / "mnt", "64m") as mnt:
        d = mnt / "station"
        d.mkdir()
        shutil.copy2(station / DB_FILENAME, d / DB_FILENAME)
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        rc, err = run_cli("staffing", "record", "--ward", "W7", "--shift", "early", "--date", "2026-11-20", "--rn-actual", "3",
                          data_dir=d)
        assert rc == 3, err
        assert_one_clear_line(err)
        assert "read-only" in err.lower()
        assert "not a ward station database" not in err
