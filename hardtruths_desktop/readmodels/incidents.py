"""What the Incidents screens, the Today banner and the CLI read (issue 10).

Plain frozen dataclasses built by ``load_*`` functions; the GUI, the CLI and the tests call the
same functions. Who sees what is decided by the repository (``store.incidents``), never here.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Any

from hardtruths_desktop.domain import incidents as rules
from hardtruths_desktop.domain.candour import Candour, reported_on_of, summary_json
from hardtruths_desktop.domain.clock import Clock, today
from hardtruths_desktop.domain.spc import SIGNAL_LABELS, XmR, xmr
from hardtruths_desktop.domain.thermometer import HARMS, Survey
from hardtruths_desktop.store import incidents as repo
from hardtruths_desktop.store.session import Store


@dataclass(frozen=True)
class Row:
    id: str
    reference: str
    occurred_on: str
    reported_on: date
    category: str
    category_label: str
    harm: str
    harm_label: str
    status: str
    status_label: str
    candour: str  # words: "", "Proposed", "Due 9 Dec", "OVERDUE since 9 Dec", "Not applicable", "Done"
    overdue: bool
    divergent: bool
    own: bool


def _row(r: repo.IncidentRow, on: date) -> Row:
    due = date.fromisoformat(r.candour_next_due) if r.candour_next_due else None
    overdue = bool(due and on > due and r.status != "withdrawn"
                   and (r.candour_status == "applies" or (r.candour_status == "proposed" and r.status in ("submitted", "under_review"))))
    if r.candour_status is None:
        words = ""
    elif r.candour_status == "not_applicable":
        words = "Not applicable"
    elif overdue and due:
        words = f"Overdue since {due:%d %b}"
    elif due:
        words = ("Proposed, due " if r.candour_status == "proposed" else "Due ") + f"{due:%d %b}"
    else:
        words = "Steps done"
    return Row(r.id, r.reference, r.occurred_on, reported_on_of(r.reported_at), r.category,
               rules.label_of(rules.categories(), r.category), r.harm, rules.label_of(rules.physical_harms(), r.harm),
               r.status, rules.STATUSES.get(r.status, r.status), words, overdue, r.divergent, r.own)


@dataclass(frozen=True)
class IncidentList:
    ward_id: str
    viewer_role: str
    rows: tuple[Row, ...]


def load_incident_list(store: Store, ward_id: str, *, clock: Clock, staff_id: str | None,
                       month: str | None = None, open_only: bool = False) -> IncidentList:
    """The incidents this staff member may see (``staff_id`` None: IT at the command line)."""
    on = today(clock)
    with repo.reading(store) as db:
        viewer = repo.viewer_for(db, staff_id, ward_id)
        rows = repo.list_incidents(db, viewer, ward_id, month=month,
                                   statuses=("submitted", "under_review") if open_only else None)
    return IncidentList(ward_id, viewer.role, tuple(_row(r, on) for r in rows))


@dataclass(frozen=True)
class ReviewQueue:
    """The manager's queue: open reports first, then overdue candour steps of closed ones."""

    allowed: bool
    rows: tuple[Row, ...]
    overdue: tuple[Row, ...]
    waiting: int


def load_review_queue(store: Store, ward_id: str, *, clock: Clock, staff_id: str | None) -> ReviewQueue:
    on = today(clock)
    with repo.reading(store) as db:
        viewer = repo.viewer_for(db, staff_id, ward_id)
        if not viewer.reviews:
            return ReviewQueue(False, (), (), 0)
        rows = [_row(r, on) for r in repo.list_incidents(db, viewer, ward_id, statuses=("submitted", "under_review"))]
        overdue = [_row(r, on) for r in repo.overdue_candour(db, viewer, ward_id, on)]
    rows.sort(key=lambda r: (not r.overdue, r.status != "submitted", r.reported_on), reverse=False)
    return ReviewQueue(True, tuple(rows), tuple(overdue), sum(1 for r in rows if r.status == "submitted"))


