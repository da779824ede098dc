"""Read-side queries: plain dataclasses out, no ORM objects leak to screens or the CLI."""

from __future__ import annotations

import calendar
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from hardtruths_desktop.domain import ids, staffing_return
from hardtruths_desktop.domain.shift_rows import (
    FlagIn,
    FlagLine,
    PatternIn,
    PlanIn,
    ShiftIn,
    ShiftLine,
    plan_on,
    shift_json,
    shift_lines,
)
from hardtruths_desktop.domain.staffing import (
    GroupFigures,
    MonthlyReturn,
    Period,
    ShiftTimes,
    computed_red_flags,
)
from hardtruths_desktop.domain.validation import ValidationError, check_ward_code
from hardtruths_desktop.store.infos import StaffInfo as StaffInfo
from hardtruths_desktop.store.infos import WardInfo as WardInfo
from hardtruths_desktop.store.tables import (
    Establishment,
    Incident,
    RedFlag,
    Shift,
    ShiftPattern,
    ShiftStaffing,
    Staff,
    Trust,
    Ward,
    WardDay,
)


def pattern_times(p: ShiftPattern) -> ShiftTimes:
    period: Period = "night" if p.period == "night" else "day"
    return ShiftTimes(p.code, p.name, time.fromisoformat(p.start_time), time.fromisoformat(p.end_time), period)


#: A red flag as a screen shows it (raised by a nurse, or computed from the figures).
RedFlagView = FlagLine


@dataclass(frozen=True)
class ShiftView:
    ward_code: str
    ward_id: str
    shift_id: str
    date: date
    shift_code: str
    shift_name: str
    period: Period
    start: time
    end: time
    recorded: bool
    groups: dict[str, GroupFigures]
    nurse_in_charge_id: str | None = None
    nurse_in_charge: str | None = None
    patients_at_midnight: int | None = None
    notes: str = ""
    red_flags: tuple[RedFlagView, ...] = ()
    updated_at: str = ""
    updated_by: str = ""
    needs_review: bool = False

    @property
    def computed_flags(self) -> list[str]:
        return computed_red_flags(self.groups) if self.recorded else []

    @property
    def open_flags(self) -> list[RedFlagView]:
        return [f for f in self.red_flags if f.open]

    def to_json(self) -> dict[str, Any]:
        return shift_json(self.ward_code, self)


# --- wards and staff ------------------------------------------------------------------------------

def ward_row(session: Session, code: str) -> Ward:
    code = check_ward_code(code, "ward")
    row = session.get(Ward, ids.ward_id(code))
    if row is None:
        known = ", ".join(w.code for w in session.exec(select(Ward).order_by(Ward.code)).all()) or "none yet"
        raise ValidationError.single("ward", f"There is no ward '{code}' on this station (wards: {known})")
    return row


WardRef = str | Ward  # a ward id (what screens hold) or the ward's row (what the CLI looked up by code)


def ward_of(session: Session, ward: WardRef) -> Ward:
    """The ward's row for a repository that was given a ward id (or already the row)."""
    if isinstance(ward, Ward):
        return ward
    row = session.get(Ward, ward)
    if row is None:
        raise ValidationError.single("ward", "This ward is no longer on the station")
    return row


def patterns(session: Session, ward_id: str, include_inactive: bool = False) -> list[ShiftPattern]:
    q = select(ShiftPattern).where(ShiftPattern.ward_id == ward_id)
    if not include_inactive:
        q = q.where(ShiftPattern.active == True)  # noqa: E712
    return list(session.exec(q.order_by(col(ShiftPattern.sort_order), col(ShiftPattern.start_time))).all())


def ward_info(session: Session, w: Ward) -> WardInfo:
    trust = session.get(Trust, w.trust_id)
    return WardInfo(
        w.id, w.code, w.name, w.site, w.specialty, w.beds, trust.name if trust else "",
        tuple(pattern_times(p) for p in patterns(session, w.id)),
    )


def list_wards(session: Session) -> list[WardInfo]:
    return [ward_info(session, w) for w in session.exec(select(Ward).order_by(Ward.code)).all()]


def list_staff(session: Session, ward_id: str, include_inactive: bool = False) -> list[StaffInfo]:
    q = select(Staff, Ward.code).join(Ward).where(Staff.ward_id == ward_id)
    if not include_inactive:
        q = q.where(Staff.active == True)  # noqa: E712
    rows = session.exec(q.order_by(Staff.name)).all()
    return [StaffInfo(s.id, s.name, s.role, s.title, s.is_manager, s.active, code) for s, code in rows]


def find_staff(session: Session, ward_id: str, name: str) -> Staff:
    """A staff member of the ward by exact (case-insensitive) name."""
    wanted = unicodedata.normalize("NFC", name.strip()).casefold()  # names are stored NFC
    for s in session.exec(select(Staff).where(Staff.ward_id == ward_id, Staff.active == True)).all():  # noqa: E712
        if s.name.casefold() == wanted:
            return s
    raise ValidationError.single("name", f"'{name.strip()[:60]}' is not on this ward's staff list")


# --- establishment and shifts -----------------------------------------------------------------------

def _plan_rows(session: Session, ward_id: str, on: date | None = None) -> list[PlanIn]:
    q = select(Establishment).where(Establishment.ward_id == ward_id)
    if on is not None:
        q = q.where(Establishment.effective_from <= on)
    return [PlanIn(e.shift_code, e.staff_group, e.effective_from, e.planned_heads, e.planned_hours) for e in session.exec(q).all()]


