"""Incidents (issue 10): report an incident by keyboard in two minutes, the review queue with the
duty of candour checklist, and the monthly Safety Thermometer.

The screen reads through ``hardtruths_desktop.readmodels.incidents`` and writes through
``hardtruths_desktop.store.incidents``; who may see or change what is decided there, not here.
What is typed into the report form is saved as a private draft a moment after each keystroke.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QPainter, QPaintEvent, QPen, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from hardtruths_desktop.domain.clock import Clock, today
from ui.dialogs.messages import Notice
from ui.models.rows import Row, RowTableModel
from ui.widgets import FieldErrors, buddy_label, error_label, heading, save_form, show_error

if TYPE_CHECKING:
    from hardtruths_desktop.domain.incidents import ReportInput
    from hardtruths_desktop.readmodels.incidents import IncidentDetailView, ReportForm, ReviewQueue, Thermometer
    from hardtruths_desktop.store.session import Store, WriteTx
    from ui.context import Context

DRAFT_DELAY_MS = 300
QUEUE_HEADERS = ("Reference", "Happened", "Category", "Harm", "Status", "Duty of candour")


def _combo(choices: Any, name: str, first: tuple[str, str] | None = None) -> QComboBox:
    box = QComboBox()
    box.setAccessibleName(name)
    if first is not None:
        box.addItem(first[1], first[0])
    for c in choices:
        box.addItem(c.label, c.code)
        box.setItemData(box.count() - 1, c.definition, Qt.ItemDataRole.ToolTipRole)
    return box


def _select(box: QComboBox, code: str | None) -> None:
    i = box.findData(code or "")
    box.setCurrentIndex(max(i, 0))


def _text_edit(name: str, lines: int = 4) -> QPlainTextEdit:
    e = QPlainTextEdit()
    e.setAccessibleName(name)
    e.setTabChangesFocus(True)  # Tab moves on: the form is keyboard-only
    e.setMinimumHeight(e.fontMetrics().lineSpacing() * lines + 12)
    return e


def _definition() -> QLabel:
    lab = QLabel()
    lab.setObjectName("hint")
    lab.setWordWrap(True)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    return lab


class PatientRow(QFrame):
    """One patient involved: harm (with its definition shown as it is chosen) and identifiers."""

    changed = Signal()
    remove = Signal(object)

    def __init__(self, number: int, form: ReportForm, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.number = number
        who = f"patient {number + 1}"
        self.physical = _combo(form.physical, f"Physical harm to {who}")
        self.psych = _combo(form.psychological, f"Psychological harm to {who}")
        self.prolonged = QCheckBox(f"{form.prolonged.label}")
        self.prolonged.setToolTip(form.prolonged.definition)
        self.prolonged.setAccessibleName(f"Psychological harm to {who} is prolonged (28 days or more)")
        self.nhs = QLineEdit()
        self.nhs.setPlaceholderText("e.g. 943 476 5919 (optional)")
        self.hospital = QLineEdit()
        self.hospital.setPlaceholderText("optional")
        self.definition = _definition()
        self.remove_btn = QPushButton("Remove")
        self.remove_btn.setAccessibleName(f"Remove {who}")
        self.remove_btn.clicked.connect(lambda: self.remove.emit(self))
        self.errors: dict[str, QLabel] = {k: error_label() for k in ("physical_harm", "psychological_harm", "nhs_number", "hospital_number")}
        grid = QGridLayout(self)
        grid.addWidget(QLabel(f"Patient {number + 1}"), 0, 0)
        grid.addWidget(self.remove_btn, 0, 3, alignment=Qt.AlignmentFlag.AlignRight)
        grid.addWidget(buddy_label("Physical harm:", self.physical, f"Physical harm to {who}"), 1, 0)
        grid.addWidget(self.physical, 1, 1)
        grid.addWidget(buddy_label("Psychological harm:", self.psych, f"Psychological harm to {who}"), 1, 2)
        grid.addWidget(self.psych, 1, 3)
        grid.addWidget(self.definition, 2, 0, 1, 4)
        grid.addWidget(self.errors["physical_harm"], 3, 0, 1, 2)
        grid.addWidget(self.errors["psychological_harm"], 3, 2, 1, 2)
        grid.addWidget(self.prolonged, 4, 0, 1, 4)
        grid.addWidget(buddy_label("NHS number:", self.nhs, f"NHS number of {who}"), 5, 0)
        grid.addWidget(self.nhs, 5, 1)
        grid.addWidget(buddy_label("Hospital number:", self.hospital, f"Hospital number of {who}"), 5, 2)
        grid.addWidget(self.hospital, 5, 3)
        grid.addWidget(self.errors["nhs_number"], 6, 0, 1, 2)
        grid.addWidget(self.errors["hospital_number"], 6, 2, 1, 2)
        self.physical.currentIndexChanged.connect(self._explain)
        self.psych.currentIndexChanged.connect(self._explain)
        for sig in (self.physical.currentIndexChanged, self.psych.currentIndexChanged, self.prolonged.toggled,
                    self.nhs.textChanged, self.hospital.textChanged):
            sig.connect(lambda *_a: self.changed.emit())
        self._explain()

    def _explain(self) -> None:
        self.definition.setText(f"{self.physical.currentText()}: {self.physical.currentData(Qt.ItemDataRole.ToolTipRole) or ''}")

    def value(self) -> Any:
        from hardtruths_desktop.domain.incidents import PatientInput

        return PatientInput(self.physical.currentData() or "", self.psych.currentData() or "none", self.prolonged.isChecked(),
                            self.nhs.text(), self.hospital.text())

    def set_value(self, p: Any) -> None:
        _select(self.physical, p.physical_harm)
        _select(self.psych, p.psychological_harm)
        self.prolonged.setChecked(bool(p.prolonged_psychological))
        self.nhs.setText(p.nhs_number)
        self.hospital.setText(p.hospital_number)


class ReportFormView(QWidget):
    """Report an incident or near miss. Keyboard: Tab through the fields, Ctrl+Enter submits."""

    reported = Signal(str)  # reference
    saved = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.clock: Clock = ctx.clock  # the one clock (domain/clock.py), injected through the context
        self.form: ReportForm | None = None
        self.link: tuple[str | None, str | None, str | None] = (None, None, None)  # shift, red flag id, red flag type
        self._loading = False
        self._draft_for: str | None = None
        self.setAccessibleName("Report an incident")
        self.patients: list[PatientRow] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DRAFT_DELAY_MS)
        self._timer.timeout.connect(self.save_draft)
        self._build()

    # --- layout --------------------------------------------------------------------------------
    def _build(self) -> None:
        from hardtruths_desktop.readmodels.incidents import value_sets

        cats, inv, ne, _ph, _ps, _pr = value_sets()
        lay = QVBoxLayout(self)
        lay.addWidget(heading("Report an incident or near miss", 1.4))
        intro = QLabel("Report anything that did or could have harmed a patient. Only you and the ward manager or matron"
                       " will see this report. Your typing is kept as a private draft until you submit.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.link_label = QLabel()
        self.link_label.setWordWrap(True)
        self.link_label.hide()
        lay.addWidget(self.link_label)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.date_edit = QLineEdit()
        self.date_edit.setPlaceholderText("YYYY-MM-DD")
        self.time_edit = QLineEdit()
        self.time_edit.setPlaceholderText("HH:MM")
        self.period = QComboBox()
        self.period.setAccessibleName("Or the shift or handover, if the time is not known")
        self.period.addItem("Time known", "")
        from hardtruths_desktop.domain.incidents import PERIODS

        for code, label in PERIODS.items():
            self.period.addItem(label, code)
        when = QHBoxLayout()
        when.addWidget(self.date_edit, 2)
        when.addWidget(QLabel("at"))
        when.addWidget(self.time_edit, 1)
        when.addWidget(QLabel("or"))
        when.addWidget(self.period, 2)
        self.location = QLineEdit()
        self.location.setPlaceholderText("e.g. Bay 3, bed 12; bathroom")
        self.category = _combo(cats, "Category", ("", "Choose a category…"))
        self.category_help = _definition()
        self.involved = QListWidget()
        self.involved.setAccessibleName("What was involved (tick any that apply)")
        for c in inv:
            item = QListWidgetItem(c.label)
            item.setData(Qt.ItemDataRole.UserRole, c.code)
            item.setToolTip(c.definition)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.involved.addItem(item)
        self.involved.setMaximumHeight(self.involved.sizeHintForRow(0) * (len(inv) + 1) + 8)
        self.never_event = _combo(ne.items, "Never Event", ("", "Not a Never Event"))
        self.never_help = _definition()
        self.never_help.setText(f"Never Events list: {ne.version}. {ne.status.split('.')[0]}.")
        self.description = _text_edit("What happened", 6)
        self.immediate = _text_edit("Immediate actions taken", 3)
        self.went_well = _text_edit("What went well", 2)
        self.near_miss = QCheckBox("&Near miss: it was caught before it reached the patient")
        self.anonymous = QCheckBox("Report witho&ut my name shown to the ward (kept only in the restricted record)")
        self.near_miss.setAccessibleName("Near miss: it was caught before it reached the patient")
        self.anonymous.setAccessibleName("Report without my name shown to the ward")
        self.errors = FieldErrors(error_label())
        rows: list[tuple[str, Any, str]] = [
            ("W&hen did it happen:", when, "occurred_on"),
            ("Wh&ere:", self.location, "location"),
            ("Cate&gory:", self.category, "category"),
            ("", self.category_help, ""),
            ("What was invo&lved:", self.involved, "involved"),
            ("Never Event:", self.never_event, "never_event"),
            ("", self.never_help, ""),
            ("What h&appened:", self.description, "description"),
            ("Immediate acti&ons:", self.immediate, "immediate_actions"),
            ("What went well:", self.went_well, "went_well"),
        ]
        for text, widget, key in rows:
            target = self.date_edit if widget is when else widget
            if text:
                lab = buddy_label(text, target, text.replace("&", "").rstrip(":"))
                form.addRow(lab, widget)
            else:
                form.addRow("", widget)
            if key:
                err = error_label()
                form.addRow("", err)
                self.errors.register(key, target, err)
                if key == "occurred_on":
                    err2 = error_label()
                    form.addRow("", err2)
                    self.errors.register("occurred_time", self.time_edit, err2)
        self.date_edit.setAccessibleName("Date it happened (YYYY-MM-DD)")
        self.time_edit.setAccessibleName("Time it happened (HH:MM)")
        lay.addLayout(form)
        lay.addWidget(self.near_miss)
        nm_err = error_label()
        lay.addWidget(nm_err)
        self.errors.register("near_miss", self.near_miss, nm_err)
        lay.addWidget(heading("Patients involved", 1.15))
        self.patients_box = QVBoxLayout()
        lay.addLayout(self.patients_box)
        self.add_patient_btn = QPushButton("Add another patient")
        self.add_patient_btn.clicked.connect(lambda: self._add_patient(focus=True))
        pl = QHBoxLayout()
        pl.addWidget(self.add_patient_btn)
        pl.addStretch(1)
        lay.addLayout(pl)
        lay.addWidget(self.anonymous)
        lay.addWidget(self.errors.fallback)
        self.draft_label = QLabel()
        self.draft_label.setObjectName("hint")
        self.saved_label = QLabel()
        self.saved_label.setWordWrap(True)
        self.save_btn = QPushButton("&Submit report")
        self.save_btn.setObjectName("primary")
        self.save_btn.setToolTip("Ctrl+Enter")
        self.save_btn.clicked.connect(self.submit)
        self.clear_btn = QPushButton("Start again")
        self.clear_btn.setToolTip("Clears the form and deletes your draft")
        self.clear_btn.clicked.connect(self.start_again)
        bottom = QHBoxLayout()
        bottom.addWidget(self.draft_label, 1)
        bottom.addWidget(self.clear_btn)
        bottom.addWidget(self.save_btn)
        lay.addWidget(self.saved_label)
        lay.addLayout(bottom)
        lay.addStretch(1)
        for seq in ("Ctrl+Return", "Ctrl+Enter"):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(self.submit)
        self.category.currentIndexChanged.connect(
            lambda: self.category_help.setText(self.category.currentData(Qt.ItemDataRole.ToolTipRole) or ""))
        self.never_event.currentIndexChanged.connect(self._never_event_help)
        for sig in (self.date_edit.textChanged, self.time_edit.textChanged, self.period.currentIndexChanged,
                    self.location.textChanged, self.category.currentIndexChanged, self.involved.itemChanged,
                    self.never_event.currentIndexChanged, self.description.textChanged, self.immediate.textChanged,
                    self.went_well.textChanged, self.near_miss.toggled, self.anonymous.toggled):
            sig.connect(self._changed)

    def _never_event_help(self) -> None:
        from hardtruths_desktop.domain.incidents import never_events

        d = self.never_event.currentData(Qt.ItemDataRole.ToolTipRole)
        ne = never_events()
        self.never_help.setText((f"{d} " if d else "") + f"(Never Events list: {ne.version}; under national review.)")

    def _add_patient(self, focus: bool = False, value: Any = None) -> PatientRow:
        from hardtruths_desktop.readmodels.incidents import ReportForm, value_sets

        form = self.form
        if form is None:
            cats, inv, ne, ph, ps, pr = value_sets()
            form = ReportForm(cats, inv, ne, ph, ps, pr, (), None, today(self.clock))
        row = PatientRow(len(self.patients), form)
        self.patients.append(row)
        self.patients_box.addWidget(row)
        row.show()  # a child added after its parent was shown stays hidden otherwise
        row.changed.connect(self._changed)
        row.remove.connect(self._remove_patient)
        for key, lab in row.errors.items():
            widget = {"physical_harm": row.physical, "psychological_harm": row.psych, "nhs_number": row.nhs,
                      "hospital_number": row.hospital}[key]
            self.errors.register(f"patients.{row.number}.{key}", widget, lab)
        if value is not None:
            row.set_value(value)
        self._fix_tab_order()
        if focus:
            row.physical.setFocus()
        self._changed()
        return row

    def _fix_tab_order(self) -> None:
        """Reading order: when, where, what, patients, then the buttons (Tab alone fills the form)."""
        chain: list[QWidget] = [self.date_edit, self.time_edit, self.period, self.location, self.category, self.involved,
                                self.never_event, self.description, self.immediate, self.went_well, self.near_miss]
        for p in self.patients:
            chain += [p.physical, p.psych, p.prolonged, p.nhs, p.hospital, p.remove_btn]
        chain += [self.add_patient_btn, self.anonymous, self.clear_btn, self.save_btn]
        for a, b in itertools.pairwise(chain):
            QWidget.setTabOrder(a, b)

    def _remove_patient(self, row: PatientRow) -> None:
        values = [p.value() for p in self.patients if p is not row]
        self._set_patients(values)
        self._changed()

    def _set_patients(self, values: list[Any]) -> None:
        for p in self.patients:
            p.setParent(None)
            p.deleteLater()
        self.patients = []
        self.errors.fields = {k: v for k, v in self.errors.fields.items() if not k.startswith("patients.")}
        for v in values:
            self._add_patient(value=v)

    # --- data ------------------------------------------------------------------------------------
    def gather(self) -> ReportInput:
        from hardtruths_desktop.domain.incidents import ReportInput

        return ReportInput(
            occurred_on=self.date_edit.text(), occurred_time=self.time_edit.text() if not self.period.currentData() else "",
            occurred_period=self.period.currentData() or "", location=self.location.text(),
            description=self.description.toPlainText(), category=self.category.currentData() or "",
            involved=[self.involved.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.involved.count())
                      if self.involved.item(i).checkState() == Qt.CheckState.Checked],
            never_event=self.never_event.currentData() or "", immediate_actions=self.immediate.toPlainText(),
            went_well=self.went_well.toPlainText(), near_miss=self.near_miss.isChecked(),
            patients=[p.value() for p in self.patients], anonymous=self.anonymous.isChecked(),
        )

    def fill(self, r: ReportInput | None, today: date) -> None:
        from hardtruths_desktop.domain.incidents import PatientInput

        self._loading = True
        try:
            self.date_edit.setText(r.occurred_on if r else today.isoformat())
            self.time_edit.setText(r.occurred_time if r else "")
            _select(self.period, r.occurred_period if r else "")
            self.location.setText(r.location if r else "")
            _select(self.category, r.category if r else "")
            chosen = set(r.involved) if r else set()
            for i in range(self.involved.count()):
                item = self.involved.item(i)
                item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole) in chosen else Qt.CheckState.Unchecked)
            _select(self.never_event, r.never_event if r else "")
            self.description.setPlainText(r.description if r else "")
            self.immediate.setPlainText(r.immediate_actions if r else "")
            self.went_well.setPlainText(r.went_well if r else "")
            self.near_miss.setChecked(bool(r and r.near_miss))
            self.anonymous.setChecked(bool(r and r.anonymous))
            self._set_patients(list(r.patients) if r and r.patients else [PatientInput("none")])
        finally:
            self._loading = False
        self.draft_label.setText("Your draft was kept: carry on where you left off." if r else "")

    def load(self) -> None:
        """Load the value sets and the signed-in person's own draft."""
        if self.ctx.user is None or self.ctx.ward is None:
            return
        from hardtruths_desktop.readmodels.incidents import load_report_form

        ward_id, staff_id, clock = self.ctx.ward_id, self.ctx.user.id, self.clock
        self._timer.stop()

        def done(form: ReportForm) -> None:
            self.form = form
            self._draft_for = staff_id
            self.errors.clear()
            self.fill(form.draft, form.today)

        self.ctx.query(lambda store: load_report_form(store, ward_id, clock=clock, staff_id=staff_id), done)

    def _changed(self, *_: Any) -> None:
        if self._loading or self.ctx.user is None or self._draft_for != self.ctx.user.id:
            return
        self._timer.start()

    def save_draft(self) -> None:
        if self.ctx.user is None or self.ctx.ward is None or self._draft_for != self.ctx.user.id:
            return
        from hardtruths_desktop.store.incidents import save_draft

        report, staff_id, ward_id, clock = self.gather(), self.ctx.user.id, self.ctx.ward_id, self.clock

        def saved(_r: None) -> None:
            self.draft_label.setText("Draft saved")
            self.saved.emit()

        self.ctx.query(lambda store: save_draft(store, staff_id, ward_id, report, clock=clock), saved)

    def report_from_flag(self, shift_id: str, flag_id: str | None, flag_type: str, text: str) -> None:
        """Start a staffing incident from a red flag (recorded or computed), linked to its shift."""
        self.link = (shift_id, flag_id, None if flag_id else flag_type)
        self.link_label.setText(f"Reporting the red flag “{text}” as an incident: it will be linked to the shift, and the"
                                " red flag will show this report's reference.")
        self.link_label.show()
        _select(self.category, "infrastructure_staffing")
        if not self.description.toPlainText().strip():
            self.description.setPlainText(f"Red flag: {text}. ")
        self.description.setFocus()

    def submit(self) -> None:
        if self.ctx.user is None:
            return
        from hardtruths_desktop.store.incidents import report_incident

        self._timer.stop()
        report, ward_id, clock = self.gather(), self.ctx.ward_id, self.clock
        shift_id, flag_id, flag_type = self.link

        def op(tx: WriteTx) -> Any:
            return report_incident(tx, ward_id, report, clock=clock, shift_id=shift_id, red_flag_id=flag_id,
                                   red_flag_type=flag_type)

        def after(result: Any) -> None:
            self.link = (None, None, None)
            self.link_label.hide()
            self.fill(None, date.fromisoformat(self.date_edit.text()) if self.form is None else self.form.today)
            self.draft_label.clear()
            self.reported.emit(result.reference)
            self.date_edit.setFocus()

        save_form(self, op, after=after,
                  saved_text=lambda result: f"✓ Reported as {result.reference}. Thank you: the ward manager will review it.",
                  not_saved_text="Not submitted: please correct the fields marked ⚠. Your draft is kept.")

    def start_again(self) -> None:
        if self.ctx.user is None:
            return
        from hardtruths_desktop.store.incidents import discard_draft

        staff_id = self.ctx.user.id
        self.link = (None, None, None)
        self.link_label.hide()
        self.ctx.query(lambda store: discard_draft(store, staff_id), lambda _r: self.load())


