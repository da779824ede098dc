"""Two ward stations as separate OS processes: the real CLI records (``python -m hardtruths_desktop
staffing record``), a small script enrols and syncs (``station_proc.py``, MemoryCredentials), and
they meet only through the live server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from support.clocks import SUITE_ISO, SUITE_TODAY
from sync_support import Server, Station, month_of, new_ward_code

from hardtruths_desktop.domain import ids

DAY = SUITE_TODAY - timedelta(days=1)
MONTH = month_of(DAY)
PROC = str(Path(__file__).with_name("station_proc.py"))


def run_all(cmds: list[tuple[list[str], dict[str, str]]]) -> list[str]:
    """Start every command at once, wait for all; each must exit 0. Returns their stdout."""
    procs = [subprocess.Popen([sys.executable, *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "HT_STATION_CLOCK": SUITE_ISO, **env}) for cmd, env in cmds]
    outs = []
    for p, (cmd, _) in zip(procs, cmds, strict=True):
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, f"{cmd}: {p.returncode}\n{out}\n{err}"
        outs.append(out)
    return outs


def cli(folder: Path, *args: str) -> tuple[list[str], dict[str, str]]:
    return (["-m", "hardtruths_desktop", *args[:2], "--data-dir", str(folder), *args[2:], "--clock", SUITE_ISO], {})


def test_two_station_processes_sync_through_live_server(
    server: Server, make_station: Callable[..., Station], tmp_path: Path
) -> None:
    ward = new_ward_code()
    make_station("a").set_up_ward(ward).close()  # the ward sister set up station A (then closed the app)
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    server.create_ward(ward)
    secrets: dict[Path, str] = {}
    for folder in (a_dir, b_dir):  # A first: its setup becomes the server's, then B receives it
        out = json.loads(run_all([([PROC, "enrol", str(folder), server.url, server.code(ward), ward], {})])[0])
        assert out["result"]["ok"], out
        secrets[folder] = out["secret"]

    def sync_both() -> list[dict[str, Any]]:
        outs = run_all([([PROC, "sync", str(f)], {"HT_DEVICE_SECRET": secrets[f]}) for f in (a_dir, b_dir)])
        return [json.loads(o)["result"] for o in outs]

    d = DAY.isoformat()
    run_all([cli(a_dir, "staffing", "record", "--ward", ward, "--date", d, "--shift", "early", "--rn-actual", "3", "--note", "A"),
             cli(b_dir, "staffing", "record", "--ward", ward, "--date", d, "--shift", "late", "--care-actual", "1")])
    run_all([cli(a_dir, "staffing", "record", "--ward", ward, "--date", d, "--shift", "night", "--rn-actual", "2"),
             cli(b_dir, "staffing", "record", "--ward", ward, "--date", d, "--shift", "night", "--care-actual", "3")])
    first = sync_both()
    assert all(r["ok"] for r in first), first
    assert all(r["ok"] for r in sync_both())  # a second round: each has the other's shifts
    shows = run_all([cli(f, "staffing", "show", "--ward", ward, "--month", MONTH, "--json") for f in (a_dir, b_dir)])
    a_view, b_view = (json.loads(s) for s in shows)
    assert a_view == b_view == server.staffing(ward, MONTH)
    by_shift = {v["shift"]: v for v in a_view if v["date"] == d}
    assert by_shift["early"]["groups"]["rn"]["actual"] == 3 and by_shift["early"]["notes"] == "A"
    assert by_shift["late"]["groups"]["care"]["actual"] == 1
    assert by_shift["night"]["recorded"]  # created on both: one record (see test_9 for how its fields merge)
    assert server.count_records("shift", ids.shift_id(ids.ward_id(ward), DAY, "night")) == 1
