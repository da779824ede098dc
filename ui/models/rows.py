"""A thin read-only table model over rows built elsewhere (STYLE.md habit 5).

Rows are plain tuples prepared off the GUI thread; ``data()`` only indexes into them: no database
access, no formatting work. A row may carry a status per cell (for colour) and a payload (for
actions such as "open this shift"), and a tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

Index = QModelIndex | QPersistentModelIndex

# Role numbers and the alignment as plain ints, worked out once: data() is called for every cell
# and role on each paint, and building Qt enums there costs more than the lookup itself.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_ACCESSIBLE = int(Qt.ItemDataRole.AccessibleTextRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)

# NHS colours; status always travels with an icon and a word in the cell text as well.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    "ok": ("#007F3B", "#FFFFFF"),
    "warn": ("#FFB81C", "#212B32"),
    "bad": ("#DA291C", "#FFFFFF"),
    "muted": ("#F0F4F5", "#4C6272"),
}


@dataclass(frozen=True)
class Row:
    cells: tuple[str, ...]
    payload: Any = None
    status: dict[int, str] = field(default_factory=dict)  # column -> key of STATUS_COLOURS
    tooltip: str = ""


class RowTableModel(QAbstractTableModel):
    def __init__(self, headers: Sequence[str], rows: Sequence[Row] = (), numeric: Sequence[int] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self._headers = tuple(headers)
        self._rows: list[Row] = list(rows)
        self._numeric = frozenset(numeric)
        self._brushes = {k: (QBrush(QColor(bg)), QBrush(QColor(fg))) for k, (bg, fg) in STATUS_COLOURS.items()}

    def set_rows(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Row:
        return self._rows[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row, col = index.row(), index.column()
        if not 0 <= row < len(self._rows):
            return None
        r = self._rows[row]
        if not 0 <= col < len(r.cells):
            return None
        role = int(role)
        if role in (_DISPLAY, _ACCESSIBLE):
            return r.cells[col]
        if role == _TOOLTIP:
            return r.tooltip or None
        if role == _ALIGN:
            return _RIGHT if col in self._numeric else None
        if role in (_BACKGROUND, _FOREGROUND):
            status = r.status.get(col)
            if status is not None:
                return self._brushes[status][0 if role == _BACKGROUND else 1]
        return None

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self._headers[section] if 0 <= section < len(self._headers) else None
        return str(section + 1)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
