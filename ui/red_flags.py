"""The red-flag list shared by Today and Record staffing: one line per flag, the selected open flag
for Escalate/Resolve, and an empty-list hint. Lines come from ``ui.models.staffing.flag_line``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from ui.models.staffing import flag_line

if TYPE_CHECKING:
    from hardtruths_desktop.readmodels.staffing import RedFlagView


class RedFlagList(QListWidget):
    #: the selected open flag changed (None when nothing actionable is selected)
    selection_changed = Signal(object)

    def __init__(self, empty_text: str, grey_resolved: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.empty_text = empty_text
        self.grey_resolved = grey_resolved
        self.setAccessibleName("Red flags on this shift")
        self.setWordWrap(True)
        self.currentRowChanged.connect(lambda _row: self.selection_changed.emit(self.selected_flag()))

    def show_flags(self, flags: Sequence[RedFlagView], today: date, keep_selection: bool = False) -> None:
        keep = self.selected_flag() if keep_selection else None
        self.blockSignals(True)
        self.clear()
        for f in flags:
            item = QListWidgetItem(flag_line(f, today))
            item.setData(Qt.ItemDataRole.UserRole, f)
            if self.grey_resolved and not f.open:
                item.setForeground(self.palette().placeholderText())
            self.addItem(item)
            if keep is not None and f.id == keep.id:
                self.setCurrentItem(item)
        if not flags:
            item = QListWidgetItem(self.empty_text)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(item)
        self.blockSignals(False)
        self.selection_changed.emit(self.selected_flag())

    def selected_flag(self) -> RedFlagView | None:
        """The selected flag if it can be escalated or resolved: still open (a computed flag too,
        which its first escalation records)."""
        item = self.currentItem()
        f = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return f if f is not None and (f.id is not None or f.computed) and f.open else None
