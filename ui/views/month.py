"""The month: every shift with planned vs actual and fill rates, and the month's CHPPD.

The read-model (``readmodels.month``) is one query by date range on the store worker, so opening
a month stays well under 100 ms even with years of history; the GUI thread only formats its rows.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.models.rows import RowTableModel
from ui.models.staffing import MONTH_HEADERS, month_rows
from ui.screen import Job, Screen
from ui.text import percent, two_dp
from ui.widgets import buddy_label, heading

if TYPE_CHECKING:
    from hardtruths_desktop.readmodels.month import Month, MonthFigures
    from ui.context import Context


#: columns that give way on a narrow window, least important first (issue 12); never dropped:
#: Date, Shift, RN fill rate, Care fill rate, Red flags
MONTH_DROP_ORDER = (10, 2, 4, 3, 5, 8)


def summary(f: MonthFigures) -> dict[str, str]:
    """The month's figures as the summary grid shows them."""
    return {
        "chppd_rn": two_dp(f.chppd_rn), "chppd_care": two_dp(f.chppd_care), "chppd_total": two_dp(f.chppd_total),
        **{key: percent(rate) for key, rate in f.fill_rates.items()},
        "patient_days": str(f.patient_days),
    }


SUMMARY = (
    ("chppd_rn", "CHPPD registered nurses"), ("chppd_care", "CHPPD care staff"), ("chppd_total", "CHPPD total"),
    ("patient_days", "Patient days (23:59 counts)"),
    ("day_rn", "Day fill rate, RN"), ("day_care", "Day fill rate, care"),
    ("night_rn", "Night fill rate, RN"), ("night_care", "Night fill rate, care"),
)


