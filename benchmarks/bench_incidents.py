"""Incidents (issue 10): opening the report form (target under 150 ms, as a ratio against a bare
PySide6 window) and the review queue of a ward with 5 years of incidents (target under 200 ms).

Builds (once, cached in a temp folder) a demo store whose Ward 7 has 5 years of incidents at
100 a month (6,000 reports, each triaged, with findings and closed, the last 40 still open) through
the real repository, then times the core read-model and the real widgets.
Run: QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_incidents.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import summary, timed

from hardtruths_desktop.demo import create_demo
from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.domain.incidents import PatientInput, ReportInput
from hardtruths_desktop.readmodels.incidents import load_review_queue
from hardtruths_desktop.store import incidents as repo
from hardtruths_desktop.store.queries import find_staff, ward_row
from hardtruths_desktop.store.session import Actor, Store

YEARS, PER_MONTH, OPEN = 5, 100, 40
TODAY = date(2026, 11, 25)
CLOCK = FixedClock.london(2026, 11, 25, 16, 0)
CATS = ("medication", "patient_accident", "pressure_ulcer", "documentation", "infrastructure_staffing", "clinical_assessment")


def incident_store() -> Store:
    from hardtruths_desktop.store.migrate import HEAD_REVISION

    folder = Path(tempfile.gettempdir()) / f"hardtruths-bench-incidents-5y-{HEAD_REVISION}"  # rebuilt when the schema moves
    marker = folder / ".complete"
    if marker.exists():
        return Store(folder, CLOCK)
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    t0 = time.perf_counter()
    store = Store(folder, CLOCK)
    create_demo(store, days=30)
    with store.read() as s:
        ward = ward_row(s, "W7")
        reporters = [find_staff(s, ward.id, n) for n in ("Aisha Rahman", "Dylan Evans", "Chloé Martin")]
        mary = find_staff(s, ward.id, "Mary O'Neill")
    total = YEARS * 12 * PER_MONTH
    for month in range(YEARS * 12):
        ids: list[str] = []
        by = reporters[month % 3]
        with store.write(Actor(by.id, by.name)) as tx:
            for k in range(PER_MONTH):
                n = month * PER_MONTH + k
                d = TODAY - timedelta(days=int((total - n) * YEARS * 365 / total))
                at = FixedClock.london(d.year, d.month, d.day, 18, 0)
                harm = ("none", "low", "low", "moderate")[n % 4]
                ids.append(repo.report_incident(tx, ward.id, ReportInput(
                    occurred_on=d.isoformat(), occurred_time="10:00", location=f"Bay {n % 6 + 1}", category=CATS[n % len(CATS)],
                    description=f"Incident {n}: " + "what happened, in a nurse's words. " * 6,
                    patients=[PatientInput(harm)]), clock=at).id)
        with store.write(Actor(mary.id, mary.name)) as tx:
            for n, iid in enumerate(ids):
                if month * PER_MONTH + n >= total - OPEN:
                    continue
                repo.amend_incident(tx, iid, "triage", {"response": "swarm_huddle"}, clock=CLOCK)
                repo.amend_incident(tx, iid, "findings", {"text": "What we learnt."}, clock=CLOCK)
                if (month * PER_MONTH + n) % 4 == 3:  # moderate harm: the duty of candour, followed through
                    repo.amend_incident(tx, iid, "candour", {"decision": "applies", "aware_on": "2021-01-04"}, clock=CLOCK)
                    for step in ("notified", "written", "results_shared"):
                        repo.amend_incident(tx, iid, "candour_step", {"step": step, "on": "2021-01-05", "by": "Mary O'Neill",
                                                                      "apology": True}, clock=CLOCK)
                repo.amend_incident(tx, iid, "close", {"outcome": "Shared at the huddle"}, clock=CLOCK)
    store.close()
    marker.touch()
    print(f"(built {total} incidents with their amendments in {time.perf_counter() - t0:.0f} s)")
    return Store(folder, CLOCK)


def bare_queue_query(store: Store, ward_id: str) -> int:
    """The floor for the review queue: the same open rows fetched by a bare sqlite3 query on the
    same file (no roles, no read-model, no Python objects beyond the tuples)."""
    import sqlite3

    con = sqlite3.connect(store.path)
    try:
        return len(con.execute("SELECT i.* FROM incident i JOIN incident_state s ON s.incident_id = i.id"
                               " WHERE s.ward_id = ? AND s.status IN ('submitted', 'under_review')", (ward_id,)).fetchall())
    finally:
        con.close()


def main() -> None:
    store = incident_store()
    with repo.reading(store) as db:
        n_inc = db.execute("SELECT count(*) FROM incident").fetchone()[0]
        n_am = db.execute("SELECT count(*) FROM incident_amendment").fetchone()[0]
    print(f"incidents in store: {n_inc}, amendments: {n_am}")
    with store.read() as s:
        ward = ward_row(s, "W7")
        mary = find_staff(s, ward.id, "Mary O'Neill").id
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    floor = timed(lambda: bare_queue_query(store, ward.id), 30)
    core = timed(lambda: load_review_queue(store, ward.id, clock=CLOCK, staff_id=mary), 30)
    print(f"bare SQLite query of the open rows (floor): {summary(floor)}")
    print(f"core review queue read-model: {summary(core)}  -> {statistics.median(core) / statistics.median(floor):.1f}x the bare "
          f"query; {statistics.median(core):.1f} ms of the 200 ms target")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from incidents_timing import open_bare_window, open_report_form, open_review_queue

    bare = open_bare_window(15)
    usable, form = open_report_form(store, 15)
    print(f"bare PySide6 window (floor): {summary(bare)}")
    for what, vals in (("first paint, ready to type", usable), ("with the author's draft loaded back", form)):
        med = statistics.median(vals)
        print(f"open the report form ({what}): {summary(vals)}  -> {med / statistics.median(bare):.1f}x the bare window; "
              f"{med:.1f} ms of the 150 ms target {'MET' if med < 150 else 'NOT MET'}")
    queue, rows = open_review_queue(store, 15)
    med = statistics.median(queue)
    print(f"open the review queue ({rows} open of {n_inc}): {summary(queue)}  -> {med / statistics.median(floor):.1f}x the bare "
          f"query, {med / statistics.median(bare):.1f}x the bare window; {med:.1f} ms of the 200 ms target "
          f"{'MET' if med < 200 else 'NOT MET'}")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
