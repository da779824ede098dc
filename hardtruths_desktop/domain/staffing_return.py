"""The monthly safe staffing return of one ward (DOMAIN.md section 1, NHS England's "NStfFil"),
with its completeness named beside the figures. Pure: the station (``store.queries``) and the trust
server (``trust_server.staffing``) read their own records into shift lines (``domain.shift_rows``)
and call :func:`month_return` and :func:`return_row`, so the two returns cannot disagree.

How the figures treat missing data (never as zero):

* **Fill rates** are over the RECORDED shifts: planned and actual hours both come from shifts
  someone recorded. A shift that has ended without being recorded adds neither; it is named in
  ``unrecorded_shifts`` / ``unrecorded_shift_list`` and its planned hours are given in
  ``unrecorded_planned_hours``, so a reader sees how much of the plan the rates do not cover.
* **CHPPD** is over the days WITH a 23:59 count: the actual hours of recorded shifts starting on
  those days, over the sum of those counts. A day without a count is left out of both (named in
  ``days_without_count``), never counted as a day with no patients.
* Shifts that have not ended yet and days whose 23:59 has not come are not missing (``not_yet``).
* ``patients_at_midnight_total`` stays what it always was: the sum of every count recorded.

Two views of the groups, each labelled: today's 4-fill-rate columns (RN and care, day and night;
nursing associates counted as care staff, AHP only in ``chppd_total``) keep their names and
meaning; beside them, ``nstf_*`` columns per staff group of the value set (registered nurses,
registered nursing associates, care staff, trainee nursing associates, allied health
professionals), day and night, planned and actual hours, fill rate and CHPPD, and
``nstf_chppd_total`` over the nursing groups only (AHP in its own columns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol

from hardtruths_desktop.domain.shift_rows import ShiftBasics
from hardtruths_desktop.domain.staffing import (
    LONDON,
    MonthlyReturn,
    shift_bounds_utc,
)
from hardtruths_desktop.domain.valuesets import staff_group, staff_groups

MIDNIGHT_COUNT_AT = time(23, 59)


class ReturnLine(ShiftBasics, Protocol):
    """What the return reads of a shift (``shift_rows.ShiftLine`` and ``store.queries.ShiftView`` fit):
    the basics every shift view has, and when it starts and ends."""

    @property
    def start(self) -> time: ...
    @property
    def end(self) -> time: ...


@dataclass(frozen=True)
class MissingShift:
    """A shift of the pattern that has ended and that nobody recorded."""

    day: date
    shift_code: str
    shift_name: str
    planned_hours: float  # its planned care hours (students left out), none of which the fill rates cover

    def label(self) -> str:
        return f"{self.day.isoformat()} {self.shift_code}"


@dataclass(frozen=True)
class Completeness:
    unrecorded: tuple[MissingShift, ...] = ()
    days_without_count: tuple[date, ...] = ()
    not_yet: int = 0  # shifts of the month that have not ended yet

    @property
    def complete(self) -> bool:
        return not self.unrecorded and not self.days_without_count

    @property
    def unrecorded_planned_hours(self) -> float:
        return round(sum(m.planned_hours for m in self.unrecorded), 2)

    def summary(self) -> str:
        """"3 shifts not recorded, 1 day without a midnight count" (or that nothing is missing)."""
        if self.complete:
            return "Every shift recorded and every day has its midnight count"
        parts = []
        if self.unrecorded:
            n = len(self.unrecorded)
            parts.append(f"{n} shift{'' if n == 1 else 's'} not recorded")
        if self.days_without_count:
            n = len(self.days_without_count)
            parts.append(f"{n} day{'' if n == 1 else 's'} without a midnight count")
        return ", ".join(parts)


def _counting_groups() -> tuple[str, ...]:
    """The staff groups with their own return columns: every group whose hours count (students never)."""
    return tuple(g.code for g in staff_groups() if g.counts_for_care_hours)


def _nursing(code: str) -> bool:
    """In the nursing total (RN, nursing associates, care staff); AHP and other groups are not."""
    try:
        return staff_group(code).return_group is not None
    except KeyError:
        return False


def _counts(code: str) -> bool:
    try:
        return staff_group(code).counts_for_care_hours
    except KeyError:
        return False


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def completeness(lines: Iterable[ReturnLine], census: Mapping[date, int | None], first: date, last: date,
                 now: datetime) -> Completeness:
    """What is missing from a ward's month as of ``now`` (aware): shifts that ended unrecorded,
    days whose 23:59 has passed without a count; what has not happened yet is not missing."""
    unrecorded: list[MissingShift] = []
    not_yet = 0
    for line in lines:
        if line.recorded or not first <= line.date <= last:
            continue
        if shift_bounds_utc(line.date, line.start, line.end)[1] > now:
            not_yet += 1
            continue
        planned = sum(g.planned_hours for c, g in line.groups.items() if _counts(c))
        unrecorded.append(MissingShift(line.date, line.shift_code, line.shift_name, round(planned, 2)))
    no_count = tuple(d for d in _days(first, last)
                     if census.get(d) is None and datetime.combine(d, MIDNIGHT_COUNT_AT, tzinfo=LONDON) <= now)
    return Completeness(tuple(unrecorded), no_count, not_yet)


def month_return(lines: Iterable[ReturnLine], census: Mapping[date, int | None], first: date, last: date,
                 now: datetime) -> MonthlyReturn:
    """One ward's return for the days ``first``..``last`` as of ``now`` (aware). ``lines``: every
    shift of the pattern, recorded or not (``shift_rows.shift_lines``); ``census``: the 23:59
    counts by day (None or absent: no count)."""
    lines = [line for line in lines if first <= line.date <= last]
    ret = MonthlyReturn()
    counted = {d for d in _days(first, last) if census.get(d) is not None}
    for line in lines:
        if line.recorded:  # a row made only for a red flag or a note is not "nobody came"
            ret.add_shift(line.period, line.groups, counted=line.date in counted)
    ret.patients_at_midnight_total = sum(census.get(d) or 0 for d in _days(first, last))
    ret.chppd_patient_days = sum(census.get(d) or 0 for d in counted)
    ret.chppd_days = len(counted)
    ret.completeness = completeness(lines, census, first, last, now)
    return ret


# --- the CSV row -------------------------------------------------------------------------------------

#: Today's columns, names and meaning unchanged (the 4-fill-rate summary boards read).
SUMMARY_HEADER = [
    "site", "ward_code", "ward_name", "specialty", "month",
    "day_rn_planned_hours", "day_rn_actual_hours", "day_care_planned_hours", "day_care_actual_hours",
    "night_rn_planned_hours", "night_rn_actual_hours", "night_care_planned_hours", "night_care_actual_hours",
    "day_rn_fill_rate", "day_care_fill_rate", "night_rn_fill_rate", "night_care_fill_rate",
    "patients_at_midnight_total", "chppd_rn", "chppd_care", "chppd_total",
]
COMPLETENESS_HEADER = [
    "complete", "unrecorded_shifts", "unrecorded_planned_hours", "unrecorded_shift_list",
    "days_without_count", "days_without_count_list", "chppd_days", "chppd_patient_days",
]


def nstf_header() -> list[str]:
    cols: list[str] = []
    for code in _counting_groups():
        for period in ("day", "night"):
            cols += [f"nstf_{period}_{code}_planned_hours", f"nstf_{period}_{code}_actual_hours", f"nstf_{period}_{code}_fill_rate"]
        cols.append(f"nstf_chppd_{code}")
    cols.append("nstf_chppd_total")
    return cols


def return_header() -> list[str]:
    return [*SUMMARY_HEADER, *COMPLETENESS_HEADER, *nstf_header()]


def _fmt(value: float | None, places: int) -> str:
    return "" if value is None else f"{value:.{places}f}"


def return_row(site: str, ward_code: str, ward_name: str, specialty: str, month: str, r: MonthlyReturn) -> dict[str, str]:
    """The return's row for one ward, every value as the CSV writes it (header: :func:`return_header`)."""
    row: dict[str, str] = {"site": site, "ward_code": ward_code, "ward_name": ward_name, "specialty": specialty, "month": month}
    for period in ("day", "night"):
        for group in ("rn", "care"):
            t = r.totals(period, group)
            row[f"{period}_{group}_planned_hours"] = f"{t.planned_hours:.2f}"
            row[f"{period}_{group}_actual_hours"] = f"{t.actual_hours:.2f}"
    for period in ("day", "night"):
        for group in ("rn", "care"):
            row[f"{period}_{group}_fill_rate"] = _fmt(r.fill_rate(period, group), 1)  # type: ignore[arg-type]
    row["patients_at_midnight_total"] = str(r.patients_at_midnight_total)
    row["chppd_rn"], row["chppd_care"], row["chppd_total"] = _fmt(r.chppd_rn(), 2), _fmt(r.chppd_care(), 2), _fmt(r.chppd_total(), 2)
    c = r.completeness or Completeness()
    row["complete"] = "yes" if c.complete else "no"
    row["unrecorded_shifts"] = str(len(c.unrecorded))
    row["unrecorded_planned_hours"] = f"{c.unrecorded_planned_hours:.2f}"
    row["unrecorded_shift_list"] = "; ".join(m.label() for m in c.unrecorded)
    row["days_without_count"] = str(len(c.days_without_count))
    row["days_without_count_list"] = "; ".join(d.isoformat() for d in c.days_without_count)
    row["chppd_days"] = str(r.chppd_days)
    row["chppd_patient_days"] = str(r.patient_days)
    for code in _counting_groups():
        for period in ("day", "night"):
            t = r.group_totals(period, code)  # type: ignore[arg-type]
            row[f"nstf_{period}_{code}_planned_hours"] = f"{t.planned_hours:.2f}"
            row[f"nstf_{period}_{code}_actual_hours"] = f"{t.actual_hours:.2f}"
            row[f"nstf_{period}_{code}_fill_rate"] = _fmt(r.group_fill_rate(period, code), 1)  # type: ignore[arg-type]
        row[f"nstf_chppd_{code}"] = _fmt(r.group_chppd(code), 2)
    row["nstf_chppd_total"] = _fmt(r.nursing_chppd(), 2)
    return row


def ward_line(ward_code: str, month: str, c: Completeness) -> str:
    """One line per ward for the export's stderr: what the figures do not cover."""
    if c.complete:
        return f"Ward {ward_code} {month}: complete"
    parts = []
    if c.unrecorded:
        shown = ", ".join(m.label() for m in c.unrecorded[:6]) + (", ..." if len(c.unrecorded) > 6 else "")
        parts.append(f"{len(c.unrecorded)} shift{'' if len(c.unrecorded) == 1 else 's'} not recorded ({shown};"
                     f" {c.unrecorded_planned_hours:g} planned hours not in the fill rates)")
    if c.days_without_count:
        shown = ", ".join(d.isoformat() for d in c.days_without_count[:6]) + (", ..." if len(c.days_without_count) > 6 else "")
        parts.append(f"{len(c.days_without_count)} day{'' if len(c.days_without_count) == 1 else 's'} without a midnight count"
                     f" ({shown}; left out of CHPPD)")
    return f"Ward {ward_code} {month}: " + "; ".join(parts)


__all__ = [
    "COMPLETENESS_HEADER", "SUMMARY_HEADER", "Completeness", "MissingShift", "ReturnLine", "completeness", "month_return",
    "nstf_header", "return_header", "return_row", "ward_line",
]