@dataclass(frozen=True)
class OverdueCandour:
    """For the Today screen: duty of candour steps past their due date (reviewers only)."""

    items: tuple[Row, ...]

    @property
    def text(self) -> str:
        if not self.items:
            return ""
        refs = ", ".join(r.reference for r in self.items[:3]) + (" …" if len(self.items) > 3 else "")
        n = len(self.items)
        return f"⚠ Duty of candour: {n} incident{'s' if n != 1 else ''} with an overdue step ({refs})"


def load_overdue_candour(store: Store, ward_id: str, *, clock: Clock, staff_id: str | None) -> OverdueCandour:
    on = today(clock)
    with repo.reading(store) as db:
        viewer = repo.viewer_for(db, staff_id, ward_id)
        return OverdueCandour(tuple(_row(r, on) for r in repo.overdue_candour(db, viewer, ward_id, on)))


@dataclass(frozen=True)
class PatientView:
    number: int
    physical_harm: str
    psychological_harm: str
    prolonged: bool
    nhs_number: str  # formatted, "" or "(hidden)"
    hospital_number: str


@dataclass(frozen=True)
class HistoryLine:
    at: str
    by: str
    kind: str
    label: str
    summary: str
    reason: str


@dataclass(frozen=True)
class IncidentDetailView:
    id: str
    reference: str
    status: str
    status_label: str
    occurred: str
    location: str
    category_label: str
    involved: tuple[str, ...]
    never_event: str
    near_miss: bool
    description: str
    immediate_actions: str
    went_well: str
    reporter: str
    patients: tuple[PatientView, ...]
    response: str
    findings: tuple[str, ...]
    actions: tuple[str, ...]
    outcome: str
    candour: Candour | None
    overdue_steps: tuple[str, ...]
    history: tuple[HistoryLine, ...]
    divergent: bool
    may_review: bool
    may_withdraw: bool
    open: bool
    json: dict[str, Any]


def _summary(kind: str, data: dict[str, Any]) -> str:
    if kind == "triage":
        return rules.label_of(rules.psirf_responses(), data.get("response")) + (f": {data['note']}" if data.get("note") else "")
    if kind == "confirm_harm":
        return "; ".join(rules.label_of(rules.physical_harms(), p.get("physical_harm")) for p in data.get("patients", []))
    if kind in ("findings", "actions"):
        return rules.show_text(str(data.get("text", "")))[:200]
    if kind == "candour":
        return ("Applies" if data.get("decision") == "applies" else "Not applicable") + (
            f", aware on {data['aware_on']}" if data.get("aware_on") else "")
    if kind == "candour_step":
        return f"{rules.CANDOUR_STEPS.get(str(data.get('step')), '')} on {data.get('on')}" + (f" by {data['by']}" if data.get("by") else "")
    if kind == "close":
        return rules.show_text(str(data.get("outcome", "")))[:200]
    return ""


def load_incident(store: Store, incident_id: str, *, clock: Clock, staff_id: str | None) -> IncidentDetailView:
    with repo.reading(store) as db:
        return incident_detail(db, incident_id, on=today(clock), staff_id=staff_id)


