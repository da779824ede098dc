"""Issue 12: every screen fits a small ward PC and is usable by keyboard.

- every screen's (and the window's) minimum size hint is within 1024x740 at 100% text;
- no two controls visible together share an Alt mnemonic, on any screen or inner tab;
- Tab leaves every table and list (arrows move within it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QApplication, QGroupBox, QLabel, QTabBar, QTabWidget, QWidget
from support.qt_waits import QT_WAIT_MS

Station = Any  # tests/ui/conftest.py

MAX_W, MAX_H = 1024, 740


@contextmanager
def text_at_150_percent() -> Iterator[None]:
    """The application's text at 150%, as on a PC set to it; back to normal after."""
    app = QApplication.instance()
    normal = app.font()
    big = app.font()
    big.setPointSizeF(normal.pointSizeF() * 1.5)
    app.setFont(big)
    try:
        yield
    finally:
        app.setFont(normal)


def each_screen(station: Station) -> Iterator[tuple[str, QWidget]]:
    """Every main tab, and every tab inside it, made current in turn: (where, the main screen)."""
    w = station.window
    for i, view in enumerate(w.screens):
        w.tabs.setCurrentIndex(i)
        QApplication.processEvents()
        inner = [t for t in view.findChildren(QTabWidget) if t.isVisibleTo(view)]
        yield w.tabs.tabText(i), view
        for t in inner:
            for j in range(t.count()):
                t.setCurrentIndex(j)
                QApplication.processEvents()
                yield f"{w.tabs.tabText(i)} > {t.tabText(j)}", view


def mnemonic(text: str) -> str | None:
    i = text.replace("&&", "").find("&")
    if i < 0 or i + 1 >= len(text.replace("&&", "")):
        return None
    return text.replace("&&", "")[i + 1].lower()


def visible_mnemonics(window: QWidget) -> dict[str, list[str]]:
    """Alt keys of the controls a person sees right now (buttons, labels with a buddy, group boxes,
    tab bars), in the main window and its top bar."""
    found: dict[str, list[str]] = {}

    def add(text: str) -> None:
        key = mnemonic(text)
        if key:
            found.setdefault(key, []).append(text)

    for b in window.findChildren(QAbstractButton):
        if (b.isVisible() and b.isEnabled()) or (b.isVisible() and isinstance(b, QAbstractButton)):
            add(b.text())
    for lab in window.findChildren(QLabel):
        if lab.isVisible() and lab.buddy() is not None:
            add(lab.text())
    for g in window.findChildren(QGroupBox):
        if g.isVisible():
            add(g.title())
    for bar in window.findChildren(QTabBar):
        if bar.isVisible():
            for i in range(bar.count()):
                if bar.isTabVisible(i):
                    add(bar.tabText(i))
    return found


def test_every_screen_fits_1024x740_at_100_percent_text(station: Station) -> None:
    station.sign_in("Mary O'Neill")  # the ward sister sees every screen, Ward setup too
    w = station.window
    too_big = []
    for where, view in each_screen(station):
        for what, hint in (("screen", view.minimumSizeHint()), ("window", w.minimumSizeHint())):
            if hint.width() > MAX_W or hint.height() > MAX_H:
                too_big.append(f"{where}: {what} {hint.width()}x{hint.height()}")
    assert not too_big, too_big


def test_no_two_visible_controls_share_an_alt_key_on_any_screen(station: Station) -> None:
    station.sign_in("Mary O'Neill")
    clashes = []
    for where, _view in each_screen(station):
        for key, texts in visible_mnemonics(station.window).items():
            if len(texts) > 1:
                clashes.append(f"{where}: Alt+{key.upper()} {texts}")
    # the sign-in page too
    station.window.lock("Signed out.")
    for key, texts in visible_mnemonics(station.window).items():
        if len(texts) > 1:
            clashes.append(f"Sign in: Alt+{key.upper()} {texts}")
    assert not clashes, "\n".join(clashes)


def test_tab_leaves_every_table(station: Station) -> None:
    station.sign_in("Mary O'Neill")
    trapped = []
    for where, view in each_screen(station):
        for table in view.findChildren(QAbstractItemView):
            if not table.isVisible() or table.focusPolicy() == Qt.FocusPolicy.NoFocus:
                continue
            if table.model() is not None and table.model().rowCount() == 0:
                pass  # an empty table still must let Tab go
            table.setFocus(Qt.FocusReason.TabFocusReason)
            QApplication.processEvents()
            if not table.hasFocus():
                continue
            for _ in range(3):
                station.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            if table.hasFocus() or (QApplication.focusWidget() is not None and table.isAncestorOf(QApplication.focusWidget())):
                trapped.append(f"{where}: {table.accessibleName() or type(table).__name__}")
    assert not trapped, trapped


