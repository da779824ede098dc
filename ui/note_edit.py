"""A multi-line note with a character counter (issue 12): Enter still saves the form it is in,
Shift+Enter starts a new line. Keeps ``QLineEdit``'s small API (``text``, ``setText``,
``textEdited`` for a person's edits only) so forms treat it like any other field."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QPlainTextEdit, QWidget


class NoteEdit(QPlainTextEdit):
    textEdited = Signal(str)  # a person typed (not ``setText``)

    def __init__(self, limit: int, lines: int = 3, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.limit = limit
        self._setting = False
        self.setTabChangesFocus(True)  # Tab moves on, as in every other field
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 12)
        self.counter = QLabel()
        self.counter.setObjectName("muted")
        self.textChanged.connect(self._changed)
        self._count()

    def text(self) -> str:
        return self.toPlainText()

    def setText(self, text: str) -> None:
        self._setting = True
        try:
            self.setPlainText(text)
        finally:
            self._setting = False

    def event(self, e: QEvent) -> bool:
        # Enter (without Shift) is the form's: let its shortcut save instead of starting a new line
        if e.type() == QEvent.Type.ShortcutOverride and isinstance(e, QKeyEvent) \
                and e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) \
                and not e.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            e.ignore()
            return False
        return super().event(e)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        if e.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not e.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            e.ignore()  # no shortcut took it: pass it up, never a silent new line
            return
        super().keyPressEvent(e)

    def _changed(self) -> None:
        self._count()
        if not self._setting:
            self.textEdited.emit(self.toPlainText())

    def _count(self) -> None:
        n = len(self.toPlainText())
        over = n > self.limit
        self.counter.setText(f"{n} of {self.limit} characters" + (" – too long: shorten it to save" if over else "")
                             + "  (Shift+Enter starts a new line)")
        self.counter.setProperty("over", over)


__all__ = ["NoteEdit"]
