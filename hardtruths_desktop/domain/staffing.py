"""Staffing maths from DOMAIN.md section 1: fill rate, CHPPD, computed red flags, current shift.

All functions are pure. Hours are floats (hours, not minutes); head counts are ints.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

from hardtruths_desktop.domain.valuesets import staff_group, staff_groups

Period = Literal["day", "night"]

#: Ward time. (``domain.clock`` says the same; staffing imports nothing internal but value sets.)
LONDON = ZoneInfo("Europe/London")

RN_SHORTFALL_HOURS = 8.0
RN_SHORTFALL_FRACTION = 0.25
MIN_REGISTERED_NURSES = 2


@dataclass(frozen=True)
class GroupFigures:
    """Planned and actual staffing of one staff group on one shift."""

    planned: int = 0
    actual: int = 0
    planned_hours: float = 0.0
    actual_hours: float = 0.0
    bank_agency: int = 0  # of ``actual``, how many came from bank or agency


@dataclass(frozen=True)
class ShiftTimes:
    code: str
    name: str
    start: time
    end: time
    period: Period

    @property
    def hours(self) -> float:
        """Length of the shift in hours (a shift ending at or before its start ends next day)."""
        start = datetime.combine(date(2000, 1, 1), self.start)
        end = datetime.combine(date(2000, 1, 1), self.end)
        if end <= start:
            end += timedelta(days=1)
        return (end - start).total_seconds() / 3600

    def bounds(self, shift_date: date) -> tuple[datetime, datetime]:
        """Naive local start and end of this shift on ``shift_date`` (the date it starts on)."""
        start = datetime.combine(shift_date, self.start)
        return start, start + timedelta(hours=self.hours)

    def length(self, shift_date: date) -> ShiftLength:
        """The real length of this shift on ``shift_date`` (``shift_length``)."""
        return shift_length(shift_date, self.start, self.end, self.period)


@dataclass(frozen=True)
class ShiftLength:
    """How long a shift on a given date really lasts, in Europe/London (DOMAIN.md section 1: shift
    length is real elapsed time). ``hours`` is what passed on the clock on the wall of a
    station that stayed on all night; ``nominal`` what the pattern says on an ordinary day."""

    hours: float
    nominal: float
    period: Period = "day"

    @property
    def clock_change(self) -> int:
        """+1 when the clocks went back during the shift (an hour longer), -1 when they went forward."""
        diff = self.hours - self.nominal
        return 0 if abs(diff) < 1e-9 else (1 if diff > 0 else -1)

    def words(self) -> str:
        """"an 8-hour shift", "an 11-hour night (the clocks went back)"."""
        kind = "night" if self.period == "night" else "shift"
        n = f"{self.hours:g}"
        article = "an" if n.startswith(("8", "11", "18")) else "a"  # said "an eight", "an eleven", "an eighteen"
        text = f"{article} {n}-hour {kind}"
        if self.clock_change > 0:
            text += " (the clocks went back)"
        elif self.clock_change < 0:
            text += " (the clocks went forward)"
        return text


def _aware(day: date, at: time) -> datetime:
    """A Europe/London wall time as an aware UTC instant (a time skipped by the spring change is
    read as zoneinfo does, fold=0: the offset before the change)."""
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


@lru_cache(maxsize=4096)  # pure, and asked on every save (the zone arithmetic is the cost)
def shift_bounds_utc(shift_date: date, start: time, end: time) -> tuple[datetime, datetime]:
    """The real start and end (aware, UTC) of a shift that starts on ``shift_date``; a shift whose
    end is at or before its start ends the next day."""
    end_day = shift_date if end > start else shift_date + timedelta(days=1)
    return _aware(shift_date, start), _aware(end_day, end)


@lru_cache(maxsize=4096)  # pure (a frozen result), and asked on every save
def shift_length(shift_date: date, start: time, end: time, period: Period = "day") -> ShiftLength:
    """Real elapsed hours of a shift on ``shift_date``, Europe/London (the night that spans the
    clocks going back is an hour longer, the spring night an hour shorter)."""
    first, last = shift_bounds_utc(shift_date, start, end)
    real = (last - first).total_seconds() / 3600
    a = datetime.combine(date(2000, 1, 1), start)
    b = datetime.combine(date(2000, 1, 1), end)
    if b <= a:
        b += timedelta(days=1)
    return ShiftLength(round(real, 4), (b - a).total_seconds() / 3600, period)


def plan_for_length(plan: Mapping[str, GroupFigures], length: ShiftLength) -> dict[str, GroupFigures]:
    """The establishment's plan for one shift, on the day it really happens: on a night the clocks
    change, every planned person works an hour more (autumn) or less (spring), so the planned hours
    move by heads x that hour (never below 0)."""
    delta = length.hours - length.nominal
    if abs(delta) < 1e-9:
        return dict(plan)
    return {code: GroupFigures(g.planned, g.actual, round(max(0.0, g.planned_hours + g.planned * delta), 2), g.actual_hours,
                               g.bank_agency)
            for code, g in plan.items()}


def people_without_hours(code: str, g: GroupFigures) -> str | None:
    """The message when people are on duty with 0 hours (None when the figures agree)."""
    try:
        sg = staff_group(code)
    except KeyError:
        return None
    if not sg.counts_for_care_hours or g.actual <= 0 or g.actual_hours > 0:
        return None
    who = f"1 {sg.singular.lower()}" if g.actual == 1 else f"{g.actual} {sg.label.lower()}"
    return (f"{sg.label}: {who} on duty but 0 hours: enter their hours, or leave the hours blank to count "
            "their planned hours (or the shift's length)")


def duty_mismatch(groups: Mapping[str, GroupFigures], ticked_roles: Iterable[str]) -> tuple[str, ...]:
    """Where names are ticked on duty, how they differ from the counts: one sentence per staff
    group, e.g. "Registered nurses: 5 counted on duty, 4 names ticked". Nothing when no names are
    ticked (the team was not listed) or when they agree."""
    ticked: dict[str, int] = {}
    for role in ticked_roles:
        ticked[role] = ticked.get(role, 0) + 1
    if not ticked:
        return ()
    out = []
    for code in ordered_group_codes(set(ticked) | {c for c, g in groups.items() if g.actual}):
        counted = groups.get(code, GroupFigures()).actual
        names = ticked.get(code, 0)
        if counted != names:
            try:
                label = staff_group(code).label
            except KeyError:
                label = code
            out.append(f"{label}: {counted} counted on duty, {names} name{'' if names == 1 else 's'} ticked")
    return tuple(out)


def fill_rate(actual_hours: float, planned_hours: float) -> float | None:
    """Actual / planned hours x 100; None when nothing was planned (not zero, not an error)."""
    if planned_hours <= 0:
        return None
    return actual_hours / planned_hours * 100.0


def chppd(actual_hours: float, patient_days: int) -> float | None:
    """Care hours per patient day; None when no midnight census was recorded."""
    if patient_days <= 0:
        return None
    return actual_hours / patient_days


def computed_red_flags(groups: Mapping[str, GroupFigures]) -> list[str]:
    """The two red flags computed from the numbers (NICE SG1): RN shortfall and fewer than 2 RNs.

    Callers pass only recorded shifts: a recorded shift with fewer than 2 RNs on duty is flagged
    whatever was planned (an unplanned gap is still a gap).
    """
    rn = groups.get("rn", GroupFigures())
    flags: list[str] = []
    shortfall = rn.planned_hours - rn.actual_hours
    if rn.planned_hours > 0 and (
        shortfall > RN_SHORTFALL_HOURS or shortfall > RN_SHORTFALL_FRACTION * rn.planned_hours
    ):
        flags.append("rn_shortfall")
    if rn.actual < MIN_REGISTERED_NURSES:
        flags.append("fewer_than_two_rn")
    return flags


Status = Literal["as_planned", "below_plan", "above_plan", "not_planned"]


def group_status(g: GroupFigures) -> Status:
    if g.planned == 0 and g.planned_hours == 0:
        return "not_planned"
    if g.actual < g.planned or g.actual_hours < g.planned_hours:
        return "below_plan"
    if g.actual > g.planned:
        return "above_plan"
    return "as_planned"


def current_shift(patterns: Sequence[ShiftTimes], now: datetime) -> tuple[date, ShiftTimes] | None:
    """The shift in progress at local time ``now``: the latest-starting shift that has begun and not
    ended (Late wins over Early in their overlap). Between shifts, the next one to start.
    A night shift belongs to the date it starts on."""
    if not patterns:
        return None
    running: list[tuple[datetime, date, ShiftTimes]] = []
    upcoming: list[tuple[datetime, date, ShiftTimes]] = []
    for offset in (-1, 0, 1):
        d = now.date() + timedelta(days=offset)
        for p in patterns:
            start, end = p.bounds(d)
            if start <= now < end:
                running.append((start, d, p))
            elif start > now:
                upcoming.append((start, d, p))
    if running:
        _, d, p = max(running, key=lambda r: r[0])
        return d, p
    _, d, p = min(upcoming, key=lambda r: r[0])
    return d, p


@dataclass
class PeriodTotals:
    planned_hours: float = 0.0
    actual_hours: float = 0.0


@dataclass
class MonthlyReturn:
    """One ward's row of the national monthly staffing return (built by ``staffing_return.month_return``).

    Two views of the staff groups: the 4-fill-rate summary (``day_rn`` ... ``night_care``, nursing
    associates counted as care staff) and per staff group (``group_totals``). CHPPD divides the
    hours of shifts on days with a 23:59 count (``add_shift(counted=True)``) by ``patient_days``.
    """

    day_rn: PeriodTotals = field(default_factory=PeriodTotals)
    day_care: PeriodTotals = field(default_factory=PeriodTotals)
    night_rn: PeriodTotals = field(default_factory=PeriodTotals)
    night_care: PeriodTotals = field(default_factory=PeriodTotals)
    care_hours_other: float = 0.0  # counted hours of groups outside RN/care that still count for overall CHPPD
    patients_at_midnight_total: int = 0  # the sum of every 23:59 count of the month
    #: per (period, staff group code): planned and actual hours of recorded shifts
    by_group: dict[tuple[str, str], PeriodTotals] = field(default_factory=dict)
    #: actual hours per staff group on days with a 23:59 count (CHPPD's numerator)
    counted_hours: dict[str, float] = field(default_factory=dict)
    #: the patients CHPPD divides by: the counts of the days it covers (None: every count)
    chppd_patient_days: int | None = None
    chppd_days: int = 0
    completeness: Any = None  # staffing_return.Completeness (what the figures do not cover)

    def totals(self, period: Period, return_group: str) -> PeriodTotals:
        t: PeriodTotals = getattr(self, f"{period}_{return_group}")
        return t

    def group_totals(self, period: Period, code: str) -> PeriodTotals:
        return self.by_group.get((period, code), PeriodTotals())

    def add_shift(self, period: Period, groups: Mapping[str, GroupFigures], counted: bool = True) -> None:
        """A recorded shift; ``counted``: its day has a 23:59 count, so its hours go into CHPPD."""
        for code, g in groups.items():
            try:
                sg = staff_group(code)
            except KeyError:
                continue
            if not sg.counts_for_care_hours:
                continue  # students: recorded, never counted
            per = self.by_group.setdefault((period, code), PeriodTotals())
            per.planned_hours += g.planned_hours
            per.actual_hours += g.actual_hours
            if counted:
                self.counted_hours[code] = self.counted_hours.get(code, 0.0) + g.actual_hours
            if sg.return_group is None:
                if counted:
                    self.care_hours_other += g.actual_hours
                continue
            t = self.totals(period, sg.return_group)
            t.planned_hours += g.planned_hours
            t.actual_hours += g.actual_hours

    @property
    def patient_days(self) -> int:
        return self.patients_at_midnight_total if self.chppd_patient_days is None else self.chppd_patient_days

    def _counted(self, return_group: str | None) -> float:
        total = 0.0
        for code, hours in self.counted_hours.items():
            try:
                if staff_group(code).return_group == return_group:
                    total += hours
            except KeyError:
                continue
        return total

    @property
    def rn_actual_hours(self) -> float:
        return self.day_rn.actual_hours + self.night_rn.actual_hours

    @property
    def care_actual_hours(self) -> float:
        return self.day_care.actual_hours + self.night_care.actual_hours

    def fill_rate(self, period: Period, return_group: str) -> float | None:
        t = self.totals(period, return_group)
        return fill_rate(t.actual_hours, t.planned_hours)

    def group_fill_rate(self, period: Period, code: str) -> float | None:
        t = self.group_totals(period, code)
        return fill_rate(t.actual_hours, t.planned_hours)

    def chppd_rn(self) -> float | None:
        return chppd(self._counted("rn"), self.patient_days)

    def chppd_care(self) -> float | None:
        return chppd(self._counted("care"), self.patient_days)

    def chppd_total(self) -> float | None:
        """Today's overall CHPPD: RN, care staff (nursing associates included) and AHP hours."""
        return chppd(self._counted("rn") + self._counted("care") + self.care_hours_other, self.patient_days)

    def group_chppd(self, code: str) -> float | None:
        return chppd(self.counted_hours.get(code, 0.0), self.patient_days)

    def nursing_chppd(self) -> float | None:
        """NStfFil's overall CHPPD: RN + nursing associates + care staff (AHP in its own columns)."""
        return chppd(self._counted("rn") + self._counted("care"), self.patient_days)


def ordered_group_codes(codes: Iterable[str]) -> list[str]:
    """Staff group codes in the value set's order, unknown codes last."""
    known = [g.code for g in staff_groups()]
    present = set(codes)
    return [c for c in known if c in present] + sorted(present - set(known))