def test_window_opens_maximised_then_where_it_was_left(make_station: Any, demo_dir: Any) -> None:
    first = make_station(demo_dir)
    first.window.show_where_left()
    first.qtbot.waitUntil(first.window.isMaximized, timeout=QT_WAIT_MS)
    first.window.showNormal()
    first.qtbot.waitUntil(lambda: not first.window.isMaximized(), timeout=QT_WAIT_MS)
    first.window.resize(700, 500)  # within the offscreen platform's 800x600 screen
    first.qtbot.waitUntil(lambda: first.window.size().width() == 700, timeout=QT_WAIT_MS)
    first.close()
    assert (demo_dir / "station-window.ini").exists()  # in the station's data folder
    again = make_station(demo_dir)
    again.window.show_where_left()
    again.qtbot.waitUntil(lambda: again.window.size().width() == 700 and again.window.size().height() == 500, timeout=QT_WAIT_MS)
    assert not again.window.isMaximized()


def test_a_control_focused_below_the_fold_is_scrolled_into_view(station: Station) -> None:
    station.sign_in("Aisha Rahman")
    w = station.window
    w.showNormal()
    w.resize(1024, 500)  # a small window: the red flags are below the fold of Record staffing
    w.show_screen(w.staffing)
    form = w.staffing
    station.qtbot.waitUntil(lambda: form.data is not None, timeout=QT_WAIT_MS)
    form.date_edit.setFocus()
    QApplication.processEvents()
    target = form.raise_btn
    assert target.visibleRegion().isEmpty()  # out of sight to begin with
    target.setFocus(Qt.FocusReason.TabFocusReason)  # as Tab or a mnemonic moves the focus
    station.qtbot.waitUntil(lambda: not target.visibleRegion().isEmpty(), timeout=QT_WAIT_MS)


def test_ctrl_number_focuses_a_named_control_of_that_screen(station: Station) -> None:
    station.sign_in("Mary O'Neill")
    w = station.window
    for i, view in enumerate(w.screens):
        station.qtbot.keyClick(QApplication.focusWidget() or w, Qt.Key(Qt.Key.Key_1.value + i), Qt.KeyboardModifier.ControlModifier)
        QApplication.processEvents()
        focus = QApplication.focusWidget()
        assert w.tabs.currentIndex() == i
        assert focus is not None and view.isAncestorOf(focus), (w.tabs.tabText(i), focus)
        assert focus.accessibleName() or (hasattr(focus, "text") and focus.text()), (w.tabs.tabText(i), type(focus).__name__)


def test_every_symbol_on_the_screens_draws_with_the_bundled_fonts(qapp: Any) -> None:
    import re
    from pathlib import Path

    from PySide6.QtGui import QFont, QRawFont

    from hardtruths_desktop.resources import resource
    from ui.app import SCREEN_FONTS

    assert QApplication.font().families()[0] == SCREEN_FONTS[0]
    fonts = [QRawFont(str(f), 12) for f in sorted(resource("fonts").glob("*.ttf")) if not f.name.startswith("Droid")]
    assert all(f.isValid() for f in fonts)
    ui = Path(__file__).resolve().parents[2] / "ui"
    symbols = set()
    for py in ui.rglob("*.py"):
        symbols |= set(re.findall(r"[\u2190-\u2bff]", py.read_text(encoding="utf-8")))
    assert symbols, "the scan found no symbols: it scans the wrong folder"
    missing = sorted(c for c in symbols if not any(f.supportsCharacter(ord(c)) for f in fonts))
    assert not missing, f"symbols no bundled font can draw: {missing}"
    assert QFont(SCREEN_FONTS[0]).exactMatch()


def test_month_cells_never_say_it_by_colour_alone(station: Station) -> None:
    station.sign_in("Aisha Rahman")
    w = station.window
    w.show_screen(w.month)
    m = w.month.model
    station.qtbot.waitUntil(lambda: m.rowCount() > 10, timeout=QT_WAIT_MS)
    coloured = 0
    for i in range(m.rowCount()):
        row = m.row_at(i)
        for col, key in row.status.items():
            if col in (6, 7) and key == "warn":
                coloured += 1
                assert row.cells[col].startswith("▲ "), row.cells
            if col == 9:
                coloured += 1
                assert ("open)" in row.cells[col]) == (key == "bad") and ("(closed)" in row.cells[col]) == (key == "warn"), row.cells
    assert coloured, "no coloured cell in the demo month: the test checks nothing"


