"""The frozen ward station (issue 14): built once by PyInstaller from build.spec (cached by content
hash, tests/support/bundle.py), then run as a ward PC would run it: sub-commands, printing, the
window offscreen, and an old store upgraded in place. Nothing here imports the checkout's code into
the frozen program: it runs the bundle's executables in fresh processes."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from support.bundle import ROOT, built_bundle, program

pytestmark = pytest.mark.slow
FIXTURE = ROOT / "tests" / "migrations" / "fixtures" / "store-0001.sqlite"
RELEASE_FIXTURE = ROOT / "tests" / "migrations" / "fixtures" / "store-0008.sqlite"  # the previous release
ARTIFACTS = ROOT / "build" / "test-artifacts"  # screenshots for a person to look at (git-ignored)


@pytest.fixture(scope="module")
def bundle() -> Path:
    return built_bundle()


def _env(tmp: Path, **extra: str) -> dict[str, str]:
    """A ward PC's environment: no checkout on the path, no virtualenv, a home of its own."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp / "home"), "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}
    return {**env, **extra}


def run(bundle: Path, tmp: Path, *args: str, console: bool = True, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(program(bundle, console)), *args], capture_output=True, text=True, timeout=300,
                          cwd=tmp, env=_env(tmp, **env))


def test_the_bundle_has_both_programs_and_only_the_station(bundle: Path) -> None:
    assert os.access(program(bundle), os.X_OK) and os.access(program(bundle, console=True), os.X_OK)
    files = [p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()]
    internal = "_internal/hardtruths_desktop/"
    assert f"{internal}store/migrations/env.py" in files
    assert f"{internal}resources/style/ward_station.qss" in files
    assert f"{internal}resources/valuesets/staffing.json" in files
    assert f"{internal}resources/fonts/NotoSans-Regular.ttf" in files
    # no server stack, no tests or fixtures, no databases, tokens or private keys (certifi's public CA list is fine)
    leaks = [f for f in files if any(s in f.lower() for s in ("fastapi", "uvicorn", "psycopg", "trust_server", "tests/",
                                                               ".sqlite", ".db", "admin-token", "pytest", "hypothesis"))]
    assert leaks == []
    keyish = [bundle / f for f in files if f.lower().endswith((".pem", ".key", ".crt", ".p12", ".pfx"))]
    assert [k for k in keyish if b"PRIVATE KEY" in k.read_bytes() or k.suffix.lower() in (".key", ".p12", ".pfx")] == []
    from PyInstaller.archive.readers import CArchiveReader

    archive = CArchiveReader(str(program(bundle)))
    [pyz_name] = [n for n in archive.toc if n.endswith(".pyz")]
    modules = set(archive.open_embedded_archive(pyz_name).toc)
    assert {"hardtruths_desktop.cli", "ui.app", "ui.main_window", "alembic.op", "sqlalchemy.dialects.sqlite"} <= modules
    assert not [m for m in modules if m.split(".")[0] in ("trust_server", "fastapi", "uvicorn", "psycopg", "tests", "pytest")]
    assert not [m for m in modules if m.startswith(("PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtQuick"))]


def test_version_and_a_bad_option_answer_like_the_command_line(bundle: Path, tmp_path: Path) -> None:
    from hardtruths_desktop import __version__

    res = run(bundle, tmp_path, "--version")
    assert res.returncode == 0 and res.stdout.strip() == f"hardtruths-desktop {__version__}"
    res = run(bundle, tmp_path, "ward", "list", "--no-such-option", "--data-dir", str(tmp_path / "x"))
    assert res.returncode == 2 and len(res.stderr.strip().splitlines()) == 1


def test_check_on_a_fresh_data_folder_then_a_new_ward(bundle: Path, tmp_path: Path) -> None:
    data = tmp_path / "fresh"
    res = run(bundle, tmp_path, "check", "--data-dir", str(data))
    assert res.returncode == 2, res.stderr
    assert "There is no ward station data" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    res = run(bundle, tmp_path, "ward", "add", "--code", "W3", "--name", "Ward 3", "--trust-code", "RXX", "--trust-name",
              "Example Hospitals NHS Trust", "--data-dir", str(data))
    assert res.returncode == 0, res.stderr
    res = run(bundle, tmp_path, "check", "--data-dir", str(data))  # the frozen Alembic scripts made this store
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("ok:") and "integrity ok" in res.stdout and "test board rendered" in res.stdout
    # the windowed program runs sub-commands too (on Linux it has a stdout)
    res = run(bundle, tmp_path, "ward", "list", "--json", "--data-dir", str(data), console=False)
    assert res.returncode == 0 and [w["code"] for w in json.loads(res.stdout)] == ["W3"]
    assert (data / "logs" / "ward-station.log").is_file()


