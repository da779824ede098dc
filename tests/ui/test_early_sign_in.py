"""Issue 13: the sign-in page lists the ward's names before the store (and SQLAlchemy/SQLModel) is
loaded, straight from the database file; signing in then works once the store has opened. In a
process of its own, so "not loaded yet" means what it says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CHILD = Path(__file__).with_name("early_sign_in_child.py")
ROOT = Path(__file__).resolve().parents[2]


def test_names_listed_before_the_store_then_sign_in(demo_dir: Path) -> None:
    from support.clocks import suite_clock

    from hardtruths_desktop.readmodels.roster import load_roster
    from hardtruths_desktop.store.session import Store

    store = Store(demo_dir, suite_clock())
    try:
        roster = load_roster(store)
    finally:
        store.close()
    assert roster.home_ward is None  # a new station: the first ward is offered until one is chosen

    def names(code: str) -> list[str]:
        ward = next(w for w in roster.wards if w.code == code)
        return ["– choose your name –", *(f"{p.name} – {p.title}" if p.title else p.name for p in roster.staff[ward.id])]

    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    res = subprocess.run([sys.executable, str(CHILD), str(demo_dir), "Aisha Rahman", "2580"], capture_output=True,
                         text=True, timeout=120, cwd=ROOT, env=env)
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    early, after = out["early"], out["after"]
    assert early["db_layer_loaded"] == []  # the names came from the file, not the ORM
    assert early["on_sign_in"] and early["ward"] == roster.wards[0].code
    assert early["names"] == names(roster.wards[0].code) and len(early["names"]) > 1
    assert after == {"user": "Aisha Rahman", "on_tabs": True, "names_after": names("W7")}
