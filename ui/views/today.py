"""Today: the shift in progress by the clock, planned vs actual, nurse in charge, open red flags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.models.rows import RowTableModel
from ui.models.staffing import GROUP_HEADERS, group_rows
from ui.red_flags import RedFlagList
from ui.screen import Job, Screen
from ui.text import day_label, hhmm, local_when
from ui.views import flag_actions
from ui.widgets import heading, scaled_font

if TYPE_CHECKING:
    from hardtruths_desktop.readmodels.staffing import RedFlagView
    from hardtruths_desktop.readmodels.today import Today
    from ui.context import Context


class TodayView(Screen):
    update_staffing = Signal(object, str)  # date, shift code
    entities = frozenset({"shift", "red_flag", "ward_day", "ward", "shift_pattern", "establishment", "staff", "incident", "incident_amendment"})
    report_incident = Signal(str, object)  # shift id, RedFlagView (issue 10)

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.data: Today | None = None
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
        # issue 10: overdue duty of candour steps (the ward manager and matron see them here)
        self.candour = QLabel()
        self.candour.setObjectName("banner")
        self.candour.setProperty("status", "bad")
        self.candour.setWordWrap(True)
        self.candour.hide()

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
        self.flags = RedFlagList("No red flags on this shift. Raise one if care is missed or delayed.", grey_resolved=True)
        self.flags.selection_changed.connect(self._flag_selected)
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
        self.incident_btn = QPushButton("Report as i&ncident…")
        self.incident_btn.setAccessibleName("Report the selected red flag as a staffing incident")
        self.incident_btn.clicked.connect(self._report_incident)
        flag_buttons.addWidget(self.incident_btn)
        flag_buttons.addStretch(1)
        flags_row = QHBoxLayout()
        flags_row.addWidget(self.flags, 1)
        flags_row.addLayout(flag_buttons)

        self.raise_btn = QPushButton("Raise red fla&g")
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
        lay.addWidget(self.candour)
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
        QWidget.setTabOrder(self.resolve_btn, self.incident_btn)
        QWidget.setTabOrder(self.incident_btn, self.raise_btn)
        QWidget.setTabOrder(self.raise_btn, self.update_btn)

        # the shift in progress changes with the clock
        self.clock = QTimer(self)
        self.clock.setInterval(60_000)
        self.clock.timeout.connect(self.refresh)
        self.clock.start()
        self._flag_selected(None)

    def loader(self) -> Job | None:
        if self.ctx.ward is None:
            return None
        self._refresh_candour()
        ward_id, now = self.ctx.ward_id, self.now()

        def job(store: Any) -> Today | None:
            from hardtruths_desktop.readmodels.today import load_today

            return load_today(store, ward_id, now=now)

        return job

    def _refresh_candour(self) -> None:
        """Overdue duty of candour steps (issue 10): shown to the ward manager and matron."""
        if self.ctx.user is None or self.ctx.ward is None:
            self.candour.hide()
            return
        from hardtruths_desktop.readmodels.incidents import load_overdue_candour

        ward_id, staff_id, clock = self.ctx.ward_id, self.ctx.user.id, self.ctx.clock

        def show(o: object) -> None:
            text = getattr(o, "text", "")
            self.candour.setText(text + (": see Incidents, Review queue" if text else ""))
            self.candour.setAccessibleName(self.candour.text())
            self.candour.setVisible(bool(text))

        self.ctx.query(lambda store: load_overdue_candour(store, ward_id, clock=clock, staff_id=staff_id), show)

    def show_data(self, data: Today | None, **_opts: Any) -> None:
        if data is None:
            self.title.setText("This ward has no shift pattern yet: set one up in Ward setup")
            return
        v = data.view
        self.title.setText(f"{v.shift_name} shift · {day_label(v.date)} · {hhmm(v.start)}–{hhmm(v.end)}")
        self.title.setAccessibleName(self.title.text())
        self.nic.setText(f"Nurse in charge: {v.nurse_in_charge}" if v.nurse_in_charge else "Nurse in charge: not named yet")
        rows = group_rows(v)
        self.model.set_rows(rows)
        open_flags = v.open_flags
        if open_flags:  # an open red flag outranks everything, recorded staffing or not
            n = len(open_flags)
            extra = "" if v.recorded else " (staffing not recorded yet)"
            self._banner("bad", f"⚑ {n} red flag{'s' if n != 1 else ''} open on this shift{extra}: escalate and record the response")
        elif not v.recorded:
            self._banner("muted", f"… The {v.shift_name} shift is not recorded yet: press Enter to record who is on duty")
        elif any(r.status.get(6) == "warn" for r in rows):
            self._banner("warn", "▲ Below plan: see the staff groups below")
        else:
            self._banner("ok", "✓ Staffed as planned, no red flags open")
        if data.census:
            d, n = data.census.day, data.census.patients
            self.patients.setText(f"Patients on the ward (23:59 count, {day_label(d)}): {n} of {data.beds} beds")
        else:
            self.patients.setText(f"Patients on the ward: no 23:59 count recorded yet ({data.beds} beds)")
        self.flags_title.setText(f"Red flags ({len(open_flags)} open)")
        self.flags.show_flags(v.red_flags, data.today, keep_selection=True)
        if v.recorded:
            who = f" by {v.updated_by}" if v.updated_by else ""
            self.saved.setText(f"Last saved {local_when(v.updated_at, data.today)}{who}")
        else:
            self.saved.setText("Not saved yet")

    def _banner(self, status: str, text: str) -> None:
        self.banner.setProperty("status", status)
        self.banner.setText(text)
        self.banner.setAccessibleName(text)
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)

    def selected_flag(self) -> RedFlagView | None:
        return self.flags.selected_flag()

    def _flag_selected(self, f: RedFlagView | None) -> None:
        self.escalate_btn.setEnabled(f is not None)
        self.resolve_btn.setEnabled(f is not None)
        any_flag = self.flag_for_incident()
        self.incident_btn.setEnabled(any_flag is not None and any_flag.incident_ref is None)

    def flag_for_incident(self) -> RedFlagView | None:
        """The selected red flag, recorded or computed, open or resolved."""
        item = self.flags.currentItem()
        f = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return f if f is not None and self.data is not None else None

    def _report_incident(self) -> None:
        f = self.flag_for_incident()
        if f is not None and self.data is not None:
            self.report_incident.emit(self.data.view.shift_id, f)

    def _raise(self) -> None:
        if self.data is None or self.ctx.user is None:
            return
        v = self.data.view
        flag_actions.raise_flag(self.ctx, self, v.date, v.shift_code, f"{v.shift_name} shift, {day_label(v.date)}")

    def _escalate(self) -> None:
        f = self.selected_flag()
        if f is not None and self.data is not None:
            flag_actions.escalate(self.ctx, self, f, (self.data.view.date, self.data.view.shift_code))

    def _resolve(self) -> None:
        f = self.selected_flag()
        if f is not None and self.data is not None:
            flag_actions.resolve(self.ctx, self, f, (self.data.view.date, self.data.view.shift_code))

    def _update(self) -> None:
        if self.data is not None:
            self.update_staffing.emit(self.data.view.date, self.data.view.shift_code)
