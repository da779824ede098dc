from __future__ import annotations

from typing import Any

from support.qt_waits import QT_WAIT_MS

Station = Any  # tests/ui/conftest.py: the main window and helpers


def test_month_view_lists_shifts_and_chppd(station: Station, qtmodeltester: Any) -> None:
    station.sign_in("Aisha Rahman")
    w = station.window
    w.show_screen(w.month)
    month = w.month
    station.qtbot.waitUntil(lambda: month.model.rowCount() > 0, timeout=QT_WAIT_MS)
    assert month.values["chppd_total"].text() not in ("", "–")
    assert "%" in month.values["day_rn"].text()
    first = month.model.row_at(0)
    assert first.cells[10] in ("✓ Recorded", "… Not recorded")
    qtmodeltester.check(month.model)
    # an earlier month
    with station.qtbot.waitSignal(month.loaded, timeout=QT_WAIT_MS):
        month.month_box.setCurrentIndex(1)
    assert month.data is not None and month.data.recorded > 0
    qtmodeltester.check(month.model)


def test_ward_setup_adds_a_staff_member(station: Station, qtmodeltester: Any) -> None:
    from PySide6.QtCore import Qt

    station.sign_in("Mary O'Neill")
    w = station.window
    assert w.tabs.isTabEnabled(3)
    w.show_screen(w.setup)
    setup = w.setup
    station.qtbot.waitUntil(lambda: setup.staff_model.rowCount() > 5, timeout=QT_WAIT_MS)
    for model in (setup.staff_model, setup.pattern_model, setup.plan_model):
        qtmodeltester.check(model)
    n = setup.staff_model.rowCount()
    setup.staff_name.insert("Zofia Wiśniewska")  # QTest can only type ASCII keys
    setup.staff_role.setCurrentIndex(setup.staff_role.findData("care"))
    station.qtbot.keyClicks(setup.staff_title, "Healthcare assistant")
    setup.add_btn.click()
    station.qtbot.waitUntil(lambda: setup.staff_model.rowCount() == n + 1, timeout=QT_WAIT_MS)
    names = [setup.staff_model.row_at(i).cells[0] for i in range(n + 1)]
    assert "Zofia Wiśniewska" in names
    assert setup.staff_name.text() == ""
    # she is on the sign-in list straight away
    station.qtbot.waitUntil(lambda: w.sign_in.name_box.findText("Zofia Wiśniewska – Healthcare assistant") > 0, timeout=QT_WAIT_MS)

    # a bad entry shows the core's message beside the field and keeps the text
    station.qtbot.keyClicks(setup.staff_name, "12345")
    setup.add_btn.click()
    err_label = setup.staff_errors.fields["name"][1]
    station.qtbot.waitUntil(lambda: err_label.isVisible(), timeout=QT_WAIT_MS)
    assert "letters" in err_label.text() and setup.staff_name.text() == "12345"

    # shift pattern: a bad time is refused beside the field
    setup.tabs.setCurrentIndex(1)
    setup.pat_code.setText("twilight")
    setup.pat_name.setText("Twilight")
    setup.pat_start.setText("25:00")
    setup.pat_end.setText("23:00")
    station.qtbot.mouseClick(setup.pat_save, Qt.MouseButton.LeftButton)
    assert setup.pat_errors.fields["start"][1].isVisible()


def test_first_run_without_wards_explains_what_to_do(make_station: Any, tmp_path: Any) -> None:
    st = make_station(tmp_path / "empty")
    w = st.window
    st.qtbot.waitUntil(lambda: w.demo_btn.isVisible(), timeout=QT_WAIT_MS)
    assert "no wards yet" in w.message_title.text()
    assert "--demo" in w.message_text.text()


def test_database_from_a_newer_version_is_refused(make_station: Any, tmp_path: Any) -> None:
    import sqlite3

    d = tmp_path / "newer"
    d.mkdir()
    con = sqlite3.connect(d / "ward-station.sqlite")
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    con.execute("INSERT INTO alembic_version VALUES ('9999')")
    con.commit()
    con.close()
    st = make_station(d)
    with st.qtbot.waitSignal(st.window.store_failed, timeout=QT_WAIT_MS) as sig:
        pass
    assert "newer" in sig.args[0].lower() or "9999" in sig.args[0]


def test_worker_runs_jobs_in_order_and_reports_on_gui_thread(station: Station) -> None:
    from PySide6.QtCore import QThread

    from hardtruths_desktop.domain.validation import ValidationError

    seen: list[Any] = []
    gui = QThread.currentThread()
    worker = station.worker
    for i in range(5):
        worker.query(lambda store, i=i: i, lambda r: seen.append((r, QThread.currentThread() is gui)))

    def bad(store: Any) -> None:
        raise ValidationError.single("x", "nope")

    worker.query(bad, lambda r: seen.append("ok?"), lambda e: seen.append(("error", type(e).__name__)))
    station.qtbot.waitUntil(lambda: len(seen) == 6, timeout=QT_WAIT_MS)
    assert seen[:5] == [(i, True) for i in range(5)]
    assert seen[5] == ("error", "ValidationError")