def visible_in_area(w: QWidget, area: Any) -> bool:
    """All of ``w`` inside what the scroll area shows."""
    from PySide6.QtCore import QPoint, QRect

    return bool(area.viewport().rect().contains(QRect(w.mapTo(area.viewport(), QPoint(0, 0)), w.size())))


def in_view(w: QWidget) -> bool:
    """All of ``w`` is shown by every scroll area it sits in (there is at least one)."""
    from PySide6.QtWidgets import QScrollArea

    areas = []
    p = w.parentWidget()
    while p is not None:
        if isinstance(p, QScrollArea):
            areas.append(p)
        p = p.parentWidget()
    assert areas, f"{w!r} is in no scroll area"
    return all(visible_in_area(w, a) for a in areas)


def test_a_field_focused_by_its_alt_key_is_wholly_in_view(station: Station) -> None:
    """Issue 12: Alt+N on Ward setup > Staff list (the add-staff name, below the fold of a small
    window) brings the whole field into the scroll area's visible rectangle."""

    station.sign_in("Mary O'Neill")  # the ward sister: Ward setup
    w = station.window
    w.showNormal()
    w.resize(1024, 420)
    w.show_screen(w.setup)
    setup = w.setup
    station.qtbot.waitUntil(lambda: setup.staff_model.rowCount() > 0, timeout=QT_WAIT_MS)
    setup.tabs.setCurrentIndex(0)
    setup.tabs.tabBar().setFocus()
    QApplication.processEvents()
    target = setup.staff_name
    assert not in_view(target)  # below the fold to begin with
    station.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is target
    station.qtbot.waitUntil(lambda: in_view(target), timeout=QT_WAIT_MS)


def test_the_on_duty_tick_list_focused_is_wholly_in_view(station: Station) -> None:
    """Alt+U, Who is on duty: Qt's own ensureWidgetVisible brings only a list's current row into
    view; the whole tick list must be (it was not, under a real X server at 150% text)."""

    station.sign_in("Aisha Rahman")
    w = station.window
    w.showNormal()
    w.resize(1024, 560)
    w.show_screen(w.staffing)
    form = w.staffing
    station.qtbot.waitUntil(lambda: form.data is not None and form.on_duty.data is not None and station.worker.pending == 0, timeout=QT_WAIT_MS)
    form.date_edit.setFocus()
    QApplication.processEvents()
    target = form.on_duty.list
    assert not in_view(target)
    station.qtbot.keyClick(form.date_edit, Qt.Key.Key_U, Qt.KeyboardModifier.AltModifier)  # "Who is on d&uty"
    assert QApplication.focusWidget() is target
    station.qtbot.waitUntil(lambda: in_view(target), timeout=QT_WAIT_MS)


def test_no_scroll_area_inside_another_on_any_screen(station: Station) -> None:
    """Issue 12: Ward setup at 150% text showed a scroll bar inside a scroll bar; one scroll area
    per screen or section, never nested (item views scroll their own rows)."""
    from PySide6.QtWidgets import QScrollArea

    station.sign_in("Mary O'Neill")
    nested = []
    for where, view in each_screen(station):
        for area in view.findChildren(QScrollArea):
            p = area.parentWidget()
            while p is not None:
                if isinstance(p, QScrollArea):
                    nested.append((where, area.accessibleName(), p.accessibleName()))
                    break
                p = p.parentWidget()
    assert not nested, sorted(set(nested))[:40]


def test_month_drops_less_important_columns_when_narrow_and_never_scrolls_sideways(station: Station) -> None:
    """Issue 12: at 1024x768 (150% text) the month table scrolled sideways; narrow, it keeps date,
    shift, the fill rates and red flags and says what it hid; wide, every column is back."""
    from ui.fit import columns_that_fit
    from ui.views.month import MONTH_DROP_ORDER

    assert columns_that_fit([10, 10, 10], 30, (2, 1)) == {0, 1, 2}
    assert columns_that_fit([10, 10, 10], 25, (2, 1)) == {0, 1}
    assert columns_that_fit([10, 10, 10], 5, (2, 1)) == {0}  # never below the ones that always stay
    with text_at_150_percent():
        station.sign_in("Aisha Rahman")
        w = station.window
        w.showNormal()
        w.show_screen(w.month)
        m = w.month
        station.qtbot.waitUntil(lambda: m.model.rowCount() > 10 and m._natural != [], timeout=QT_WAIT_MS)
        keep = {0, 1, 6, 7, 9}
        assert keep.isdisjoint(MONTH_DROP_ORDER) and keep | set(MONTH_DROP_ORDER) == set(range(m.model.columnCount()))
        w.resize(1024, 740)
        station.qtbot.waitUntil(lambda: any(m.table.isColumnHidden(c) for c in MONTH_DROP_ORDER), timeout=QT_WAIT_MS)
        QApplication.processEvents()
        assert not any(m.table.isColumnHidden(c) for c in keep)
        assert m.table.horizontalScrollBar().maximum() == 0, "the month scrolls sideways"
        assert "Hidden to fit the window" in m.hint.text()
        w.resize(2600, 900)
        station.qtbot.waitUntil(lambda: not any(m.table.isColumnHidden(c) for c in range(m.model.columnCount())), timeout=QT_WAIT_MS)
        QApplication.processEvents()
        assert m.table.horizontalScrollBar().maximum() == 0
        assert "Hidden" not in m.hint.text()


