"""Small red-flag dialogs: raise, escalate, resolve. Each has a classmethod ``ask()`` that returns
the answer or None, so tests monkeypatch ``ask`` instead of driving a modal loop."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from hardtruths_desktop.domain.validation import MAX_NOTE, MAX_SHORT_TEXT, ValidationError, clean_text
from hardtruths_desktop.domain.valuesets import recordable_red_flag_codes, red_flag_type
from ui.widgets import buddy_label, error_label, heading, show_error


class _FlagDialog(QDialog):
    def __init__(self, title: str, intro: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setAccessibleName(title)
        self.setMinimumWidth(560)
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(heading(title, 1.2))
        if intro:
            lab = QLabel(intro)
            lab.setWordWrap(True)
            self.layout_.addWidget(lab)
        self.form = QFormLayout()
        self.layout_.addLayout(self.form)
        self.error = error_label()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    def finish_layout(self, ok_text: str) -> None:
        self.layout_.addWidget(self.error)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(ok_text)
        ok.setDefault(True)
        self.layout_.addWidget(self.buttons)


class RaiseFlagDialog(_FlagDialog):
    def __init__(self, shift_label: str, parent: QWidget | None = None) -> None:
        super().__init__("Raise a red flag", f"For the {shift_label}. Escalate it to the matron or site team as well.", parent)
        self.type_box = QComboBox()
        for code in recordable_red_flag_codes():
            self.type_box.addItem(red_flag_type(code).label, code)
        self.detail = QPlainTextEdit()
        self.detail.setTabChangesFocus(True)
        self.detail.setPlaceholderText("What happened, for which patient area (no patient names)")
        self.detail.setFixedHeight(self.fontMetrics().lineSpacing() * 5)
        self.form.addRow(buddy_label("Red &flag:", self.type_box, "Red flag type"), self.type_box)
        self.form.addRow(buddy_label("&What happened:", self.detail), self.detail)
        self.finish_layout("Raise red flag")

    def accept(self) -> None:
        try:
            clean_text(self.detail.toPlainText(), "What happened", "detail", MAX_NOTE)
        except ValidationError as e:
            show_error(self.error, next(iter(e.errors.values())))
            return
        super().accept()

    @classmethod
    def ask(cls, parent: QWidget | None, shift_label: str) -> tuple[str, str] | None:
        dlg = cls(shift_label, parent)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return None
        return str(dlg.type_box.currentData()), dlg.detail.toPlainText()


class _TextDialog(_FlagDialog):
    field_label = ""
    field_key = ""
    maximum = MAX_SHORT_TEXT

    def __init__(self, title: str, flag_label: str, ok_text: str, parent: QWidget | None) -> None:
        super().__init__(title, f"Red flag: {flag_label}", parent)
        self.text = QLineEdit()
        self.text.setMaxLength(self.maximum)
        self.form.addRow(buddy_label(self.field_label, self.text), self.text)
        self.finish_layout(ok_text)

    def accept(self) -> None:
        try:
            clean_text(self.text.text(), self.field_label.replace("&", "").rstrip(":"), self.field_key, self.maximum, required=True)
        except ValidationError as e:
            show_error(self.error, next(iter(e.errors.values())))
            return
        super().accept()


class EscalateDialog(_TextDialog):
    field_label = "&Escalated to:"
    field_key = "escalated_to"

    @classmethod
    def ask(cls, parent: QWidget | None, flag_label: str) -> str | None:
        dlg = cls("Escalate a red flag", flag_label, "Record escalation", parent)
        dlg.text.setPlaceholderText("e.g. Matron James Okafor, bleep 4471")
        return dlg.text.text() if dlg.exec() == QDialog.DialogCode.Accepted else None


class ResolveDialog(_TextDialog):
    field_label = "&Response:"
    field_key = "response"
    maximum = MAX_NOTE

    @classmethod
    def ask(cls, parent: QWidget | None, flag_label: str) -> str | None:
        dlg = cls("Resolve a red flag", flag_label, "Record response", parent)
        dlg.text.setPlaceholderText("What was done, e.g. bank nurse moved from Ward 9")
        return dlg.text.text() if dlg.exec() == QDialog.DialogCode.Accepted else None


class WithdrawDialog(_FlagDialog):
    """Why a shift recorded on the wrong date is withdrawn (it becomes "not recorded")."""

    def __init__(self, shift_label: str, parent: QWidget | None) -> None:
        super().__init__("Withdraw a shift", f"{shift_label}: who was on duty, the nurse in charge and the names ticked are"
                         " cleared and the shift shows as not recorded. The plan stays; the change is kept in the audit log"
                         " and in the shift's note.", parent)
        self.text = QLineEdit()
        self.text.setMaxLength(MAX_SHORT_TEXT)
        self.text.setPlaceholderText("e.g. recorded on the wrong date: belongs to Tuesday")
        self.form.addRow(buddy_label("&Why:", self.text), self.text)
        self.finish_layout("Withdraw shift")

    def accept(self) -> None:
        try:
            clean_text(self.text.text(), "Why it is withdrawn", "reason", MAX_SHORT_TEXT, required=True)
        except ValidationError as e:
            show_error(self.error, next(iter(e.errors.values())))
            return
        super().accept()

    @classmethod
    def ask(cls, parent: QWidget | None, shift_label: str) -> str | None:
        dlg = cls(shift_label, parent)
        return dlg.text.text() if dlg.exec() == QDialog.DialogCode.Accepted else None