# --- review ------------------------------------------------------------------------------------

class AmendDialog(QDialog):
    """One amendment: a small form for its kind; OK saves it on the store worker and closes only
    when it was accepted (problems are shown in words in the dialog)."""

    def __init__(self, ctx: Context, clock: Clock, detail: IncidentDetailView, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from hardtruths_desktop.domain import incidents as rules

        self.ctx, self.clock, self.detail, self.kind = ctx, clock, detail, kind
        self.setWindowTitle(f"{rules.AMENDMENT_KINDS[kind]}: {detail.reference}")
        self.fields: dict[str, Any] = {}
        self.patient_boxes: list[tuple[QComboBox, QComboBox, QCheckBox]] = []
        lay = QVBoxLayout(self)
        form = QFormLayout()
        lay.addLayout(form)
        today_iso = today(clock).isoformat()

        def line(key: str, label: str, value: str = "") -> None:
            e = QLineEdit(value)
            form.addRow(buddy_label(label, e), e)
            self.fields[key] = e

        def text(key: str, label: str) -> None:
            e = _text_edit(label.replace("&", "").rstrip(":"), 3)
            form.addRow(buddy_label(label, e), e)
            self.fields[key] = e

        def choice(key: str, label: str, choices: Any, first: tuple[str, str] | None = None) -> QComboBox:
            b = _combo(choices, label.replace("&", "").rstrip(":"), first)
            form.addRow(buddy_label(label, b), b)
            self.fields[key] = b
            return b

        if kind == "triage":
            choice("response", "&Response:", rules.psirf_responses())
            text("note", "&Note:")
        elif kind == "confirm_harm":
            for i, p in enumerate(detail.patients):
                ph = _combo(rules.physical_harms(), f"Physical harm to patient {i + 1}")
                ph.setCurrentIndex(max(0, ph.findText(p.physical_harm)))
                ps = _combo(rules.psychological_harms(), f"Psychological harm to patient {i + 1}")
                ps.setCurrentIndex(max(0, ps.findText(p.psychological_harm)))
                pr = QCheckBox("prolonged (28 days or more)")
                pr.setAccessibleName(f"Psychological harm to patient {i + 1} is prolonged")
                pr.setChecked(p.prolonged)
                row = QHBoxLayout()
                row.addWidget(ph)
                row.addWidget(ps)
                row.addWidget(pr)
                form.addRow(buddy_label(f"Patient {i + 1}:", ph), row)
                self.patient_boxes.append((ph, ps, pr))
            ne = choice("never_event", "Never Event:", rules.never_events().items, ("", "Not a Never Event"))
            _select(ne, None)
        elif kind in ("findings", "actions"):
            text("text", "&Findings:" if kind == "findings" else "&Actions:")
        elif kind == "candour":
            b = QComboBox()
            b.addItem("The duty of candour applies", "applies")
            b.addItem("Not applicable (not a notifiable incident)", "not_applicable")
            b.setAccessibleName("Does the duty of candour apply")
            form.addRow(buddy_label("&Decision:", b), b)
            self.fields["decision"] = b
            aware = detail.candour.aware_on.isoformat() if detail.candour and detail.candour.aware_on else today_iso
            line("aware_on", "Trust became a&ware on:", aware)
        elif kind == "candour_step":
            b = QComboBox()
            for code, label in rules.CANDOUR_STEPS.items():
                b.addItem(label, code)
            b.setAccessibleName("Which step")
            form.addRow(buddy_label("&Step:", b), b)
            self.fields["step"] = b
            line("on", "&On (YYYY-MM-DD):", today_iso)
            line("by", "&By whom:", ctx.user.name if ctx.user else "")
            ap = QCheckBox("An &apology was given (an apology is not an admission of liability)")
            ap.setAccessibleName("An apology was given")
            form.addRow("", ap)
            self.fields["apology"] = ap
            text("note", "&Note:")
        elif kind == "close":
            text("outcome", "&Outcome and learning:")
        if kind != "close":
            text("__reason", "&Reason for this change:" if kind == "withdraw" else "Reason (optional):")
        self.error = error_label()
        lay.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)

    def data(self) -> tuple[dict[str, Any], str]:
        out: dict[str, Any] = {}
        reason = ""
        for key, w in self.fields.items():
            if isinstance(w, QComboBox):
                v: Any = w.currentData()
            elif isinstance(w, QCheckBox):
                v = w.isChecked()
            elif isinstance(w, QPlainTextEdit):
                v = w.toPlainText()
            else:
                v = w.text()
            if key == "__reason":
                reason = v
            else:
                out[key] = v
        if self.kind == "confirm_harm":
            out["patients"] = [{"physical_harm": ph.currentData(), "psychological_harm": ps.currentData(),
                                "prolonged_psychological": pr.isChecked()} for ph, ps, pr in self.patient_boxes]
        return out, reason

    def save(self) -> None:
        from hardtruths_desktop.domain.validation import ValidationError
        from hardtruths_desktop.store.incidents import amend_incident

        data, reason = self.data()
        iid, kind, clock = self.detail.id, self.kind, self.clock

        def failed(e: BaseException) -> None:
            if isinstance(e, ValidationError):
                show_error(self.error, " ".join(e.errors.values()))
            else:
                Notice.unexpected(self, e)

        self.ctx.write(lambda tx: amend_incident(tx, iid, kind, data, reason, clock=clock), lambda _r: self.accept(), failed)


