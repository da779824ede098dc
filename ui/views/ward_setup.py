"""Ward setup for the ward sister/manager: staff list, shift pattern, planned establishment.

Only staff with ``is_manager`` see this screen. Every change goes through the core's
``store.reference`` repositories (record + outbox + audit)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from hardtruths_desktop.domain.validation import ValidationError, parse_time
from hardtruths_desktop.domain.valuesets import staff_group, staff_groups
from ui.dialogs.messages import Notice
from ui.fit import scrolling
from ui.models.rows import Row, RowTableModel
from ui.screen import Job, Screen
from ui.text import num
from ui.views.contacts import ContactsPage  # issue 4
from ui.widgets import FieldErrors, buddy_label, error_label, heading

if TYPE_CHECKING:
    from hardtruths_desktop.readmodels.setup import Setup
    from hardtruths_desktop.store.session import WriteTx
    from ui.context import Context

STAFF_HEADERS = ("Name", "Staff group", "Job title", "Manages ward setup", "Status")
PATTERN_HEADERS = ("Code", "Name", "Starts", "Ends", "Day or night", "In use")
PLAN_HEADERS = ("Shift", "Staff group", "Planned people", "Planned hours")


def setup_rows(data: Setup) -> tuple[list[Row], list[Row], list[Row]]:
    """The three tables' rows (staff, shift pattern, establishment) from the read-model."""
    staff = [
        Row((p.name, staff_group(p.role).singular, p.title, "Yes" if p.is_manager else "No",
             "✓ Active" if p.active else "– Left the ward"), p, {} if p.active else {4: "muted"})
        for p in data.staff
    ]
    patterns = [
        Row((p.code, p.name, p.start_time, p.end_time, p.period.capitalize(), "Yes" if p.active else "No"),
            (p.code, p.name, p.start_time, p.end_time, p.period, p.sort_order, p.active))
        for p in data.patterns
    ]
    plan = [
        Row((line.shift_name, staff_group(line.staff_group).label, str(line.figures.planned), num(line.figures.planned_hours)),
            (line.shift_code, line.staff_group, line.figures.planned, line.figures.planned_hours))
        for line in data.plan
    ]
    return staff, patterns, plan


def _table(model: RowTableModel, name: str) -> QTableView:
    t = QTableView()
    t.setModel(model)
    t.setAccessibleName(name)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setAlternatingRowColors(True)
    t.verticalHeader().hide()
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _row_field(form: QFormLayout, errors: FieldErrors, key: str, text: str, w: QWidget, name: str | None = None) -> None:
    lab = error_label()
    form.addRow(buddy_label(text, w, name), w)
    form.addRow("", lab)
    errors.register(key, w, lab)


