"""Record staffing: one shift as the form shows it (figures, flags, who may be nurse in charge),
and the shifts of a day or a month as ``staffing show`` prints them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hardtruths_desktop.domain.valuesets import staff_group
from hardtruths_desktop.readmodels.common import ward_by_id, ward_time
from hardtruths_desktop.store import queries
from hardtruths_desktop.store.queries import RedFlagView, ShiftView, StaffInfo
from hardtruths_desktop.store.session import Store
from hardtruths_desktop.store.shift_drafts import KeptDraft, load_draft


@dataclass(frozen=True)
class ShiftForm:
    view: ShiftView
    nurses: tuple[StaffInfo, ...]  # registered nurses of the ward: who can be named nurse in charge
    today: date
    #: issue 12: what the person opening the form typed into this shift and did not save (theirs only)
    draft: KeptDraft | None = None


def load_shift_form(store: Store, ward_id: str, day: date, shift_code: str, *, now: datetime,
                    staff_id: str | None = None) -> ShiftForm:
    """One shift for the Record staffing form, with ``staff_id``'s unsaved draft of it. Raises
    ValidationError for an unknown ward or shift."""
    with store.read() as s:
        ward = ward_by_id(s, ward_id)
        view = queries.shift_view(s, ward, day, shift_code)
        nurses = tuple(p for p in queries.list_staff(s, ward_id) if staff_group(p.role).registered)
    draft = load_draft(store, staff_id, ward_id, day, shift_code)
    return ShiftForm(view, nurses, ward_time(now).date(), draft)


def load_shift(store: Store, ward_code: str, day: date, shift_code: str) -> ShiftView:
    """One shift of a ward named by its code (the CLI's words)."""
    with store.read() as s:
        return queries.shift_view(s, queries.ward_row(s, ward_code), day, shift_code)


def load_shifts(store: Store, ward_code: str, first: date, last: date) -> tuple[ShiftView, ...]:
    """Every shift of the pattern between two dates, recorded or not (``staffing show``)."""
    with store.read() as s:
        return tuple(queries.shifts_in_range(s, queries.ward_row(s, ward_code), first, last))


__all__ = ["KeptDraft", "RedFlagView", "ShiftForm", "ShiftView", "StaffInfo", "load_shift", "load_shift_form", "load_shifts"]
