"""Issue 13: once the store has opened, the work tabs are built one screen per turn of the event loop,
so a nurse typing her PIN meanwhile is answered between screens rather than after all eight; signing
in during the build finishes it at once, with every tab in its place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TABS = ["&Today", "&Record staffing", "&Month", "Ward setu&p", "Pr&int", "&Beds", "&Feedback", "Incidents"]


def _tab_titles(w: Any) -> list[str]:
    return [w.tabs.tabText(i) for i in range(w.tabs.count())]


def test_event_loop_runs_between_screens(make_station: Any, demo_dir: Path) -> None:
    st = make_station(demo_dir)
    w = st.window
    seen_midway: list[int] = []

    def midway() -> bool:  # checked by waitUntil between events: only true if the loop ran mid-build
        if hasattr(w, "today") and not w.screens:  # some screens built, not all
            seen_midway.append(w.tabs.count())
        return bool(w.screens)

    st.qtbot.waitUntil(midway, timeout=60_000)
    assert seen_midway, "the work tabs were built in one go: the event loop never ran between screens"
    assert _tab_titles(w) == TABS


def test_signing_in_mid_build_finishes_it(make_station: Any, demo_dir: Path) -> None:
    from PySide6.QtCore import Qt

    st = make_station(demo_dir)
    w = st.window
    st.qtbot.waitUntil(lambda: w._build_steps is not None and hasattr(w, "today"), timeout=60_000)
    assert not w.screens  # the build is under way
    page = w.sign_in
    page.choose("Aisha Rahman", "W7")
    page.pin_edit.clear()
    st.qtbot.keyClicks(page.pin_edit, "2580")
    with st.qtbot.waitSignal(page.attempt_finished, timeout=10_000):
        st.qtbot.keyClick(page.pin_edit, Qt.Key.Key_Return)
    st.qtbot.waitUntil(lambda: w.ctx.user is not None)
    assert w._build_steps is None and len(w.screens) == len(TABS)
    assert _tab_titles(w) == TABS
    assert w.stack.currentWidget() is w.tabs and w.tabs.currentWidget() is not None
    st.qtbot.waitUntil(lambda: w.today.data is not None)
    st.idle()  # the step timer left over from the build does nothing once it has ended
    assert len(w.screens) == len(TABS) and w.tabs.count() == len(TABS)
