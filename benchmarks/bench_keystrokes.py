"""Issue 12: the whole shift by keyboard alone, counted in keystrokes, from the sign-in page to saved.

Runs the real main window (offscreen) on a throwaway demo store whose station ward is Ward 7, and
presses keys on whatever has the keyboard focus, as a nurse would:

  name (2 letters) Tab, PIN (4 digits), Enter        -> signed in, on Today            8
  Enter                                               -> the shift's form, cursor on RN actual  1
  RN actual (1 digit), Down, care actual (1 digit)                                      3
  Alt+N, first letter of the nurse in charge (ticks her on duty)                        2
  Enter                                               -> saved: figures, nurse in charge, ticks 1

A chord (Alt+N) counts as one keystroke; waiting for the screen does not count. The same journey
is a test (``tests/ui/test_ward_pc.py``). Prints the count as a ratio against the target (15) and
against the count before issue 12 (24 with the nurse in charge already ticked, 36 without).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_keystrokes.py
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from _common import bench_clock, temp_dir

TARGET, BEFORE, BEFORE_UNTICKED = 15, 24, 36


def main() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from hardtruths_desktop.demo import create_demo
    from hardtruths_desktop.store.session import Actor, Store
    from hardtruths_desktop.store.station import set_station_ward
    from ui.app import setup_app
    from ui.main_window import MainWindow
    from ui.worker import StoreWorker

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    setup_app(app)
    data = temp_dir("bench-keys-")
    store = Store(data, bench_clock())
    create_demo(store, days=7)
    with store.write(Actor.command_line()) as tx:
        set_station_ward(tx, "W7")  # what the first sign-in or enrolment does
    store.close()
    worker = StoreWorker(data, bench_clock())
    win = MainWindow(worker)
    win.show()
    win.start()

    def wait(cond: object, what: str) -> None:
        end = time.monotonic() + 60
        while not cond():  # type: ignore[operator]
            app.processEvents()
            if time.monotonic() > end:
                raise SystemExit(f"timed out waiting for {what}")

    count = 0
    log: list[str] = []

    def key(k: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier, label: str = "") -> None:
        nonlocal count
        w = QApplication.focusWidget()
        assert w is not None, log
        QTest.keyClick(w, k, mod)
        count += 1
        log.append(label or k.name.removeprefix("Key_"))

    def type_(text: str) -> None:
        nonlocal count
        for ch in text:
            w = QApplication.focusWidget()
            assert w is not None, log
            QTest.keyClicks(w, ch)
            count += 1
            log.append(ch)

    wait(lambda: win.stack.currentWidget() is win.sign_in and win.sign_in.name_box.count() > 1, "the sign-in page")
    win.sign_in.prepare()
    type_("Ai")
    key(Qt.Key.Key_Tab)
    type_("2580")
    key(Qt.Key.Key_Return)
    wait(lambda: win.ctx.user is not None and win.today.data is not None, "Today")
    key(Qt.Key.Key_Return)
    form = win.staffing
    wait(lambda: form.data is not None and form.rows["rn"].edits["actual"].hasFocus() and form.on_duty.data is not None, "the form")
    type_(str(int(form.rows["rn"].edits["planned"].text()) - 1))
    key(Qt.Key.Key_Down)
    type_(form.rows["care"].edits["planned"].text() or "0")
    key(Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier, "Alt+N")
    type_("A")
    saved: list[bool] = []
    form.saved.connect(lambda: saved.append(True))
    key(Qt.Key.Key_Return)
    wait(lambda: bool(saved), "the save")
    nic = form.nic_box.currentText()
    ticked = form.on_duty.ticked()
    ok = win.ctx.user is not None and form.nic_box.currentData() in ticked
    win.close()
    worker.stop()
    print(f"keys: {' '.join(log)}")
    print(f"whole shift saved by keyboard alone: {count} keystrokes (nurse in charge {nic}, ticked on duty: {ok})")
    print(f"ratio to the target of {TARGET}: {count / TARGET:.2f}x; before issue 12: {BEFORE} ({BEFORE_UNTICKED} when "
          f"the nurse in charge was not ticked on duty) -> {count / BEFORE:.2f}x / {count / BEFORE_UNTICKED:.2f}x")
    return 0 if count <= TARGET and ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
