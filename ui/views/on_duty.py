"""Who is on duty this shift: a tick list of the ward's staff, saved with ``store.board.set_on_duty``.

Feeds the "Hello my name is" team sheet and the named-nurse choices on the Beds screen. Sits in
Record staffing under the figures; the staffing screen tells it which shift it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from hardtruths_desktop.domain.validation import ValidationError
from ui.dialogs.messages import Notice
from ui.widgets import error_label, show_error

if TYPE_CHECKING:
    from hardtruths_desktop.store.session import Store, WriteTx
    from ui.context import Context


@dataclass(frozen=True)
class OnDutyData:
    shift_date: date
    shift_code: str
    staff: list[tuple[str, str, bool]]  # id, "Name – role", on duty


def load_on_duty(store: Store, ward_id: str, d: date, code: str) -> OnDutyData:
    """Runs on the store worker."""
    from hardtruths_desktop.domain.valuesets import staff_group
    from hardtruths_desktop.store import board
    from hardtruths_desktop.store.queries import list_staff
    from hardtruths_desktop.store.tables import Ward

    with store.read() as s:
        ward = s.get(Ward, ward_id)
        if ward is None:
            raise ValidationError.single("ward", "This ward is no longer on the station")
        on = {p.id for p in board.on_duty(s, ward, d, code)}
        staff = [(p.id, f"{p.name} – {p.title or staff_group(p.role).singular}", p.id in on) for p in list_staff(s, ward_id)]
    return OnDutyData(d, code, staff)


class OnDutyBox(QGroupBox):
    loaded = Signal()
    saved = Signal()

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__("Who is on duty this shift (for the \"Hello my name is\" team sheet)", parent)
        self.ctx = ctx
        self.data: OnDutyData | None = None
        self._key: tuple[date, str] | None = None
        self._dirty = False
        self.list = QListWidget()
        self.list.setAccessibleName("Staff on duty this shift")
        self.list.setMaximumHeight(self.fontMetrics().lineSpacing() * 8)
        self.list.itemChanged.connect(self._ticked)
        self.count = QLabel()
        self.count.setObjectName("muted")
        self.error = error_label()
        self.save_btn = QPushButton("Save &who is on duty")
        self.save_btn.setAccessibleName("Save who is on duty")
        self.save_btn.clicked.connect(self.save)
        row = QHBoxLayout()
        row.addWidget(self.count, 1)
        row.addWidget(self.save_btn)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel("Tick everyone working this shift. Press Space to tick the highlighted name."))
        lay.addWidget(self.list)
        lay.addWidget(self.error)
        lay.addLayout(row)
        ctx.changes_applied.connect(lambda _c: self.reload(keep_ticks=self._dirty))

    def show_shift(self, key: tuple[date, str] | None) -> None:
        """Show the shift the staffing screen has open (discarding unsaved ticks of another shift)."""
        if key != self._key:
            self._dirty = False
        self._key = key
        self.reload(keep_ticks=self._dirty)

    def revert(self) -> None:
        """Back to the stored ticks (the next person signing in does not save someone else's)."""
        self._dirty = False
        self.reload()

    def reload(self, keep_ticks: bool = False) -> None:
        if self._key is None or self.ctx.ward is None:
            return
        ward_id = self.ctx.ward_id
        d, code = self._key
        self.ctx.query(lambda store: load_on_duty(store, ward_id, d, code), lambda data: self._show(data, keep_ticks))

    def _show(self, data: OnDutyData, keep_ticks: bool) -> None:
        if (data.shift_date, data.shift_code) != self._key:
            return
        ticked = set(self.ticked()) if keep_ticks else {sid for sid, _n, on in data.staff if on}
        self.data = data
        self.list.blockSignals(True)
        self.list.clear()
        for sid, text, _on in data.staff:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, sid)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Checked if sid in ticked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._count()
        self.loaded.emit()

    def ticked(self) -> list[str]:
        return [str(self.list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def tick(self, name: str, on: bool = True) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.text().split(" – ")[0] == name:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _ticked(self, _item: QListWidgetItem) -> None:
        self._dirty = True
        self._count()

    def _count(self) -> None:
        n = len(self.ticked())
        self.count.setText(f"{n} ticked as on duty" + (" (not saved yet)" if self._dirty else ""))

    def save(self) -> None:
        if self._key is None or self.ctx.ward is None or self.ctx.user is None:
            return
        d, code = self._key
        ids = self.ticked()
        ward_id = self.ctx.ward_id

        def op(tx: WriteTx) -> None:
            from hardtruths_desktop.store import board
            from hardtruths_desktop.store.tables import Ward

            ward = tx.session.get(Ward, ward_id)
            assert ward is not None
            board.set_on_duty(tx, ward, d, code, ids, tx.today)

        def done(_r: None) -> None:
            self._dirty = False
            self._count()
            self.saved.emit()

        def failed(e: BaseException) -> None:
            if isinstance(e, ValidationError):
                show_error(self.error, " ".join(e.errors.values()))
            else:
                Notice.unexpected(self, e)

        show_error(self.error, None)
        self.ctx.write(op, done, failed)
