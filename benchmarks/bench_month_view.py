"""The month view for a ward with 3 years of history: target under 100 ms to open.

Builds a demo store with 3 years of staffing history (once, cached in a temp folder), then times
(1) the core query the month view runs (every shift of the month + the month's fill rates and
CHPPD), and (2) when PySide6 is available, opening the real month view widget on that data
(query + table model + first paint), each against the 100 ms target.
Run: .venv/bin/python benchmarks/bench_month_view.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import bench_clock, summary, timed
from sqlmodel import select

from hardtruths_desktop.demo import create_demo
from hardtruths_desktop.domain.clock import today as ward_today
from hardtruths_desktop.readmodels.month import load_month
from hardtruths_desktop.store import queries
from hardtruths_desktop.store.session import Store
from hardtruths_desktop.store.tables import Shift
from ui.models.staffing import MONTH_HEADERS

YEARS = 3


def history_store() -> Store:
    folder = Path(tempfile.gettempdir()) / "hardtruths-bench-3y-2026-11-24"  # as of bench_clock()
    marker = folder / ".complete"
    if not marker.exists():
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        t0 = time.perf_counter()
        create_demo(Store(folder, bench_clock()), days=YEARS * 365)
        marker.touch()
        print(f"(built {YEARS} years of history for 3 wards in {time.perf_counter() - t0:.1f} s)")
    return Store(folder, bench_clock())


def core_month(store: Store, ward_id: str, year: int, month: int) -> int:
    """The read-model the Month screen, the CLI and the tests share."""
    month_view = load_month(store, ward_id, year, month)
    assert month_view.total >= 84
    return month_view.total


def main() -> None:
    store = history_store()
    with store.read() as s:
        n = s.exec(select(Shift)).all()
    print(f"shifts in store: {len(n)}")
    today = ward_today(store.clock)
    with store.read() as s:
        ward_id = queries.ward_row(s, "W7").id
    rows = core_month(store, ward_id, today.year, today.month)
    core = timed(lambda: core_month(store, ward_id, today.year, today.month), 30)
    print(f"core month query (shifts + fill rates + CHPPD): {summary(core)}  "
          f"-> {statistics.median(core):.1f} ms of the 100 ms target ({statistics.median(core) / 100:.2f}x)")
    try:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        from ui_timing import bare_table, open_month_view  # times the real Month widget
    except ImportError as e:
        print(f"GUI part skipped: {e}")
        return
    floor = bare_table(rows, len(MONTH_HEADERS), repeat=15)
    gui = open_month_view(store, today.year, today.month, repeat=15)
    floor_ms, gui_ms = statistics.median(floor), statistics.median(gui)
    print(f"floor: a bare QTableWidget of {rows} x {len(MONTH_HEADERS)} cells built and painted: {summary(floor)}")
    print(f"open the month view widget (query + model + paint): {summary(gui)}  -> {gui_ms / floor_ms:.2f}x the floor; "
          f"{gui_ms:.1f} ms of the 100 ms target ({gui_ms / 100:.2f}x)  {'MET' if gui_ms < 100 else 'NOT MET'}")
    print(f"load average while measured: {os.getloadavg()[0]:.2f} (on a busy machine read the ratio to the floor)")


if __name__ == "__main__":
    main()
