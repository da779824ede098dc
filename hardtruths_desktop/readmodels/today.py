"""Today: the shift in progress by the clock, its figures and flags, and the latest 23:59 count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hardtruths_desktop.domain.staffing import current_shift
from hardtruths_desktop.readmodels.common import ward_time
from hardtruths_desktop.store.queries import ShiftView, latest_census, shift_view, ward_info
from hardtruths_desktop.store.session import Store
from hardtruths_desktop.store.tables import Ward


@dataclass(frozen=True)
class Census:
    """The most recent 23:59 patient count: the day it was taken and the number."""

    day: date
    patients: int


@dataclass(frozen=True)
class Today:
    view: ShiftView  # the shift in progress, recorded or not
    today: date  # the ward's date now (for "today 14:02" / "yesterday" wording)
    census: Census | None
    beds: int


def load_today(store: Store, ward_id: str, *, now: datetime) -> Today | None:
    """The shift in progress on the ward at ``now``; None when the ward is gone or has no shift pattern."""
    local = ward_time(now)
    with store.read() as s:
        ward = s.get(Ward, ward_id)
        if ward is None:
            return None
        info = ward_info(s, ward)
        cur = current_shift(info.patterns, local)
        if cur is None:
            return None
        d, pattern = cur
        view = shift_view(s, ward, d, pattern.code)
        census = latest_census(s, ward_id, d)
        return Today(view, local.date(), Census(*census) if census else None, ward.beds)


__all__ = ["Census", "Today", "load_today"]
