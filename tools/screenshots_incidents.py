"""Render the Incidents screens offscreen into docs/screenshots/incidents-*.png (1024x768, and the
report form again at 150% text).

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m ui.screenshots_incidents [--out docs/screenshots]

A fresh demo trust in a temporary folder, with a few incidents on Ward 7 reported and reviewed
through the repository (one with an overdue duty of candour step) and a year of Safety
Thermometer surveys.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from screenshots import SCREENSHOT_MOMENT, _until

SIZE = (1024, 768)


def clock() -> Any:
    """The screenshots' pinned "now" (the one clock): the same pictures whatever the date."""
    from hardtruths_desktop.domain.clock import FixedClock

    return FixedClock.london(*SCREENSHOT_MOMENT)


def seed(data_dir: Path) -> None:
    from hardtruths_desktop.demo import create_demo
    from hardtruths_desktop.domain.clock import FixedClock, today
    from hardtruths_desktop.domain.incidents import PatientInput, ReportInput
    from hardtruths_desktop.store import incidents as repo
    from hardtruths_desktop.store.queries import find_staff, ward_row
    from hardtruths_desktop.store.session import Actor, Store

    store = Store(data_dir, clock())
    create_demo(store)
    on = today(clock())
    with store.read() as s:
        ward = ward_row(s, "W7")
        who = {n: find_staff(s, ward.id, n) for n in ("Aisha Rahman", "Dylan Evans", "Mary O'Neill", "Chloé Martin")}

    def actor(n: str) -> Actor:
        return Actor(who[n].id, who[n].name)

    def at(days_ago: int) -> FixedClock:
        return FixedClock.london((on - timedelta(days=days_ago)).year, (on - timedelta(days=days_ago)).month,
                                 (on - timedelta(days=days_ago)).day, 16, 0)

    def report(n: str, days_ago: int, **kw: Any) -> str:
        d = (on - timedelta(days=days_ago)).isoformat()
        with store.write(actor(n)) as tx:
            return repo.report_incident(tx, ward.id, ReportInput(occurred_on=d, occurred_time="10:40", **kw), clock=at(days_ago)).id

    fall = report("Dylan Evans", 16, location="Bay 2, bed 7", category="patient_accident", involved=["none"],
                  description="Mrs B. found sitting on the floor beside her bed at 10:40. Call bell was out of reach.",
                  immediate_actions="Checked for injury, observations, doctor reviewed; X-ray of the left hip.",
                  patients=[PatientInput("moderate", nhs_number="943 476 5919")])
    report("Aisha Rahman", 3, location="Drug round, bay 4", category="medication", involved=["medicines"], near_miss=True,
           description="Enoxaparin prepared for the wrong patient: noticed at the bedside identity check.",
           went_well="The identity check at the bedside caught it.", patients=[PatientInput("none")])
    report("Chloé Martin", 1, location="Side room 3", category="pressure_ulcer", description="Category 2 pressure ulcer on the sacrum.",
           patients=[PatientInput("low")], anonymous=True)
    with store.write(actor("Mary O'Neill")) as tx:
        repo.amend_incident(tx, fall, "triage", {"response": "after_action_review", "note": "AAR on Thursday"}, clock=at(15))
        repo.amend_incident(tx, fall, "candour", {"decision": "applies", "aware_on": (on - timedelta(days=16)).isoformat()},
                            clock=at(15))
        repo.amend_incident(tx, fall, "candour_step", {"step": "notified", "on": (on - timedelta(days=15)).isoformat(),
                                                       "by": "Mary O'Neill", "apology": True}, clock=at(15))
        repo.amend_incident(tx, fall, "findings", {"text": "Call bell clipped to the wrong side after the bed was moved."},
                            clock=at(10))
        import random

        rnd = random.Random(7)
        for k in range(14, 0, -1):
            m = (on.replace(day=1) - timedelta(days=28 * k)).strftime("%Y-%m")
            surveyed = 26 + rnd.randint(-2, 2)
            harms = [rnd.choice([0, 0, 0, 1]) for _ in range(4)]
            if k == 3:
                harms = [2, 1, 1, 1]
            free = surveyed - min(sum(harms), surveyed)
            repo.record_thermometer(tx, ward.id, m, {"surveyed": surveyed, "harm_free": free, "pressure_ulcers": harms[0],
                                                     "falls_with_harm": harms[1], "catheter_uti": harms[2], "new_vte": harms[3]})
    store.close()


def shoot(out: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from ui.app import setup_app

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    setup_app(app)
    out.mkdir(parents=True, exist_ok=True)
    saved: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        seed(data_dir)
        for scale in (1.0, 1.5):
            if scale != 1.0:
                f = app.font()
                f.setPointSizeF(f.pointSizeF() * scale)
                app.setFont(f)
            _shoot_once(app, data_dir, out, scale, saved)
    return saved


def _shoot_once(app: Any, data_dir: Path, out: Path, scale: float, saved: list[Path]) -> None:
    from ui.main_window import MainWindow
    from ui.worker import StoreWorker

    worker = StoreWorker(data_dir, clock())
    win = MainWindow(worker)
    win.resize(*SIZE)
    win.show()
    win.start()

    def idle() -> bool:
        return bool(worker.pending == 0)

    def grab(name: str) -> None:
        _until(idle)
        app.processEvents()
        path = out / f"{name}.png"
        win.grab().save(str(path))
        saved.append(path)

    def signed_page() -> bool:
        return bool(win.stack.currentWidget() is win.sign_in and win.sign_in.name_box.count() > 1)

    _until(signed_page)
    win.sign_in.choose("Mary O'Neill", "W7")
    win.sign_in.pin_edit.setText("2580")
    win.sign_in.submit()
    _until(lambda: win.ctx.user is not None)
    inc = win.incidents
    win.show_screen(inc)
    inc.show_report()
    _until(lambda: inc.report.form is not None)
    r = inc.report
    r.time_edit.setText("14:05")
    r.location.setText("Bay 3, bed 12")
    r.category.setCurrentIndex(r.category.findData("patient_accident"))
    r.description.setPlainText("Mr K. found on the floor beside his bed; said he was trying to reach the toilet.")
    r.patients[0].physical.setCurrentIndex(r.patients[0].physical.findData("low"))
    if scale != 1.0:
        grab("incidents-report-150")
        inc.inner.setCurrentIndex(1)
        _until(lambda: inc.review.model.rowCount() > 0)
        inc.review.table.selectRow(0)
        _until(lambda: inc.review.detail is not None)
        grab("incidents-review-150")
    else:
        grab("incidents-report")
        r.category.setCurrentIndex(0)
        r.description.setPlainText("")
        r.patients[0].nhs.setText("943 476 5918")
        r.submit()
        _until(lambda: "correct the fields" in r.saved_label.text())
        grab("incidents-report-errors")
        inc.inner.setCurrentIndex(1)
        _until(lambda: inc.review.model.rowCount() > 0)
        fall_row = next(i for i in range(inc.review.model.rowCount())
                        if inc.review.model.row_at(i).cells[2].startswith("Patient accident"))
        inc.review.table.selectRow(fall_row)
        _until(lambda: inc.review.detail is not None)
        grab("incidents-review")
        inc.inner.setCurrentIndex(2)
        _until(lambda: inc.thermometer.model.rowCount() > 0)
        grab("incidents-thermometer")
        win.show_screen(win.today)
        _until(lambda: win.today.candour.isVisible())
        grab("today-candour")
    win.close()
    worker.stop()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "screenshots")
    args = p.parse_args()
    for path in shoot(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