REVIEW_ACTIONS = (
    ("triage", "Tria&ge…"),
    ("confirm_harm", "Confirm &harm…"),
    ("findings", "Add fi&ndings…"),
    ("actions", "&Add actions…"),  # Alt+C is the Incidents tab
    ("candour", "D&uty of candour…"),
    ("candour_step", "Record candour &step…"),
    ("close", "C&lose…"),
    ("withdraw", "With&draw…"),
)


class ReviewView(QWidget):
    """The review queue (ward manager, matron) or "my reports" (everyone else), with the chosen
    incident's details, its duty of candour checklist and its history."""

    loaded = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.clock = ctx, ctx.clock
        self.queue: ReviewQueue | None = None
        self.detail: IncidentDetailView | None = None
        self.setAccessibleName("Incident review queue")
        lay = QVBoxLayout(self)
        self.title = heading("Review queue", 1.3)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.show_all = QCheckBox("Sh&ow all reports (closed and withdrawn too)")
        self.show_all.setAccessibleName("Show all reports, closed and withdrawn too")
        self.show_all.toggled.connect(self.refresh)
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        top.addWidget(self.show_all)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        self.model = RowTableModel(QUEUE_HEADERS)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Incidents")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setTabKeyNavigation(False)
        # sized once per load (below), not "resize to contents" on every layout pass: that asks the
        # model for every cell again and again (the review queue opened 1.7x slower with it)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._open(cur.row()))
        self.details = QTextBrowser()
        self.details.setAccessibleName("The chosen incident")
        self.details.setOpenLinks(False)
        self.table.setMinimumHeight(self.fontMetrics().lineSpacing() * 8)
        self.details.setMinimumHeight(self.fontMetrics().lineSpacing() * 8)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(self.details)
        split.setSizes([300, 400])
        lay.addWidget(split, 1)
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        buttons: list[QPushButton] = []
        for kind, label in REVIEW_ACTIONS:
            b = QPushButton(label)
            b.clicked.connect(lambda _c=False, k=kind: self.amend(k))
            self.buttons[kind] = b
            buttons.append(b)
        self.letter_btn = QPushButton("Candour l&etter (PDF)…")
        self.letter_btn.setToolTip("A draft written follow-up with the facts recorded, for you to edit and sign")
        self.letter_btn.clicked.connect(self.save_letter)
        buttons.append(self.letter_btn)
        # five to a row at normal text; three when the text is large, so the screen never grows wider than a small PC's
        widest = max(b.sizeHint().width() for b in buttons)
        cols = 5 if widest * 5 <= 980 else 3
        for i, b in enumerate(buttons):
            grid.addWidget(b, i // cols, i % cols)
        lay.addLayout(grid)
        self._set_buttons()

    def refresh(self) -> None:
        if self.ctx.user is None or self.ctx.ward is None:
            return
        from hardtruths_desktop.readmodels.incidents import load_incident_list, load_review_queue

        ward_id, staff_id, clock, show_all = self.ctx.ward_id, self.ctx.user.id, self.clock, self.show_all.isChecked()

        def load(store: Store) -> Any:
            q = load_review_queue(store, ward_id, clock=clock, staff_id=staff_id)
            if show_all or not q.allowed:
                return q, load_incident_list(store, ward_id, clock=clock, staff_id=staff_id)
            return q, None

        self.ctx.query(load, self._show)

    def _show(self, result: Any) -> None:
        q, listing = result
        self.queue = q
        rows = listing.rows if listing is not None else q.rows
        if q.allowed:
            self.title.setText("Review queue")
            n_over = len(q.overdue)
            self.summary.setText(
                f"{q.waiting} waiting for review · {len(q.rows)} open"
                + (f" · ⚠ {n_over} with an overdue duty of candour step: {', '.join(r.reference for r in q.overdue[:4])}"
                   if n_over else " · no overdue duty of candour steps"))
        else:
            self.title.setText("My reports")
            self.summary.setText("The incidents you reported. The ward manager or matron reviews them.")
        self.show_all.setVisible(q.allowed)
        keep = self.detail.id if self.detail else None
        self.model.set_rows([
            Row((r.reference, r.occurred_on, r.category_label, r.harm_label,
                 r.status_label + (" · two stations amended it at once" if r.divergent else ""),
                 ("⚠ " if r.overdue else "") + r.candour),
                payload=r.id, status={5: "bad"} if r.overdue else ({5: "warn"} if r.candour.startswith("Proposed") else {}),
                tooltip="Overdue duty of candour step" if r.overdue else "")
            for r in rows])
        self.table.resizeColumnsToContents()
        if not rows:
            self.details.setPlainText("No incidents to review." if q.allowed else "You have not reported any incidents yet.")
            self.detail = None
            self._set_buttons()
        ids = [r.id for r in rows]
        if keep in ids:
            self.table.selectRow(ids.index(keep))
            self._open(ids.index(keep))
        self.loaded.emit()

    def _open(self, row: int) -> None:
        if row < 0 or row >= self.model.rowCount() or self.ctx.user is None:
            return
        from hardtruths_desktop.readmodels.incidents import load_incident

        iid, staff_id, clock = self.model.row_at(row).payload, self.ctx.user.id, self.clock
        self.ctx.query(lambda store: load_incident(store, iid, clock=clock, staff_id=staff_id), self._show_detail,
                       lambda e: self.details.setPlainText(str(e)))

    def _show_detail(self, d: IncidentDetailView) -> None:
        self.detail = d
        self.details.setHtml(detail_html(d, self.clock))
        self._set_buttons()

    def _set_buttons(self) -> None:
        d = self.detail
        for kind, b in self.buttons.items():
            ok = d is not None and (d.may_withdraw if kind == "withdraw" else d.may_review)
            b.setEnabled(ok)
            b.setVisible(kind == "withdraw" or (self.queue is not None and self.queue.allowed))
        self.letter_btn.setVisible(self.queue is not None and self.queue.allowed)
        self.letter_btn.setEnabled(d is not None and d.candour is not None and d.candour.status != "not_applicable")

    def amend(self, kind: str) -> None:
        if self.detail is None:
            return
        dlg = AmendDialog(self.ctx, self.clock, self.detail, kind, self)
        if dlg.exec() == QDialog.DialogCode.Accepted:
            self.refresh()

    def save_letter(self) -> None:
        if self.detail is None or self.ctx.user is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the draft candour letter", f"candour-{self.detail.reference}.pdf",
                                              "PDF (*.pdf)")
        if not path:
            return
        self.write_letter(Path(path))

    def write_letter(self, path: Path, on_done: Callable[[Path], None] | None = None) -> None:
        from hardtruths_desktop.files import write_atomically
        from hardtruths_desktop.printouts import candour_letter

        assert self.detail is not None and self.ctx.user is not None
        iid, staff_id, clock = self.detail.id, self.ctx.user.id, self.clock

        def make(store: Store) -> Path:
            write_atomically(path, candour_letter(store, iid, staff_id=staff_id, clock=clock))
            return path

        def told(p: Path) -> None:
            Notice.info(self, "Candour letter", f"The draft letter is in {p}.")

        def failed(e: BaseException) -> None:
            Notice.unexpected(self, e)

        self.ctx.query(make, on_done or told, failed)


