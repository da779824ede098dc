"""Ward setup > Contacts: what the complaints poster and the who's-in-charge board show.

The ward manager and matron are this ward's (``store.board.set_ward_board``); the complaints
contacts, the "details checked on" date and the uniform key are the trust's
(``store.board.set_trust_contacts``), shared by every ward of the trust. Both are saved in one
write on the store worker. Only managers reach this page (it lives inside Ward setup).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ui.screen import Job, Screen
from ui.widgets import FieldErrors, buddy_label, error_label, save_form

if TYPE_CHECKING:
    from hardtruths_desktop.readmodels.contacts import Contacts
    from hardtruths_desktop.store.session import WriteTx
    from ui.context import Context

# (field, label a ward sister understands, placeholder); grouped as on the poster
GROUPS: tuple[tuple[str, tuple[tuple[str, str, str], ...]], ...] = (
    ("PALS (Patient Advice and Liaison Service)", (
        ("pals_phone", "Phone:", "e.g. 0300 555 0142"),
        ("pals_email", "Email:", "e.g. pals@trust.nhs.uk"),
        ("pals_location", "Where to find it:", "e.g. Main entrance, ground floor"),
        ("pals_hours", "Opening hours (optional):", "e.g. Monday to Friday, 9am to 5pm"),
    )),
    ("Complaints team (formal complaints)", (
        ("complaints_phone", "Phone:", "e.g. 0300 555 0143"),
        ("complaints_email", "Email:", "e.g. complaints@trust.nhs.uk"),
        ("complaints_address", "Postal address:", "Complaints Team, trust, street, town, postcode"),
        ("complaints_web_page", "Web page (QR code):", "e.g. https://www.trust.nhs.uk/complaints"),
        ("commissioner", "Commissioner (optional):", "who else takes complaints: name, phone or web"),
    )),
    ("NHS Complaints Advocacy (free and independent)", (
        ("advocacy_provider", "Provider's name:", "found through the council or Healthwatch"),
        ("advocacy_phone", "Phone:", ""),
        ("advocacy_web", "Website (optional):", ""),
    )),
    ("Local Healthwatch", (
        ("healthwatch_name", "Name:", "e.g. Healthwatch Northshire"),
        ("healthwatch_phone", "Phone:", ""),
        ("healthwatch_web", "Website:", "e.g. www.healthwatchnorthshire.co.uk"),
    )),
)
KEY_HEADERS = ("Colour (as people say it)", "Colour code #RRGGBB", "Who wears it")
NOT_CHECKED = QDate(2000, 1, 1)
_HEX = re.compile(r"^#[0-9A-Fa-f]{6}$")


class ContactsPage(Screen):
    saved = Signal()
    entities = frozenset({"trust_contacts", "ward_board"})
    refresh_on_pull = False  # what the sister is typing is not replaced by a pull

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.data: Contacts | None = None
        self.setAccessibleName("Contacts for the poster and the board")
        self.fallback = error_label()
        self.errors = FieldErrors(self.fallback)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.poster_state = QLabel()
        self.poster_state.setObjectName("banner")
        self.poster_state.setWordWrap(True)

        # this ward's board
        self.manager_edit = QLineEdit()
        self.manager_edit.setMaxLength(400)
        self.manager_edit.setPlaceholderText("e.g. Sister Mary O'Neill")
        self.matron_edit = QLineEdit()
        self.matron_edit.setMaxLength(400)
        self.matron_edit.setPlaceholderText("e.g. James Okafor (bleep 4471)")
        ward_box = QGroupBox("This ward's board")
        wf = QFormLayout(ward_box)
        self._field(wf, "ward_manager", "Ward mana&ger / sister:", self.manager_edit)
        self._field(wf, "matron", "Matro&n (and bleep):", self.matron_edit)

        # the trust's contacts
        self.edits: dict[str, QLineEdit] = {}
        boxes: list[QGroupBox] = []
        for title, fields in GROUPS:
            box = QGroupBox(title)
            form = QFormLayout(box)
            for key, label, placeholder in fields:
                e = QLineEdit()
                e.setMaxLength(400)
                e.setPlaceholderText(placeholder)
                self.edits[key] = e
                e.setToolTip(placeholder)
                self._field(form, key, label, e, f"{title.split(' (')[0]}: {label.rstrip(':')}")
            boxes.append(box)

        self.checked_edit = QDateEdit()
        self.checked_edit.setCalendarPopup(True)
        self.checked_edit.setDisplayFormat("ddd dd/MM/yyyy")
        self.checked_edit.setMinimumDate(NOT_CHECKED)
        self.checked_edit.setSpecialValueText("Not checked yet")
        self.checked_edit.setDate(NOT_CHECKED)
        self.checked_today = QPushButton("Checked to&day")
        self.checked_today.setAccessibleName("The details were checked today")
        self.checked_today.clicked.connect(lambda: self.checked_edit.setDate(QDate.currentDate()))
        checked_row = QHBoxLayout()
        checked_row.addWidget(self.checked_edit)
        checked_row.addWidget(self.checked_today)
        checked_row.addStretch(1)
        checked_box = QGroupBox("Details checked on (printed small on the poster)")
        cf = QVBoxLayout(checked_box)
        checked_lab = error_label()
        cl = buddy_label("Checked on:", self.checked_edit, "Details checked on")
        cf.addWidget(cl)
        cf.addLayout(checked_row)
        cf.addWidget(checked_lab)
        self.errors.register("details_checked_on", self.checked_edit, checked_lab)

        # uniform key
        self.key_table = QTableWidget(0, len(KEY_HEADERS))
        self.key_table.setHorizontalHeaderLabels(list(KEY_HEADERS))
        self.key_table.setAccessibleName("Uniform key")
        self.key_table.verticalHeader().hide()
        self.key_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.key_table.horizontalHeader().setStretchLastSection(True)
        self.key_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.key_table.setMinimumHeight(self.fontMetrics().lineSpacing() * 8)
        self.key_table.itemChanged.connect(self._key_item_changed)
        self.add_key_btn = QPushButton("Add a &line")
        self.add_key_btn.clicked.connect(lambda: self.add_key_line("", "#", ""))
        self.remove_key_btn = QPushButton("Remove selected line")
        self.remove_key_btn.clicked.connect(self._remove_key_line)
        key_box = QGroupBox("Uniform key (on the who's in charge board)")
        kl = QVBoxLayout(key_box)
        hint = QLabel("One line per uniform: the colour's name, its colour code (e.g. #005EB8 for NHS blue) and who wears it.")
        hint.setWordWrap(True)
        hint.setObjectName("muted")
        kl.addWidget(hint)
        kl.addWidget(self.key_table)
        key_lab = error_label()
        kl.addWidget(key_lab)
        kb = QHBoxLayout()
        kb.addWidget(self.add_key_btn)
        kb.addWidget(self.remove_key_btn)
        kb.addStretch(1)
        kl.addLayout(kb)
        self.errors.register("uniform_key", self.key_table, key_lab)

        self.save_btn = QPushButton("S&ave contacts")  # Alt+C is the Incidents tab
        self.save_btn.setObjectName("primary")
        self.save_btn.clicked.connect(self.save)
        self.saved_label = QLabel()
        self.saved_label.setObjectName("muted")
        buttons = QHBoxLayout()
        buttons.addWidget(self.saved_label, 1)
        buttons.addWidget(self.save_btn)

        grid = QGridLayout()
        grid.addWidget(ward_box, 0, 0)
        grid.addWidget(checked_box, 0, 1)
        grid.addWidget(boxes[0], 1, 0)
        grid.addWidget(boxes[1], 1, 1)
        grid.addWidget(boxes[2], 2, 0)
        grid.addWidget(boxes[3], 2, 1)
        grid.addWidget(key_box, 3, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.intro)
        lay.addWidget(self.poster_state)
        lay.addLayout(grid)
        lay.addWidget(self.fallback)
        lay.addLayout(buttons)
        lay.addStretch(1)

    def _field(self, form: QFormLayout, key: str, text: str, w: QWidget, name: str | None = None) -> None:
        lab = error_label()
        form.addRow(buddy_label(text, w, name), w)
        form.addRow("", lab)
        self.errors.register(key, w, lab)

    # --- uniform key lines --------------------------------------------------------------------------

    def add_key_line(self, colour: str, hex_code: str, role: str) -> None:
        self.key_table.blockSignals(True)
        r = self.key_table.rowCount()
        self.key_table.insertRow(r)
        for c, text in enumerate((colour, hex_code, role)):
            self.key_table.setItem(r, c, QTableWidgetItem(text))
        self.key_table.blockSignals(False)
        self._swatch(r)
        if not colour:
            self.key_table.setCurrentCell(r, 0)
            first = self.key_table.item(r, 0)
            if first is not None:
                self.key_table.editItem(first)

    def _remove_key_line(self) -> None:
        r = self.key_table.currentRow()
        if r >= 0:
            self.key_table.removeRow(r)

    def _key_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() == 1:
            self._swatch(item.row())

    def _swatch(self, row: int) -> None:
        """A small square of the colour beside its code, so a typo shows at once."""
        item = self.key_table.item(row, 1)
        if item is None:
            return
        self.key_table.blockSignals(True)
        text = item.text().strip()
        item.setData(Qt.ItemDataRole.DecorationRole, QColor(text) if _HEX.match(text) else QColor(0, 0, 0, 0))
        self.key_table.blockSignals(False)

    def key_lines(self) -> list[dict[str, str]]:
        lines = []
        for r in range(self.key_table.rowCount()):
            items = [self.key_table.item(r, c) for c in range(3)]
            cells = [(it.text() if it is not None else "").strip() for it in items]
            if any(x and x != "#" for x in cells):
                lines.append({"colour_name": cells[0], "colour_hex": cells[1], "role": cells[2]})
        return lines

    # --- loading and saving -------------------------------------------------------------------------

    def loader(self) -> Job | None:
        if self.ctx.ward is None:
            return None
        ward_id = self.ctx.ward_id

        def job(store: Any) -> Contacts:
            from hardtruths_desktop.readmodels.contacts import load_contacts

            return load_contacts(store, ward_id)

        return job

    def show_data(self, data: Contacts, **_opts: Any) -> None:
        ward = self.ctx.ward.name if self.ctx.ward else "this ward"
        self.intro.setText(
            f"What the complaints poster and the who's in charge board show. The ward manager and matron are {ward}'s. "
            f"The contacts, the date they were checked and the uniform key belong to {data.trust_name or 'the trust'}: "
            "every ward of the trust shares them, so check with PALS before changing them.")
        self._poster_state(data.missing)
        self.manager_edit.setText(data.ward_manager)
        self.matron_edit.setText(data.matron)
        for key, e in self.edits.items():
            e.setText(data.contacts.get(key, ""))
        d = data.checked_on
        self.checked_edit.setDate(QDate(d.year, d.month, d.day) if d else NOT_CHECKED)
        self.key_table.setRowCount(0)
        for entry in data.uniform_key:
            self.add_key_line(entry.get("colour_name", ""), entry.get("colour_hex", ""), entry.get("role", ""))
        self.errors.clear()

    def _poster_state(self, missing: tuple[str, ...]) -> None:
        if missing:
            text = "▲ The complaints poster cannot be printed yet. Still needed: " + "; ".join(missing) + "."
            status = "warn"
        else:
            text = "✓ Every detail the complaints poster needs is filled in."
            status = "ok"
        self.poster_state.setText(text)
        self.poster_state.setAccessibleName(text)
        self.poster_state.setProperty("status", status)
        self.poster_state.style().unpolish(self.poster_state)
        self.poster_state.style().polish(self.poster_state)

    def save(self) -> None:
        if self.ctx.ward is None or self.ctx.user is None:
            return
        qd = self.checked_edit.date()
        contacts: dict[str, Any] = {k: e.text() for k, e in self.edits.items()}
        contacts["details_checked_on"] = None if qd == NOT_CHECKED else qd.toPython()
        contacts["uniform_key"] = self.key_lines()
        manager, matron = self.manager_edit.text(), self.matron_edit.text()
        ward_id = self.ctx.ward_id

        def op(tx: WriteTx) -> None:
            from hardtruths_desktop.store import board
            board.set_ward_contacts(tx, ward_id, manager, matron, contacts)

        save_form(self, op, saved_text=lambda _r: "✓ Contacts saved.")
