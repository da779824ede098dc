"""Patient safety incidents (DOMAIN.md 4): value sets, validation, and the current view of an
incident folded from its immutable report and its amendments (SYNC.md 3.6).

Pure rules, no database: the station's repository, the CLI, the GUI and the trust server all call
these functions. Value sets (categories, what was involved, Never Events, harm levels) are data
files in ``hardtruths_desktop/resources/incidents/`` so a trust can update them (the Never Events list is under
national review) without a new release.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from typing import Any

from hardtruths_desktop.domain.validation import (
    EARLIEST_DATE,
    MAX_SHORT_TEXT,
    Problems,
    ValidationError,
    clean_text,
)
from hardtruths_desktop.resources import resource

MAX_DESCRIPTION = 20_000
MAX_INCIDENT_TEXT = 20_000  # immediate actions, what went well, findings, actions
MAX_PATIENTS_PER_INCIDENT = 20
MAX_LOCATION = 120
MAX_HOSPITAL_NUMBER = 20
MAX_REASON = 2000

#: When it happened, if the time is not known: the shift or handover (DOMAIN.md 4).
PERIODS: dict[str, str] = {
    "day_shift": "Day shift",
    "night_shift": "Night shift",
    "morning_handover": "Morning handover",
    "evening_handover": "Evening handover",
}

#: Amendment kinds, in the order a review usually goes.
AMENDMENT_KINDS: dict[str, str] = {
    "triage": "Triaged",
    "confirm_harm": "Harm confirmed",
    "findings": "Findings added",
    "actions": "Actions added",
    "candour": "Duty of candour decided",
    "candour_step": "Duty of candour step recorded",
    "close": "Closed",
    "withdraw": "Withdrawn",
}

STATUSES: dict[str, str] = {
    "submitted": "Waiting for review",
    "under_review": "Under review",
    "closed": "Closed",
    "withdrawn": "Withdrawn",
}

HARM_ORDER = ("none", "low", "moderate", "severe", "fatal")
PSYCH_ORDER = ("none", "low", "moderate", "severe")


# --- value sets (data files) ----------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    code: str
    label: str
    definition: str


@dataclass(frozen=True)
class NeverEventList:
    version: str
    status: str
    items: tuple[Choice, ...]


def resources_dir() -> Path:
    """``hardtruths_desktop/resources/incidents``, found through the one resource helper (frozen or not)."""
    return resource("incidents")


@cache
def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((resources_dir() / name).read_text(encoding="utf-8"))
    return data


def _choices(rows: Iterable[Mapping[str, Any]]) -> tuple[Choice, ...]:
    return tuple(Choice(str(r["code"]), str(r["label"]), str(r.get("definition", ""))) for r in rows)


@cache
def categories() -> tuple[Choice, ...]:
    return _choices(_load("categories.json")["categories"])


@cache
def involved_kinds() -> tuple[Choice, ...]:
    return _choices(_load("involved.json")["involved"])


@cache
def never_events() -> NeverEventList:
    d = _load("never_events.json")
    return NeverEventList(str(d["version"]), str(d["status"]), _choices(d["never_events"]))


@cache
def physical_harms() -> tuple[Choice, ...]:
    return _choices(_load("harm.json")["physical"])


@cache
def psychological_harms() -> tuple[Choice, ...]:
    return _choices(_load("harm.json")["psychological"])


@cache
def prolonged_psychological() -> Choice:
    d = _load("harm.json")["prolonged_psychological"]
    return Choice("prolonged", str(d["label"]), str(d["definition"]))


@cache
def psirf_responses() -> tuple[Choice, ...]:
    return _choices(_load("harm.json")["psirf_responses"])


def label_of(choices: Iterable[Choice], code: str | None) -> str:
    for c in choices:
        if c.code == code:
            return c.label
    return code or ""


def _codes(choices: Iterable[Choice]) -> list[str]:
    return [c.code for c in choices]


# --- NHS number ---------------------------------------------------------------------------------

def nhs_number_check_digit(first_nine: str) -> int | None:
    """Modulus 11 check digit of the first nine digits; None when no valid number can have them."""
    total = sum(int(d) * w for d, w in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def check_nhs_number(text: str, field_name: str = "nhs_number") -> str:
    """A 10-digit NHS number (spaces or dashes allowed, e.g. ``943 476 5919``), check digit verified.
    Returns the 10 digits without spaces."""
    raw = text.strip()
    digits = re.sub(r"[\s-]", "", raw)
    if not digits.isascii() or not digits.isdigit():
        raise ValidationError.single(field_name, "An NHS number has only digits (10 of them, e.g. 943 476 5919)")
    if len(digits) != 10:
        raise ValidationError.single(field_name, f"An NHS number has 10 digits; this one has {len(digits)}")
    expected = nhs_number_check_digit(digits[:9])
    if expected is None or expected != int(digits[9]):
        raise ValidationError.single(field_name, "That is not a valid NHS number (its last digit does not match): please check it")
    return digits


def format_nhs_number(digits: str) -> str:
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


def check_hospital_number(text: str, field_name: str = "hospital_number") -> str:
    value = text.strip().upper()
    if value and not re.fullmatch(r"[A-Z0-9][A-Z0-9/-]{0,19}", value):
        raise ValidationError.single(field_name, "A hospital number is up to 20 letters and digits (e.g. RX1234567)")
    return value


# --- a report -------------------------------------------------------------------------------------

@dataclass
class PatientInput:
    """One patient involved, as typed (strings from a form or the command line)."""

    physical_harm: str = "none"
    psychological_harm: str = "none"
    prolonged_psychological: bool = False
    nhs_number: str = ""
    hospital_number: str = ""


@dataclass
class ReportInput:
    """An incident report as typed: everything a form or the CLI gathers, nothing checked yet."""

    occurred_on: str = ""  # YYYY-MM-DD
    occurred_time: str = ""  # HH:MM, or empty when a period is chosen
    occurred_period: str = ""  # one of PERIODS, or empty
    location: str = ""
    description: str = ""
    category: str = ""
    involved: list[str] = field(default_factory=list)
    never_event: str = ""
    immediate_actions: str = ""
    went_well: str = ""
    near_miss: bool = False
    patients: list[PatientInput] = field(default_factory=list)
    anonymous: bool = False  # "report without my name shown to the ward"

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReportInput:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "patients"}
        r = cls(**known)
        r.patients = [PatientInput(**{k: v for k, v in p.items() if k in PatientInput.__dataclass_fields__})
                      for p in data.get("patients", []) if isinstance(p, Mapping)]
        return r


@dataclass(frozen=True)
class Patient:
    physical_harm: str
    psychological_harm: str
    prolonged_psychological: bool
    nhs_number: str  # 10 digits or ""
    hospital_number: str

    def to_json(self) -> dict[str, Any]:
        return {"physical_harm": self.physical_harm, "psychological_harm": self.psychological_harm,
                "prolonged_psychological": self.prolonged_psychological, "nhs_number": self.nhs_number,
                "hospital_number": self.hospital_number}

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Patient:
        return cls(str(d.get("physical_harm", "none")), str(d.get("psychological_harm", "none")),
                   bool(d.get("prolonged_psychological", False)), str(d.get("nhs_number") or ""),
                   str(d.get("hospital_number") or ""))


@dataclass(frozen=True)
class Report:
    """A checked report, ready to store."""

    occurred_on: date
    occurred_time: time | None
    occurred_period: str | None
    location: str
    description: str
    category: str
    involved: tuple[str, ...]
    never_event: str | None
    immediate_actions: str
    went_well: str
    near_miss: bool
    patients: tuple[Patient, ...]
    anonymous: bool

    def occurred_local(self) -> datetime | None:
        return datetime.combine(self.occurred_on, self.occurred_time) if self.occurred_time else None


def _field(p: Problems, name: str, fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except ValidationError as e:
        p.errors.update({k: v for k, v in e.errors.items() if k not in p.errors})
        return None


def _parse_day(text: str, field_name: str) -> date:
    t = text.strip()
    if not t:
        raise ValidationError.single(field_name, "Say when it happened: the date, as YYYY-MM-DD")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", t):
        raise ValidationError.single(field_name, f"'{t[:20]}' is not a date: write it as YYYY-MM-DD, e.g. 2026-11-25")
    try:
        return date.fromisoformat(t)
    except ValueError:
        raise ValidationError.single(field_name, f"'{t}' is not a real date") from None


def _parse_hhmm(text: str, field_name: str) -> time:
    t = text.strip()
    m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", t)
    if not m:
        raise ValidationError.single(field_name, f"'{t[:20]}' is not a time: write it as HH:MM, e.g. 14:30")
    return time(int(m.group(1)), int(m.group(2)))


def check_report(r: ReportInput, now_local: datetime) -> Report:
    """Check a whole report; every problem at once, keyed by field, in words a nurse understands.

    ``now_local``: the ward's wall clock (Europe/London, naive or aware); an incident cannot have
    happened in the future.
    """
    p = Problems()
    now_naive = now_local.replace(tzinfo=None)
    day = _field(p, "occurred_on", _parse_day, r.occurred_on, "occurred_on")
    when_t: time | None = None
    period: str | None = None
    if r.occurred_time.strip():
        when_t = _field(p, "occurred_time", _parse_hhmm, r.occurred_time, "occurred_time")
    elif r.occurred_period.strip():
        period = r.occurred_period.strip()
        if period not in PERIODS:
            p.add("occurred_time", f"'{period[:30]}' is not a shift or handover; choose one of {', '.join(PERIODS.values())}")
    else:
        p.add("occurred_time", "Say when it happened: a time (HH:MM) or the shift or handover")
    if isinstance(day, date):
        if day < EARLIEST_DATE:
            p.add("occurred_on", f"{day.isoformat()} is too far in the past to report here")
        elif day > now_naive.date() or (when_t is not None and datetime.combine(day, when_t) > now_naive):
            p.add("occurred_on" if day > now_naive.date() else "occurred_time", "That is in the future: an incident is reported after it happened")
    location = _field(p, "location", clean_text, r.location, "Where it happened", "location", MAX_LOCATION)
    description = _field(p, "description", clean_text, r.description, "What happened", "description", MAX_DESCRIPTION, True)
    cat = r.category.strip()
    if not cat:
        p.add("category", "Choose a category (use 'Other' if none fits)")
    elif cat not in _codes(categories()):
        p.add("category", f"'{cat[:30]}' is not an incident category; choose one from the list")
    involved: list[str] = []
    for code in r.involved:
        c = code.strip()
        if c and c not in _codes(involved_kinds()):
            p.add("involved", f"'{c[:30]}' is not in the list of what can be involved")
        elif c and c not in involved:
            involved.append(c)
    if "none" in involved and len(involved) > 1:
        p.add("involved", "'None of these' cannot be chosen together with something that was involved")
    ne = r.never_event.strip() or None
    if ne is not None and ne not in _codes(never_events().items):
        p.add("never_event", f"'{ne[:30]}' is not on the Never Events list")
    actions = _field(p, "immediate_actions", clean_text, r.immediate_actions, "Immediate actions", "immediate_actions", MAX_INCIDENT_TEXT)
    went_well = _field(p, "went_well", clean_text, r.went_well, "What went well", "went_well", MAX_INCIDENT_TEXT)
    if len(r.patients) > MAX_PATIENTS_PER_INCIDENT:
        p.add("patients", f"At most {MAX_PATIENTS_PER_INCIDENT} patients on one report")
    patients = []
    for i, pi in enumerate(r.patients[:MAX_PATIENTS_PER_INCIDENT]):
        patients.append(_check_patient(p, pi, i, len(r.patients) == 1))
    if r.near_miss and any(pt is not None and pt.physical_harm != "none" for pt in patients):
        p.add("near_miss", "A near miss did not reach the patient, so the physical harm must be 'No harm'")
    p.raise_if_any()
    return Report(day, when_t, period, location or "", description, cat, tuple(involved), ne, actions or "",
                  went_well or "", bool(r.near_miss), tuple(pt for pt in patients if pt is not None), bool(r.anonymous))


def _check_patient(p: Problems, pi: PatientInput, i: int, only: bool) -> Patient | None:
    who = "the patient" if only else f"patient {i + 1}"
    pre = f"patients.{i}."
    ok = True
    ph = (pi.physical_harm or "").strip()
    if ph not in HARM_ORDER:
        p.add(pre + "physical_harm", f"Choose the physical harm to {who}: no harm, low, moderate, severe or fatal")
        ok = False
    ps = (pi.psychological_harm or "").strip() or "none"
    if ps not in PSYCH_ORDER:
        p.add(pre + "psychological_harm", f"Choose the psychological harm to {who}: none, low, moderate or severe")
        ok = False
    if pi.prolonged_psychological and ps == "none":
        p.add(pre + "psychological_harm", f"Prolonged psychological harm is ticked for {who}: choose how much harm too")
        ok = False
    nhs = ""
    if pi.nhs_number.strip():
        nhs = _field(p, pre + "nhs_number", check_nhs_number, pi.nhs_number, pre + "nhs_number") or ""
        ok = ok and bool(nhs)
    hosp = _field(p, pre + "hospital_number", check_hospital_number, pi.hospital_number, pre + "hospital_number")
    if hosp is None:
        ok = False
    if not ok:
        return None
    return Patient(ph, ps, bool(pi.prolonged_psychological), nhs, hosp or "")


def worst_harm(patients: Iterable[Patient]) -> str:
    worst = "none"
    for pt in patients:
        if HARM_ORDER.index(pt.physical_harm) > HARM_ORDER.index(worst):
            worst = pt.physical_harm
    return worst


def incident_reference(ward_code: str, reported_on: date, incident_id: str) -> str:
    """A short reference staff can quote ("W7-261125-3FA9C1"): ward, date, and the id's random tail
    (made offline on any station without a shared counter, so never a sequence number)."""
    return f"{ward_code}-{reported_on:%y%m%d}-{incident_id.replace('-', '')[-6:].upper()}"


# --- the record as stored and synced -------------------------------------------------------------

def report_record(report: Report) -> dict[str, Any]:
    """The report's fields as they are stored and sent (the typed schema ``IncidentRecord``)."""
    return {
        "occurred_on": report.occurred_on.isoformat(),
        "occurred_time": report.occurred_time.strftime("%H:%M") if report.occurred_time else None,
        "occurred_period": report.occurred_period,
        "location": report.location,
        "description": report.description,
        "category": report.category,
        "involved": list(report.involved),
        "never_event": report.never_event,
        "immediate_actions": report.immediate_actions,
        "went_well": report.went_well,
        "near_miss": report.near_miss,
        "patients": [pt.to_json() for pt in report.patients],
        "anonymous": report.anonymous,
    }


