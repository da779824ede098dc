"""Record or correct any shift's staffing, keyboard only: Tab through, Enter saves, Esc reverts.

The form parses what was typed with ``domain.validation`` (so messages match the CLI's), hands a
``ShiftChange`` to ``store.shifts.save_shift`` on the store worker, and writes the returned
problems next to their fields. Typed text is never cleared by a failed save.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.domain.valuesets import staff_groups
from ui.red_flags import RedFlagList
from ui.screen import Job, Screen
from ui.text import day_label, hhmm, local_when, num
from ui.views import flag_actions
from ui.views.on_duty import OnDutyBox  # issue 4
from ui.widgets import buddy_label, error_label, mark_invalid, show_error

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from hardtruths_desktop.domain.shift_draft import ShiftDraft
    from hardtruths_desktop.readmodels.staffing import KeptDraft, RedFlagView, ShiftForm, ShiftView, StaffInfo
    from hardtruths_desktop.store.session import WriteTx
    from hardtruths_desktop.store.shifts import ShiftChange
    from ui.context import Context

FIELDS = ("planned", "actual", "planned_hours", "actual_hours", "bank_agency")
FIELD_TITLES = ("Planned (people)", "Actual (people)", "Planned hours", "Actual hours", "Bank/agency (people)")


@dataclass
class GroupRow:
    code: str
    name: QLabel = field(default_factory=QLabel)
    edits: dict[str, QLineEdit] = field(default_factory=dict)
    error: QLabel = field(default_factory=error_label)


#: a draft is written this long after the last keystroke (as the incident report's is)
DRAFT_DELAY_MS = 300


class StaffingView(Screen):
    saved = Signal()
    entities = frozenset({"shift", "red_flag", "ward_day", "staff", "shift_pattern", "establishment"})

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.data: ShiftForm | None = None
        self._dirty = False
        self._touched: set[str] = set()  # field keys this nurse changed since the form was filled
        self._focus_after_load = False
        self._hours_touched: set[str] = set()
        #: drafts sent to the store and not yet confirmed kept, by (person, ward, (date, shift))
        self._held_drafts: dict[tuple[str, str, tuple[date, str]], ShiftDraft] = {}
        self._shown_key: tuple[date, str] | None = None  # the shift the fields show
        self._save_seq = 0
        # issue 12: typed figures are kept as a draft in the local store, for the person who typed
        # them, a moment after each keystroke (survives a shift change, an idle lock, a restart)
        self._draft_timer = QTimer(self)
        self._draft_timer.setSingleShot(True)
        self._draft_timer.setInterval(DRAFT_DELAY_MS)
        self._draft_timer.timeout.connect(self.keep_draft)
        self._confirmation = ""  # "Saved at ...": shown until the next edit, through the refresh a save causes
        self.setAccessibleName("Record staffing")


        # which shift
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("dd/MM/yyyy")
        self.shift_box = QComboBox()
        self.date_error = error_label()
        which = QHBoxLayout()
        which.addWidget(buddy_label("&Date (the shift starts on):", self.date_edit, "Shift date"))
        which.addWidget(self.date_edit)
        which.addSpacing(16)
        which.addWidget(buddy_label("S&hift:", self.shift_box, "Shift"))
        which.addWidget(self.shift_box)
        which.addStretch(1)
        self.state_label = QLabel()
        self.state_label.setObjectName("muted")
        self.state_label.setWordWrap(True)

        # staff groups
        groups_box = QGroupBox("Staff on duty")
        grid = QGridLayout(groups_box)
        grid.addWidget(QLabel("Staff group"), 0, 0)
        for i, title in enumerate(FIELD_TITLES):
            lab = QLabel(title)
            lab.setWordWrap(True)
            grid.addWidget(lab, 0, i + 1)
        self.rows: dict[str, GroupRow] = {}
        r = 1
        for g in staff_groups():
            row = GroupRow(g.code)
            name = row.name
            name.setText(g.label + ("  (not counted in fill rate)" if not g.counts_for_care_hours else ""))
            grid.addWidget(name, r, 0)
            for i, (f, title) in enumerate(zip(FIELDS, FIELD_TITLES, strict=True)):
                e = QLineEdit()
                e.setObjectName(f"{g.code}.{f}")
                e.setAccessibleName(f"{g.label}: {title.lower()}")
                e.setMaxLength(8)
                e.setAlignment(Qt.AlignmentFlag.AlignRight)
                e.textEdited.connect(self._on_edit)
                e.textEdited.connect(lambda _t, key=f"{g.code}.{f}": self._touched.add(key))
                if f == "actual":
                    e.textEdited.connect(lambda _t, code=g.code: self._actual_edited(code))
                if f == "actual_hours":
                    e.textEdited.connect(lambda _t, code=g.code: self._hours_touched.add(code))
                e.installEventFilter(self)  # Up/Down move to the same figure of the next group
                if i == 0:
                    name.setBuddy(e)
                row.edits[f] = e
                grid.addWidget(e, r, i + 1)
            grid.addWidget(row.error, r + 1, 0, 1, len(FIELDS) + 1)
            self.rows[g.code] = row
            r += 2
        grid.setColumnStretch(0, 2)
        self.all_groups = QCheckBox("Show every staff group (nursing associates, allied health professionals)")
        self.all_groups.setAccessibleName("Show every staff group")
        self.all_groups.toggled.connect(lambda _on: self._group_visibility())
        grid.addWidget(self.all_groups, r, 0, 1, len(FIELDS) + 1)

        # the rest of the shift
        self.nic_box = QComboBox()
        self.nic_error = error_label()
        self.patients_edit = QLineEdit()
        self.patients_edit.setMaxLength(6)
        self.patients_edit.textEdited.connect(self._on_edit)
        self.patients_edit.textEdited.connect(lambda _t: self._touched.add("patients_at_midnight"))
        self.patients_error = error_label()
        from hardtruths_desktop.domain.validation import MAX_NOTE
        from ui.note_edit import NoteEdit

        self.note_edit = NoteEdit(MAX_NOTE)  # issue 12: several lines, with a counter; Enter still saves
        self.note_edit.textEdited.connect(self._on_edit)
        self.note_edit.textEdited.connect(lambda _t: self._touched.add("notes"))
        self.note_error = error_label()
        self.nic_box.activated.connect(self._on_edit)
        self.nic_box.activated.connect(lambda _i: self._touched.add("nurse_in_charge"))
        self.nic_box.activated.connect(self._nic_chosen)
        self.patients_label = buddy_label("P&atients on the ward at 23:59:", self.patients_edit, "Patients at 23:59")
        more = QGridLayout()
        more.addWidget(buddy_label("&Nurse in charge:", self.nic_box), 0, 0)
        more.addWidget(self.nic_box, 0, 1)
        more.addWidget(self.nic_error, 1, 1)
        more.addWidget(self.patients_label, 2, 0)
        more.addWidget(self.patients_edit, 2, 1)
        more.addWidget(self.patients_error, 3, 1)
        more.addWidget(buddy_label("N&ote:", self.note_edit), 4, 0)
        more.addWidget(self.note_edit, 4, 1)
        more.addWidget(self.note_edit.counter, 5, 1)
        more.addWidget(self.note_error, 6, 1)
        more.setColumnStretch(1, 1)

        # red flags of this shift
        flags_box = QGroupBox("Red flags on this shift")
        self.flags = RedFlagList("None on this shift.")
        self.flags.setMaximumHeight(self.fontMetrics().lineSpacing() * 4 + 8)
        self.flags.selection_changed.connect(self._flag_selected)
        self.raise_btn = QPushButton("Raise red fla&g…")
        self.escalate_btn = QPushButton("&Escalate…")
        self.resolve_btn = QPushButton("Re&solve…")
        self.escalate_btn.setAccessibleName("Escalate the selected red flag")
        self.resolve_btn.setAccessibleName("Record the response to the selected red flag")
        self.raise_btn.clicked.connect(self._raise)
        self.escalate_btn.clicked.connect(self._escalate)
        self.resolve_btn.clicked.connect(self._resolve)
        fl = QVBoxLayout(flags_box)
        fl.addWidget(self.flags, 1)
        fb = QHBoxLayout()
        fb.addWidget(self.raise_btn)
        fb.addWidget(self.escalate_btn)
        fb.addWidget(self.resolve_btn)
        fb.addStretch(1)
        fl.addLayout(fb)

        self.form_error = error_label()
        self.draft_label = QLabel()  # "Unsaved draft": shown while a kept draft is in the form
        self.draft_label.setObjectName("draft")
        self.draft_label.setWordWrap(True)
        self.draft_label.hide()
        self.cancel_btn = QPushButton("Cancel changes (Esc)")
        self.cancel_btn.setAccessibleName("Cancel changes")
        self.cancel_btn.clicked.connect(self.revert)
        self.save_btn = QPushButton("Save shift (Enter)")
        self.save_btn.setObjectName("primary")
        self.save_btn.setAccessibleName("Save shift")
        self.save_btn.clicked.connect(self.save)
        # a shift recorded on the wrong date: the nurse in charge or the ward sister withdraws it
        self.withdraw_btn = QPushButton("Withdraw this shift…")  # no Alt key: rare, and Alt+A is Patients
        self.withdraw_btn.setAccessibleName("Withdraw this shift (recorded on the wrong date)")
        self.withdraw_btn.clicked.connect(self._withdraw)
        self.withdraw_btn.setEnabled(False)
        bottom = QHBoxLayout()
        bottom.addWidget(self.withdraw_btn)
        bottom.addStretch(1)
        bottom.addWidget(self.cancel_btn)
        bottom.addWidget(self.save_btn)

        # the figures scroll (large system fonts); Save and Cancel stay in view at the bottom
        body = QWidget()
        lay = QVBoxLayout(body)
        lay.setContentsMargins(0, 0, 6, 0)
        lay.addLayout(which)
        lay.addWidget(self.date_error)
        lay.addWidget(self.state_label)
        lay.addWidget(groups_box)
        lay.addLayout(more)
        # who is on duty: part of the one form (issue 12), saved by the same Enter, before the flags
        self.on_duty = OnDutyBox(ctx)
        self.on_duty.ticks_changed.connect(self._on_edit)
        lay.addWidget(self.on_duty)
        self.loaded.connect(lambda: self.on_duty.show_shift(self.current_key()))
        lay.addWidget(flags_box)
        lay.addStretch(1)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 8, 8, 8)
        outer.addWidget(area, 1)
        outer.addWidget(self.draft_label)
        outer.addWidget(self.form_error)
        outer.addLayout(bottom)

        chain: list[QWidget] = [self.date_edit, self.shift_box]
        for row in self.rows.values():
            chain += [row.edits[f] for f in FIELDS]
        chain += [self.all_groups, self.nic_box, self.patients_edit, self.note_edit, self.on_duty.list, self.flags, self.raise_btn,
                  self.escalate_btn, self.resolve_btn, self.cancel_btn, self.save_btn]
        for a, b in itertools.pairwise(chain):
            QWidget.setTabOrder(a, b)

        for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(self.save)
        esc = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        esc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        esc.activated.connect(self.revert)

        self.date_edit.dateChanged.connect(lambda _d: self._which_changed())
        self.shift_box.currentIndexChanged.connect(lambda _i: self._which_changed())
        self._flag_selected(None)

    # --- loading ----------------------------------------------------------------------------------

    def ward_changed(self) -> None:
        from hardtruths_desktop.domain.staffing import current_shift

        ward = self.ctx.ward
        if ward is None:
            return
        now = self.now()
        self.date_edit.blockSignals(True)
        self.shift_box.blockSignals(True)
        self.date_edit.setDateRange(_qdate(now.date() - timedelta(days=3 * 365)), _qdate(now.date() + timedelta(days=62)))
        self.shift_box.clear()
        for p in ward.patterns:
            self.shift_box.addItem(f"{p.name} ({hhmm(p.start)}–{hhmm(p.end)})", p.code)
        cur = current_shift(ward.patterns, now)
        self.date_edit.blockSignals(False)
        self.shift_box.blockSignals(False)
        if cur is not None:
            self.open_shift(cur[0], cur[1].code)

    def open_shift(self, d: date, code: str, focus: bool = False) -> None:
        """Show a shift. Typed figures are never thrown away (issue 12): the shift already showing
        keeps what was typed; another shift's unsaved figures are kept as a draft and come back
        when that shift is opened again."""
        if (d, code) == self._shown_key and self._unsaved():
            if focus:
                self._focus_first()
            return
        self._stash_draft()
        self._confirmation = ""
        self.date_edit.blockSignals(True)
        self.shift_box.blockSignals(True)
        self.date_edit.setDate(_qdate(d))
        i = self.shift_box.findData(code)
        if i >= 0:
            self.shift_box.setCurrentIndex(i)
        self.date_edit.blockSignals(False)
        self.shift_box.blockSignals(False)
        self._dirty = False
        self._focus_after_load = focus
        self.load()

    def current_key(self) -> tuple[date, str] | None:
        code = self.shift_box.currentData()
        if code is None:
            return None
        return self.date_edit.date().toPython(), str(code)  # type: ignore[return-value]

    def _which_changed(self) -> None:
        self._confirmation = ""
        self._stash_draft()  # the date or shift changed: what was typed waits as a draft
        self._dirty = False
        self.load()

    # --- drafts: typed figures are never lost (issue 12) -----------------------------------------------

    def _unsaved(self) -> bool:
        return self._dirty or self.on_duty.dirty

    def _stash_draft(self) -> None:
        """The date or shift is changing: what was typed for the shift showing is kept now."""
        self.keep_draft()

    def current_draft(self) -> ShiftDraft:
        from hardtruths_desktop.domain.shift_draft import ShiftDraft

        return ShiftDraft(
            texts={f"{c}.{f}": e.text() for c, row in self.rows.items() for f, e in row.edits.items()},
            nurse_in_charge_id=self.nic_box.currentData(), patients=self.patients_edit.text(), note=self.note_edit.text(),
            touched=frozenset(self._touched), hours_touched=frozenset(self._hours_touched),
            ticks=tuple(self.on_duty.ticked()) if self.on_duty.dirty else None,
        )

    def keep_draft(self) -> None:
        """Write the unsaved figures of the shift showing to the local store as the signed-in
        person's draft (never synced; only they get it back)."""
        self._draft_timer.stop()
        key, user = self._shown_key, self.ctx.user
        if key is None or user is None or self.ctx.ward is None or not self._unsaved():
            return
        from hardtruths_desktop.store.shift_drafts import save_draft

        draft, staff_id, ward_id, clock = self.current_draft(), user.id, self.ctx.ward_id, self.ctx.clock
        held = (staff_id, ward_id, key)
        # held in memory until the store has it: a draft the store cannot take (full disk, a bug)
        # still comes back to this person in this session, and they are told, never shown a dialog
        self._held_drafts[held] = draft

        def kept(_r: object) -> None:
            if self._held_drafts.get(held) is draft:
                del self._held_drafts[held]

        def not_kept(e: BaseException) -> None:
            log.error("the shift draft could not be kept in the store (held in memory)", exc_info=e)
            if self._shown_key == key:
                self.draft_label.setText("⚠ What you typed could not be kept on this PC as a draft "
                                         f"({(str(e).splitlines() or [type(e).__name__])[0]}). It is still here: press Enter to save it.")
                self.draft_label.setAccessibleName(self.draft_label.text())
                self.draft_label.show()

        self.ctx.query(lambda store: save_draft(store, staff_id, ward_id, key[0], key[1], draft, clock=clock),
                       kept, not_kept)

    def _forget_held(self) -> None:
        """The shown shift's draft is done with (saved or thrown away): drop the session's copy too."""
        if self._shown_key is not None and self.ctx.user is not None:
            self._held_drafts.pop((self.ctx.user.id, self.ctx.ward_id, self._shown_key), None)

    def _restore_draft(self, kept: KeptDraft) -> None:
        """Put this person's kept draft back into the form, marked as an unsaved draft."""
        draft = kept.draft
        # only what this person changed goes back over the stored figures: a field they never touched
        # shows what is stored now (someone may have saved the shift since the draft was kept)
        for k, text in draft.texts.items():
            code, _, f = k.partition(".")
            if k in draft.touched and code in self.rows and f in self.rows[code].edits:
                self.rows[code].edits[f].setText(text)
        if "nurse_in_charge" in draft.touched:
            i = self.nic_box.findData(draft.nurse_in_charge_id)
            if i >= 0:
                self.nic_box.setCurrentIndex(i)
        if "patients_at_midnight" in draft.touched:
            self.patients_edit.setText(draft.patients)
        if "notes" in draft.touched:
            self.note_edit.setText(draft.note)
        self._touched, self._hours_touched = set(draft.touched), set(draft.hours_touched)
        if draft.ticks is not None:
            self.on_duty.keep_ticks(list(draft.ticks))
        self._dirty = True
        self._group_visibility()
        from hardtruths_desktop.domain.clock import LONDON

        when = kept.saved_at.astimezone(LONDON)
        self.draft_label.setText(f"✎ Unsaved draft: what you typed here (last at {when:%H:%M} on {when:%a %d %b}) is back, "
                                 "NOT saved yet. Enter saves it; Esc throws the draft away.")
        self.draft_label.setAccessibleName(self.draft_label.text())
        self.draft_label.show()

    def _drop_draft_label(self) -> None:
        self.draft_label.hide()
        self.draft_label.clear()

    def start_over(self) -> None:
        """Someone else signed in (or the first person since the station started): the form shows
        what is stored, plus that person's own draft of the shift if they left one. What the last
        person typed stays kept for them, never shown to or saved by anyone else."""
        self._draft_timer.stop()
        self._save_seq += 1
        self._confirmation = ""
        self._dirty = False
        self._touched.clear()
        self._drop_draft_label()
        if self.data is not None:  # at once: the next person never sees the last one's typing
            self.fill(self.data.view, self.data.nurses)
        self.on_duty.revert()
        self.refresh(keep_if_typed=True)  # what this person types before it arrives is theirs: kept

    def has_unsaved(self) -> bool:
        return self._unsaved()

    def _focus_first(self) -> None:
        first = self.rows["rn"].edits["actual"]
        first.setFocus(Qt.FocusReason.TabFocusReason)
        first.selectAll()

    def load(self) -> None:
        self.refresh()

    def loader(self) -> Job | None:
        key = self.current_key()
        if key is None or self.ctx.ward is None:
            return None
        ward_id, now = self.ctx.ward_id, self.now()
        staff_id = self.ctx.user.id if self.ctx.user else None
        d, code = key

        def job(store: Any) -> ShiftForm:
            from hardtruths_desktop.readmodels.staffing import load_shift_form

            return load_shift_form(store, ward_id, d, code, now=now, staff_id=staff_id)

        return job

    def load_failed(self, e: BaseException) -> None:
        if isinstance(e, ValidationError):
            self._show_errors(e.errors)
        else:
            from ui.dialogs.messages import Notice

            Notice.unexpected(self, e)

    def changes_applied(self, _changes: Any) -> None:
        # refresh the flags (and the figures unless the nurse is part-way through typing)
        self.refresh(keep_typed=self._dirty)

    def show_data(self, data: ShiftForm, keep_typed: bool = False, keep_if_typed: bool = False, **_opts: Any) -> None:
        v = data.view
        keep_typed = keep_typed or (keep_if_typed and self._dirty)
        self.flags.show_flags(v.red_flags, data.today)
        self.patients_label.setText(f"P&atients on the ward at 23:59 on {day_label(v.date)}:")
        if v.recorded:
            who = f" by {v.updated_by}" if v.updated_by else ""
            self.state_label.setText(f"✓ Recorded – last saved {local_when(v.updated_at, data.today)}{who}. Correct any figure and press Enter.")
        else:
            self.state_label.setText("… Not recorded yet. Planned figures come from the ward's establishment; enter who is actually on duty.")
        from hardtruths_desktop.domain.staffing import shift_length

        self.withdraw_btn.setEnabled(v.recorded)
        length = shift_length(v.date, v.start, v.end, v.period)
        if length.clock_change:  # say it: the hours on this shift are not the usual ones
            self.state_label.setText(self.state_label.text() + f" This is {length.words()}.")
        key = (v.date, v.shift_code)
        if not keep_typed:
            self.fill(v, data.nurses)
            if self._confirmation and key == self._shown_key:
                self._info(self._confirmation)
            self._drop_draft_label()
            held = self._held_drafts.get((self.ctx.user.id if self.ctx.user else "", self.ctx.ward_id, key))
            if held is not None:  # the store could not take it: this session's copy comes back
                from hardtruths_desktop.domain.clock import utc_now
                from hardtruths_desktop.readmodels.staffing import KeptDraft

                self._restore_draft(KeptDraft(draft=held, saved_at=utc_now(self.ctx.clock)))
            elif data.draft is not None:
                self._restore_draft(data.draft)
        self._shown_key = key
        if self._focus_after_load:
            self._focus_after_load = False
            self._focus_first()

    def fill(self, v: ShiftView, nurses: Sequence[StaffInfo]) -> None:
        """Put a shift's stored values into the fields (used on load and by Esc)."""
        self._clear_errors()
        self._hours_touched = set()
        for code, row in self.rows.items():
            g = v.groups.get(code)
            for f, e in row.edits.items():
                if g is None or (not v.recorded and f in ("actual", "actual_hours", "bank_agency")):
                    e.setText("")
                else:
                    e.setText(num(getattr(g, f)))
        self.nic_box.clear()
        self.nic_box.addItem("– not named yet –", None)
        for n in nurses:
            self.nic_box.addItem(f"{n.name} ({n.title})" if n.title else n.name, n.id)
        if v.nurse_in_charge_id and self.nic_box.findData(v.nurse_in_charge_id) < 0:
            self.nic_box.addItem(v.nurse_in_charge or "someone no longer on the staff list", v.nurse_in_charge_id)
        self.nic_box.setCurrentIndex(max(0, self.nic_box.findData(v.nurse_in_charge_id)) if v.nurse_in_charge_id else 0)
        self.patients_edit.setText("" if v.patients_at_midnight is None else str(v.patients_at_midnight))
        self.note_edit.setText(v.notes)
        self._dirty = False
        self._touched.clear()
        self._group_visibility()

    def _group_visibility(self) -> None:
        """Registered nurses and care staff always; other groups when planned, recorded or asked for."""
        for code, row in self.rows.items():
            show = (self.all_groups.isChecked() or code in ("rn", "care")
                    or any(e.text().strip() not in ("", "0") for e in row.edits.values()))
            row.name.setVisible(show)
            for e in row.edits.values():
                e.setVisible(show)
            if not show:
                row.error.hide()

    def revert(self) -> None:
        """Esc: throw away what was typed (and its kept draft) and show the stored shift again
        (the ticks too)."""
        self._save_seq += 1  # a check on its way is stale
        self._draft_timer.stop()
        self._confirmation = ""
        if self.data is not None:
            self.fill(self.data.view, self.data.nurses)
        self.on_duty.revert()
        self._drop_draft_label()
        self._forget_held()
        key, user = self._shown_key, self.ctx.user
        if key is not None and user is not None and self.ctx.ward is not None:
            from hardtruths_desktop.store.shift_drafts import discard_draft

            staff_id, ward_id = user.id, self.ctx.ward_id
            self.ctx.query(lambda store: discard_draft(store, staff_id, ward_id, key[0], key[1]), lambda _r: None)

    def eventFilter(self, obj: Any, event: Any) -> bool:
        """In the figures, Up and Down move to the same figure of the group above or below (a
        table's arrows); Tab still moves on in reading order."""
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.KeyPress and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down) \
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            key = obj.objectName()
            code, _, f = key.partition(".")
            visible = [c for c, row in self.rows.items() if row.edits[f].isVisible()] if code in self.rows else []
            if code in visible:
                i = visible.index(code) + (1 if event.key() == Qt.Key.Key_Down else -1)
                if 0 <= i < len(visible):
                    target = self.rows[visible[i]].edits[f]
                    target.setFocus(Qt.FocusReason.TabFocusReason)
                    target.selectAll()
                return True
        return super().eventFilter(obj, event)

    def _nic_chosen(self, _i: int) -> None:
        """Naming the nurse in charge ticks her on duty (the core applies the same rule)."""
        nic = self.nic_box.currentData()
        if nic is not None:
            self.on_duty.tick_id(str(nic))

    # --- typing ---------------------------------------------------------------------------------------

    def _on_edit(self, *_a: Any) -> None:
        self._dirty = True
        self._confirmation = ""
        self._draft_timer.start()  # kept as a draft a moment after the last keystroke

    def _actual_edited(self, code: str) -> None:
        """Typing the people on duty fills their hours at the planned hours per person (or the
        shift's real length where the group is not planned), until the nurse types the hours
        themself: the core's one rule (``shift_entry.merge_group``), shown as it is typed."""
        from hardtruths_desktop.domain.shift_entry import hours_per_person, parse_figure
        from hardtruths_desktop.domain.staffing import shift_length

        if code in self._hours_touched or self.data is None:
            return
        v = self.data.view
        row = self.rows[code]
        try:
            planned = int(parse_figure(code, "planned", row.edits["planned"].text() or "0"))
            planned_h = float(parse_figure(code, "planned_hours", row.edits["planned_hours"].text() or "0"))
            actual = int(parse_figure(code, "actual", row.edits["actual"].text()))
        except ValidationError:
            return
        hours = round(actual * hours_per_person(planned, planned_h, shift_length(v.date, v.start, v.end).hours), 2)
        row.edits["actual_hours"].setText(num(hours))
        self._touched.add(f"{code}.actual_hours")

    # --- saving ---------------------------------------------------------------------------------------

    def gather(self, leave_out: Collection[str] = ()) -> tuple[dict[str, dict[str, float | int]], int | None, dict[str, str]]:
        """Hand the typed text to the domain's one parse step. Returns groups, patients, and
        problems by field key. ``leave_out``: field keys whose text is replaced by the stored value
        (the ones that could not be read), so the rest can still be checked by the core."""
        from hardtruths_desktop.domain.shift_entry import parse_entry

        stored = self.data.view if self.data else None
        texts = {code: {f: (self._stored_text(code, f) if f"{code}.{f}" in leave_out else e.text()) for f, e in row.edits.items()}
                 for code, row in self.rows.items()}
        patients = "" if "patients_at_midnight" in leave_out else self.patients_edit.text()
        shown = set(stored.groups) if stored else set()
        try:
            entry = parse_entry(texts, patients, shown)
        except ValidationError as e:
            return {}, None, e.errors
        return entry.groups, entry.patients_at_midnight, {}

    def _stored_text(self, code: str, f: str) -> str:
        g = self.data.view.groups.get(code) if self.data else None
        return num(getattr(g, f)) if g is not None else ""

    def _change(self, groups: dict[str, dict[str, float | int]], patients: int | None) -> ShiftChange:
        """What to save: only the fields this nurse changed. A figure another station changed
        meanwhile (and pulled into this form) is never sent back stale, and on a shift recorded for
        the first time an untouched default (a blank bank/agency, the plan) is not sent as if typed;
        the core adds the plan itself."""
        from hardtruths_desktop.store.shifts import KEEP, ShiftChange

        nic, notes = self.nic_box.currentData(), self.note_edit.text()
        touched = self._touched
        edited = {code: {f: v for f, v in values.items() if f"{code}.{f}" in touched} for code, values in groups.items()}
        return ShiftChange(
            groups={code: values for code, values in edited.items() if values},
            nurse_in_charge_id=nic if "nurse_in_charge" in touched else KEEP,
            patients_at_midnight=patients if "patients_at_midnight" in touched else KEEP,
            notes=notes if "notes" in touched else KEEP,
            hours_pro_rata=True,
            on_duty=self.on_duty.ticked() if self.on_duty.dirty and self.on_duty.data is not None else KEEP,
        )

    def save(self) -> None:
        key = self.current_key()
        if key is None or self.ctx.ward is None or self.ctx.user is None:
            return
        self._clear_errors()
        self._save_seq += 1  # a check still on its way from an earlier Enter is stale now
        groups, patients, problems = self.gather()
        ward_id, today = self.ctx.ward_id, self.now().date()
        d, code = key
        if problems:
            self._show_errors(problems)
            self._check_the_rest(problems, ward_id, d, code, today)
            return
        change = self._change(groups, patients)
        self._draft_timer.stop()
        staff_id = self.ctx.user.id

        def op(tx: WriteTx) -> bool:
            from hardtruths_desktop.store.shift_drafts import discard_in
            from hardtruths_desktop.store.shifts import save_shift
            changed = save_shift(tx, ward_id, d, code, change, today)
            discard_in(tx, staff_id, ward_id, d, code)  # saved: the draft has done its job (same transaction)
            return changed

        self.save_btn.setEnabled(False)
        self.ctx.write(op, self._saved, self._save_failed)

    def _check_the_rest(self, problems: dict[str, str], ward_id: str, d: date, code: str, today: date) -> None:
        """Issue 12: every problem at once. What could not be read is shown now; the rest of the
        form goes through the core's checks in a transaction that is always rolled back (nothing
        is written), and its problems join the first ones beside their fields."""
        groups, patients, more = self.gather(leave_out=problems)
        if more:
            return
        touched_before = self._touched
        self._touched = touched_before - set(problems)
        try:
            change = self._change(groups, patients)
        finally:
            self._touched = touched_before

        def check(tx: WriteTx) -> None:
            from hardtruths_desktop.store.shifts import save_shift

            try:
                save_shift(tx, ward_id, d, code, change, today)
            except ValidationError as e:
                raise ValidationError({**e.errors, **problems}) from None
            raise ValidationError(problems)  # never saved: the form still has unreadable fields

        seq = self._save_seq

        def checked(e: BaseException) -> None:
            if isinstance(e, ValidationError) and seq == self._save_seq and self.current_key() == (d, code):
                self._show_errors(e.errors)

        self.ctx.write(check, lambda _r: None, checked)

    def _saved(self, changed: bool) -> None:
        self.save_btn.setEnabled(True)
        self._dirty = False
        self._forget_held()  # saved: a copy held for the session must not come back over it
        self._drop_draft_label()
        self.on_duty.mark_saved()
        self.on_duty.reload()
        if changed:  # issue 12: a visible confirmation (kept through the refresh the save causes)
            who = self.ctx.user.name if self.ctx.user else ""
            self._confirmation = (f"✓ Saved at {self.now():%H:%M}{' by ' + who if who else ''}: the figures, the nurse in "
                                  "charge and who is on duty.")
        else:
            self._confirmation = "Nothing had changed: the shift was already saved like this."
        self._info(self._confirmation)
        self.saved.emit()

    def _info(self, text: str) -> None:
        self.form_error.setText(text)
        self.form_error.setAccessibleName(text)
        self.form_error.setProperty("info", True)
        self.form_error.style().unpolish(self.form_error)
        self.form_error.style().polish(self.form_error)
        self.form_error.show()

    def _save_failed(self, e: BaseException) -> None:
        self.save_btn.setEnabled(True)
        self.keep_draft()  # not saved: what was typed is kept as a draft
        if isinstance(e, ValidationError):
            self._show_errors(e.errors)
        else:
            from ui.dialogs.messages import Notice

            show_error(self.form_error, "Not saved: something went wrong. What you typed is still here.")
            Notice.unexpected(self, e)

    # --- problems beside fields -----------------------------------------------------------------------

    def error_widgets(self) -> dict[str, QLabel]:
        return {"nurse_in_charge": self.nic_error, "patients_at_midnight": self.patients_error,
                "note": self.note_error, "date": self.date_error, "shift": self.date_error, "on_duty": self.on_duty.error}

    def _clear_errors(self) -> None:
        for row in self.rows.values():
            show_error(row.error, None)
            for e in row.edits.values():
                _mark(e, False)
        for lab in self.error_widgets().values():
            show_error(lab, None)
        for w in (self.patients_edit, self.note_edit, self.nic_box):
            _mark(w, False)
        self.form_error.setProperty("info", False)
        show_error(self.form_error, None)

    def _show_errors(self, errors: dict[str, str]) -> None:
        first: QWidget | None = None
        by_group: dict[str, list[str]] = {}
        leftovers: list[str] = []
        for key, msg in errors.items():
            code, _, f = key.partition(".")
            if code in self.rows and f in self.rows[code].edits:
                by_group.setdefault(code, []).append(msg)
                e = self.rows[code].edits[f]
                _mark(e, True)
                first = first or e
            elif key in self.error_widgets():
                show_error(self.error_widgets()[key], msg)
                w = {"nurse_in_charge": self.nic_box, "patients_at_midnight": self.patients_edit,
                     "note": self.note_edit, "on_duty": self.on_duty.list}.get(key, self.date_edit)
                _mark(w, True)
                first = first or w
            else:
                leftovers.append(msg)
        for code, msgs in by_group.items():
            if not self.rows[code].name.isVisible():
                self.all_groups.setChecked(True)
            show_error(self.rows[code].error, " ".join(msgs))
        show_error(self.form_error, ("Not saved: " + " ".join(leftovers)) if leftovers else "Not saved: please correct the fields marked ⚠.")
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    # --- red flags ------------------------------------------------------------------------------------

    def _selected_flag(self) -> RedFlagView | None:
        return self.flags.selected_flag()

    def _flag_selected(self, f: RedFlagView | None) -> None:
        self.escalate_btn.setEnabled(f is not None)
        self.resolve_btn.setEnabled(f is not None)

    def _raise(self) -> None:
        key = self.current_key()
        if key is None:
            return
        label = f"{self.shift_box.currentText()} shift, {day_label(key[0])}"
        flag_actions.raise_flag(self.ctx, self, key[0], key[1], label)

    def _withdraw(self) -> None:
        from ui.dialogs.messages import Notice
        from ui.dialogs.red_flags import WithdrawDialog

        key = self.current_key()
        if key is None or self.ctx.ward is None or self.ctx.user is None:
            return
        reason = WithdrawDialog.ask(self, f"{self.shift_box.currentText()} shift, {day_label(key[0])}")
        if reason is None:
            return
        ward_id = self.ctx.ward_id

        def op(tx: WriteTx) -> None:
            from hardtruths_desktop.store.shifts import withdraw_shift

            withdraw_shift(tx, ward_id, key[0], key[1], reason)

        def failed(e: BaseException) -> None:
            if isinstance(e, ValidationError):
                Notice.error(self, "Shift not withdrawn", "\n".join(e.errors.values()))
            else:
                Notice.unexpected(self, e)

        self.ctx.write(op, lambda _r: None, failed)

    def _escalate(self) -> None:
        f = self._selected_flag()
        if f is not None:
            flag_actions.escalate(self.ctx, self, f, self.current_key())

    def _resolve(self) -> None:
        f = self._selected_flag()
        if f is not None:
            flag_actions.resolve(self.ctx, self, f, self.current_key())


def _qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def _mark(w: QWidget, bad: bool) -> None:
    mark_invalid(w, bad)
