"""The Feedback results screen at 150% text on a small screen: the answers table shows its words whole
and the SPC chart's month names never run into each other (seen under Xvfb at 1024x768 before the
fix: "Neither goo…", "esponse", "Nov 2025Jan 2026Mar 2026")."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication
from support.clocks import suite_clock
from support.qt_waits import QT_WAIT_MS

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.domain import spc
from hardtruths_desktop.readmodels.feedback import FeedbackResults, MonthPoint

MONTHS = [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 12)]
PERCENTS = [100.0, 70.0, 80.0, 95.0, 85.0, 84.0, 80.0, 81.0, 78.0, 82.0, 81.0, 81.5, 88.5]


class _Ctx(QObject):
    """What the screen uses of the real Context (nobody signed in; queries are not run here)."""

    changes_applied = Signal(object)
    ward_changed = Signal()
    user_changed = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.clock, self.ward, self.user, self.ward_id = suite_clock(), None, None, "w"

    def query(self, fn: Any, on_done: Any, on_error: Any = None) -> None:
        raise AssertionError("not used")


def _results() -> FeedbackResults:
    months = tuple(MonthPoint(y, m, fft.score({"good": round(p), "poor": 100 - round(p)})) for (y, m), p in zip(MONTHS, PERCENTS, strict=True))
    this = fft.score({"very_good": 15, "good": 8, "neither": 0, "poor": 1, "very_poor": 1, "dont_know": 1})
    return FeedbackResults("w", "W7", "Ward 7", 2026, 11, this, months, spc.xmr(PERCENTS, lower_bound=0.0, upper_bound=100.0),
                           (), (), (), 0)


def test_answers_table_and_month_names_fit_at_150_percent_text(qtbot: Any) -> None:
    from ui.views.feedback import FeedbackView

    app = QApplication.instance()
    assert isinstance(app, QApplication)
    before = app.font()
    big = app.font()
    big.setPointSizeF(big.pointSizeF() * 1.5)
    app.setFont(big)
    try:
        view = FeedbackView(_Ctx())  # type: ignore[arg-type]
        qtbot.addWidget(view)
        view.resize(1000, 700)
        view.show()
        view._show((_results(), ()))
        qtbot.waitExposed(view, timeout=QT_WAIT_MS)
        table, fm = view.counts, QFontMetrics(view.counts.font())
        for row in range(table.rowCount()):
            text = table.item(row, 0).text()
            assert table.columnWidth(0) >= fm.horizontalAdvance(text), text  # "Neither good nor poor", not "Neither…"
        head = table.horizontalHeader()
        for col, word in enumerate(("Answer", "Responses", "Share")):
            assert head.sectionSize(col) >= QFontMetrics(head.font()).horizontalAdvance(word), word

        chart = view.chart
        chart.resize(300, 240)  # what is left of 1024 pixels at 150% text
        cfm = QFontMetrics(chart.font())
        xs = [40 + i * (230 / 12) for i in range(13)]
        places = chart.month_label_places(cfm, xs)
        assert places[-1][1] == date(2026, 11, 1).strftime("%b %Y")  # this month is always named
        for (a, la), (b, _lb) in itertools.pairwise(places):
            assert a + cfm.horizontalAdvance(la) < b, places  # no two names touch
        assert all(0 <= a and a + cfm.horizontalAdvance(lab) <= chart.width() for a, lab in places)
        roomy = max(cfm.horizontalAdvance(lab) for lab in chart.labels) + cfm.horizontalAdvance("   ")
        chart.resize(int(80 + 13 * roomy), 240)
        wide = chart.month_label_places(cfm, [40 + i * roomy for i in range(13)])
        assert len(wide) == 13  # with room, every month is named
    finally:
        app.setFont(before)
