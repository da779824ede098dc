from __future__ import annotations

from typing import Any

Station = Any  # tests/ui/conftest.py: the main window and helpers


def test_every_control_is_named_and_text_is_at_least_11pt(station: Station) -> None:
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QCheckBox,
        QComboBox,
        QDateEdit,
        QHeaderView,
        QLabel,
        QLineEdit,
        QPlainTextEdit,
        QWidget,
    )

    station.sign_in("Mary O'Neill")
    w = station.window
    unnamed = []
    for cls in (QLineEdit, QComboBox, QDateEdit, QCheckBox, QPlainTextEdit, QAbstractItemView):
        for widget in w.findChildren(cls):
            if widget.window() is not w or isinstance(widget, QHeaderView) or isinstance(widget.parent(), (QComboBox, QDateEdit)):
                continue  # popups and parts of a compound control
            if not widget.accessibleName():
                unnamed.append(f"{type(widget).__name__} {widget.objectName()}")
    for b in w.findChildren(QAbstractButton):
        if not (b.text() or b.accessibleName()) and not b.objectName().startswith("qt_"):
            unnamed.append(f"button {b.objectName()}")
    assert not unnamed, unnamed
    small = [lab.text()[:30] for lab in w.findChildren(QLabel) if lab.font().pointSizeF() < 11]
    assert not small
    # every focusable control takes Tab (no mouse-only controls)
    from PySide6.QtCore import Qt

    mouse_only = [type(x).__name__ for x in w.findChildren(QWidget)
                  if isinstance(x, (QLineEdit, QAbstractButton)) and x.focusPolicy() == Qt.FocusPolicy.NoFocus
                  and not x.objectName().startswith("qt_")]
    assert not mouse_only
