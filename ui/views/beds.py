"""Beds: the ward's bed board, i.e. what goes on the name card above each bed.

Only the public card fields exist (DOMAIN.md section 2): preferred name, consultant, expected
date of discharge, special instructions, and the named nurse for this shift. Saving goes through
``store.beds.save_bed`` / ``set_named_nurse`` on the store worker (record + outbox + audit).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ui.models.rows import Row, RowTableModel
from ui.screen import Job, Screen, ward_now
from ui.text import day_label, hhmm
from ui.widgets import FieldErrors, buddy_label, error_label, heading, save_form

if TYPE_CHECKING:
    from hardtruths_desktop.readmodels.beds import BedInfo, Beds
    from hardtruths_desktop.store.session import WriteTx
    from ui.context import Context

BED_HEADERS = ("Bed", "Occupied", "Preferred name", "Consultant", "Expected discharge", "Special instructions",
               "Named nurse (this shift)")
PUBLIC_NOTE = ("Shown on the card above the bed: only what the patient agreed to. "
               "Never the NHS number, diagnosis or date of birth.")
NO_DATE = QDate(2000, 1, 1)  # the date edit's "Not known" value


def bed_rows(beds: Sequence[BedInfo]) -> list[Row]:
    return [
        Row((b.label, "✓ Yes" if b.occupied else "– Empty", b.preferred_name, b.consultant,
             b.expected_discharge.strftime("%a %d/%m/%Y") if b.expected_discharge else "",
             b.instructions, b.named_nurse if b.occupied else ""), b, {} if b.occupied else {1: "muted"})
        for b in beds
    ]


class BedsView(Screen):
    saved = Signal()
    entities = frozenset({"bed", "bed_nurse", "shift", "staff", "shift_pattern"})

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.data: Beds | None = None
        self._editing: BedInfo | None = None
        self.setAccessibleName("Beds")
        self.title = heading("Beds", 1.4)
        self.note = QLabel("ℹ " + PUBLIC_NOTE)
        self.note.setObjectName("notice")
        self.note.setWordWrap(True)
        self.note.setAccessibleName(PUBLIC_NOTE)

        self.model = RowTableModel(BED_HEADERS, parent=self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Beds on the ward")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        hh = self.table.horizontalHeader()
        hh.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        hh.setSectionResizeMode(5, QHeaderView.ResizeMode.Interactive)  # long text: a fixed, readable width
        hh.setStretchLastSection(True)
        self.table.setColumnWidth(5, self.fontMetrics().averageCharWidth() * 28)
        self.table.selectionModel().currentRowChanged.connect(self._selected)

        self.label_edit = QLineEdit()
        self.label_edit.setMaxLength(40)
        self.label_edit.setPlaceholderText("e.g. 12 or Side room 3")
        self.occupied = QCheckBox("A patient is in this bed")
        self.occupied.toggled.connect(self._occupied_toggled)
        self.name_edit = QLineEdit()
        self.name_edit.setMaxLength(400)
        self.name_edit.setPlaceholderText("The name the patient wants to be called, e.g. Peggy")
        self.consultant_edit = QLineEdit()
        self.consultant_edit.setMaxLength(400)
        self.edd_edit = QDateEdit()
        self.edd_edit.setCalendarPopup(True)
        self.edd_edit.setDisplayFormat("ddd dd/MM/yyyy")
        self.edd_edit.setMinimumDate(NO_DATE)
        self.edd_edit.setSpecialValueText("Not known yet")
        self.edd_edit.setDate(NO_DATE)
        self.instructions_edit = QLineEdit()
        self.instructions_edit.setMaxLength(600)
        self.instructions_edit.setPlaceholderText("e.g. Hard of hearing: please speak on my left")
        self.nurse_box = QComboBox()
        self.fallback = error_label()
        self.errors = FieldErrors(self.fallback)
        form = QFormLayout()
        self.nurse_label = buddy_label("Named &nurse:", self.nurse_box, "Named nurse this shift")
        self.shift_caption = QLabel()
        self.shift_caption.setObjectName("muted")
        self.shift_caption.setWordWrap(True)
        for key, text, w, name in (
            ("label", "Be&d:", self.label_edit, "Bed"),
            ("occupied", "Occupied:", self.occupied, "Occupied"),
            ("preferred_name", "Preferred n&ame:", self.name_edit, "Preferred name"),
            ("consultant", "Consu&ltant:", self.consultant_edit, "Consultant"),
            ("expected_discharge", "E&xpected discharge:", self.edd_edit, "Expected date of discharge"),
            ("instructions", "Special instr&uctions:", self.instructions_edit, "Special instructions"),
            ("named_nurse", "", self.nurse_box, "Named nurse this shift"),
        ):
            lab = error_label()
            form.addRow(self.nurse_label if key == "named_nurse" else buddy_label(text, w, name), w)
            form.addRow("", lab)
            self.errors.register(key, w, lab)
        form.addRow("", self.shift_caption)
        self.errors.register("bed", self.label_edit, self.errors.fields["label"][1])

        self.new_btn = QPushButton("New &empty form")
        self.new_btn.setAccessibleName("Clear the form to add a bed")
        self.new_btn.clicked.connect(self.clear_form)
        self.save_btn = QPushButton("&Save bed (Enter)")
        self.save_btn.setObjectName("primary")
        self.save_btn.setAccessibleName("Save bed")
        self.save_btn.clicked.connect(self.save)
        self.saved_label = QLabel()
        self.saved_label.setObjectName("muted")
        buttons = QHBoxLayout()
        buttons.addWidget(self.saved_label, 1)
        buttons.addWidget(self.new_btn)
        buttons.addWidget(self.save_btn)

        editor = QWidget()
        el = QVBoxLayout(editor)
        el.setContentsMargins(0, 0, 0, 0)
        self.form_title = heading("Add a bed", 1.1)
        el.addWidget(self.form_title)
        el.addLayout(form)
        el.addWidget(self.fallback)
        el.addStretch(1)
        scroller = QScrollArea()  # the form scrolls with large system fonts; the table scrolls itself
        scroller.setWidgetResizable(True)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setWidget(editor)
        body = QHBoxLayout()
        body.addWidget(self.table, 5)
        body.addWidget(scroller, 3)
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.note)
        lay.addLayout(body, 1)
        lay.addLayout(buttons)

        for enter in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            sc = QShortcut(QKeySequence(enter), editor)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(self.save)
        self._occupied_toggled(False)

    # --- loading --------------------------------------------------------------------------------------

    def loader(self) -> Job | None:
        if self.ctx.ward is None:
            return None
        ward_id, now = self.ctx.ward_id, self.now()

        def job(store: Any) -> Beds:
            from hardtruths_desktop.readmodels.beds import load_beds

            return load_beds(store, ward_id, now=now)

        return job

    def show_data(self, data: Beds, **_opts: Any) -> None:
        ward = self.ctx.ward.name if self.ctx.ward else ""
        occupied = sum(1 for b in data.beds if b.occupied)
        self.title.setText(f"Beds – {ward}: {occupied} of {len(data.beds)} occupied")
        self.model.set_rows(bed_rows(data.beds))
        keep = self._editing.label if self._editing else None
        self.nurse_box.clear()
        self.nurse_box.addItem("– nobody named yet –", "")  # "" not None: PySide6 6.12 on Python 3.11 drops a reference to None for each None it hands back
        for n in data.nurses:
            self.nurse_box.addItem(f"{n.name}{' (on duty)' if n.on_duty else ''}", n.id)
        label = (f"{data.shift.name} shift, {day_label(data.shift_date)} ({hhmm(data.shift.start)}–{hhmm(data.shift.end)})"
                 if data.shift and data.shift_date else "")
        self.shift_caption.setText(f"The named nurse is for this shift: {label}. It changes every shift."
                                   if label else "This ward has no shift pattern yet, so no named nurse can be set.")
        if not data.beds:
            self.saved_label.setText("No beds yet: type a bed number in the form and save it.")
        if keep is not None:
            self.select_bed(keep)

    def select_bed(self, label: str) -> bool:
        for i in range(self.model.rowCount()):
            if self.model.row_at(i).payload.label == label:
                self.table.selectRow(i)
                self.table.setCurrentIndex(self.model.index(i, 0))
                self._fill(self.model.row_at(i).payload)
                return True
        return False

    def _selected(self, current: QModelIndex, _prev: QModelIndex) -> None:
        if current.isValid():
            self._fill(self.model.row_at(current.row()).payload)

    def _fill(self, b: BedInfo) -> None:
        self._editing = b
        self.errors.clear()
        self.form_title.setText(f"Bed {b.label}")
        self.label_edit.setText(b.label)
        self.label_edit.setReadOnly(True)
        self.occupied.setChecked(b.occupied)
        self.name_edit.setText(b.preferred_name)
        self.consultant_edit.setText(b.consultant)
        d = b.expected_discharge
        self.edd_edit.setDate(QDate(d.year, d.month, d.day) if d else NO_DATE)
        self.instructions_edit.setText(b.instructions)
        i = self.nurse_box.findData(b.named_nurse_id) if b.named_nurse_id else 0
        self.nurse_box.setCurrentIndex(max(0, i))
        self._occupied_toggled(b.occupied)

    def clear_form(self) -> None:
        self._editing = None
        self.table.clearSelection()
        self.errors.clear()
        self.form_title.setText("Add a bed")
        self.label_edit.setReadOnly(False)
        for e in (self.label_edit, self.name_edit, self.consultant_edit, self.instructions_edit):
            e.clear()
        self.occupied.setChecked(False)
        self.edd_edit.setDate(NO_DATE)
        self.nurse_box.setCurrentIndex(0)
        self.label_edit.setFocus()

    def _occupied_toggled(self, on: bool) -> None:
        for w in (self.name_edit, self.consultant_edit, self.edd_edit, self.instructions_edit, self.nurse_box):
            w.setEnabled(on)

    # --- saving ---------------------------------------------------------------------------------------

    def save(self) -> None:
        if self.ctx.ward is None or self.ctx.user is None:
            return
        from hardtruths_desktop.store.beds import BedInput

        qd = self.edd_edit.date()
        edd: date | None = None if qd == NO_DATE else qd.toPython()  # type: ignore[assignment]
        occupied = self.occupied.isChecked()
        bed = BedInput(self.label_edit.text(), occupied, self.name_edit.text(), self.consultant_edit.text(), edd,
                       self.instructions_edit.text())
        nurse_id: str | None = (str(self.nurse_box.currentData() or "") or None) if occupied else None
        before = self._editing.named_nurse_id if self._editing else None
        data = self.data
        ward_id, today = self.ctx.ward_id, ward_now(self.ctx.clock).date()

        def op(tx: WriteTx) -> str:
            from hardtruths_desktop.store.beds import save_bed, set_named_nurse

            row = save_bed(tx, ward_id, bed, today)
            if data is not None and data.shift_date and data.shift_code and nurse_id != before:
                set_named_nurse(tx, ward_id, row.label, data.shift_date, data.shift_code, nurse_id)
            return row.label

        def remember(label: str) -> None:
            self._editing = self._editing or _placeholder(label)

        save_form(self, op, saved_text=lambda label: f"✓ Bed {label} saved.", after=remember)


def _placeholder(label: str) -> Any:
    """Keeps a just-added bed selected after the refresh."""
    from hardtruths_desktop.store.beds import BedInfo

    return BedInfo("", label, False, "", "", None, "", None, "")