def check_record(payload: Mapping[str, Any]) -> None:
    """Re-check a stored/synced incident record's value-set fields (the trust server's check)."""
    ri = ReportInput(
        occurred_on=str(payload.get("occurred_on") or ""), occurred_time=str(payload.get("occurred_time") or ""),
        occurred_period=str(payload.get("occurred_period") or ""), location=str(payload.get("location") or ""),
        description=str(payload.get("description") or ""), category=str(payload.get("category") or ""),
        involved=[str(x) for x in payload.get("involved") or []], never_event=str(payload.get("never_event") or ""),
        immediate_actions=str(payload.get("immediate_actions") or ""), went_well=str(payload.get("went_well") or ""),
        near_miss=bool(payload.get("near_miss")), anonymous=bool(payload.get("anonymous")),
        patients=[PatientInput(str(x.get("physical_harm", "")), str(x.get("psychological_harm", "")),
                               bool(x.get("prolonged_psychological")), str(x.get("nhs_number") or ""),
                               str(x.get("hospital_number") or "")) for x in payload.get("patients") or []],
    )
    check_report(ri, datetime(9999, 12, 31))


# --- amendments --------------------------------------------------------------------------------

def _date_or_none(v: Any, f: str, label: str) -> str | None:
    if v in (None, ""):
        return None
    d = _parse_day(str(v), f)
    if d < EARLIEST_DATE:
        raise ValidationError.single(f, f"{label}: {d.isoformat()} is too far in the past")
    return d.isoformat()


