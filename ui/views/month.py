"""The month: every shift with planned vs actual and fill rates, and the month's CHPPD.

The query is by date range (one month), and rows are built on the store worker, so opening a
month stays well under 100 ms even with years of history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hardtruths_desktop.domain.clock import today as ward_today
from ui.models.rows import Row, RowTableModel
from ui.models.staffing import MONTH_HEADERS, month_rows
from ui.text import percent, two_dp
from ui.widgets import buddy_label, heading

if TYPE_CHECKING:
    from hardtruths_desktop.store.session import Store
    from ui.context import Context


@dataclass(frozen=True)
class MonthData:
    year: int
    month: int
    rows: list[Row]
    summary: dict[str, str]
    recorded: int
    total: int


def load_month(store: Store, ward_id: str, year: int, month: int) -> MonthData:
    """Runs on the store worker: queries by date range, rows built here (not in ``data()``)."""
    from hardtruths_desktop.store.queries import month_bounds, month_return, shifts_in_range
    from hardtruths_desktop.store.tables import Ward

    first, last = month_bounds(year, month)
    with store.read() as s:
        ward = s.get(Ward, ward_id)
        assert ward is not None
        views = shifts_in_range(s, ward, first, last)
        ret = month_return(s, ward, year, month)
    summary = {
        "chppd_rn": two_dp(ret.chppd_rn()), "chppd_care": two_dp(ret.chppd_care()), "chppd_total": two_dp(ret.chppd_total()),
        "day_rn": percent(ret.fill_rate("day", "rn")), "day_care": percent(ret.fill_rate("day", "care")),
        "night_rn": percent(ret.fill_rate("night", "rn")), "night_care": percent(ret.fill_rate("night", "care")),
        "patient_days": str(ret.patients_at_midnight_total),
    }
    recorded = sum(1 for v in views if v.recorded)
    return MonthData(year, month, month_rows(views), summary, recorded, len(views))


SUMMARY = (
    ("chppd_rn", "CHPPD registered nurses"), ("chppd_care", "CHPPD care staff"), ("chppd_total", "CHPPD total"),
    ("patient_days", "Patient days (23:59 counts)"),
    ("day_rn", "Day fill rate, RN"), ("day_care", "Day fill rate, care"),
    ("night_rn", "Night fill rate, RN"), ("night_care", "Night fill rate, care"),
)


class MonthView(QWidget):
    loaded = Signal()
    open_shift = Signal(object, str)  # date, shift code

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: MonthData | None = None
        self._seq = 0
        self.setAccessibleName("Month")
        self.title = heading("Month", 1.4)
        self.month_box = QComboBox()
        self.month_box.currentIndexChanged.connect(lambda _i: self.refresh())
        picker = QHBoxLayout()
        picker.addWidget(self.title, 1)
        picker.addWidget(buddy_label("&Month:", self.month_box))
        picker.addWidget(self.month_box)

        grid = QGridLayout()
        self.values: dict[str, QLabel] = {}
        for i, (key, label) in enumerate(SUMMARY):
            cap = QLabel(label + ":")
            val = QLabel("–")
            val.setObjectName("figure")
            val.setAccessibleName(label)
            self.values[key] = val
            grid.addWidget(cap, i // 4 * 1, (i % 4) * 2)
            grid.addWidget(val, i // 4 * 1, (i % 4) * 2 + 1)
        self.count_label = QLabel()
        self.count_label.setObjectName("muted")

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
        self.table.activated.connect(self._activated)
        hint = QLabel("Press Enter or double-click a shift to open it for correction.")
        hint.setObjectName("muted")

        lay = QVBoxLayout(self)
        lay.addLayout(picker)
        lay.addLayout(grid)
        lay.addWidget(self.count_label)
        lay.addWidget(self.table, 1)
        lay.addWidget(hint)
        ctx.ward_changed.connect(self._fill_months)
        ctx.changes_applied.connect(lambda _c: self.refresh())

    def _fill_months(self) -> None:
        today = ward_today(self.ctx.clock)
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

    def refresh(self) -> None:
        ym = self.month_box.currentData()
        if ym is None or self.ctx.ward is None:
            return
        self._seq += 1
        seq = self._seq
        ward_id = self.ctx.ward_id
        year, month = ym
        self.ctx.query(lambda store: load_month(store, ward_id, year, month), lambda d: self._show(seq, d))

    def _show(self, seq: int, data: MonthData) -> None:
        if seq != self._seq:
            return
        self.data = data
        self.title.setText(f"{date(data.year, data.month, 1):%B %Y}")
        for key, val in self.values.items():
            val.setText(data.summary[key])
        if data.recorded:
            self.count_label.setText(f"{data.recorded} of {data.total} shifts recorded")
        else:
            self.count_label.setText("No shifts recorded for this month yet: record them in Record staffing")
        self.model.set_rows(data.rows)
        if not self._widths_set and data.rows:
            self.table.resizeColumnsToContents()
            hh = self.table.horizontalHeader()
            hh.setSectionResizeMode(8, QHeaderView.ResizeMode.Stretch)  # nurse in charge takes the rest
            self._widths_set = True
        self.loaded.emit()

    def _activated(self, index: QModelIndex) -> None:
        payload: Any = self.model.row_at(index.row()).payload
        if payload:
            self.open_shift.emit(payload[0], payload[1])