class WardSetupView(Screen):
    code_issued = Signal(str, str)  # name, code (shown once)
    entities = frozenset({"staff", "shift_pattern", "establishment", "ward"})

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.data: Setup | None = None
        self.setAccessibleName("Ward setup")
        self.title = heading("Ward setup", 1.4)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Ward setup sections")
        # each section scrolls (issue 12: Ward setup fits 1024x768)
        self.tabs.addTab(scrolling(self._staff_page()), "&Staff list")
        self.tabs.addTab(scrolling(self._pattern_page()), "S&hift pattern")
        self.tabs.addTab(scrolling(self._plan_page()), "&Establishment")
        self.contacts = ContactsPage(ctx)  # issue 4: poster contacts, ward manager and matron, uniform key
        self.tabs.addTab(scrolling(self.contacts), "C&ontacts")
        from ui.views.trust_server import TrustServerPage  # issue 12: enrol, the station's ward

        self.trust_server = TrustServerPage(ctx)
        self.tabs.addTab(scrolling(self.trust_server), "Trust server")
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.tabs, 1)

    # --- staff list -----------------------------------------------------------------------------------

    def _staff_page(self) -> QWidget:
        page = QWidget()
        self.staff_model = RowTableModel(STAFF_HEADERS, parent=self)
        self.staff_table = _table(self.staff_model, "Staff list")
        self.staff_table.selectionModel().currentRowChanged.connect(self._staff_selected)
        self.staff_name = QLineEdit()
        self.staff_name.setMaxLength(200)
        self.staff_role = QComboBox()
        for g in staff_groups():
            self.staff_role.addItem(g.singular, g.code)
        self.staff_title = QLineEdit()
        self.staff_manager = QCheckBox("Can change the ward setup (registered nurses only)")
        self.staff_manager.setAccessibleName("Manages ward setup")
        self.staff_fallback = error_label()
        self.staff_errors = FieldErrors(self.staff_fallback)
        form = QFormLayout()
        _row_field(form, self.staff_errors, "name", "&Name:", self.staff_name)
        _row_field(form, self.staff_errors, "role", "Staff &group:", self.staff_role)
        _row_field(form, self.staff_errors, "title", "&Job title:", self.staff_title)
        _row_field(form, self.staff_errors, "is_manager", "Ward setup:", self.staff_manager, "Manages ward setup")
        self.add_btn = QPushButton("&Add to staff list")
        self.add_btn.setObjectName("primary")
        self.add_btn.clicked.connect(self.add_staff)
        self.edit_btn = QPushButton("Save changes to selected")
        self.edit_btn.clicked.connect(self.edit_staff)
        self.deactivate_btn = QPushButton("&Deactivate selected (left the ward)")
        self.deactivate_btn.clicked.connect(self.deactivate_staff)
        self.code_btn = QPushButton("Iss&ue one-time code…")  # Alt+C is the Incidents tab
        self.code_btn.setAccessibleName("Issue a one-time code so the selected person can set a PIN")
        self.code_btn.clicked.connect(self.issue_code)
        for b in (self.edit_btn, self.deactivate_btn, self.code_btn):
            b.setEnabled(False)
        selected = QHBoxLayout()  # two rows, so the buttons fit a small screen at large text
        selected.addWidget(self.edit_btn)
        selected.addWidget(self.deactivate_btn)
        selected.addWidget(self.code_btn)
        selected.addStretch(1)
        buttons = QVBoxLayout()
        buttons.addLayout(selected)
        buttons.addWidget(self.add_btn, 0, Qt.AlignmentFlag.AlignRight)
        lay = QVBoxLayout(page)
        lay.addWidget(self.staff_table, 1)
        lay.addWidget(QLabel("Select someone to edit them, or fill in the form to add a new member of staff."))
        lay.addLayout(form)
        lay.addWidget(self.staff_fallback)
        lay.addLayout(buttons)
        return page

    def _selected_staff(self) -> Any:
        idx = self.staff_table.currentIndex()
        return self.staff_model.row_at(idx.row()).payload if idx.isValid() else None

    def _staff_selected(self, current: QModelIndex, _prev: QModelIndex) -> None:
        p = self.staff_model.row_at(current.row()).payload if current.isValid() else None
        for b in (self.edit_btn, self.deactivate_btn, self.code_btn):
            b.setEnabled(p is not None and p.active)
        if p is not None:
            self.staff_name.setText(p.name)
            self.staff_role.setCurrentIndex(self.staff_role.findData(p.role))
            self.staff_title.setText(p.title)
            self.staff_manager.setChecked(p.is_manager)
            self.staff_errors.clear()

    def _write(self, fn: Any, errors: FieldErrors, done: Any = None) -> None:
        errors.clear()

        def failed(e: BaseException) -> None:
            if isinstance(e, ValidationError):
                errors.show(e.errors)
            else:
                Notice.unexpected(self, e)

        self.ctx.write(fn, done or (lambda _r: None), failed)

    def add_staff(self) -> None:
        ward_id = self.ctx.ward_id
        name, role, title, manager = (self.staff_name.text(), self.staff_role.currentData(), self.staff_title.text(),
                                      self.staff_manager.isChecked())

        def op(tx: WriteTx) -> None:
            from hardtruths_desktop.store import reference
            reference.add_staff(tx, ward_id, name, role, title, manager)

        def done(_r: None) -> None:
            self.staff_name.clear()
            self.staff_title.clear()
            self.staff_manager.setChecked(False)

        self._write(op, self.staff_errors, done)

    def edit_staff(self) -> None:
        p = self._selected_staff()
        if p is None:
            return
        sid = p.id
        fields = {"name": self.staff_name.text(), "role": self.staff_role.currentData(), "title": self.staff_title.text(),
                  "is_manager": self.staff_manager.isChecked()}

        def op(tx: WriteTx) -> None:
            from hardtruths_desktop.store import reference

            reference.update_staff(tx, sid, **fields)

        self._write(op, self.staff_errors)

    def deactivate_staff(self) -> None:
        p = self._selected_staff()
        if p is None:
            return
        if self.ctx.user is not None and p.id == self.ctx.user.id:
            self.staff_errors.show({"staff": "You cannot take yourself off the staff list while signed in"})
            return
        sid = p.id

        def op(tx: WriteTx) -> None:
            from hardtruths_desktop.store import reference

            reference.update_staff(tx, sid, active=False, is_manager=False)

        self._write(op, self.staff_errors)

    def issue_code(self) -> None:
        p = self._selected_staff()
        if p is None:
            return
        sid, name = p.id, p.name

        def op(tx: WriteTx) -> str:
            from hardtruths_desktop.store import auth

            return auth.issue_onetime_code(tx, sid)

        def done(code: str) -> None:
            self.code_issued.emit(name, code)
            Notice.info(self, "One-time code",
                        f"One-time code for {name}: {code[:4]} {code[4:]}\n\nGive it to {name} in person. "
                        "It works once, for 24 hours, to choose their own PIN. It will not be shown again.")

        self._write(op, self.staff_errors, done)

    # --- shift pattern --------------------------------------------------------------------------------

    def _pattern_page(self) -> QWidget:
        page = QWidget()
        self.pattern_model = RowTableModel(PATTERN_HEADERS, parent=self)
        self.pattern_table = _table(self.pattern_model, "Shift pattern")
        self.pattern_table.selectionModel().currentRowChanged.connect(self._pattern_selected)
        self.pat_code = QLineEdit()
        self.pat_name = QLineEdit()
        self.pat_start = QLineEdit()
        self.pat_start.setPlaceholderText("HH:MM, e.g. 07:00")
        self.pat_end = QLineEdit()
        self.pat_end.setPlaceholderText("HH:MM, e.g. 15:00")
        self.pat_period = QComboBox()
        self.pat_period.addItem("Day shift", "day")
        self.pat_period.addItem("Night shift", "night")
        self.pat_active = QCheckBox("In use on this ward")
        self.pat_active.setChecked(True)
        self.pat_fallback = error_label()
        self.pat_errors = FieldErrors(self.pat_fallback)
        form = QFormLayout()
        # no Alt key: Alt+C is the Incidents tab and every other letter of it is taken here (the form's first field)
        _row_field(form, self.pat_errors, "code", "Shift code:", self.pat_code)
        _row_field(form, self.pat_errors, "name", "Shift &name:", self.pat_name)
        _row_field(form, self.pat_errors, "start", "Starts &at:", self.pat_start)
        _row_field(form, self.pat_errors, "end", "En&ds at:", self.pat_end)
        _row_field(form, self.pat_errors, "period", "Day or ni&ght (national return):", self.pat_period, "Day or night")
        _row_field(form, self.pat_errors, "active", "In use:", self.pat_active, "In use")
        self.pat_save = QPushButton("Save shift")
        self.pat_save.setObjectName("primary")
        self.pat_save.clicked.connect(self.save_pattern)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.pat_save)
        lay = QVBoxLayout(page)
        lay.addWidget(self.pattern_table, 1)
        lay.addWidget(QLabel("Select a shift to change it, or type a new code to add one. A night shift belongs to the date it starts on."))
        lay.addLayout(form)
        lay.addWidget(self.pat_fallback)
        lay.addLayout(buttons)
        return page

    def _pattern_selected(self, current: QModelIndex, _prev: QModelIndex) -> None:
        if not current.isValid():
            return
        code, name, start, end, period, _order, active = self.pattern_model.row_at(current.row()).payload
        self.pat_code.setText(code)
        self.pat_name.setText(name)
        self.pat_start.setText(start)
        self.pat_end.setText(end)
        self.pat_period.setCurrentIndex(self.pat_period.findData(period))
        self.pat_active.setChecked(active)
        self.pat_errors.clear()

    def save_pattern(self) -> None:
        problems: dict[str, str] = {}
        times = {}
        for key, edit in (("start", self.pat_start), ("end", self.pat_end)):
            try:
                times[key] = parse_time(edit.text(), key)
            except ValidationError as e:
                problems.update(e.errors)
        if problems:
            self.pat_errors.show(problems)
            return
        ward_id = self.ctx.ward_id
        code = self.pat_code.text()
        existing = {r.payload[0]: r.payload[5] for r in self.pattern_model_rows()}
        order = existing.get(code.strip().lower(), len(existing))
        name, period, active = self.pat_name.text(), str(self.pat_period.currentData()), self.pat_active.isChecked()

        def op(tx: WriteTx) -> None:
            from hardtruths_desktop.store import reference
            reference.set_shift_pattern(tx, ward_id, reference.PatternInput(code, name, times["start"], times["end"], period, order, active))

        self._write(op, self.pat_errors)

    def pattern_model_rows(self) -> list[Row]:
        return [self.pattern_model.row_at(i) for i in range(self.pattern_model.rowCount())]

    # --- establishment --------------------------------------------------------------------------------

    def _plan_page(self) -> QWidget:
        page = QWidget()
        self.plan_model = RowTableModel(PLAN_HEADERS, numeric=(2, 3), parent=self)
        self.plan_table = _table(self.plan_model, "Planned establishment")
        self.plan_table.selectionModel().currentRowChanged.connect(self._plan_selected)
        self.plan_caption = QLabel()
        self.plan_shift = QComboBox()
        self.plan_group = QComboBox()
        for g in staff_groups():
            self.plan_group.addItem(g.label, g.code)
        self.plan_heads = QLineEdit()
        self.plan_hours = QLineEdit()
        self.plan_from = QDateEdit()
        self.plan_from.setCalendarPopup(True)
        self.plan_from.setDisplayFormat("dd/MM/yyyy")
        self.plan_from.setDate(QDate.currentDate())
        self.plan_fallback = error_label()
        self.plan_errors = FieldErrors(self.plan_fallback)
        form = QFormLayout()
        _row_field(form, self.plan_errors, "shift", "Shift &name:", self.plan_shift)
        _row_field(form, self.plan_errors, "staff_group", "Staff &group:", self.plan_group)
        _row_field(form, self.plan_errors, "planned", "Planne&d people:", self.plan_heads)
        _row_field(form, self.plan_errors, "planned_hours", "Planned ho&urs:", self.plan_hours)
        _row_field(form, self.plan_errors, "effective_from", "From (d&ate):", self.plan_from, "Effective from")
        self.plan_save = QPushButton("Save p&lan")
        self.plan_save.setObjectName("primary")
        self.plan_save.clicked.connect(self.save_plan)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.plan_save)
        lay = QVBoxLayout(page)
        lay.addWidget(self.plan_caption)
        lay.addWidget(self.plan_table, 1)
        lay.addLayout(form)
        lay.addWidget(self.plan_fallback)
        lay.addLayout(buttons)
        return page

    def _plan_selected(self, current: QModelIndex, _prev: QModelIndex) -> None:
        if not current.isValid():
            return
        code, group, heads, hours = self.plan_model.row_at(current.row()).payload
        self.plan_shift.setCurrentIndex(self.plan_shift.findData(code))
        self.plan_group.setCurrentIndex(self.plan_group.findData(group))
        self.plan_heads.setText(str(heads))
        self.plan_hours.setText(num(hours))

    def save_plan(self) -> None:
        ward_id = self.ctx.ward_id
        code, group = self.plan_shift.currentData(), str(self.plan_group.currentData())
        heads, hours = self.plan_heads.text(), self.plan_hours.text()
        start: date = self.plan_from.date().toPython()  # type: ignore[assignment]

        def op(tx: WriteTx) -> None:
            from hardtruths_desktop.store import reference
            reference.set_establishment(tx, ward_id, str(code or ""), group, start, heads, hours)

        self._write(op, self.plan_errors)

    # --- loading ----------------------------------------------------------------------------------------

    def loader(self) -> Job | None:
        if self.ctx.ward is None or not self.isEnabled():
            return None
        ward_id, today = self.ctx.ward_id, self.now().date()

        def job(store: Any) -> Setup:
            from hardtruths_desktop.readmodels.setup import load_setup

            return load_setup(store, ward_id, today)

        return job

    def show_data(self, data: Setup, **_opts: Any) -> None:
        if self.ctx.ward is not None:
            self.title.setText(f"Ward setup – {self.ctx.ward.name}")
        staff, patterns, plan = setup_rows(data)
        self.staff_model.set_rows(staff)
        self.pattern_model.set_rows(patterns)
        self.plan_model.set_rows(plan)
        self.plan_caption.setText(f"Planned establishment in force today ({data.plan_date:%d/%m/%Y}). "
                                  "A change applies from the date you choose onwards; earlier shifts keep their plan.")
        keep = self.plan_shift.currentData()
        self.plan_shift.clear()
        for code, name in data.active_shifts:
            self.plan_shift.addItem(name, code)
        if keep is not None and self.plan_shift.findData(keep) >= 0:
            self.plan_shift.setCurrentIndex(self.plan_shift.findData(keep))
        for b in (self.edit_btn, self.deactivate_btn, self.code_btn):
            b.setEnabled(False)
