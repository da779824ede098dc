"""Who is on duty this shift: a tick list of the ward's staff, part of the Record staffing form.

The ticks are saved with the figures and the nurse in charge by the form's one Enter
(``store.shifts.save_shift`` with ``ShiftChange.on_duty``); naming the nurse in charge ticks her here
at once (and the core adds her whatever the form sends). Feeds the "Hello my name is" team sheet and
the named-nurse choices on the Beds screen. The staffing screen tells it which shift it shows.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from ui.screen import Job, Screen
from ui.widgets import error_label

if TYPE_CHECKING:
    from hardtruths_desktop.readmodels.on_duty import OnDuty
    from ui.context import Context


class OnDutyBox(Screen):
    """A part of Record staffing with its own read-model (the staffing screen says which shift)."""

    ticks_changed = Signal()
    entities = frozenset({"shift", "staff"})

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.box = QGroupBox("Who is on d&uty this shift (for the \"Hello my name is\" team sheet)")
        self.data: OnDuty | None = None
        self._key: tuple[date, str] | None = None
        self._dirty = False
        self._draft_ticks: list[str] | None = None
        self.list = QListWidget()
        self.list.setAccessibleName("Staff on duty this shift")
        self.list.setMaximumHeight(self.fontMetrics().lineSpacing() * 8)
        self.list.itemChanged.connect(self._ticked)
        self.count = QLabel()
        self.count.setObjectName("muted")
        self.error = error_label()
        # the names ticked against the shift's numbers: said on save (and printed on both sheets)
        self.mismatch = QLabel()
        self.mismatch.setWordWrap(True)
        self.mismatch.setAccessibleName("Names and numbers differ")
        self.mismatch.hide()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.box)
        lay = QVBoxLayout(self.box)
        hint = QLabel("Tick everyone working this shift (Space ticks the highlighted name). Saved with the shift.")
        hint.setWordWrap(True)
        lay.addWidget(hint)
        lay.addWidget(self.list)
        lay.addWidget(self.error)
        lay.addWidget(self.mismatch)
        lay.addWidget(self.count)

    def show_shift(self, key: tuple[date, str] | None) -> None:
        """Show the shift the staffing screen has open (discarding unsaved ticks of another shift)."""
        if key != self._key and self._draft_ticks is None:
            self._dirty = False
        self._key = key
        self.reload(keep_ticks=self._dirty)

    def revert(self) -> None:
        """Back to the stored ticks (the next person signing in does not save someone else's)."""
        self._dirty = False
        self._draft_ticks = None
        self.reload()

    def reload(self, keep_ticks: bool = False) -> None:
        self.refresh(keep_ticks=keep_ticks)

    def changes_applied(self, _changes: Any) -> None:
        self.reload(keep_ticks=self._dirty)

    def ward_changed(self) -> None:
        pass  # the staffing screen tells this box which shift to show

    def loader(self) -> Job | None:
        if self._key is None or self.ctx.ward is None:
            return None
        ward_id = self.ctx.ward_id
        d, code = self._key

        def job(store: Any) -> OnDuty:
            from hardtruths_desktop.readmodels.on_duty import load_on_duty

            return load_on_duty(store, ward_id, d, code)

        return job

    def _load_arrived(self, seq: int, data: Any, opts: dict[str, Any]) -> None:
        if (data.shift_date, data.shift_code) == self._key:  # the staffing screen moved on meanwhile
            super()._load_arrived(seq, data, opts)

    def keep_ticks(self, ids: list[str]) -> None:
        """Ticks from a draft: shown (and marked unsaved) when this shift's list arrives."""
        self._draft_ticks = list(ids)
        self._dirty = True

    def show_data(self, data: OnDuty, keep_ticks: bool = False, **_opts: Any) -> None:
        if self._draft_ticks is not None and self._key == (data.shift_date, data.shift_code):
            ticked, self._draft_ticks = set(self._draft_ticks), None
            self._dirty = True
        else:
            ticked = set(self.ticked()) if keep_ticks else {p.id for p in data.staff if p.on_duty}
        self.list.blockSignals(True)
        self.list.clear()
        for p in data.staff:
            item = QListWidgetItem(f"{p.name} – {p.role}")
            item.setData(Qt.ItemDataRole.UserRole, p.id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsSelectable)
            item.setCheckState(Qt.CheckState.Checked if p.id in ticked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.blockSignals(False)
        self._count()
        self.data = data
        if data.mismatch:
            self.mismatch.setText("⚠ The names ticked and the numbers on duty differ: " + "; ".join(data.mismatch)
                                  + ". Correct the numbers or the ticks: both printed sheets will say so.")
        self.mismatch.setVisible(bool(data.mismatch))

    def ticked(self) -> list[str]:
        return [str(self.list.item(i).data(Qt.ItemDataRole.UserRole)) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]

    def tick(self, name: str, on: bool = True) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.text().split(" – ")[0] == name:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def tick_id(self, staff_id: str) -> None:
        """Tick one person (naming the nurse in charge ticks her)."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == staff_id and item.checkState() != Qt.CheckState.Checked:
                item.setCheckState(Qt.CheckState.Checked)

    @property
    def dirty(self) -> bool:
        return self._dirty

    def mark_saved(self) -> None:
        """The form saved the ticks with the shift."""
        self._dirty = False
        self._count()

    def _ticked(self, _item: QListWidgetItem) -> None:
        self._dirty = True
        self._count()
        self.ticks_changed.emit()

    def _count(self) -> None:
        n = len(self.ticked())
        self.count.setText(f"{n} ticked as on duty" + (" (not saved yet: press Enter to save the shift)" if self._dirty else ""))
