"""Today: the shift in progress by the clock, planned vs actual, nurse in charge, open red flags."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.models.rows import Row, RowTableModel
from ui.models.staffing import GROUP_HEADERS, flag_line, group_rows
from ui.text import day_label, hhmm, local_when
from ui.views import flag_actions
from ui.widgets import heading, scaled_font

if TYPE_CHECKING:
    from hardtruths_desktop.store.queries import RedFlagView, ShiftView
    from hardtruths_desktop.store.session import Store
    from ui.context import Context


@dataclass(frozen=True)
class TodayData:
    view: ShiftView
    today: date
    rows: list[Row]
    census: tuple[date, int] | None
    beds: int


def load_today(store: Store, ward_id: str) -> TodayData | None:
    """Runs on the store worker."""
    from hardtruths_desktop.domain.clock import ward_now
    from hardtruths_desktop.domain.staffing import current_shift
    from hardtruths_desktop.store.queries import latest_census, shift_view, ward_info
    from hardtruths_desktop.store.tables import Ward

    now = ward_now(store.clock)
    with store.read() as s:
        ward = s.get(Ward, ward_id)
        if ward is None:
            return None
        info = ward_info(s, ward)
        cur = current_shift(info.patterns, now)
        if cur is None:
            return None
        d, pattern = cur
        view = shift_view(s, ward, d, pattern.code)
        return TodayData(view, now.date(), group_rows(view), latest_census(s, ward_id, d), ward.beds)


class TodayView(QWidget):
    update_staffing = Signal(object, str)  # date, shift code
    loaded = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: TodayData | None = None
        self.setAccessibleName("Today")

        self.title = heading("Loading the current shift…", 1.5)
        self.nic = QLabel()
        self.nic.setFont(scaled_font(self.nic, 1.15))
        self.nic.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top = QHBoxLayout()
        top.addWidget(self.title, 3)
        top.addWidget(self.nic, 2)

        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setFont(scaled_font(self.banner, 1.15))
        self.banner.setWordWrap(True)

        self.model = RowTableModel(GROUP_HEADERS, numeric=(1, 2, 3, 4, 5), parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Staff groups: planned and actual")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self.table.setSizeAdjustPolicy(QAbstractItemView.SizeAdjustPolicy.AdjustToContents)

        self.patients = QLabel()
        self.saved = QLabel()
        self.saved.setObjectName("muted")

        self.flags_title = heading("Red flags", 1.2)
        self.flags = QListWidget()
        self.flags.setAccessibleName("Red flags on this shift")
        self.flags.setWordWrap(True)
        self.flags.currentRowChanged.connect(self._flag_selected)
        self.escalate_btn = QPushButton("&Escalate…")
        self.escalate_btn.setAccessibleName("Escalate the selected red flag")
        self.resolve_btn = QPushButton("Re&solve…")
        self.resolve_btn.setAccessibleName("Record the response to the selected red flag")
        self.escalate_btn.clicked.connect(self._escalate)
        self.resolve_btn.clicked.connect(self._resolve)
        self.flags.setMinimumHeight(self.fontMetrics().lineSpacing() * 4)
        self.flags.setMaximumHeight(self.fontMetrics().lineSpacing() * 9)
        flag_buttons = QVBoxLayout()
        flag_buttons.addWidget(self.escalate_btn)
        flag_buttons.addWidget(self.resolve_btn)
        flag_buttons.addStretch(1)
        flags_row = QHBoxLayout()
        flags_row.addWidget(self.flags, 1)
        flags_row.addLayout(flag_buttons)

        self.raise_btn = QPushButton("&Raise red flag")
        self.raise_btn.setObjectName("danger")
        self.raise_btn.clicked.connect(self._raise)
        self.update_btn = QPushButton("&Update staffing (Enter)")
        self.update_btn.setObjectName("primary")
        self.update_btn.setAccessibleName("Update staffing")
        self.update_btn.clicked.connect(self._update)
        bottom = QHBoxLayout()
        bottom.addWidget(self.raise_btn)
        bottom.addStretch(1)
        bottom.addWidget(self.update_btn)

        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.banner)
        lay.addWidget(self.table)
        lay.addWidget(self.patients)
        lay.addWidget(self.flags_title)
        lay.addLayout(flags_row)
        lay.addWidget(self.saved)
        lay.addStretch(1)
        lay.addLayout(bottom)

        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(self._update)
        QWidget.setTabOrder(self.table, self.flags)
        QWidget.setTabOrder(self.flags, self.escalate_btn)
        QWidget.setTabOrder(self.escalate_btn, self.resolve_btn)
        QWidget.setTabOrder(self.resolve_btn, self.raise_btn)
        QWidget.setTabOrder(self.raise_btn, self.update_btn)

        ctx.changes_applied.connect(lambda _c: self.refresh())
        ctx.ward_changed.connect(self.refresh)
        # the shift in progress changes with the clock
        self.clock = QTimer(self)
        self.clock.setInterval(60_000)
        self.clock.timeout.connect(self.refresh)
        self.clock.start()
        self._flag_selected(-1)

    def refresh(self) -> None:
        if self.ctx.ward is None:
            return
        ward_id = self.ctx.ward_id
        self.ctx.query(lambda store: load_today(store, ward_id), self._show)

    def _show(self, data: TodayData | None) -> None:
        self.data = data
        if data is None:
            self.title.setText("This ward has no shift pattern yet: set one up in Ward setup")
            self.loaded.emit()
            return
        v = data.view
        self.title.setText(f"{v.shift_name} shift · {day_label(v.date)} · {hhmm(v.start)}–{hhmm(v.end)}")
        self.title.setAccessibleName(self.title.text())
        self.nic.setText(f"Nurse in charge: {v.nurse_in_charge}" if v.nurse_in_charge else "Nurse in charge: not named yet")
        self.model.set_rows(data.rows)
        open_flags = v.open_flags
        if open_flags:  # an open red flag outranks everything, recorded staffing or not
            n = len(open_flags)
            extra = "" if v.recorded else " (staffing not recorded yet)"
            self._banner("bad", f"⚑ {n} red flag{'s' if n != 1 else ''} open on this shift{extra}: escalate and record the response")
        elif not v.recorded:
            self._banner("muted", f"… The {v.shift_name} shift is not recorded yet: press Enter to record who is on duty")
        elif any(r.status.get(6) == "warn" for r in data.rows):
            self._banner("warn", "▲ Below plan: see the staff groups below")
        else:
            self._banner("ok", "✓ Staffed as planned, no red flags open")
        if data.census:
            d, n = data.census
            self.patients.setText(f"Patients on the ward (23:59 count, {day_label(d)}): {n} of {data.beds} beds")
        else:
            self.patients.setText(f"Patients on the ward: no 23:59 count recorded yet ({data.beds} beds)")
        self.flags_title.setText(f"Red flags ({len(open_flags)} open)")
        keep = self.selected_flag()
        self.flags.clear()
        for f in v.red_flags:
            item = QListWidgetItem(flag_line(f, data.today))
            item.setData(Qt.ItemDataRole.UserRole, f)
            if not f.open:
                item.setForeground(self.palette().placeholderText())
            self.flags.addItem(item)
            if keep is not None and f.id == keep.id:
                self.flags.setCurrentItem(item)
        if not v.red_flags:
            item = QListWidgetItem("No red flags on this shift. Raise one if care is missed or delayed.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.flags.addItem(item)
        if v.recorded:
            who = f" by {v.updated_by}" if v.updated_by else ""
            self.saved.setText(f"Last saved {local_when(v.updated_at, data.today)}{who}")
        else:
            self.saved.setText("Not saved yet")
        self._flag_selected(self.flags.currentRow())
        self.loaded.emit()

    def _banner(self, status: str, text: str) -> None:
        self.banner.setProperty("status", status)
        self.banner.setText(text)
        self.banner.setAccessibleName(text)
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)

    def selected_flag(self) -> RedFlagView | None:
        item = self.flags.currentItem()
        f = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return f if f is not None and f.id is not None and f.open else None

    def _flag_selected(self, _row: int) -> None:
        f = self.selected_flag()
        self.escalate_btn.setEnabled(f is not None)
        self.resolve_btn.setEnabled(f is not None)

    def _raise(self) -> None:
        if self.data is None or self.ctx.user is None:
            return
        v = self.data.view
        flag_actions.raise_flag(self.ctx, self, v.date, v.shift_code, f"{v.shift_name} shift, {day_label(v.date)}")

    def _escalate(self) -> None:
        f = self.selected_flag()
        if f is not None:
            flag_actions.escalate(self.ctx, self, f)

    def _resolve(self) -> None:
        f = self.selected_flag()
        if f is not None:
            flag_actions.resolve(self.ctx, self, f)

    def _update(self) -> None:
        if self.data is not None:
            self.update_staffing.emit(self.data.view.date, self.data.view.shift_code)
