"""Crash test (issue 2): a child process saving shifts is SIGKILLed at random points, several times.

After each restart, every save whose ``save_shift`` had returned (the child prints its key only after
the commit returns) is present exactly once: its shift row and its one outbox row. The file passes
``PRAGMA integrity_check`` and the outbox's client_seq has no duplicates or gaps.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from core_support import build_ward, sql
from support.clocks import suite_clock

from hardtruths_desktop.domain import ids
from hardtruths_desktop.store.engine import DB_FILENAME

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")

SLOTS = 150  # 50 days x 3 shifts: the first saves create shifts, later ones correct them

CHILD = r"""
import sys
from datetime import timedelta
from pathlib import Path

from hardtruths_desktop.domain.clock import FixedClock, today as ward_today
from hardtruths_desktop.store import queries
from hardtruths_desktop.store.session import Actor, Store
from hardtruths_desktop.store.shifts import ShiftChange, save_shift

folder, start, slots = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
clock = FixedClock.london(2026, 11, 24, 14, 0)  # tests/support/clocks.py SUITE_AT
store = Store(folder, clock)
with store.read() as s:
    ward = queries.ward_row(s, "T1")
today = ward_today(clock)
codes = ("early", "late", "night")
print("ready", flush=True)
i = start
while True:
    slot = i % slots
    day, code = today - timedelta(days=1 + slot // 3), codes[slot % 3]
    with store.write(Actor.command_line()) as tx:
        save_shift(tx, ward, day, code, ShiftChange(notes=f"save {i}", groups={"rn": {"actual": 2 + i % 3}}), today)
    print(f"{i} {day.isoformat()} {code}", flush=True)
    i += 1
"""


def test_saves_that_returned_survive_sigkill_exactly_once(tmp_path: Path) -> None:
    folder = tmp_path / "station"
    build_ward(folder, suite_clock()).store.close()
    path = folder / DB_FILENAME
    script = tmp_path / "saver.py"
    script.write_text(CHILD, encoding="utf-8")
    seed = int.from_bytes(os.urandom(4), "big")
    rng = random.Random(seed)
    returned: dict[int, tuple[str, str]] = {}
    next_i = 0
    deadline = time.monotonic() + 120  # a generous cap: a loaded CI machine saves slowly
    rounds = 0
    while rounds < 6 and time.monotonic() < deadline:
        rounds += 1
        child = subprocess.Popen([sys.executable, str(script), str(folder), str(next_i), str(SLOTS)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready", child.stderr.read() if child.stderr else ""
        # let it return a few saves whatever the machine's speed (the count, not a sleep, paces the
        # test), then kill it at a random moment of the saves that follow
        early = [child.stdout.readline() for _ in range(4)]
        time.sleep(rng.uniform(0.0, 0.4))
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=30)
        out = "".join(early) + out
        assert child.returncode == -signal.SIGKILL, err
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3:  # a line cut by the kill is not a returned save
                returned[int(parts[0])] = (parts[1], parts[2])
        if returned:
            next_i = max(returned) + 1

    assert len(returned) > 20, f"too few saves to prove anything (seed {seed})"
    assert rounds >= 3
    assert sql(path, "PRAGMA integrity_check") == [("ok",)]
    assert sql(path, "PRAGMA foreign_key_check") == []

    wid = ids.ward_id("T1")
    outbox: dict[str, list[str]] = defaultdict(list)
    for entity_id, payload in sql(path, "SELECT entity_id, payload FROM outbox WHERE entity = 'shift'"):
        notes = json.loads(str(payload)).get("notes")
        if notes:
            outbox[str(entity_id)].append(str(notes))
    shift_rows = {str(r[0]): str(r[1]) for r in sql(path, "SELECT id, notes FROM shift")}
    for i, (day, code) in returned.items():
        sid = ids.shift_id(wid, date.fromisoformat(day), code)
        assert sid in shift_rows, f"save {i} returned but its shift is missing (seed {seed})"
        assert outbox[sid].count(f"save {i}") == 1, f"save {i}: {outbox[sid].count(f'save {i}')} outbox rows (seed {seed})"
    # the stored value is the latest committed save for that shift, never an older one
    latest: dict[str, int] = {}
    for i, (day, code) in returned.items():
        sid = ids.shift_id(wid, date.fromisoformat(day), code)
        latest[sid] = max(latest.get(sid, -1), i)
    for sid, i in latest.items():
        assert int(shift_rows[sid].split()[1]) >= i

    seqs = [int(r[0]) for r in sql(path, "SELECT client_seq FROM outbox ORDER BY client_seq")]
    assert len(seqs) == len(set(seqs)) and seqs == list(range(1, len(seqs) + 1)), f"client_seq has gaps (seed {seed})"
    hlcs = [str(r[0]) for r in sql(path, "SELECT hlc FROM outbox ORDER BY client_seq")]
    assert hlcs == sorted(hlcs) and len(set(hlcs)) == len(hlcs)
    assert sql(path, "SELECT count(*) FROM audit_trail WHERE action IN ('shift_recorded', 'shift_corrected')") == [
        (sum(len(v) for v in outbox.values()),)]