CANDOUR_STEPS: dict[str, str] = {
    "notified": "Notified in person, with an apology",
    "written": "Written follow-up sent",
    "results_shared": "Results of enquiries shared",
    "attempt": "Contact attempt (unsuccessful)",
    "refusal": "Declined to be contacted",
}


def check_amendment(kind: str, data: Mapping[str, Any], reason: str, today: date) -> tuple[dict[str, Any], str]:
    """Check one amendment; returns its normalised ``data`` and ``reason``."""
    if kind not in AMENDMENT_KINDS:
        raise ValidationError.single("kind", f"'{kind[:30]}' is not a change that can be made to an incident")
    p = Problems()
    out: dict[str, Any] = {}
    why = _field(p, "reason", clean_text, reason, "The reason", "reason", MAX_REASON, kind == "withdraw") or ""

    def future(f: str, d: str | None) -> None:
        if d is not None and date.fromisoformat(d) > today:
            p.add(f, "That date is in the future")

    if kind == "triage":
        resp = str(data.get("response") or "")
        if resp not in _codes(psirf_responses()):
            p.add("response", "Choose the response (e.g. swarm huddle, after-action review, PSII)")
        out["response"] = resp
        out["note"] = _field(p, "note", clean_text, str(data.get("note") or ""), "The note", "note", MAX_INCIDENT_TEXT) or ""
    elif kind == "confirm_harm":
        pts = data.get("patients")
        if not isinstance(pts, list) or not pts:
            p.add("patients", "Confirm the harm for each patient")
            pts = []
        confirmed = []
        for i, x in enumerate(pts[:MAX_PATIENTS_PER_INCIDENT]):
            x = x if isinstance(x, Mapping) else {}
            pt = _check_patient(p, PatientInput(str(x.get("physical_harm", "")), str(x.get("psychological_harm", "") or "none"),
                                                bool(x.get("prolonged_psychological")), str(x.get("nhs_number") or ""),
                                                str(x.get("hospital_number") or "")), i, len(pts) == 1)
            if pt is not None:
                confirmed.append({"physical_harm": pt.physical_harm, "psychological_harm": pt.psychological_harm,
                                  "prolonged_psychological": pt.prolonged_psychological})
        out["patients"] = confirmed
        ne = str(data.get("never_event") or "") or None
        if ne is not None and ne not in _codes(never_events().items):
            p.add("never_event", f"'{ne[:30]}' is not on the Never Events list")
        out["never_event"] = ne
    elif kind in ("findings", "actions"):
        label = "Findings" if kind == "findings" else "Actions"
        out["text"] = _field(p, "text", clean_text, str(data.get("text") or ""), label, "text", MAX_INCIDENT_TEXT, True) or ""
    elif kind == "candour":
        decision = str(data.get("decision") or "")
        if decision not in ("applies", "not_applicable"):
            p.add("decision", "Say whether the duty of candour applies")
        out["decision"] = decision
        aware = _field(p, "aware_on", _date_or_none, data.get("aware_on"), "aware_on", "Became aware on")
        if decision == "applies" and not aware:
            p.add("aware_on", "Enter the date the trust became aware of the incident")
        future("aware_on", aware)
        out["aware_on"] = aware
    elif kind == "candour_step":
        step = str(data.get("step") or "")
        if step not in CANDOUR_STEPS:
            p.add("step", "Choose which duty of candour step this is")
        out["step"] = step
        on = _field(p, "on", _date_or_none, data.get("on"), "on", "Date")
        if not on:
            p.add("on", "Enter the date (YYYY-MM-DD)")
        future("on", on)
        out["on"] = on
        out["by"] = _field(p, "by", clean_text, str(data.get("by") or ""), "By whom", "by", MAX_SHORT_TEXT, step == "notified") or ""
        out["apology"] = bool(data.get("apology", False))
        if step == "notified" and not out["apology"]:
            p.add("apology", "The notification in person must include an apology (an apology is not an admission of liability)")
        out["note"] = _field(p, "note", clean_text, str(data.get("note") or ""), "The note", "note", MAX_REASON) or ""
    elif kind == "close":
        out["outcome"] = _field(p, "outcome", clean_text, str(data.get("outcome") or ""), "The outcome", "outcome",
                                MAX_INCIDENT_TEXT, True) or ""
    p.raise_if_any()
    return out, why