def test_sign_in_shows_the_longest_ward_name_whole_at_150_percent_text(make_station: Any, demo_dir: Any) -> None:
    """Seen by hand under Xvfb at 1024x768 with 150% text: the first start's ward list was cut to
    "edical Unit (North Site)" (an editable list does not size to its items, and the card kept its
    100% width). The list is as wide as its longest ward, and the card grows to hold it."""
    with text_at_150_percent():
        st = make_station(demo_dir)
        w = st.window
        w.showNormal()
        w.resize(1024, 740)
        st.wait_sign_in_page()
        page = w.sign_in
        box = page.ward_box
        st.qtbot.waitUntil(lambda: box.isVisible() and box.count() > 1, timeout=QT_WAIT_MS)
        QApplication.processEvents()
        metrics = box.fontMetrics()
        longest = max((box.itemText(i) for i in range(box.count())), key=metrics.horizontalAdvance)
        edit = box.lineEdit()
        assert edit is not None
        assert edit.width() >= metrics.horizontalAdvance(longest), f"{longest!r} is cut in a {edit.width()} px list"
        card = box.parentWidget()
        assert card is not None
        assert box.geometry().right() <= card.contentsRect().right(), "the list runs off the card"


def test_every_top_tab_has_its_own_alt_key_and_it_opens_that_tab(station: Station) -> None:
    """Reviewer: the Incidents tab had no Alt key (Alt+I went to Print; only Ctrl+Tab reached it). Every
    top tab shows an underlined letter of its own name, no two alike, and Alt+that letter opens it."""
    station.sign_in("Mary O'Neill")
    w = station.window
    keys = [mnemonic(w.tabs.tabText(i)) for i in range(w.tabs.count())]
    assert None not in keys, [w.tabs.tabText(i) for i in range(w.tabs.count())]
    assert len(set(keys)) == len(keys), keys
    assert keys[w.screens.index(w.incidents)] == "c" and keys[w.screens.index(w.print_centre)] == "i"
    for i in reversed(range(w.tabs.count())):  # from the last, so each press moves to another tab
        key = keys[i]
        assert key is not None
        station.qtbot.keyClick(w.tabs.currentWidget(), getattr(Qt.Key, f"Key_{key.upper()}"), Qt.KeyboardModifier.AltModifier)
        station.qtbot.waitUntil(lambda i=i: w.tabs.currentIndex() == i, timeout=QT_WAIT_MS)


def test_the_print_screens_status_line_is_whole_in_view_at_150_percent_text(make_station: Any, demo_dir: Any) -> None:
    """Seen by hand under Xvfb at 1024x768 with 150% text: the Print screen's status line ("Ready to print:
    ...") was cut at the bottom of the window, under the fold of a screen that scrolled both ways. The
    choices scroll by themselves; the status line, the preview and the buttons stay in view, whole."""
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtWidgets import QScrollArea

    with text_at_150_percent():
        st = make_station(demo_dir)
        w = st.window
        w.showNormal()
        w.resize(1024, 740)
        st.sign_in("Mary O'Neill")
        w.show_screen(w.print_centre)
        pc = w.print_centre
        st.qtbot.waitUntil(lambda: pc.document.status() == QPdfDocument.Status.Ready
                           and pc.status.text().startswith("Ready to print"), timeout=QT_WAIT_MS)
        QApplication.processEvents()
        status = pc.status
        top_left = status.mapTo(w, status.rect().topLeft())
        assert w.rect().contains(top_left) and w.rect().contains(status.mapTo(w, status.rect().bottomRight())), (
            f"the status line is outside the window at {top_left}")
        assert status.height() >= status.heightForWidth(status.width()), "the status line is cut"
        for control in (pc.print_btn, pc.save_btn, pc.preview):
            assert control.isVisible() and w.rect().contains(control.mapTo(w, control.rect().bottomRight())), control
        parent = status.parentWidget()
        while parent is not None:  # in no scroll area: nothing can scroll it out of view
            assert not isinstance(parent, QScrollArea), "the status line sits in a scroll area"
            parent = parent.parentWidget()
