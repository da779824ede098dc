"""Duty of candour (Regulation 20, DOMAIN.md 5): when it applies, the steps, their due dates.

Due dates count working days: Monday to Friday except bank holidays in England and Wales. The
usual bank holidays are computed by rule (Easter by the Gregorian computus, substitute weekdays
for holidays on a weekend); the ones the government moved or added are a data file
(``resources/incidents/bank_holidays_england_wales.json``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from hardtruths_desktop.domain.incidents import IncidentState, Patient, resources_dir

NOTIFIABLE_PHYSICAL = frozenset({"moderate", "severe", "fatal"})
WORKING_DAYS_TO_FOLLOW_UP = 10


def is_notifiable(patients: Iterable[Patient]) -> bool:
    """Moderate, severe or fatal physical harm, or prolonged psychological harm, to any patient."""
    return any(p.physical_harm in NOTIFIABLE_PHYSICAL or (p.prolonged_psychological and p.psychological_harm != "none")
               for p in patients)


# --- bank holidays ---------------------------------------------------------------------------------

def easter_sunday(year: int) -> date:
    """Gregorian Easter (the anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    d = date(year, month, 1)
    return d + timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    d = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return d - timedelta(days=d.weekday())


@cache
def _changes() -> tuple[dict[date, date], frozenset[date]]:
    data: dict[str, Any] = json.loads((resources_dir() / "bank_holidays_england_wales.json").read_text(encoding="utf-8"))
    moved = {date.fromisoformat(m["from"]): date.fromisoformat(m["to"]) for m in data["moved"]}
    extra = frozenset(date.fromisoformat(x["date"]) for x in data["extra"])
    return moved, extra


@cache
def bank_holidays(year: int) -> frozenset[date]:
    """Bank holidays in England and Wales in ``year``."""
    days: set[date] = set()
    new_year = date(year, 1, 1)
    days.add(new_year + timedelta(days={5: 2, 6: 1}.get(new_year.weekday(), 0)))
    easter = easter_sunday(year)
    days.add(easter - timedelta(days=2))
    days.add(easter + timedelta(days=1))
    days.add(_first_monday(year, 5))
    days.add(_last_monday(year, 5))
    days.add(_last_monday(year, 8))
    christmas, boxing = date(year, 12, 25), date(year, 12, 26)
    wd = christmas.weekday()
    if wd == 5:  # Saturday: Christmas on Monday 27, Boxing Day on Tuesday 28
        days |= {date(year, 12, 27), date(year, 12, 28)}
    elif wd == 6:  # Sunday: Boxing Day Monday 26, Christmas substitute Tuesday 27
        days |= {boxing, date(year, 12, 27)}
    elif wd == 4:  # Friday: Boxing Day (Saturday) on Monday 28
        days |= {christmas, date(year, 12, 28)}
    else:
        days |= {christmas, boxing}
    moved, extra = _changes()
    days = {moved.get(d, d) for d in days}
    days |= {d for d in extra if d.year == year}
    return frozenset(days)


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in bank_holidays(d.year)


def add_working_days(start: date, n: int) -> date:
    """The date ``n`` working days after ``start`` (``start`` itself does not count)."""
    d = start
    left = n
    while left > 0:
        d += timedelta(days=1)
        if is_working_day(d):
            left -= 1
    return d


# --- the checklist -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CandourStep:
    code: str
    label: str
    due: date | None
    done_on: date | None
    by: str

    def overdue(self, today: date) -> bool:
        return self.done_on is None and self.due is not None and today > self.due

    def to_json(self) -> dict[str, Any]:
        return {"step": self.code, "label": self.label, "due": self.due.isoformat() if self.due else None,
                "done": self.done_on.isoformat() if self.done_on else None, "by": self.by or None}


@dataclass(frozen=True)
class Candour:
    """The duty of candour for one incident: proposed (from the harm), confirmed or set aside by
    the manager, and the steps with due and done dates; every attempt or refusal listed."""

    status: str  # "proposed" | "applies" | "not_applicable"
    aware_on: date | None
    steps: tuple[CandourStep, ...]
    contacts: tuple[Mapping[str, Any], ...]  # unsuccessful attempts and refusals

    def overdue_steps(self, today: date) -> list[CandourStep]:
        if self.status != "applies":
            return []
        return [s for s in self.steps if s.overdue(today)]

    def next_due(self) -> date | None:
        dues = [s.due for s in self.steps if s.done_on is None and s.due is not None]
        return min(dues) if dues else None

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "aware_on": self.aware_on.isoformat() if self.aware_on else None,
                "steps": [s.to_json() for s in self.steps],
                "contacts": [{"kind": c.get("step"), "on": c.get("on"), "by": c.get("by") or None, "note": c.get("note") or ""}
                             for c in self.contacts]}


STEP_LABELS = {
    "notified": "Notified in person, with an apology",
    "written": "Written follow-up sent",
    "results_shared": "Results of enquiries shared",
}


def candour_for(patients: Iterable[Patient], decision: str | None, aware_on: str | None, reported_on: date,
                steps: Iterable[Mapping[str, Any]]) -> Candour | None:
    """The candour checklist of an incident, or None when it is not notifiable and nobody said it applies.

    ``aware_on`` defaults to the day the report was made; the in-person notification and the
    written follow-up are due within 10 working days of it (the NHS contract's expectation)."""
    pts = list(patients)
    if decision == "not_applicable":
        return Candour("not_applicable", None, (), ())
    if decision != "applies" and not is_notifiable(pts):
        return None
    aware = date.fromisoformat(aware_on) if aware_on else reported_on
    due = add_working_days(aware, WORKING_DAYS_TO_FOLLOW_UP)
    done: dict[str, tuple[date, str]] = {}
    contacts = []
    for s in steps:
        code = str(s.get("step"))
        if code in ("attempt", "refusal"):
            contacts.append(s)
        elif code in STEP_LABELS and code not in done and s.get("on"):
            done[code] = (date.fromisoformat(str(s["on"])), str(s.get("by") or ""))
    out = []
    for code, label in STEP_LABELS.items():
        d, by = done.get(code, (None, ""))
        out.append(CandourStep(code, label, due if code != "results_shared" else None, d, by))
    return Candour("applies" if decision == "applies" else "proposed", aware, tuple(out), tuple(contacts))


def reported_on_of(reported_at: str) -> date:
    """The ward date (Europe/London) of a UTC ``...Z`` timestamp."""
    from datetime import datetime

    from hardtruths_desktop.domain.clock import LONDON

    return datetime.fromisoformat(reported_at.replace("Z", "+00:00")).astimezone(LONDON).date()


def summary_json(state: IncidentState) -> dict[str, Any]:
    """One incident as ``incident list --json`` and ``hardtruths-server admin incidents`` print it
    (identifiers and reporters are added by the caller when the reader may see them)."""
    rec = state.record
    occurred = str(rec.get("occurred_on"))
    if rec.get("occurred_time"):
        occurred += f" {rec['occurred_time']}"
    c = candour_for(state.patients, state.candour_decision, state.aware_on, reported_on_of(state.reported_at),
                    state.candour_steps)
    return {
        "id": state.id, "reference": state.reference, "occurred": occurred, "period": rec.get("occurred_period"),
        "category": rec.get("category"), "harm": state.harm, "near_miss": bool(rec.get("near_miss")),
        "status": state.status, "candour": c.to_json() if c is not None else None,
        "divergent": state.divergent, "amendments": len(state.history),
    }