def _esc(text: str) -> str:
    import html

    return html.escape(text).replace("\n", "<br>")


def detail_html(d: IncidentDetailView, clock: Clock) -> str:
    on = today(clock)
    parts = [f"<h3>{_esc(d.reference)} · {_esc(d.status_label)}</h3>"]
    if d.divergent:
        parts.append("<p><b>⚠ Two stations amended this incident at the same time: check the history below.</b></p>")
    facts = [("Happened", d.occurred), ("Where", d.location or "—"), ("Category", d.category_label),
             ("Involved", ", ".join(d.involved) or "—"), ("Never Event", d.never_event or "No"),
             ("Near miss", "Yes" if d.near_miss else "No"), ("Reported by", d.reporter)]
    parts.append("<table>" + "".join(f"<tr><td><b>{_esc(k)}:</b>&nbsp;</td><td>{_esc(v)}</td></tr>" for k, v in facts) + "</table>")
    parts.append(f"<p><b>What happened:</b><br>{_esc(d.description)}</p>")
    if d.immediate_actions:
        parts.append(f"<p><b>Immediate actions:</b><br>{_esc(d.immediate_actions)}</p>")
    if d.went_well:
        parts.append(f"<p><b>What went well:</b><br>{_esc(d.went_well)}</p>")
    for p in d.patients:
        ids = ", ".join(x for x in (f"NHS number {p.nhs_number}" if p.nhs_number else "",
                                    f"hospital number {p.hospital_number}" if p.hospital_number else "") if x)
        parts.append(f"<p>Patient {p.number}: {_esc(p.physical_harm)}; {_esc(p.psychological_harm)}"
                     f"{' (prolonged)' if p.prolonged else ''}{'; ' + _esc(ids) if ids else ''}</p>")
    if d.response or d.findings or d.actions or d.outcome:
        parts.append("<h4>Review</h4>")
        if d.response:
            parts.append(f"<p>Response: {_esc(d.response)}</p>")
        parts += [f"<p>Finding: {_esc(f)}</p>" for f in d.findings]
        parts += [f"<p>Action: {_esc(a)}</p>" for a in d.actions]
        if d.outcome:
            parts.append(f"<p>Outcome: {_esc(d.outcome)}</p>")
    c = d.candour
    if c is not None:
        state = {"proposed": "Proposed from the harm recorded: the ward manager confirms it",
                 "applies": "Applies", "not_applicable": "Not applicable"}[c.status]
        parts.append(f"<h4>Duty of candour: {state}</h4>")
        if c.status != "not_applicable":
            if c.aware_on:
                parts.append(f"<p>Trust became aware on {c.aware_on:%a %d %b %Y}. Notification in person and the written"
                             " follow-up are due within 10 working days (bank holidays excluded).</p>")
            rows = []
            for s in c.steps:
                if s.done_on:
                    state_txt = f"✓ Done {s.done_on:%d %b %Y}" + (f" by {_esc(s.by)}" if s.by else "")
                elif s.due and on > s.due:
                    state_txt = f"⚠ OVERDUE: was due {s.due:%a %d %b %Y}"
                elif s.due:
                    state_txt = f"Due by {s.due:%a %d %b %Y}"
                else:
                    state_txt = "When the enquiries are finished"
                rows.append(f"<tr><td>{_esc(s.label)}&nbsp;</td><td>{state_txt}</td></tr>")
            parts.append("<table>" + "".join(rows) + "</table>")
            for x in c.contacts:
                kind = "Declined contact" if x.get("step") == "refusal" else "Contact attempt"
                parts.append(f"<p>{kind} on {_esc(str(x.get('on')))}{' by ' + _esc(str(x.get('by'))) if x.get('by') else ''}"
                             f"{': ' + _esc(str(x.get('note'))) if x.get('note') else ''}</p>")
    if d.history:
        parts.append("<h4>History (every change, nothing deleted)</h4>")
        for h in d.history:
            parts.append(f"<p>{_esc(h.at[:16].replace('T', ' '))} UTC · {_esc(h.by)} · {_esc(h.label)}"
                         f"{': ' + _esc(h.summary) if h.summary else ''}{' (' + _esc(h.reason) + ')' if h.reason else ''}</p>")
    return "".join(parts)


