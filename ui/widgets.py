"""Helpers that keep every field labelled, named for screen readers and sized from the system font."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QWidget


def scaled_font(widget: QWidget, factor: float, bold: bool = True) -> QFont:
    f = QFont(widget.font())
    f.setPointSizeF(max(11.0, f.pointSizeF() * factor))
    f.setBold(bold)
    return f


def heading(text: str, factor: float = 1.4, parent: QWidget | None = None) -> QLabel:
    lab = QLabel(text, parent)
    lab.setObjectName("heading")
    lab.setFont(scaled_font(lab, factor))
    lab.setWordWrap(True)
    lab.setAccessibleName(text)
    return lab


def buddy_label(text: str, widget: QWidget, name: str | None = None) -> QLabel:
    """A visible label for ``widget`` (with '&' mnemonic if given) that also names it for screen readers."""
    lab = QLabel(text)
    lab.setBuddy(widget)
    widget.setAccessibleName(name or text.replace("&", "").rstrip(":"))
    return lab


def error_label() -> QLabel:
    """Where a field's problem is written, in words, beside the field. Hidden when there is none."""
    lab = QLabel()
    lab.setObjectName("fieldError")
    lab.setWordWrap(True)
    lab.setTextFormat(Qt.TextFormat.PlainText)
    lab.hide()
    return lab


def show_error(lab: QLabel, message: str | None) -> None:
    if message:
        lab.setText("⚠ " + message)
        lab.setAccessibleName("Problem: " + message)
        lab.show()
    else:
        lab.clear()
        lab.hide()


class FieldErrors:
    """Maps validation keys (``ValidationError.errors``) to the field and the label beside it."""

    def __init__(self, fallback: QLabel) -> None:
        self.fallback = fallback
        self.fields: dict[str, tuple[QWidget, QLabel]] = {}

    def register(self, key: str, widget: QWidget, label: QLabel) -> None:
        self.fields[key] = (widget, label)

    def clear(self) -> None:
        for w, lab in self.fields.values():
            show_error(lab, None)
            mark_invalid(w, False)
        show_error(self.fallback, None)

    def show(self, errors: dict[str, str]) -> None:
        self.clear()
        first: QWidget | None = None
        rest: list[str] = []
        for key, msg in errors.items():
            hit = self.fields.get(key) or self.fields.get(key.rpartition(".")[2])
            if hit is None:
                rest.append(msg)
                continue
            w, lab = hit
            show_error(lab, msg)
            mark_invalid(w, True)
            first = first or w
        if rest:
            show_error(self.fallback, " ".join(rest))
        if first is not None:
            first.setFocus()


def mark_invalid(w: QWidget, bad: bool) -> None:
    if bool(w.property("invalid")) == bad:
        return
    w.setProperty("invalid", bad)
    w.style().unpolish(w)
    w.style().polish(w)


def save_form(owner: Any, op: Any, *, saved_text: Any, after: Any = None,
              not_saved_text: str = "Not saved: please correct the fields marked ⚠.") -> None:
    """The save step every edit form shares: clear old messages, disable Save, run ``op`` on the
    store worker, then say "✓ …saved" or show the problems beside their fields (typed text kept);
    an unexpected error is shown plainly. ``owner`` has ``ctx``, ``save_btn``, ``saved_label``,
    ``errors`` (with ``show``/``clear``) and a ``saved`` signal."""
    from hardtruths_desktop.domain.validation import ValidationError
    from ui.dialogs.messages import Notice

    def done(result: Any) -> None:
        owner.save_btn.setEnabled(True)
        if after is not None:
            after(result)
        owner.saved_label.setText(saved_text(result))
        owner.saved_label.setAccessibleName(owner.saved_label.text())
        owner.saved.emit()

    def failed(e: BaseException) -> None:
        owner.save_btn.setEnabled(True)
        if isinstance(e, ValidationError):
            owner.errors.show(e.errors)
            owner.saved_label.setText(not_saved_text)
        else:
            Notice.unexpected(owner, e)

    owner.errors.clear()
    owner.saved_label.clear()
    owner.save_btn.setEnabled(False)
    owner.ctx.write(op, done, failed)
