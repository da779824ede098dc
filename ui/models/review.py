"""Table model for the sync review list (thin: rows are built on the store worker)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

KIND_WORDS = {"rejected": "✖ Rejected", "not_applied": "▲ Not applied", "conflict": "⚑ Conflict",
              "set_aside": "✖ Set aside"}
HEADERS = ("What", "When", "Change", "Why / what to do")

Index = QModelIndex | QPersistentModelIndex


class ReviewModel(QAbstractTableModel):
    def __init__(self, items: list[Any] | None = None) -> None:
        super().__init__()
        self.items: list[Any] = list(items or [])

    def set_items(self, items: list[Any]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        item = self.items[index.row()]
        return (KIND_WORDS.get(item.kind, item.kind), item.when[:16].replace("T", " "), item.what, item.detail)[index.column()]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return HEADERS[section]
        return None