class MonthView(Screen):
    open_shift = Signal(object, str)  # date, shift code
    entities = frozenset({"shift", "red_flag", "ward_day", "staff", "shift_pattern", "establishment"})

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.data: Month | None = None
        self.setAccessibleName("Month")
        self.title = heading("Month", 1.4)
        self.month_box = QComboBox()
        self.month_box.currentIndexChanged.connect(lambda _i: self.refresh())
        picker = QHBoxLayout()
        picker.addWidget(self.title, 1)
        picker.addWidget(buddy_label("Mont&h:", self.month_box))
        picker.addWidget(self.month_box)

        grid = QGridLayout()
        self.values: dict[str, QLabel] = {}
        for i, (key, label) in enumerate(SUMMARY):
            cap = QLabel(label + ":")
            cap.setWordWrap(True)  # large system fonts: captions wrap rather than widen the screen
            val = QLabel("–")
            val.setObjectName("figure")
            val.setAccessibleName(label)
            self.values[key] = val
            grid.addWidget(cap, i // 4 * 1, (i % 4) * 2)
            grid.addWidget(val, i // 4 * 1, (i % 4) * 2 + 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")
        self.count_label.setWordWrap(True)
        # What the figures do not cover, named (never counted as zero): each line opens its shift.
        self.missing_label = QLabel()
        self.missing_label.setWordWrap(True)
        self.missing_label.setAccessibleName("Completeness of the month")
        self.missing_list = QListWidget()
        self.missing_list.setAccessibleName("Missing from this month: press Enter to open")
        self.missing_list.itemActivated.connect(self._missing_activated)
        self.missing_list.setMaximumHeight(self.fontMetrics().lineSpacing() * 5)

        self.model = RowTableModel(MONTH_HEADERS, numeric=(2, 3, 4, 5, 6, 7), parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Shifts of the month")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        hh = self.table.horizontalHeader()
        # Column widths are measured once, on the first month shown (every month has the same kind
        # of content); ResizeToContents would re-measure every cell on every paint.
        hh.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        hh.setStretchLastSection(False)
        self._widths_set = False
        self._natural: list[int] = []  # each column's width for its content, measured once
        self.table.installEventFilter(self)  # narrow: drop the less important columns (issue 12)
        self.table.activated.connect(self._activated)
        self.hint = hint = QLabel("Press Enter or double-click a shift to open it for correction.")
        hint.setObjectName("muted")
        hint.setWordWrap(True)

        lay = QVBoxLayout(self)
        lay.addLayout(picker)
        lay.addLayout(grid)
        lay.addWidget(self.missing_label)
        lay.addWidget(self.missing_list)
        lay.addWidget(self.count_label)
        lay.addWidget(self.table, 1)
        lay.addWidget(hint)

    def ward_changed(self) -> None:
        self._fill_months()

    def _fill_months(self) -> None:
        today = self.now().date()
        self.month_box.blockSignals(True)
        self.month_box.clear()
        y, m = today.year, today.month
        for _ in range(37):  # three years back, as far as a shift can still be corrected
            self.month_box.addItem(date(y, m, 1).strftime("%B %Y"), (y, m))
            y, m = (y, m - 1) if m > 1 else (y - 1, 12)
        self.month_box.setCurrentIndex(0)
        self.month_box.blockSignals(False)
        self.refresh()

    def set_month(self, year: int, month: int) -> None:
        # findData compares the stored (year, month) tuples by identity, so look them up by value
        for i in range(self.month_box.count()):
            if tuple(self.month_box.itemData(i)) == (year, month):
                self.month_box.setCurrentIndex(i)
                return

    def loader(self) -> Job | None:
        ym = self.month_box.currentData()
        if ym is None or self.ctx.ward is None:
            return None
        ward_id = self.ctx.ward_id
        year, month = ym

        def job(store: Any) -> Month:
            from hardtruths_desktop.readmodels.month import load_month

            return load_month(store, ward_id, year, month)

        return job

    def show_data(self, data: Month, **_opts: Any) -> None:
        self.title.setText(f"{date(data.year, data.month, 1):%B %Y}")
        shown = summary(data.figures)
        for key, val in self.values.items():
            val.setText(shown[key])
        if data.recorded:
            self.count_label.setText(f"{data.recorded} of {data.total} shifts recorded. Fill rates cover the recorded shifts;"
                                     " CHPPD covers the days with a 23:59 count.")
        else:
            self.count_label.setText("No shifts recorded for this month yet: record them in Record staffing")
        self._show_missing(data)
        rows = month_rows(data.shifts)
        self.model.set_rows(rows)
        if not self._widths_set and rows:
            self.table.resizeColumnsToContents()
            hh = self.table.horizontalHeader()
            self._natural = [hh.sectionSize(i) for i in range(hh.count())]
            hh.setSectionResizeMode(8, QHeaderView.ResizeMode.Stretch)  # nurse in charge takes the rest
            self._widths_set = True
            self._fit_columns()

    def eventFilter(self, obj: Any, event: Any) -> bool:
        from PySide6.QtCore import QEvent, QTimer

        if event.type() == QEvent.Type.Resize:  # the table's new width: fit once the layout settled
            QTimer.singleShot(0, self._fit_columns)
        return super().eventFilter(obj, event)

    def resizeEvent(self, event: Any) -> None:
        from PySide6.QtCore import QTimer

        super().resizeEvent(event)
        QTimer.singleShot(0, self._fit_columns)

    def _fit_columns(self) -> None:
        """On a narrow window (1024x768 at 150% text) the table never scrolls sideways: the planned
        and actual counts, who was in charge and when it was recorded give way; date, shift, the
        fill rates and red flags always stay. Wide again, every column is back."""
        if not self._natural:
            return
        from ui.fit import columns_that_fit

        available = self.table.viewport().width() if self.table.viewport() else self.table.width()
        if self.table.verticalScrollBar().isHidden():  # leave room for it: rows may come later
            available -= self.table.style().pixelMetric(self.table.style().PixelMetric.PM_ScrollBarExtent)
        shown = columns_that_fit(self._natural, available, MONTH_DROP_ORDER)
        for col in range(len(self._natural)):
            self.table.setColumnHidden(col, col not in shown)
        hidden = [MONTH_HEADERS[c] for c in MONTH_DROP_ORDER if c not in shown]
        self.hint.setText("Press Enter or double-click a shift to open it for correction."
                          + (f" Hidden to fit the window: {', '.join(hidden)}." if hidden else ""))

    def _show_missing(self, data: Month) -> None:
        from hardtruths_desktop.readmodels.month import census_shift

        c = data.figures.completeness
        self.missing_list.clear()
        if c.complete:
            self.missing_label.setText("✓ " + c.summary() + (" so far" if c.not_yet else ""))
            self.missing_list.hide()
            return
        self.missing_label.setText(f"⚠ {c.summary()}: open each below to record it (not counted as zero in the figures)")
        entries: list[tuple[date, str, str]] = [
            (m.day, m.shift_code, f"{m.day:%a %d %b}: {m.shift_name} shift not recorded") for m in c.unrecorded]
        for d in c.days_without_count:
            code = census_shift(data, d)
            if code is not None:
                entries.append((d, code, f"{d:%a %d %b}: no 23:59 patient count (enter it on that day's last shift)"))
        for d, code, text in sorted(entries, key=lambda e: e[0]):
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, (d, code))
            self.missing_list.addItem(item)
        self.missing_list.show()

    def _missing_activated(self, item: QListWidgetItem) -> None:
        d, code = item.data(Qt.ItemDataRole.UserRole)
        self.open_shift.emit(d, code)

    def _activated(self, index: QModelIndex) -> None:
        payload: Any = self.model.row_at(index.row()).payload
        if payload:
            self.open_shift.emit(payload[0], payload[1])