def incident_detail(db: sqlite3.Connection, incident_id: str, *, on: date, staff_id: str | None) -> IncidentDetailView:
    """``load_incident`` on an open connection (the printed candour letter reads it inside its own session)."""
    ward = db.execute("SELECT ward_id FROM incident WHERE id = ?", (incident_id,)).fetchone()
    viewer = repo.viewer_for(db, staff_id, ward[0] if ward else None)
    d = repo.get_incident(db, viewer, incident_id)
    st = d.state
    rec = st.record
    occurred = str(rec["occurred_on"]) + (f" {rec['occurred_time']}" if rec.get("occurred_time")
                                          else f" ({rules.PERIODS.get(str(rec.get('occurred_period')), '')})")
    pts = tuple(PatientView(i + 1, rules.label_of(rules.physical_harms(), p.physical_harm),
                            rules.label_of(rules.psychological_harms(), p.psychological_harm), p.prolonged_psychological,
                            rules.format_nhs_number(p.nhs_number) if p.nhs_number else ("(hidden)" if d.identifiers_hidden else ""),
                            p.hospital_number or ("(hidden)" if d.identifiers_hidden else ""))
                for i, p in enumerate(d.patients))
    hist = tuple(HistoryLine(a.at, a.by_name, a.kind, rules.AMENDMENT_KINDS.get(a.kind, a.kind), _summary(a.kind, dict(a.data)),
                             a.reason) for a in st.history)
    is_open = st.status in ("submitted", "under_review")
    j = summary_json(st)
    return IncidentDetailView(
        st.id, st.reference, st.status, rules.STATUSES.get(st.status, st.status), occurred, str(rec.get("location") or ""),
        rules.label_of(rules.categories(), str(rec.get("category"))),
        tuple(rules.label_of(rules.involved_kinds(), c) for c in rec.get("involved") or []),
        rules.label_of(rules.never_events().items, st.never_event) if st.never_event else "", bool(rec.get("near_miss")),
        str(rec.get("description") or ""), str(rec.get("immediate_actions") or ""), str(rec.get("went_well") or ""),
        d.reporter, pts, rules.label_of(rules.psirf_responses(), st.response) if st.response else "", st.findings, st.actions,
        st.outcome, d.candour, tuple(s.label for s in (d.candour.overdue_steps(on) if d.candour else [])), hist, st.divergent,
        viewer.reviews and is_open, is_open and (viewer.reviews or d.own), is_open, j,
    )


# --- the report form ------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReportForm:
    """What the report form offers: value sets with their definitions, and the author's draft."""

    categories: tuple[rules.Choice, ...]
    involved: tuple[rules.Choice, ...]
    never_events: rules.NeverEventList
    physical: tuple[rules.Choice, ...]
    psychological: tuple[rules.Choice, ...]
    prolonged: rules.Choice
    periods: tuple[tuple[str, str], ...]
    draft: rules.ReportInput | None
    today: date


def value_sets() -> tuple[Any, ...]:
    return (rules.categories(), rules.involved_kinds(), rules.never_events(), rules.physical_harms(),
            rules.psychological_harms(), rules.prolonged_psychological())


def load_report_form(store: Store, ward_id: str, *, clock: Clock, staff_id: str | None) -> ReportForm:
    draft = repo.load_draft(store, staff_id)
    cats, inv, ne, ph, ps, pr = value_sets()
    return ReportForm(cats, inv, ne, ph, ps, pr, tuple(rules.PERIODS.items()), draft, today(clock))


# --- Safety Thermometer -----------------------------------------------------------------------

@dataclass(frozen=True)
class ThermometerMonth:
    month: str
    survey: Survey
    percent: float | None
    signals: tuple[str, ...]


@dataclass(frozen=True)
class Thermometer:
    months: tuple[ThermometerMonth, ...]
    chart: XmR | None
    harms: tuple[tuple[str, str], ...]


def load_thermometer(store: Store, ward_id: str, *, clock: Clock, months: int = 24) -> Thermometer:
    with repo.reading(store) as db:
        got = repo.thermometer_months(db, ward_id)[-months:]
    pct = [s.harm_free_percent for _, s in got]
    chart: XmR | None = xmr([p for p in pct if p is not None], 0, 100)  # months without a survey are left out
    if chart is not None and chart.upper is None:
        chart = None  # fewer than two months: no limits, no chart yet
    out = []
    i = 0
    for (m, s), p in zip(got, pct, strict=True):
        sig: tuple[str, ...] = ()
        if p is not None and chart is not None:
            sig = tuple(SIGNAL_LABELS[k] for k in chart.signalled(i))
            i += 1
        out.append(ThermometerMonth(m, s, p, sig))
    return Thermometer(tuple(out), chart, tuple(HARMS.items()))