# --- Safety Thermometer ------------------------------------------------------------------------

class XmRChart(QWidget):
    """Harm-free care % by month as an XmR chart: points, mean, process limits, signals marked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: Thermometer | None = None
        self.setMinimumHeight(self.fontMetrics().lineSpacing() * 12)
        self.setAccessibleName("Harm-free care chart")

    def set_data(self, t: Thermometer) -> None:
        self.data = t
        c = t.chart
        self.setAccessibleDescription(
            "No chart yet: at least two months are needed" if c is None else
            f"Mean {c.mean:.1f}%, process limits {c.lower:.1f}% to {c.upper:.1f}%")
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.fillRect(self.rect(), QColor("#FFFFFF"))
        t = self.data
        if t is None or t.chart is None:
            p.setPen(QColor("#4C6272"))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "The chart appears once two months are recorded")
            return
        c = t.chart
        values = [v for v in c.values if v is not None]  # the read-model charts surveyed months only
        mean, upper, lower = c.mean or 0.0, c.upper if c.upper is not None else 100.0, c.lower if c.lower is not None else 0.0
        fm = self.fontMetrics()
        left, right, top, bottom = fm.horizontalAdvance("100%") + 12, fm.horizontalAdvance("2026-12") // 2 + 8, 10, fm.height() + 10
        w, h = self.width() - left - right, self.height() - top - bottom
        lo = max(0.0, min(min(values), lower) - 2)
        hi = min(100.0, max(max(values), upper) + 2)
        if hi - lo < 1:
            hi, lo = hi + 1, lo - 1

        def y(v: float) -> float:
            return top + h - (v - lo) / (hi - lo) * h

        def x(i: int) -> float:
            return left + (w * i / max(1, len(values) - 1))

        for _label, v, colour, style in (("mean", mean, "#005EB8", Qt.PenStyle.SolidLine),
                                        ("upper", upper, "#4C6272", Qt.PenStyle.DashLine),
                                        ("lower", lower, "#4C6272", Qt.PenStyle.DashLine)):
            p.setPen(QPen(QColor(colour), 1.5, style))
            p.drawLine(QPointF(left, y(v)), QPointF(left + w, y(v)))
            p.drawText(QRectF(0, y(v) - fm.height() / 2, left - 4, fm.height()), Qt.AlignmentFlag.AlignRight, f"{v:.0f}%")
        p.setPen(QPen(QColor("#212B32"), 2))
        for i in range(1, len(values)):
            p.drawLine(QPointF(x(i - 1), y(values[i - 1])), QPointF(x(i), y(values[i])))
        months = [m for m in t.months if m.percent is not None]
        for i, v in enumerate(values):
            special = bool(c.signalled(i))
            p.setPen(QPen(QColor("#DA291C" if special else "#212B32"), 2))
            p.setBrush(QColor("#DA291C" if special else "#FFFFFF"))
            r = 5 if special else 4
            p.drawEllipse(QPointF(x(i), y(v)), r, r)
            if i < len(months) and (i % max(1, len(values) // 6) == 0 or i == len(values) - 1):
                p.setPen(QColor("#4C6272"))
                p.drawText(QRectF(x(i) - 40, top + h + 2, 80, fm.height()), Qt.AlignmentFlag.AlignCenter, months[i].month)
        p.end()


class ThermometerView(QWidget):
    saved = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from hardtruths_desktop.domain.thermometer import HARMS

        self.ctx, self.clock = ctx, ctx.clock
        lay = QVBoxLayout(self)
        lay.addWidget(heading("Safety Thermometer: harm-free care", 1.3))
        note = QLabel("Once a month, on one day, count the patients on the ward and how many had each harm. Harm-free care"
                      " is the share of patients with none of the four. The chart shows whether a change is a signal"
                      " (a red point) or ordinary variation.")
        note.setWordWrap(True)
        lay.addWidget(note)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        for key, label in (("month", "Mont&h (YYYY-MM):"), ("surveyed", "Patients s&urveyed:"),
                           ("harm_free", "Patients with &no harm:"), *((k, v + ":") for k, v in HARMS.items())):
            e = QLineEdit()
            form.addRow(buddy_label(label, e), e)
            self.fields[key] = e
            e.returnPressed.connect(self.save)
        lay.addLayout(form)
        self.errors = FieldErrors(error_label())
        for key, e in self.fields.items():
            err = error_label()
            form.addRow("", err)
            self.errors.register(key, e, err)
        lay.addWidget(self.errors.fallback)
        self.saved_label = QLabel()
        self.save_btn = QPushButton("Save &survey")
        self.save_btn.setObjectName("primary")
        self.save_btn.clicked.connect(self.save)
        row = QHBoxLayout()
        row.addWidget(self.saved_label, 1)
        row.addWidget(self.save_btn)
        lay.addLayout(row)
        self.chart = XmRChart()
        legend = QLabel("Harm-free care % by month (XmR chart). Solid line: the mean; dashed lines: the process limits"
                        " (mean ± 2.66 × the mean moving range). A red point is a signal: outside the limits, 7 in a row on"
                        " one side of the mean, or 7 rising or falling.")
        legend.setObjectName("hint")
        legend.setWordWrap(True)
        lay.addWidget(legend)
        lay.addWidget(self.chart)
        self.model = RowTableModel(("Month", "Surveyed", "Harm-free", "Harm-free %", "Signal"), numeric=(1, 2, 3))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Safety Thermometer months")
        self.table.setTabKeyNavigation(False)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setMinimumHeight(self.fontMetrics().lineSpacing() * 8)
        lay.addWidget(self.table)

    def refresh(self) -> None:
        if self.ctx.ward is None:
            return
        from hardtruths_desktop.readmodels.incidents import load_thermometer

        ward_id, clock = self.ctx.ward_id, self.clock
        if not self.fields["month"].text():
            self.fields["month"].setText(today(clock).strftime("%Y-%m"))
        self.ctx.query(lambda store: load_thermometer(store, ward_id, clock=clock), self._show)

    def _show(self, t: Thermometer) -> None:
        self.chart.set_data(t)
        self.model.set_rows([Row((m.month, str(m.survey.surveyed), str(m.survey.harm_free),
                                  "" if m.percent is None else f"{m.percent:.1f}", ", ".join(m.signals) or "—"),
                                 status={4: "warn"} if m.signals else {}) for m in reversed(t.months)])

    def save(self) -> None:
        if self.ctx.user is None:
            return
        from hardtruths_desktop.domain.validation import ValidationError
        from hardtruths_desktop.store.incidents import record_thermometer

        values = {k: e.text() for k, e in self.fields.items() if k != "month"}
        month, ward_id = self.fields["month"].text(), self.ctx.ward_id

        def done(_r: Any) -> None:
            self.save_btn.setEnabled(True)
            self.saved_label.setText(f"✓ Survey for {month} saved")
            self.refresh()
            self.saved.emit()

        def failed(e: BaseException) -> None:
            self.save_btn.setEnabled(True)
            if isinstance(e, ValidationError):
                self.errors.show(e.errors)
            else:
                Notice.unexpected(self, e)

        self.errors.clear()
        self.save_btn.setEnabled(False)
        self.ctx.write(lambda tx: record_thermometer(tx, ward_id, month, values), done, failed)


# --- the screen ----------------------------------------------------------------------------------

class IncidentsView(QWidget):
    """The Incidents tab: Report, Review (or My reports), Safety Thermometer."""

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.clock = ctx, ctx.clock
        self.setAccessibleName("Incidents")
        self.report = ReportFormView(ctx)
        self.review = ReviewView(ctx)
        self.thermometer = ThermometerView(ctx)
        self.inner = QTabWidget()
        self.inner.setAccessibleName("Incident screens")
        for w, title in ((self.report, "Report an incident"), (self.review, "Review queue"),
                         (self.thermometer, "Safety Thermometer")):
            area = QScrollArea()
            area.setWidgetResizable(True)
            area.setFrameShape(QFrame.Shape.NoFrame)
            area.setWidget(w)
            self.inner.addTab(area, title)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.inner)
        ctx.user_changed.connect(self._user_changed)
        ctx.changes_applied.connect(self._changes)
        self.report.reported.connect(lambda _ref: self.review.refresh())

    def _user_changed(self) -> None:
        if self.ctx.user is None:
            return
        self.report.load()
        self.review.refresh()
        self.thermometer.refresh()
        reviewer = bool(self.ctx.user.is_manager) or "matron" in (getattr(self.ctx.user, "title", "") or "").lower()
        self.inner.setTabText(1, "Review queue" if reviewer else "My reports")

    def _changes(self, changes: Any) -> None:
        ents: set[str] = set(getattr(changes, "entities", set()))
        if {"incident", "incident_amendment", "sync"} & set(ents):
            self.review.refresh()
        if {"safety_thermometer", "sync"} & set(ents):
            self.thermometer.refresh()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.inner.currentIndex() == 0:
            QTimer.singleShot(0, self.report.date_edit.setFocus)

    def show_report(self) -> None:
        self.inner.setCurrentIndex(0)
        self.report.date_edit.setFocus()

    def report_from_flag(self, shift_id: str, flag_id: str | None, flag_type: str, text: str) -> None:
        self.inner.setCurrentIndex(0)
        self.report.report_from_flag(shift_id, flag_id, flag_type, text)
