"""Plain messages to the user. Non-blocking (``open()``), so tests and the event loop keep going;
tests monkeypatch ``Notice.info`` / ``Notice.error`` to read what would be shown."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)

UNEXPECTED = (
    "Something went wrong and this was not saved. What you typed is still on the screen: "
    "try again, and if it happens again tell IT (details are in the ward station's log)."
)


class Notice:
    @classmethod
    def info(cls, parent: QWidget | None, title: str, text: str) -> QMessageBox:
        return cls._show(parent, QMessageBox.Icon.Information, title, text)

    @classmethod
    def error(cls, parent: QWidget | None, title: str, text: str) -> QMessageBox:
        return cls._show(parent, QMessageBox.Icon.Warning, title, text)

    @classmethod
    def unexpected(cls, parent: QWidget | None, error: BaseException) -> QMessageBox:
        from hardtruths_desktop.store.migrate import StoreError

        if isinstance(error, StoreError):
            return cls.error(parent, "The ward store cannot be used", str(error))
        log.error("unexpected error shown to the user: %r", error)
        return cls.error(parent, "Not saved", UNEXPECTED)

    @staticmethod
    def _show(parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
        box.setAccessibleName(title)
        box.setTextInteractionFlags(box.textInteractionFlags())
        box.open()
        return box
