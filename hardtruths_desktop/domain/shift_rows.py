"""A ward's shifts over a range of days, as the station's screens and the trust server both show them.

One pure function (``shift_lines``) turns the ward's shift pattern (retired codes included), its
recorded shifts with their staffing and red flags, its establishment and its census into one line
per shift: the plan for a shift nobody recorded, the figures and computed red flags for one that was.
The station (``store.queries.shifts_in_range``) and the trust server (``trust_server.staffing``) read
their own tables into these inputs and call it, so the two can never drift apart. No I/O here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any, Protocol

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.staffing import (
    GroupFigures,
    Period,
    computed_red_flags,
    ordered_group_codes,
    plan_for_length,
    shift_length,
)
from hardtruths_desktop.domain.valuesets import red_flag_type, red_flag_types


@dataclass(frozen=True)
class PatternIn:
    code: str
    name: str
    start: time
    end: time
    period: Period
    active: bool = True


@dataclass(frozen=True)
class FlagIn:
    """A red flag a nurse raised (``raised_by`` a staff id or a name)."""

    id: str
    flag_type: str
    raised_at: str | None
    raised_by: str = ""
    detail: str = ""
    escalated_to: str = ""
    escalated_at: str | None = None
    response: str = ""
    resolved_at: str | None = None


@dataclass(frozen=True)
class ShiftIn:
    """A shift someone recorded (or made to hang a red flag or a note on: ``recorded`` False)."""

    id: str
    day: date
    code: str
    groups: Mapping[str, GroupFigures]
    nurse_in_charge_id: str | None = None
    notes: str = ""
    recorded: bool = True
    flags: Sequence[FlagIn] = ()
    updated_at: str = ""
    updated_by: str = ""
    needs_review: bool = False


@dataclass(frozen=True)
class PlanIn:
    """One establishment row: planned heads and hours of a staff group on a shift, from a date on."""

    shift_code: str
    staff_group: str
    effective_from: date
    heads: int
    hours: float


@dataclass(frozen=True)
class FlagLine:
    id: str | None  # None for a computed flag
    flag_type: str
    label: str
    computed: bool
    raised_at: str | None = None
    raised_by: str = ""
    detail: str = ""
    escalated_to: str = ""
    escalated_at: str | None = None
    response: str = ""
    resolved_at: str | None = None
    incident_ref: str | None = None  # the reference of the incident reported from this flag (issue 10)

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "type": self.flag_type, "label": self.label, "computed": self.computed,
            "raised_at": self.raised_at, "raised_by": self.raised_by, "detail": self.detail,
            "escalated_to": self.escalated_to, "escalated_at": self.escalated_at,
            "response": self.response, "resolved_at": self.resolved_at, "incident": self.incident_ref,
        }


@dataclass(frozen=True)
class ShiftLine:
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
    red_flags: tuple[FlagLine, ...] = field(default=())
    updated_at: str = ""
    updated_by: str = ""
    needs_review: bool = False


def flag_label(code: str) -> str:
    try:
        return red_flag_type(code).label
    except KeyError:  # a type this version does not know (a newer station's): its code
        return code


def plan_on(plan: Iterable[PlanIn], day: date) -> dict[str, dict[str, GroupFigures]]:
    """``{shift_code: {group: GroupFigures(planned, planned_hours)}}`` in force on ``day``."""
    out: dict[str, dict[str, GroupFigures]] = {}
    for e in sorted(plan, key=lambda e: e.effective_from):  # a later effective_from overwrites an earlier
        if e.effective_from <= day:
            out.setdefault(e.shift_code, {})[e.staff_group] = GroupFigures(planned=e.heads, planned_hours=e.hours)
    return out


def groups_json(groups: Mapping[str, GroupFigures]) -> dict[str, dict[str, Any]]:
    """Per staff group figures; rn and care are always there (zero when nothing was planned)."""
    return {
        code: {"planned": g.planned, "actual": g.actual, "planned_hours": g.planned_hours,
               "actual_hours": g.actual_hours, "bank_agency": g.bank_agency}
        for code, g in {"rn": GroupFigures(), "care": GroupFigures(), **groups}.items()
    }


def _line(f: FlagIn, names: Mapping[str, str], computed: bool = False) -> FlagLine:
    return FlagLine(f.id, f.flag_type, flag_label(f.flag_type), computed, f.raised_at, names.get(f.raised_by, f.raised_by),
                    f.detail, f.escalated_to, f.escalated_at, f.response, f.resolved_at)


def _flags(s: ShiftIn, groups: dict[str, GroupFigures], names: Mapping[str, str]) -> tuple[FlagLine, ...]:
    """The shift's red flags: computed ones first (with their record once someone escalated or
    answered one), then those nurses raised, oldest first. A computed flag's record stays shown
    after the figures are corrected: it was escalated."""
    computed_types = {t.code for t in red_flag_types() if t.computed}
    records = {f.flag_type: f for f in s.flags if f.flag_type in computed_types}
    now = computed_red_flags(groups) if s.recorded else []
    computed = [_line(records[c], names, True) if c in records else FlagLine(None, c, flag_label(c), True) for c in now]
    computed += [_line(f, names, True) for c, f in records.items() if c not in now]
    raised = [_line(f, names) for f in sorted(s.flags, key=lambda f: f.raised_at or "") if f.flag_type not in computed_types]
    return (*computed, *raised)


def shift_lines(
    ward_id: str,
    first: date,
    last: date,
    patterns: Sequence[PatternIn],
    shifts: Iterable[ShiftIn],
    plan: Sequence[PlanIn],
    names: Mapping[str, str],
    census: Mapping[date, int | None],
    include_unrecorded: bool = True,
) -> list[ShiftLine]:
    """Every shift of the ward's pattern from ``first`` to ``last`` (inclusive), in day and pattern
    order, recorded or not; shifts recorded under a code no longer in use follow, with their old
    name, times and day/night. ``patterns`` come in display order, retired ones included."""
    active = [p for p in patterns if p.active]
    retired = {p.code: p for p in patterns if not p.active}
    by_key = {(s.day, s.code): s for s in shifts if first <= s.day <= last}
    known = {p.code for p in active}
    out: list[ShiftLine] = []

    def recorded(s: ShiftIn, p: PatternIn) -> ShiftLine:
        groups = {c: s.groups[c] for c in ordered_group_codes(s.groups)}
        nic = s.nurse_in_charge_id
        return ShiftLine(s.id, s.day, p.code, p.name, p.period, p.start, p.end, s.recorded, groups, nic,
                         names.get(nic) if nic else None, census.get(s.day), s.notes, _flags(s, groups, names),
                         s.updated_at, names.get(s.updated_by, s.updated_by), s.needs_review)

    day = first
    plans: dict[str, dict[str, GroupFigures]] | None = None
    while day <= last:
        plans = None
        for p in active:
            s = by_key.get((day, p.code))
            if s is not None:
                out.append(recorded(s, p))
            elif include_unrecorded:
                if plans is None:
                    plans = plan_on(plan, day)
                planned = plan_for_length(plans.get(p.code, {}), shift_length(day, p.start, p.end, p.period))
                out.append(ShiftLine(ids.shift_id(ward_id, day, p.code), day, p.code, p.name, p.period, p.start, p.end, False,
                                     {c: planned[c] for c in ordered_group_codes(planned)},
                                     patients_at_midnight=census.get(day)))
        for (d, code), s in sorted(by_key.items(), key=lambda kv: kv[0][1]):
            if d == day and code not in known:
                old = retired.get(code) or PatternIn(code, code, time(0), time(0), "day", False)
                out.append(recorded(s, old))
        day += timedelta(days=1)
    return out


class ShiftBasics(Protocol):
    """What every view of a shift has (``ShiftLine`` here, ``store.queries.ShiftView`` in the store)."""

    @property
    def date(self) -> date: ...
    @property
    def shift_code(self) -> str: ...
    @property
    def shift_name(self) -> str: ...
    @property
    def period(self) -> Period: ...
    @property
    def recorded(self) -> bool: ...
    @property
    def groups(self) -> dict[str, GroupFigures]: ...


class ShiftLike(ShiftBasics, Protocol):
    """A shift as ``staffing show --json`` prints it."""

    @property
    def nurse_in_charge(self) -> str | None: ...
    @property
    def patients_at_midnight(self) -> int | None: ...
    @property
    def notes(self) -> str: ...
    @property
    def red_flags(self) -> tuple[FlagLine, ...]: ...


def shift_json(ward_code: str, line: ShiftLike) -> dict[str, Any]:
    """The JSON of ``hardtruths-desktop staffing show --json`` and of the trust server's staffing
    (``sync.protocol.ShiftSummary`` types it)."""
    return {
        "ward": ward_code, "date": line.date.isoformat(), "shift": line.shift_code, "shift_name": line.shift_name,
        "period": line.period, "recorded": line.recorded, "nurse_in_charge": line.nurse_in_charge,
        "patients_at_midnight": line.patients_at_midnight, "notes": line.notes,
        "red_flags": [f.to_json() for f in line.red_flags], "groups": groups_json(line.groups),
    }