def establishment_plan(session: Session, ward_id: str, on: date) -> dict[str, dict[str, GroupFigures]]:
    """``{shift_code: {group: GroupFigures(planned, planned_hours)}}`` in force on ``on``."""
    return plan_on(_plan_rows(session, ward_id, on), on)


def shifts_in_range(session: Session, ward: Ward, first: date, last: date, include_unrecorded: bool = True) -> list[ShiftView]:
    """Every shift of the ward's pattern between two dates (inclusive), recorded or not
    (``domain.shift_rows.shift_lines``, the same function the trust server uses)."""
    shift_rows = session.exec(
        select(Shift).where(Shift.ward_id == ward.id, Shift.shift_date >= first, Shift.shift_date <= last,
                            Shift.deleted == False)  # noqa: E712
    ).all()
    sids = [s.id for s in shift_rows]
    staffing: dict[str, dict[str, GroupFigures]] = defaultdict(dict)
    flags: dict[str, list[FlagIn]] = defaultdict(list)
    if sids:
        for r in session.exec(select(ShiftStaffing).where(col(ShiftStaffing.shift_id).in_(sids))).all():
            staffing[r.shift_id][r.staff_group] = GroupFigures(r.planned, r.actual, r.planned_hours, r.actual_hours, r.bank_agency)
        for f in session.exec(select(RedFlag).where(col(RedFlag.shift_id).in_(sids))).all():
            flags[f.shift_id].append(FlagIn(f.id, f.flag_type, f.raised_at, f.raised_by, f.detail, f.escalated_to,
                                            f.escalated_at, f.response, f.resolved_at))
    names = {s.id: s.name for s in session.exec(select(Staff).where(Staff.ward_id == ward.id)).all()}
    census = {
        d.day: d.patients_at_midnight
        for d in session.exec(select(WardDay).where(WardDay.ward_id == ward.id, WardDay.day >= first, WardDay.day <= last)).all()
    }
    pats = [PatternIn(p.code, p.name, time.fromisoformat(p.start_time), time.fromisoformat(p.end_time),
                      "night" if p.period == "night" else "day", p.active)
            for p in patterns(session, ward.id, include_inactive=True)]
    shifts = [ShiftIn(r.id, r.shift_date, r.shift_code, staffing[r.id], r.nurse_in_charge_id, r.notes, r.staffing_recorded,
                      flags[r.id], r.updated_at, r.updated_by, r.needs_review) for r in shift_rows]
    lines = shift_lines(ward.id, first, last, pats, shifts, _plan_rows(session, ward.id, last), names, census, include_unrecorded)
    if sids:  # issue 10: a red flag shows the reference of the incident reported from it
        refs: dict[tuple[str, str], str] = {}
        for sid_, fid, ftype, ref in session.exec(
                select(Incident.shift_id, Incident.red_flag_id, Incident.red_flag_type, Incident.reference)
                .where(col(Incident.shift_id).in_(sids)).order_by(col(Incident.reported_at))).all():
            refs.setdefault((str(sid_), fid or ftype or ""), ref)
        if refs:
            # by the flag's row; a computed flag (escalated or not) also by its type
            def ref_of(sid: str, f: FlagLine) -> str | None:
                return refs.get((sid, f.id or "")) or (refs.get((sid, f.flag_type)) if f.computed else None)

            lines = [replace(line, red_flags=tuple(replace(f, incident_ref=ref_of(line.shift_id, f)) for f in line.red_flags))
                     for line in lines]
    return [ShiftView(ward.code, ward.id, *(getattr(line, f.name) for f in fields(ShiftLine))) for line in lines]


def shift_view(session: Session, ward: Ward, day: date, shift_code: str) -> ShiftView:
    for v in shifts_in_range(session, ward, day, day):
        if v.shift_code == shift_code:
            return v
    raise ValidationError.single("shift", f"Ward {ward.code} has no '{shift_code}' shift")


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def month_return(session: Session, ward: Ward, year: int, month: int, now: datetime | None = None,
                 views: Sequence[ShiftView] | None = None) -> MonthlyReturn:
    """The ward's return for a month (``domain.staffing_return.month_return``, as the trust server
    computes it) as of ``now`` (aware; None: after the month, so every shift and day is due).
    ``views``: the month's shifts when the caller has already read them (the Month screen)."""
    first, last = month_bounds(year, month)
    census = {
        d.day: d.patients_at_midnight
        for d in session.exec(select(WardDay).where(WardDay.ward_id == ward.id, WardDay.day >= first, WardDay.day <= last)).all()
    }
    when = now or datetime.combine(last + timedelta(days=2), time(12), tzinfo=UTC)
    lines = views if views is not None else shifts_in_range(session, ward, first, last)
    return staffing_return.month_return(lines, census, first, last, when)


# --- station state ------------------------------------------------------------------------------------

def latest_census(session: Session, ward_id: str, on: date) -> tuple[date, int] | None:
    """The most recent recorded 23:59 patient count on or before ``on`` (for the Today screen)."""
    row = session.exec(
        select(WardDay)
        .where(WardDay.ward_id == ward_id, WardDay.day <= on, col(WardDay.patients_at_midnight).is_not(None))
        .order_by(col(WardDay.day).desc())
        .limit(1)
    ).first()
    if row is None or row.patients_at_midnight is None:
        return None
    return row.day, row.patients_at_midnight