# --- the current view: report + amendments ------------------------------------------------------

@dataclass(frozen=True)
class Amendment:
    id: str
    incident_id: str
    amends_id: str | None
    kind: str
    data: Mapping[str, Any]
    reason: str
    by_id: str | None
    by_name: str
    at: str  # UTC ISO


@dataclass(frozen=True)
class IncidentState:
    """What an incident is now: the report with every amendment applied, in order."""

    id: str
    ward_id: str
    reference: str
    record: Mapping[str, Any]
    reported_at: str
    reporter_id: str | None
    status: str
    patients: tuple[Patient, ...]
    never_event: str | None
    response: str | None
    findings: tuple[str, ...]
    actions: tuple[str, ...]
    outcome: str
    candour_decision: str | None  # None (not decided), "applies", "not_applicable"
    aware_on: str | None
    candour_steps: tuple[Mapping[str, Any], ...]
    history: tuple[Amendment, ...]
    divergent: bool
    head_id: str

    @property
    def harm(self) -> str:
        return worst_harm(self.patients)


def order_amendments(amendments: Iterable[Amendment]) -> list[Amendment]:
    """The one order every station and the server use: by time recorded, then id."""
    return sorted(amendments, key=lambda a: (a.at, a.id))


def fold(incident_id: str, ward_id: str, reference: str, record: Mapping[str, Any], reported_at: str,
         reporter_id: str | None, amendments: Sequence[Amendment]) -> IncidentState:
    """Apply amendments in order. Two amendments that saw the same head (made offline on two
    stations) are both kept; the incident is marked divergent so the manager checks it."""
    ordered = order_amendments(amendments)
    patients = tuple(Patient.from_json(x) for x in record.get("patients") or [])
    never_event = record.get("never_event")
    status = "submitted"
    response: str | None = None
    findings: list[str] = []
    actions: list[str] = []
    outcome = ""
    decision: str | None = None
    aware: str | None = None
    steps: list[Mapping[str, Any]] = []
    parents: dict[str | None, int] = {}
    for a in ordered:
        parents[a.amends_id or incident_id] = parents.get(a.amends_id or incident_id, 0) + 1
        d = a.data
        if a.kind == "withdraw":
            status = "withdrawn"
        elif a.kind == "close":
            if status != "withdrawn":
                status = "closed"
            outcome = str(d.get("outcome", ""))
        else:
            if status == "submitted":
                status = "under_review"
            if a.kind == "triage":
                response = str(d.get("response") or "") or None
            elif a.kind == "confirm_harm":
                new = [Patient.from_json(x) for x in d.get("patients") or []]
                merged = []
                for i, old in enumerate(patients):
                    if i < len(new):
                        merged.append(Patient(new[i].physical_harm, new[i].psychological_harm,
                                              new[i].prolonged_psychological, old.nhs_number, old.hospital_number))
                    else:
                        merged.append(old)
                patients = tuple(merged)
                never_event = d.get("never_event")
            elif a.kind == "findings":
                findings.append(str(d.get("text", "")))
            elif a.kind == "actions":
                actions.append(str(d.get("text", "")))
            elif a.kind == "candour":
                decision = str(d.get("decision") or "") or None
                aware = d.get("aware_on") or aware
            elif a.kind == "candour_step":
                steps.append({**d, "amendment_id": a.id, "recorded_by": a.by_name, "recorded_at": a.at})
    divergent = any(n > 1 for n in parents.values())
    return IncidentState(
        id=incident_id, ward_id=ward_id, reference=reference, record=record, reported_at=reported_at,
        reporter_id=reporter_id, status=status, patients=patients, never_event=never_event, response=response,
        findings=tuple(findings), actions=tuple(actions), outcome=outcome, candour_decision=decision, aware_on=aware,
        candour_steps=tuple(steps), history=tuple(ordered), divergent=divergent,
        head_id=ordered[-1].id if ordered else incident_id,
    )


def show_text(text: str) -> str:
    """Text for one-line displays: NFC, newlines as spaces."""
    return unicodedata.normalize("NFC", text).replace("\n", " ")
