"""Sign in: choose the ward and your name, type your PIN. A one-time code from the ward sister
leads to choosing your own PIN. Failures, tries left and lock-out come from ``store.auth``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from hardtruths_desktop.domain.validation import ValidationError
from ui.fit import searchable
from ui.screen import Job, Screen
from ui.widgets import buddy_label, error_label, heading, show_error

if TYPE_CHECKING:
    from hardtruths_desktop.readmodels.roster import Roster, StaffInfo
    from hardtruths_desktop.store.auth import SignInResult
    from hardtruths_desktop.store.session import WriteTx
    from ui.context import Context


def _pin_edit() -> QLineEdit:
    e = QLineEdit()
    e.setEchoMode(QLineEdit.EchoMode.Password)
    e.setMaxLength(8)
    e.setValidator(QRegularExpressionValidator(r"\d{0,8}"))
    e.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData)
    return e


class SignInView(Screen):
    signed_in = Signal(object)  # StaffInfo
    roster_loaded = Signal()
    attempt_finished = Signal()
    entities = frozenset({"ward", "staff"})

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.roster: Roster | None = None
        self._pending: StaffInfo | None = None
        self._preferred_ward: str | None = None
        self._preferred_staff: str | None = None
        self.setAccessibleName("Sign in")

        card = QFrame()
        card.setObjectName("card")
        card.setMaximumWidth(max(640, 40 * card.fontMetrics().height()))  # wider with large system text
        self.title = heading("Sign in to the ward station", 1.5)
        self.notice = QLabel()
        self.notice.setObjectName("notice")
        self.notice.setWordWrap(True)
        self.notice.hide()

        self.ward_box = QComboBox()
        searchable(self.ward_box)  # the ward list searches as you type ("Ward 7" finds Ward 7, not the first "W")
        self.name_box = QComboBox()
        self.pin_edit = _pin_edit()
        self.ward_label = buddy_label("This station's &ward:", self.ward_box)
        self.ward_label.setToolTip("Chosen once: the station remembers its ward. The ward sister can change it in Ward setup.")
        form = QFormLayout()
        form.addRow(self.ward_label, self.ward_box)
        form.addRow(buddy_label("&Your name:", self.name_box), self.name_box)
        form.addRow(buddy_label("&PIN (or one-time code):", self.pin_edit, "PIN"), self.pin_edit)
        self.message = error_label()
        self.message.setAccessibleDescription("Sign-in message")
        self.sign_in_btn = QPushButton("Sign in (Enter)")
        self.sign_in_btn.setObjectName("primary")
        self.sign_in_btn.setAccessibleName("Sign in")
        self.sign_in_btn.clicked.connect(self.submit)
        self.pin_edit.returnPressed.connect(self.submit)

        # choosing a PIN after a one-time code
        self.new_pin_panel = QFrame()
        self.new_pin1 = _pin_edit()
        self.new_pin2 = _pin_edit()
        np_form = QFormLayout(self.new_pin_panel)
        self.new_pin_intro = QLabel("Code accepted. Now choose your own PIN: 4 to 8 digits, not repeated or in sequence.")
        self.new_pin_intro.setWordWrap(True)
        np_form.addRow(self.new_pin_intro)
        np_form.addRow(buddy_label("&New PIN:", self.new_pin1), self.new_pin1)
        np_form.addRow(buddy_label("&Type it again:", self.new_pin2, "Type the new PIN again"), self.new_pin2)
        self.set_pin_btn = QPushButton("Save PIN and sign in")
        self.set_pin_btn.setObjectName("primary")
        self.set_pin_btn.clicked.connect(self.submit_new_pin)
        self.new_pin1.returnPressed.connect(self.new_pin2.setFocus)
        self.new_pin2.returnPressed.connect(self.submit_new_pin)
        np_form.addRow(self.set_pin_btn)
        self.new_pin_panel.hide()

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.sign_in_btn)
        cl = QVBoxLayout(card)
        cl.addWidget(self.title)
        cl.addWidget(self.notice)
        cl.addLayout(form)
        cl.addWidget(self.message)
        cl.addLayout(buttons)
        cl.addWidget(self.new_pin_panel)
        outer = QHBoxLayout(self)
        outer.addStretch(1)
        col = QVBoxLayout()
        col.addStretch(1)
        col.addWidget(card)
        col.addStretch(2)
        outer.addLayout(col, 3)
        outer.addStretch(1)

        self.ward_box.currentIndexChanged.connect(self._ward_chosen)
        self.name_box.currentIndexChanged.connect(lambda _i: self._clear_message())

    # --- roster -------------------------------------------------------------------------------------

    def reload(self, preferred_ward: str | None = None) -> None:
        if preferred_ward:
            self._preferred_ward = preferred_ward
        self.refresh()

    def ward_changed(self) -> None:
        pass  # this screen chooses the ward; the roster does not depend on it

    def loader(self) -> Job | None:
        def job(store: Any) -> Roster:
            from hardtruths_desktop.readmodels.roster import load_roster

            return load_roster(store)

        return job

    def show_early(self, roster: Roster, preferred_ward: str | None = None) -> None:
        """The names read from the database file before the store opened (``MainWindow.start``,
        issue 13); the store's own load replaces them later, keeping what was chosen and typed."""
        if preferred_ward:
            self._preferred_ward = preferred_ward
        self.data = roster
        self.show_data(roster)
        self.loaded.emit()

    def show_data(self, data: Roster, **_opts: Any) -> None:
        roster = self.roster = data
        keep_ward = self.ward_box.currentData() or self._preferred_ward
        keep_staff = self.name_box.currentData() or self._preferred_staff
        self.ward_box.blockSignals(True)
        self.ward_box.clear()
        for w in roster.wards:
            self.ward_box.addItem(f"{w.name} ({w.site})" if w.site else w.name, w.code)
        keep_ward = keep_ward if self._preferred_ward or not roster.home_ward else roster.home_ward
        i = self.ward_box.findData(keep_ward) if keep_ward else -1
        self.ward_box.setCurrentIndex(max(i, 0))
        self.ward_box.blockSignals(False)
        # an editable list does not size to its items: wide enough for the longest ward name, at any text size
        metrics = self.ward_box.fontMetrics()
        longest = max((metrics.horizontalAdvance(self.ward_box.itemText(j)) for j in range(self.ward_box.count())), default=0)
        # ... up to a width any ward PC holds (a name of 80 characters is allowed): a longer one is cut, and
        # the list's tooltip says it whole
        self.ward_box.setMinimumWidth(min(longest + 3 * metrics.height(), 22 * metrics.height()))
        self.ward_box.setToolTip(self.ward_box.currentText())
        # the station's ward is part of its setup: the list shows only until it is chosen
        choose = len(roster.wards) > 1 and roster.home_ward is None and not self._preferred_ward
        self.ward_box.setVisible(choose)
        self.ward_label.setVisible(choose)
        self._ward_chosen(keep_staff=keep_staff)
        self.roster_loaded.emit()

    def _ward_chosen(self, _i: int = -1, keep_staff: Any = None) -> None:
        if self.roster is None:
            return
        self.ward_box.setToolTip(self.ward_box.currentText())  # whole, where a very long name is cut
        code = self.ward_box.currentData()
        ward = next((w for w in self.roster.wards if w.code == code), None)
        self.name_box.blockSignals(True)
        self.name_box.clear()
        self.name_box.addItem("– choose your name –", None)
        if ward is not None:
            for p in self.roster.staff.get(ward.id, []):
                self.name_box.addItem(f"{p.name} – {p.title}" if p.title else p.name, p.id)
        if keep_staff is not None and self.name_box.findData(keep_staff) > 0:
            self.name_box.setCurrentIndex(self.name_box.findData(keep_staff))
        self.name_box.blockSignals(False)
        if ward is not None and (self.ctx.ward is None or self.ctx.ward.id != ward.id or self.ctx.ward != ward):
            self.ctx.set_ward(ward)

    def choose(self, staff_name: str, ward_code: str | None = None) -> None:
        """Select a ward and a person by name (tests, screenshots)."""
        if ward_code is not None:
            self.ward_box.setCurrentIndex(self.ward_box.findData(ward_code))
        for i in range(self.name_box.count()):
            if self.name_box.itemText(i).split(" – ")[0] == staff_name:
                self.name_box.setCurrentIndex(i)
                return
        raise LookupError(staff_name)

    def selected_staff(self) -> StaffInfo | None:
        if self.roster is None or self.ctx.ward is None:
            return None
        sid = self.name_box.currentData()
        return next((p for p in self.roster.staff.get(self.ctx.ward.id, []) if p.id == sid), None)

    # --- signing in ---------------------------------------------------------------------------------

    def prepare(self, notice: str = "", staff_id: str | None = None) -> None:
        """Show the page fresh (after sign-out or an idle lock)."""
        self._pending = None
        self._choosing_pin(False)
        self.pin_edit.clear()
        self.new_pin1.clear()
        self.new_pin2.clear()
        self._clear_message()
        self.notice.setText(notice)
        self.notice.setVisible(bool(notice))
        if staff_id is not None:
            self._preferred_staff = staff_id
            i = self.name_box.findData(staff_id)
            if i > 0:
                self.name_box.setCurrentIndex(i)
        (self.pin_edit if self.name_box.currentIndex() > 0 else self.name_box).setFocus()

    def _clear_message(self) -> None:
        show_error(self.message, None)

    def submit(self) -> None:
        person = self.selected_staff()
        if person is None:
            show_error(self.message, "Choose your name from the list first")
            self.name_box.setFocus()
            return
        pin = self.pin_edit.text()
        if not pin:
            show_error(self.message, "Type your PIN")
            self.pin_edit.setFocus()
            return
        from hardtruths_desktop.store.session import Actor

        sid = person.id
        first_run_ward = self.ctx.ward.code if self.roster is not None and self.roster.home_ward is None and self.ctx.ward else None

        def op(tx: WriteTx) -> SignInResult:
            from hardtruths_desktop.store import auth

            result = auth.sign_in(tx, sid, pin)
            if result.ok and first_run_ward is not None:  # the first sign-in chooses this station's ward
                from hardtruths_desktop.store.station import set_station_ward

                set_station_ward(tx, first_run_ward)
            return result

        self.sign_in_btn.setEnabled(False)
        self.ctx.worker.write(Actor(person.id, person.name), op, lambda r: self._result(person, r), self._failed)

    def _result(self, person: StaffInfo, result: SignInResult) -> None:
        self.sign_in_btn.setEnabled(True)
        self.pin_edit.clear()
        if result.ok and result.needs_new_pin:
            self._pending = person
            self._clear_message()
            self._choosing_pin(True)
            self.new_pin1.setFocus()
        elif result.ok:
            self._clear_message()
            self.notice.hide()
            self._preferred_staff = person.id
            self.signed_in.emit(person)
        else:
            show_error(self.message, result.message)
            self.pin_edit.setFocus()
        self.attempt_finished.emit()

    def _choosing_pin(self, choosing: bool) -> None:
        """The new-PIN panel in place of the sign-in button: one action at a time, and the room it needs (at
        150% text on a 1024x768 PC its two-line instructions were squeezed to one and a half)."""
        self.new_pin_panel.setVisible(choosing)
        self.sign_in_btn.setVisible(not choosing)

    def _failed(self, e: BaseException) -> None:
        self.sign_in_btn.setEnabled(True)
        self.set_pin_btn.setEnabled(True)
        from hardtruths_desktop.store.migrate import StoreError

        if isinstance(e, ValidationError):
            show_error(self.message, " ".join(e.errors.values()))
        elif isinstance(e, StoreError):  # the store did not open (the main window says so and closes)
            show_error(self.message, str(e))
        else:
            from ui.dialogs.messages import Notice

            show_error(self.message, "Could not check the PIN: something went wrong. Try again.")
            Notice.unexpected(self, e)
        self.attempt_finished.emit()

    def submit_new_pin(self) -> None:
        person = self._pending
        if person is None:
            return
        a, b = self.new_pin1.text(), self.new_pin2.text()
        if a != b:
            show_error(self.message, "The two PINs are different: type the same PIN twice")
            self.new_pin2.clear()
            self.new_pin2.setFocus()
            return
        from hardtruths_desktop.store.session import Actor

        sid = person.id

        def op(tx: WriteTx) -> None:
            from hardtruths_desktop.store import auth

            auth.set_pin(tx, sid, a)

        def done(_r: None) -> None:
            self.set_pin_btn.setEnabled(True)
            self._pending = None
            self._choosing_pin(False)
            self.new_pin1.clear()
            self.new_pin2.clear()
            self._clear_message()
            self.signed_in.emit(person)
            self.attempt_finished.emit()

        self.set_pin_btn.setEnabled(False)
        self.ctx.worker.write(Actor(person.id, person.name), op, done, self._failed)
