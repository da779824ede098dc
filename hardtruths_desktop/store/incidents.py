"""Incident repository (issue 10): report, amend, read with confidentiality by role, drafts,
the Safety Thermometer.

Every write goes through ``WriteTx.emit``; an incident is written once and never updated
(SYNC.md 3.6): triage, harm confirmation, findings, actions, candour steps, closing and
withdrawing are each an ``incident_amendment`` naming who and when. ``incident_state`` (local,
derived) holds each incident's folded current view and is refreshed in the same transaction as
every write and every pulled page, so the review queue reads one indexed table.

Confidentiality is enforced HERE, not in the screens: every read takes a ``Viewer`` and only
returns what that person's role may see (``domain.incidents`` role rules).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from hardtruths_desktop.domain import field_meta, ids
from hardtruths_desktop.domain.candour import Candour, candour_for
from hardtruths_desktop.domain.clock import Clock, local_now, today, utc_now
from hardtruths_desktop.domain.incidents import (
    Amendment,
    IncidentState,
    Patient,
    ReportInput,
    check_amendment,
    check_report,
    fold,
    incident_reference,
    report_record,
    worst_harm,
)
from hardtruths_desktop.domain.thermometer import HARMS, Survey, check_survey
from hardtruths_desktop.domain.validation import ValidationError, parse_month
from hardtruths_desktop.store.session import Store, WriteTx, iso_utc

ENTITY = "incident"
AMENDMENT = "incident_amendment"
REPORTER = "incident_reporter"
THERMOMETER = "safety_thermometer"

#: Amendments only the ward manager or matron (or IT at the command line) may make.
REVIEW_KINDS = frozenset({"triage", "confirm_harm", "findings", "actions", "candour", "candour_step", "close"})


@contextmanager
def reading(store: Store) -> Iterator[sqlite3.Connection]:
    """A read connection (its own snapshot) for the read functions below."""
    with store.engine.connect() as conn:
        db: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
        yield db


# --- who is looking ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Viewer:
    """A person reading or writing incidents, and what their role lets them do.

    role: ``manager`` (ward sister/manager), ``matron``, ``nurse`` (registered), ``care``
    (healthcare assistants, students and others), ``it`` (the command line without ``--as``).
    """

    staff_id: str | None
    name: str
    role: str
    ward_id: str | None

    @property
    def browses_ward(self) -> bool:
        """Sees every report of the ward (not only their own)."""
        return self.role in ("manager", "matron", "it")

    @property
    def sees_identifiers(self) -> bool:
        """NHS and hospital numbers: the people who follow an incident up with the patient."""
        return self.role in ("manager", "matron")

    @property
    def reviews(self) -> bool:
        return self.role in ("manager", "matron", "it")

    @property
    def sees_anonymous_reporter(self) -> bool:
        return False  # only the trust's patient safety team, on the server


def viewer_for(db: sqlite3.Connection, staff_id: str | None, ward_id: str | None = None) -> Viewer:
    if staff_id is None:
        return Viewer(None, "command line", "it", ward_id)
    row = db.execute("SELECT name, role, title, is_manager, active, ward_id FROM staff WHERE id = ?", (staff_id,)).fetchone()
    if row is None or not row[4]:
        raise ValidationError.single("permission", "Only someone on the ward's staff list can see incident reports")
    from hardtruths_desktop.domain.valuesets import staff_group

    name, role, title, is_manager, _active, staff_ward = row
    if is_manager:
        kind = "manager"
    elif "matron" in (title or "").lower():
        kind = "matron"
    else:
        try:
            kind = "nurse" if staff_group(role).registered else "care"
        except KeyError:
            kind = "care"
    return Viewer(staff_id, name, kind, staff_ward)


def _viewer(tx: WriteTx, ward_id: str) -> Viewer:
    v = viewer_for(tx.db, tx.actor.staff_id, ward_id)
    if v.staff_id is not None and v.ward_id != ward_id:
        raise ValidationError.single("permission", "You can only report and review incidents of your own ward")
    return v


def _ward_code(db: sqlite3.Connection, ward_id: str) -> str:
    row = db.execute("SELECT code FROM ward WHERE id = ?", (ward_id,)).fetchone()
    if row is None:
        raise ValidationError.single("ward", "That ward is not on this station")
    return str(row[0])


# --- report -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reported:
    id: str
    reference: str


def report_incident(tx: WriteTx, ward_id: str, report: ReportInput, *, clock: Clock | None = None, shift_id: str | None = None,
                    red_flag_id: str | None = None, red_flag_type: str | None = None) -> Reported:
    """Submit a report. Validates everything first (nothing is written when anything is wrong).
    ``clock``: the transaction's (the store's one clock) unless a seeding tool back-dates a report."""
    clock = clock or tx.clock
    viewer = _viewer(tx, ward_id)
    checked = check_report(report, local_now(clock))
    db = tx.db
    ward_code = _ward_code(db, ward_id)
    if red_flag_id is not None:
        flag = db.execute("SELECT shift_id, flag_type FROM red_flag WHERE id = ? AND ward_id = ?", (red_flag_id, ward_id)).fetchone()
        if flag is None:
            raise ValidationError.single("red_flag", "That red flag is not on this ward")
        shift_id, red_flag_type = flag[0], flag[1]
    elif red_flag_type is not None:
        from hardtruths_desktop.domain.valuesets import red_flag_type as flag_kind

        try:
            flag_kind(red_flag_type)
        except KeyError:
            raise ValidationError.single("red_flag", f"'{red_flag_type[:30]}' is not a red flag") from None
        if shift_id is None:
            raise ValidationError.single("red_flag", "A red flag belongs to a shift: say which")
    if shift_id is not None and db.execute("SELECT 1 FROM shift WHERE id = ? AND ward_id = ?", (shift_id, ward_id)).fetchone() is None:
        raise ValidationError.single("shift", "That shift is not on this ward")
    iid = ids.uuid7()
    now = utc_now(clock)
    reference = incident_reference(ward_code, local_now(clock).date(), iid)
    reporter = None if checked.anonymous else viewer.staff_id
    record = {"ward_id": ward_id, "reference": reference, **report_record(checked), "reporter_id": reporter,
              "reported_at": iso_utc(now), "shift_id": shift_id, "red_flag_id": red_flag_id, "red_flag_type": red_flag_type}
    meta_json = _emit(tx, ENTITY, iid, "create", record, "incident_reported", {"reference": reference})
    db.execute(
        "INSERT INTO incident (id, ward_id, reference, occurred_on, occurred_time, occurred_period, location, description,"
        " category, involved, never_event, immediate_actions, went_well, near_miss, patients, anonymous, reporter_id,"
        " reported_at, shift_id, red_flag_id, red_flag_type, field_meta) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (iid, ward_id, reference, record["occurred_on"], record["occurred_time"], record["occurred_period"], record["location"],
         record["description"], record["category"], _j(record["involved"]), record["never_event"],
         record["immediate_actions"], record["went_well"], int(record["near_miss"]), _j(record["patients"]),
         int(record["anonymous"]), reporter, record["reported_at"], shift_id, red_flag_id, red_flag_type, meta_json),
    )
    if checked.anonymous:
        restricted = {"incident_id": iid, "ward_id": ward_id, "reporter_id": viewer.staff_id, "reporter_name": viewer.name}
        rmeta = _emit(tx, REPORTER, iid, "create", restricted, "incident_reporter_recorded", {"reference": reference})
        db.execute("INSERT INTO incident_reporter (incident_id, ward_id, reporter_id, reporter_name, field_meta) VALUES (?,?,?,?,?)",
                   (iid, ward_id, viewer.staff_id, viewer.name, rmeta))
    refresh_states(db, [iid])
    db.execute("DELETE FROM incident_draft WHERE author_id = ?", (_draft_key(tx.actor.staff_id),))
    return Reported(iid, reference)


def _j(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def _emit(tx: WriteTx, entity: str, entity_id: str, op: str, payload: Mapping[str, Any], action: str,
          audit: Mapping[str, Any]) -> str:
    _, meta_json = tx.emit_raw(entity, entity_id, op, payload, {}, action, audit)
    return meta_json


# --- amend ------------------------------------------------------------------------------------

def amend_incident(tx: WriteTx, incident_id: str, kind: str, data: Mapping[str, Any], reason: str = "", *,
                   clock: Clock | None = None) -> str:
    """Record one change to an incident as an amendment (who, when, what, why). Returns its id.
    ``clock``: the transaction's (the store's one clock) unless a seeding tool back-dates it."""
    clock = clock or tx.clock
    db = tx.db
    row = db.execute("SELECT ward_id FROM incident WHERE id = ?", (incident_id,)).fetchone()
    if row is None:
        raise ValidationError.single("incident", "That incident is not on this station")
    ward_id = str(row[0])
    viewer = _viewer(tx, ward_id)
    state = load_state(db, incident_id)
    own = _reporter_of(db, incident_id) == viewer.staff_id and viewer.staff_id is not None
    if kind in REVIEW_KINDS and not viewer.reviews:
        raise ValidationError.single("permission", "Only the ward manager or matron can review incidents")
    if kind == "withdraw" and not (viewer.reviews or own):
        raise ValidationError.single("permission", "Only the person who reported it, the ward manager or matron can withdraw a report")
    if state.status in ("closed", "withdrawn"):
        raise ValidationError.single("status", f"This incident is {state.status}: it cannot be changed any more")
    clean, why = check_amendment(kind, data, reason, today(clock))
    if kind == "close":
        c = candour_of(state)
        if c is not None and c.status == "proposed":
            raise ValidationError.single("candour", "The harm recorded makes this a notifiable incident: decide whether the duty"
                                                    " of candour applies before closing it")
    if kind == "confirm_harm" and len(clean.get("patients", [])) != len(state.patients):
        raise ValidationError.single("patients", f"Confirm the harm for each of the {len(state.patients)} patients on the report")
    aid = ids.uuid7()
    at = iso_utc(utc_now(clock))
    by_name = viewer.name
    payload = {"incident_id": incident_id, "ward_id": ward_id, "amends_id": state.head_id, "kind": kind, "data": clean,
               "reason": why, "by_id": viewer.staff_id, "by_name": by_name, "at": at}
    meta_json = _emit(tx, AMENDMENT, aid, "amend", payload, f"incident_{kind}", {"incident": incident_id})
    db.execute(
        "INSERT INTO incident_amendment (id, incident_id, ward_id, amends_id, kind, data, reason, by_id, by_name, at, field_meta)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (aid, incident_id, ward_id, state.head_id, kind, _j(clean), why, viewer.staff_id, by_name, at, meta_json),
    )
    refresh_states(db, [incident_id])
    tx.changes.add(ENTITY, incident_id)
    return aid


def _reporter_of(db: sqlite3.Connection, incident_id: str) -> str | None:
    row = db.execute(
        "SELECT coalesce(i.reporter_id, r.reporter_id) FROM incident i LEFT JOIN incident_reporter r ON r.incident_id = i.id"
        " WHERE i.id = ?", (incident_id,)).fetchone()
    return row[0] if row else None


# --- the folded current view -------------------------------------------------------------------

_INCIDENT_COLS = ("id, ward_id, reference, occurred_on, occurred_time, occurred_period, location, description, category,"
                  " involved, never_event, immediate_actions, went_well, near_miss, patients, anonymous, reporter_id,"
                  " reported_at, shift_id, red_flag_id, red_flag_type")


def _record(r: tuple[Any, ...]) -> dict[str, Any]:
    names = [c.strip() for c in _INCIDENT_COLS.split(",")]
    d = dict(zip(names, r, strict=True))
    d["involved"] = json.loads(d["involved"] or "[]")
    d["patients"] = json.loads(d["patients"] or "[]")
    d["near_miss"] = bool(d["near_miss"])
    d["anonymous"] = bool(d["anonymous"])
    return d


def _amendments(db: sqlite3.Connection, incident_ids: list[str]) -> dict[str, list[Amendment]]:
    out: dict[str, list[Amendment]] = {i: [] for i in incident_ids}
    for start in range(0, len(incident_ids), 500):
        chunk = incident_ids[start:start + 500]
        for r in db.execute(
            "SELECT id, incident_id, amends_id, kind, data, reason, by_id, by_name, at FROM incident_amendment"
            f" WHERE incident_id IN ({', '.join('?' for _ in chunk)})", chunk):
            out[r[1]].append(Amendment(r[0], r[1], r[2], r[3], json.loads(r[4] or "{}"), r[5], r[6], r[7], r[8]))
    return out


def load_states(db: sqlite3.Connection, incident_ids: list[str]) -> dict[str, IncidentState]:
    records: dict[str, dict[str, Any]] = {}
    for start in range(0, len(incident_ids), 500):
        chunk = incident_ids[start:start + 500]
        for r in db.execute(f"SELECT {_INCIDENT_COLS} FROM incident WHERE id IN ({', '.join('?' for _ in chunk)})", chunk):
            records[r[0]] = _record(r)
    amends = _amendments(db, list(records))
    return {i: fold(i, rec["ward_id"], rec["reference"], rec, rec["reported_at"], rec["reporter_id"], amends[i])
            for i, rec in records.items()}


def load_state(db: sqlite3.Connection, incident_id: str) -> IncidentState:
    states = load_states(db, [incident_id])
    if incident_id not in states:
        raise ValidationError.single("incident", "That incident is not on this station")
    return states[incident_id]


def candour_of(state: IncidentState) -> Candour | None:
    reported_on = local_date_of(state.reported_at)
    return candour_for(state.patients, state.candour_decision, state.aware_on, reported_on, state.candour_steps)


def local_date_of(utc_iso: str) -> date:
    from datetime import datetime

    from hardtruths_desktop.domain.clock import LONDON

    return datetime.fromisoformat(utc_iso.replace("Z", "+00:00")).astimezone(LONDON).date()


def refresh_states(db: sqlite3.Connection, incident_ids: Iterable[str]) -> None:
    """Recompute ``incident_state`` for these incidents (after a write or a pulled page)."""
    wanted = sorted(set(incident_ids))
    if not wanted:
        return
    states = load_states(db, wanted)
    restricted = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        restricted.update(dict(db.execute(
            f"SELECT incident_id, reporter_id FROM incident_reporter WHERE incident_id IN ({', '.join('?' for _ in chunk)})", chunk)))
    rows = []
    for iid, st in states.items():
        c = candour_of(st)
        due = c.next_due() if c is not None and c.status != "not_applicable" else None
        rows.append((iid, st.ward_id, st.status, str(st.record["occurred_on"]), st.reported_at, str(st.record["category"]),
                     st.harm, st.reporter_id or restricted.get(iid), c.status if c else None,
                     due.isoformat() if due else None, int(st.divergent), len(st.history)))
    db.executemany(
        "INSERT INTO incident_state (incident_id, ward_id, status, occurred_on, reported_at, category, harm, reporter_id,"
        " candour_status, candour_next_due, divergent, amendments) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
        " ON CONFLICT (incident_id) DO UPDATE SET status = excluded.status, harm = excluded.harm,"
        " reporter_id = excluded.reporter_id, candour_status = excluded.candour_status,"
        " candour_next_due = excluded.candour_next_due, divergent = excluded.divergent, amendments = excluded.amendments",
        rows,
    )


# --- reading, by role ---------------------------------------------------------------------------

@dataclass(frozen=True)
class IncidentRow:
    """One line of a list: what the viewer may see."""

    id: str
    reference: str
    occurred_on: str
    reported_at: str
    category: str
    harm: str
    status: str
    candour_status: str | None
    candour_next_due: str | None
    divergent: bool
    own: bool


def _visible(viewer: Viewer) -> tuple[str, tuple[Any, ...]]:
    if viewer.browses_ward:
        return "", ()
    if viewer.staff_id is None:  # pragma: no cover - only "it" has no staff id, and it browses
        return " AND 0", ()
    return " AND s.reporter_id = ?", (viewer.staff_id,)


def list_incidents(db: sqlite3.Connection, viewer: Viewer, ward_id: str, *, statuses: Iterable[str] | None = None,
                   month: str | None = None, limit: int | None = None) -> list[IncidentRow]:
    """The incidents of ``ward_id`` this viewer may see, newest first."""
    if viewer.staff_id is not None and viewer.ward_id != ward_id:
        return []
    where, params = _visible(viewer)
    sql = ("SELECT s.incident_id, i.reference, s.occurred_on, s.reported_at, s.category, s.harm, s.status, s.candour_status,"
           " s.candour_next_due, s.divergent, s.reporter_id FROM incident_state s JOIN incident i ON i.id = s.incident_id"
           " WHERE s.ward_id = ?" + where)
    args: list[Any] = [ward_id, *params]
    sts = list(statuses or [])
    if sts:
        sql += f" AND s.status IN ({', '.join('?' for _ in sts)})"
        args += sts
    if month:
        y, m = parse_month(month)
        sql += " AND substr(s.occurred_on, 1, 7) = ?"
        args.append(f"{y:04d}-{m:02d}")
    sql += " ORDER BY s.reported_at DESC"
    if limit:
        sql += f" LIMIT {int(limit)}"
    return [IncidentRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]), r[10] == viewer.staff_id and r[10] is not None)
            for r in db.execute(sql, args)]


def overdue_candour(db: sqlite3.Connection, viewer: Viewer, ward_id: str, on: date) -> list[IncidentRow]:
    """Incidents with a duty of candour step past its due date (reviewers only)."""
    if not viewer.reviews or (viewer.staff_id is not None and viewer.ward_id != ward_id):
        return []
    rows = db.execute(
        "SELECT s.incident_id, i.reference, s.occurred_on, s.reported_at, s.category, s.harm, s.status, s.candour_status,"
        " s.candour_next_due, s.divergent FROM incident_state s JOIN incident i ON i.id = s.incident_id"
        " WHERE s.ward_id = ? AND (s.candour_status = 'applies' AND s.status != 'withdrawn'"
        " OR s.candour_status = 'proposed' AND s.status IN ('submitted', 'under_review'))"
        " AND s.candour_next_due < ? ORDER BY s.candour_next_due",
        (ward_id, on.isoformat()),
    )
    return [IncidentRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]), False) for r in rows]


@dataclass(frozen=True)
class IncidentDetail:
    """An incident as this viewer may see it: identifiers masked, the anonymous reporter hidden."""

    state: IncidentState
    reporter: str  # who to show: a name, "You", or "Not shown to the ward"
    patients: tuple[Patient, ...]
    identifiers_hidden: bool
    candour: Candour | None
    own: bool


def get_incident(db: sqlite3.Connection, viewer: Viewer, incident_id: str) -> IncidentDetail:
    """One incident, if this viewer may see it (else the same error as for a missing one)."""
    row = db.execute("SELECT ward_id FROM incident WHERE id = ?", (incident_id,)).fetchone()
    reporter = _reporter_of(db, incident_id) if row else None
    own = viewer.staff_id is not None and reporter == viewer.staff_id
    allowed = row is not None and (own or (viewer.browses_ward and (viewer.staff_id is None or viewer.ward_id == row[0])))
    if not allowed:
        raise ValidationError.single("incident", "There is no incident with that reference that you can see")
    st = load_state(db, incident_id)
    if own:
        shown = "You" + (" (not shown to the ward)" if st.record.get("anonymous") else "")
    elif st.record.get("anonymous"):
        shown = "Not shown to the ward (kept in the restricted record)"
    else:
        r = db.execute("SELECT name FROM staff WHERE id = ?", (st.reporter_id,)).fetchone()
        shown = r[0] if r else "command line"
    pts = st.patients
    hidden = not viewer.sees_identifiers and any(p.nhs_number or p.hospital_number for p in pts)
    if not viewer.sees_identifiers:
        pts = tuple(Patient(p.physical_harm, p.psychological_harm, p.prolonged_psychological, "", "") for p in pts)
    return IncidentDetail(st, shown, pts, hidden, candour_of(st), own)


def incident_refs_by_flag(db: sqlite3.Connection, shift_id: str) -> dict[str, str]:
    """References of incidents reported from this shift's red flags: keyed by red flag id, or by
    type for a computed flag (the reference only, which anyone may see)."""
    out: dict[str, str] = {}
    for fid, ftype, ref in db.execute(
        "SELECT red_flag_id, red_flag_type, reference FROM incident WHERE shift_id = ? ORDER BY reported_at", (shift_id,)):
        out.setdefault(fid or ftype or "", ref)
    return out


# --- drafts: local, private to their author ----------------------------------------------------

def _draft_key(staff_id: str | None) -> str:
    return staff_id or "station:cli"


def save_draft(store: Store, staff_id: str | None, ward_id: str, report: ReportInput, *, clock: Clock) -> None:
    """Keep what the author has typed so far (called as they type). Local only, never synced."""
    from hardtruths_desktop.store.session import Actor

    with store.write(Actor(staff_id, "draft")) as tx:
        tx.db.execute(
            "INSERT INTO incident_draft (author_id, ward_id, data, updated_at) VALUES (?,?,?,?)"
            " ON CONFLICT (author_id) DO UPDATE SET ward_id = excluded.ward_id, data = excluded.data,"
            " updated_at = excluded.updated_at",
            (_draft_key(staff_id), ward_id, _j(report.to_json()), iso_utc(utc_now(clock))),
        )


def load_draft(store: Store, staff_id: str | None) -> ReportInput | None:
    """This author's draft (nobody else's: the key is the author)."""
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT data FROM incident_draft WHERE author_id = ?", (_draft_key(staff_id),)).fetchone()
    return ReportInput.from_json(json.loads(row[0])) if row else None


def discard_draft(store: Store, staff_id: str | None) -> None:
    from hardtruths_desktop.store.session import Actor

    with store.write(Actor(staff_id, "draft")) as tx:
        tx.db.execute("DELETE FROM incident_draft WHERE author_id = ?", (_draft_key(staff_id),))


# --- Safety Thermometer ----------------------------------------------------------------------------

from hardtruths_desktop.domain.thermometer import thermometer_id  # noqa: E402


def record_thermometer(tx: WriteTx, ward_id: str, month: str, values: Mapping[str, Any], survey_date: str | None = None) -> Survey:
    """Record (or correct) a month's Safety Thermometer survey for the ward."""
    v = _viewer(tx, ward_id)
    if v.role == "care":
        raise ValidationError.single("permission", "The Safety Thermometer is recorded by a registered nurse or the ward manager")
    y, m = parse_month(month)
    month = f"{y:04d}-{m:02d}"
    survey = check_survey(values)
    if survey_date:
        from hardtruths_desktop.domain.validation import parse_date

        d = parse_date(survey_date, "survey_date")
        if d.strftime("%Y-%m") != month:
            raise ValidationError.single("survey_date", f"The survey date must be in {month}")
        survey_date = d.isoformat()
    sid = thermometer_id(ward_id, month)
    db = tx.db
    row = db.execute("SELECT surveyed, harm_free, pressure_ulcers, falls_with_harm, catheter_uti, new_vte, survey_date, field_meta"
                     " FROM safety_thermometer WHERE id = ?", (sid,)).fetchone()
    new = {"surveyed": survey.surveyed, "harm_free": survey.harm_free, **dict(survey.harms), "survey_date": survey_date}
    cols = ("surveyed", "harm_free", *HARMS, "survey_date")
    if row is None:
        payload = {"ward_id": ward_id, "month": month, **new}
        _, meta = tx.emit_raw(THERMOMETER, sid, "create", payload, {}, "thermometer_recorded", {"month": month})
        db.execute(f"INSERT INTO safety_thermometer (id, ward_id, month, {', '.join(cols)}, field_meta) VALUES (?,?,?,{', '.join('?' for _ in cols)},?)",
                   (sid, ward_id, month, *(new[c] for c in cols), meta))
    else:
        old = dict(zip(cols, row[:7], strict=True))
        payload = {c: new[c] for c in cols if old[c] != new[c]}
        if payload:
            _, meta = tx.emit_raw(THERMOMETER, sid, "patch", payload, field_meta.loads(row[7]), "thermometer_corrected",
                                  {"month": month})
            db.execute(f"UPDATE safety_thermometer SET {', '.join(f'{c} = ?' for c in cols)}, field_meta = ? WHERE id = ?",
                       (*(new[c] for c in cols), meta, sid))
    return survey


def thermometer_months(db: sqlite3.Connection, ward_id: str) -> list[tuple[str, Survey]]:
    out = []
    for r in db.execute("SELECT month, surveyed, harm_free, pressure_ulcers, falls_with_harm, catheter_uti, new_vte"
                        " FROM safety_thermometer WHERE ward_id = ? ORDER BY month", (ward_id,)):
        out.append((r[0], Survey(r[1], r[2], dict(zip(HARMS, r[3:7], strict=True)))))
    return out


__all__ = [
    "IncidentDetail",
    "IncidentRow",
    "Reported",
    "Viewer",
    "amend_incident",
    "get_incident",
    "list_incidents",
    "overdue_candour",
    "record_thermometer",
    "refresh_states",
    "report_incident",
    "viewer_for",
    "worst_harm",
]