@pytest.fixture(scope="module")
def demo_station(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("frozen-demo")
    res = run(bundle, tmp, "demo", "--data-dir", str(tmp / "station"))
    assert res.returncode == 0, res.stderr
    assert "Demo trust created" in res.stdout
    return tmp / "station"


def test_demo_then_print_a_board_to_pdf(bundle: Path, demo_station: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    wards = json.loads(run(bundle, tmp_path, "ward", "list", "--json", "--data-dir", str(demo_station)).stdout)
    assert len(wards) == 3 and "W7" in {w["code"] for w in wards}
    out = tmp_path / "board.pdf"
    res = run(bundle, tmp_path, "print", "board", "--ward", "W7", "--date", "2026-11-20", "--shift", "early", "--size", "a3",
              "--landscape", "--out", str(out), "--data-dir", str(demo_station))
    assert res.returncode == 0, res.stderr
    reader = PdfReader(out)
    text = reader.pages[0].extract_text()
    ward7 = next(w for w in wards if w["code"] == "W7")
    assert ward7["name"] in text and "in charge" in text.lower()
    font_dict = reader.pages[0]["/Resources"].get_object()["/Font"].get_object()
    fonts = {str(f.get_object().get("/BaseFont", "")) for f in font_dict.values()}
    assert any("NotoSans" in f or "Arial" in f for f in fonts), fonts  # the bundled fonts were found
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(out), str(tmp_path / "board")], check=True)
        png = next(tmp_path.glob("board*.png"))
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(png, ARTIFACTS / "frozen-board-a3.png")


def test_the_window_opens_offscreen_and_shows_the_sign_in(bundle: Path, demo_station: Path, tmp_path: Path) -> None:
    shot, out = tmp_path / "main-window.png", tmp_path / "probe.json"
    proc = subprocess.run([str(program(bundle)), "--data-dir", str(demo_station)], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env=_env(tmp_path, HARDTRUTHS_PROBE="ready", HARDTRUTHS_PROBE_SCREENSHOT=str(shot),
                                                 HARDTRUTHS_PROBE_OUT=str(out), HARDTRUTHS_BENCH_T0=repr(time.time())))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["error"] is None and result["title"] == "Hard Truths ward station"
    assert result["shown_ms"] is not None and result["ready_ms"] is not None
    from PySide6.QtGui import QImage

    image = QImage(str(shot))
    assert image.width() >= 640 and image.height() >= 480  # maximised on the offscreen 800x600 screen, less its frame
    colours = {image.pixel(x, y) for x in range(0, image.width(), 16) for y in range(0, image.height(), 16)}
    assert len(colours) > 5  # a drawn window (top bar, sign-in form), not a blank rectangle
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "frozen-main-window.png")
    assert "Traceback" not in proc.stderr


def _table_rows(path: Path, tables: list[str]) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def test_an_old_store_is_upgraded_in_place_with_every_record(bundle: Path, tmp_path: Path) -> None:
    """The fixture is a store from the first released schema (0001), with data; the new bundle opens it."""
    station = tmp_path / "station"
    station.mkdir()
    shutil.copy2(FIXTURE, station / "ward-station.sqlite")
    tables = ["trust", "ward", "shift_pattern", "staff", "establishment", "shift", "shift_staffing", "ward_day", "outbox", "audit_log"]
    before = _table_rows(station / "ward-station.sqlite", tables)
    res = run(bundle, tmp_path, "check", "--data-dir", str(station))
    assert res.returncode == 0, res.stderr
    assert "backed up before upgrade" in res.stdout
    assert [p.name for p in (station / "backups").iterdir() if "0001" in p.name]
    assert _table_rows(station / "ward-station.sqlite", tables) == before  # nothing lost, nothing doubled
    [ward] = json.loads(run(bundle, tmp_path, "ward", "list", "--json", "--data-dir", str(station)).stdout)
    assert (ward["code"], ward["name"]) == ("W7", "Ward 7 - Elderly Care")
    staff = json.loads(run(bundle, tmp_path, "staff", "list", "--ward", "W7", "--json", "--data-dir", str(station)).stdout)
    assert {s["name"] for s in staff} == {"Mary O'Neill", "Γιώργος Παπαδόπουλος", "王小明"}
    shifts = json.loads(run(bundle, tmp_path, "staffing", "show", "--ward", "W7", "--date", "2026-11-20", "--json",
                            "--data-dir", str(station)).stdout)
    early = next(s for s in shifts if s["shift"] == "early")
    assert early["recorded"] and early["nurse_in_charge"] == "Γιώργος Παπαδόπουλος" and early["patients_at_midnight"] == 26
    assert (early["groups"]["rn"]["planned"], early["groups"]["rn"]["actual"], early["groups"]["rn"]["actual_hours"]) == (4, 3, 22.5)
    assert early["notes"] == "Bank nurse from Ward 9 — thank you"
    night = next(s for s in shifts if s["shift"] == "night")
    assert not night["recorded"] and night["groups"]["rn"]["planned"] == 3  # the plan from the old establishment


def test_the_previous_release_store_is_upgraded_in_place(bundle: Path, tmp_path: Path) -> None:
    """The store the previous release wrote (schema 0008, made by its own demo), opened by this bundle:
    every table it had keeps every row, and the station reads it back."""
    station = tmp_path / "station"
    station.mkdir()
    db = station / "ward-station.sqlite"
    shutil.copy2(RELEASE_FIXTURE, db)
    con = sqlite3.connect(db)
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"
                                        " AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'")]
    con.close()
    before = _table_rows(db, tables)
    res = run(bundle, tmp_path, "check", "--data-dir", str(station))
    assert res.returncode == 0, res.stderr
    assert _table_rows(db, tables) == before
    wards = json.loads(run(bundle, tmp_path, "ward", "list", "--json", "--data-dir", str(station)).stdout)
    assert {w["code"] for w in wards} == {"W7", "AMU", "W12"}
    res = run(bundle, tmp_path, "feedback", "summary", "--ward", "W7", "--month", "2026-11", "--json",
              "--data-dir", str(station))
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["responses"] > 0
