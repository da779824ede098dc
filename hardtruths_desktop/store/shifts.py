"""Shift staffing and red flag repositories: the writes a nurse makes every shift."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlmodel import select

from hardtruths_desktop.domain import field_meta, ids
from hardtruths_desktop.domain.clock import LONDON
from hardtruths_desktop.domain.shift_entry import GROUP_FIELDS, check_figures, check_patients, merge_group, team_on_duty
from hardtruths_desktop.domain.shift_rows import flag_label
from hardtruths_desktop.domain.staffing import GroupFigures, ShiftTimes, plan_for_length, shift_bounds_utc
from hardtruths_desktop.domain.validation import (
    MAX_NOTE,
    MAX_SHORT_TEXT,
    ShiftContext,
    StaffOnWard,
    ValidationError,
    check_census_day,
    check_computed_flag_type,
    check_red_flag_type,
    check_shift,
    check_started,
    clean_text,
)
from hardtruths_desktop.store.queries import WardRef, ward_of
from hardtruths_desktop.store.session import WriteTx, iso_utc
from hardtruths_desktop.store.tables import RedFlag, Shift, Ward

KEEP: Any = object()  # "leave this field as it is"


@dataclass
class ShiftChange:
    """A partial edit of one shift. Group values not given keep their value (or the plan's)."""

    groups: dict[str, dict[str, float | int]] = field(default_factory=dict)
    nurse_in_charge_id: Any = KEEP  # str | None | KEEP
    patients_at_midnight: Any = KEEP  # int | None | KEEP
    notes: Any = KEEP  # str | KEEP
    #: hours follow people unless typed (``shift_entry.merge_group``), on every path: a head count
    #: sent without its hours gets them (the plan's hours per person, else the shift's real length).
    #: Only a caller that sends hours for every head count may turn it off (no caller does).
    hours_pro_rata: bool = True
    #: who is ticked on duty (staff ids), saved with the figures in the same transaction; the
    #: nurse in charge is always added (``shift_entry.team_on_duty``)
    on_duty: Any = KEEP  # list[str] | KEEP


def _ward_facts(tx: WriteTx, ward: WardRef) -> tuple[str, str, int]:
    """(id, code, beds) of the ward, read with SQL on the transaction's connection."""
    ward_id = ward if isinstance(ward, str) else ward.id
    row = tx.db.execute("SELECT id, code, beds FROM ward WHERE id = ?", (ward_id,)).fetchone()
    if row is None:
        raise ValidationError.single("ward", "This ward is no longer on the station")
    return str(row[0]), str(row[1]), int(row[2])


def _plan(tx: WriteTx, ward_id: str, shift_code: str, on: date) -> dict[str, GroupFigures]:
    """The establishment's plan for one shift in force on ``on`` (later ``effective_from`` wins)."""
    plan: dict[str, GroupFigures] = {}
    for group, heads, hours in tx.db.execute(
        "SELECT staff_group, planned_heads, planned_hours FROM establishment WHERE ward_id = ? AND shift_code = ?"
        " AND effective_from <= ? ORDER BY effective_from",
        (ward_id, shift_code, on.isoformat()),
    ):
        plan[group] = GroupFigures(planned=heads, planned_hours=hours)
    return plan


#: ``save_shift``'s reads in one statement: the ward (0-2), its pattern for the shift code (3-8: code,
#: name, start, end, period, active), the shift if recorded (9-14: nurse in charge, notes, field_meta,
#: staffing_recorded, on_duty, id) and the nurse in charge named by the change, else the shift's (15-18)
_FACTS = (
    "SELECT w.id, w.code, w.beds, p.code, p.name, p.start_time, p.end_time, p.period, p.active,"
    " s.nurse_in_charge_id, s.notes, s.field_meta, s.staffing_recorded, s.on_duty, s.id,"
    " n.id, n.name, n.role, n.active"
    " FROM ward w LEFT JOIN shift_pattern p ON p.ward_id = w.id AND p.code = ?"
    " LEFT JOIN shift s ON s.id = ?"
    " LEFT JOIN staff n ON n.id = coalesce(?, s.nurse_in_charge_id) AND n.ward_id = w.id"
    " WHERE w.id = ?"
)


def save_shift(tx: WriteTx, ward: WardRef, shift_date: date, shift_code: str, change: ShiftChange, today: date) -> bool:
    """Create or correct one shift. Validates the merged result; writes nothing when invalid.

    ``change`` holds figures already parsed by the form (``domain.shift_entry.parse_entry``) or the
    CLI: text is parsed once, before this; here they are only checked to be numbers. People entered
    without their hours get hours (``shift_entry.merge_group``, the one rule), and people on duty
    with 0 hours are refused (``validation.check_shift``). Actual figures for a shift that has not
    started are refused; its plan may be entered ahead. Returns True when anything
    changed. Planned values of a new shift come from the establishment in force on that date.

    One data-access style: this is the save a nurse makes every shift, so every read and write here
    is SQL on the transaction's own connection (``tx.db``), never the ORM session (which would need a
    flush to agree with it): a handful of statements and one durable commit (benchmarks/bench_save.py).
    """
    db = tx.db
    today = tx.validation_today(today)
    ward_id = ward if isinstance(ward, str) else ward.id
    sid = ids.shift_id(ward_id, shift_date, shift_code)
    # one statement reads the ward, its shift pattern, the shift (if recorded) and the nurse in charge
    # it would keep (issue 13: four reads were four statements on the save path)
    given_nic = None if change.nurse_in_charge_id is KEEP else change.nurse_in_charge_id
    facts = db.execute(_FACTS, (shift_code, sid, given_nic, ward_id)).fetchone()
    if facts is None:
        raise ValidationError.single("ward", "This ward is no longer on the station")
    ward_id, ward_code, beds = str(facts[0]), str(facts[1]), int(facts[2])
    row = None if facts[14] is None else facts[9:14]
    if facts[3] is None or not (facts[8] or row is not None):  # a retired shift can still be corrected
        codes = ", ".join(r[0] for r in db.execute(
            "SELECT code FROM shift_pattern WHERE ward_id = ? AND active = 1 ORDER BY sort_order", (ward_id,)))
        raise ValidationError.single("shift", f"Ward {ward_code} has no '{shift_code}' shift (shifts: {codes or 'none set up'})")
    times = ShiftTimes(facts[3], facts[4], time.fromisoformat(facts[5]), time.fromisoformat(facts[6]),
                       "night" if facts[7] == "night" else "day")
    length = times.length(shift_date)  # real elapsed hours on this date (the clock changes)
    creating = row is None
    current: dict[str, GroupFigures] = {}
    if row is not None:
        for code, *figures in db.execute(
            "SELECT staff_group, planned, actual, planned_hours, actual_hours, bank_agency FROM shift_staffing WHERE shift_id = ?",
            (sid,),
        ):
            current[code] = GroupFigures(*figures)
    else:
        current = plan_for_length(_plan(tx, ward_id, shift_code, shift_date), length)
        current.setdefault("rn", GroupFigures())
        current.setdefault("care", GroupFigures())
    new_groups = dict(current)
    entered: dict[str, dict[str, int | float]] = {}
    problems: dict[str, str] = {}
    for code, values in change.groups.items():
        try:
            entered[code] = check_figures(code, values)
        except ValidationError as e:
            problems.update(e.errors)
            continue
        new_groups[code] = merge_group(new_groups.get(code, GroupFigures()), entered[code], change.hours_pro_rata, length.hours)
    if any(f in ("actual", "actual_hours", "bank_agency") for v in entered.values() for f in v):
        try:
            # the clock's instant; a caller that names another ward date (a PC whose clock is wrong) is
            # taken at its word, to the end of that day
            now = tx.server_now if today == tx.today else datetime.combine(today, time(23, 59), tzinfo=LONDON)
            check_started(times.name, shift_date, shift_bounds_utc(shift_date, times.start, times.end)[0], now)
        except ValidationError as e:
            problems.update(e.errors)
    census = None
    if change.patients_at_midnight is not KEEP and change.patients_at_midnight is not None:
        try:
            census = check_patients(change.patients_at_midnight)
            check_census_day(shift_date, today)
        except ValidationError as e:
            problems.update(e.errors)
    if problems:
        raise ValidationError(problems)
    old_nic: str | None = row[0] if row else None
    old_notes: str = row[1] if row else ""
    nic = old_nic if change.nurse_in_charge_id is KEEP else change.nurse_in_charge_id
    notes = old_notes if change.notes is KEEP else clean_text(str(change.notes), "The note", "note", MAX_NOTE)
    staff: dict[str, StaffOnWard] = {}
    if nic is not None:
        srow = facts[15:19] if facts[15] == nic else db.execute(
            "SELECT id, name, role, active FROM staff WHERE id = ? AND ward_id = ?", (nic, ward_id)).fetchone()
        if srow is not None and srow[0] is not None:
            staff[srow[0]] = StaffOnWard(srow[0], srow[1], srow[2], bool(srow[3]))
    old_team: list[str] = json.loads(row[4]) if row else []
    ticked = old_team if change.on_duty is KEEP else _known_staff(tx, ward_id, change.on_duty)
    team = team_on_duty(ticked, nic)  # naming the nurse in charge ticks her on duty
    check_shift(shift_date, new_groups, nic, census, notes,
                ShiftContext(shift_hours=length.hours, beds=beds, staff=staff, today=today, shift_words=length.words(),
                             on_duty=frozenset(team)))

    # A create sends the plan (the same on every station) and only what the nurse entered: a value
    # nobody typed (an actual of 0 by default) must not compete with one another station typed
    # for the same shift (SYNC.md 3.6, "agreement, not conflict"). Hours worked out pro rata were
    # entered as surely as the people they follow.
    payload: dict[str, Any] = {}
    changed_groups = []
    for code, g in new_groups.items():
        old = current.get(code)
        if creating or old != g:
            changed_groups.append((code, g))
        given = set(entered.get(code, {}))
        if "actual" in given and g.actual_hours != (old.actual_hours if old else 0.0):
            given.add("actual_hours")  # worked out pro rata
        for f in GROUP_FIELDS:
            if creating:
                if f in ("planned", "planned_hours") or f in given:
                    payload[f"groups.{code}.{f}"] = getattr(g, f)
            elif old is None or getattr(old, f) != getattr(g, f):
                payload[f"groups.{code}.{f}"] = getattr(g, f)
    if (creating and change.nurse_in_charge_id is not KEEP) or (not creating and nic != old_nic):
        payload["nurse_in_charge_id"] = nic
    if (creating and change.notes is not KEEP) or (not creating and notes != old_notes):
        payload["notes"] = notes
    if team != sorted(set(old_team)):
        payload["on_duty"] = team
    old_recorded = bool(row[3]) if row else False
    recorded = old_recorded or any(f in ("actual", "actual_hours", "bank_agency") for v in entered.values() for f in v)
    if recorded and not old_recorded:
        payload["staffing_recorded"] = True
        for code, values in entered.items():  # "0 came" confirmed is a value, even if 0 was the default
            for f in (*values, "actual_hours") if "actual" in values and new_groups[code].actual_hours else values:
                payload[f"groups.{code}.{f}"] = getattr(new_groups[code], f)
    changed = False
    if payload:
        meta: dict[str, Any] = field_meta.loads(row[2]) if row else {}
        audit = {"ward": ward_code, "date": shift_date.isoformat(), "shift": shift_code}
        if creating:
            payload = {"ward_id": ward_id, "shift_date": shift_date.isoformat(), "shift_code": shift_code, **payload}
            _, meta_json = tx.emit_raw("shift", sid, "create", payload, meta, "shift_recorded", audit)
            db.execute(
                "INSERT INTO shift (id, ward_id, shift_date, shift_code, nurse_in_charge_id, notes, deleted, field_meta,"
                " needs_review, on_duty, staffing_recorded, updated_at, updated_by) VALUES (?,?,?,?,?,?,0,?,0,?,?,?,?)",
                (sid, ward_id, shift_date.isoformat(), shift_code, nic, notes, meta_json, json.dumps(team), int(recorded),
                 tx.now_iso, tx.actor_ref),
            )
        else:
            was: dict[str, Any] = {"nurse_in_charge_id": old_nic, "notes": old_notes, "on_duty": old_team,
                                   "staffing_recorded": old_recorded}
            before = {f: was[f] if f in was else _group_value(current, f) for f in payload}
            _, meta_json = tx.emit_raw("shift", sid, "patch", payload, meta, "shift_corrected", audit, before=before)
            db.execute(
                "UPDATE shift SET nurse_in_charge_id = ?, notes = ?, field_meta = ?, staffing_recorded = ?, on_duty = ?,"
                " updated_at = ?, updated_by = ? WHERE id = ?",
                (nic, notes, meta_json, int(recorded), json.dumps(team), tx.now_iso, tx.actor_ref, sid),
            )
        db.executemany(
            "INSERT INTO shift_staffing (shift_id, staff_group, planned, actual, planned_hours, actual_hours, bank_agency)"
            " VALUES (?,?,?,?,?,?,?) ON CONFLICT (shift_id, staff_group) DO UPDATE SET planned = excluded.planned,"
            " actual = excluded.actual, planned_hours = excluded.planned_hours, actual_hours = excluded.actual_hours,"
            " bank_agency = excluded.bank_agency",
            [(sid, code, g.planned, g.actual, g.planned_hours, g.actual_hours, g.bank_agency) for code, g in changed_groups],
        )
        tx.changes.add("shift", sid)
        changed = True
    if change.patients_at_midnight is not KEEP and set_patients_at_midnight(tx, ward_id, shift_date, census):
        changed = True
    return changed


def _group_value(groups: dict[str, GroupFigures], flat: str) -> Any:
    """The value of ``groups.<code>.<field>`` in ``groups`` (None: the group was not there)."""
    _, code, f = flat.split(".", 2)
    g = groups.get(code)
    return getattr(g, f) if g is not None else None


def withdraw_shift(tx: WriteTx, ward: WardRef, shift_date: date, shift_code: str, reason: str) -> None:
    """Withdraw a shift recorded on the wrong date: an audited amendment (synced like every shift
    change) that leaves it "not recorded": nobody on duty, no nurse in charge, no names ticked,
    the plan kept, and a line in its notes saying who withdrew it, when and why. Only the shift's
    nurse in charge or the ward sister / manager may (the CLI names them with ``--as``). Red
    flags raised on it stay (they happened); the day's 23:59 count is the day's, not the shift's.
    """
    db = tx.db
    why = clean_text(reason, "Why it is withdrawn", "reason", MAX_SHORT_TEXT, required=True)
    ward_id, ward_code, _beds = _ward_facts(tx, ward)
    sid = ids.shift_id(ward_id, shift_date, shift_code)
    row = db.execute("SELECT nurse_in_charge_id, notes, field_meta, staffing_recorded FROM shift WHERE id = ?", (sid,)).fetchone()
    if row is None or not row[3]:
        raise ValidationError.single("shift", f"The {shift_code} shift of {shift_date:%d %b %Y} is not recorded: nothing to withdraw")
    actor = tx.actor.staff_id  # None: the station's command line (IT), as for ward setup; the CLI itself asks --as NAME
    me = db.execute("SELECT is_manager, active FROM staff WHERE id = ?", (actor,)).fetchone() if actor else None
    if actor is not None and actor != row[0] and not (me is not None and me[0] and me[1]):
        raise ValidationError.single("permission", "Only the shift's nurse in charge or the ward sister / manager can withdraw a shift")
    payload: dict[str, Any] = {"staffing_recorded": False}
    before: dict[str, Any] = {"staffing_recorded": True}
    for code, actual, hours, bank in db.execute(
            "SELECT staff_group, actual, actual_hours, bank_agency FROM shift_staffing WHERE shift_id = ?", (sid,)).fetchall():
        for f, v in (("actual", actual), ("actual_hours", hours), ("bank_agency", bank)):
            if v:
                payload[f"groups.{code}.{f}"] = 0.0 if f == "actual_hours" else 0
                before[f"groups.{code}.{f}"] = v
    if row[0] is not None:
        payload["nurse_in_charge_id"] = None
        before["nurse_in_charge_id"] = row[0]
    on_duty = db.execute("SELECT on_duty FROM shift WHERE id = ?", (sid,)).fetchone()[0]
    if json.loads(on_duty or "[]"):
        payload["on_duty"] = []
        before["on_duty"] = json.loads(on_duty)
    when = tx.now.astimezone(LONDON)
    line = f"Withdrawn {when:%d %b %Y %H:%M} by {tx.actor.name}: {why}"
    notes = (row[1] + "\n" + line) if row[1] else line
    payload["notes"] = clean_text(notes[-MAX_NOTE:], "The note", "note", MAX_NOTE)
    before["notes"] = row[1]
    _, meta_json = tx.emit_raw("shift", sid, "patch", payload, field_meta.loads(row[2]), "shift_withdrawn",
                               {"ward": ward_code, "date": shift_date.isoformat(), "shift": shift_code, "reason": why},
                               before=before)
    db.execute("UPDATE shift SET nurse_in_charge_id = NULL, notes = ?, field_meta = ?, staffing_recorded = 0, on_duty = '[]',"
               " updated_at = ?, updated_by = ? WHERE id = ?", (payload["notes"], meta_json, tx.now_iso, tx.actor_ref, sid))
    db.execute("UPDATE shift_staffing SET actual = 0, actual_hours = 0, bank_agency = 0 WHERE shift_id = ?", (sid,))
    tx.changes.add("shift", sid)


def _known_staff(tx: WriteTx, ward_id: str, staff_ids: Any) -> list[str]:
    """The ticked team, checked: everyone on this ward's current staff list."""
    if isinstance(staff_ids, str) or not all(isinstance(i, str) for i in staff_ids):
        raise ValidationError.single("on_duty", "Who is on duty must be a list of people on the staff list")
    known = {r[0] for r in tx.db.execute("SELECT id FROM staff WHERE ward_id = ? AND active = 1", (ward_id,))}
    if any(i not in known for i in staff_ids):
        raise ValidationError.single("on_duty", "Everyone on duty must be on this ward's staff list")
    return list(staff_ids)


def set_patients_at_midnight(tx: WriteTx, ward: WardRef, day: date, count: int | None) -> bool:
    """The 23:59 count of a date (None clears it). SQL on ``tx.db`` like ``save_shift``. True when it changed."""
    ward_id, ward_code, _beds = _ward_facts(tx, ward)
    if count is not None:
        count = check_patients(count)
        check_census_day(day, tx.today)
    did = ids.ward_day_id(ward_id, day)
    row = tx.db.execute("SELECT patients_at_midnight, field_meta FROM ward_day WHERE id = ?", (did,)).fetchone()
    if (row is None and count is None) or (row is not None and row[0] == count):
        return False
    payload: dict[str, Any] = {"patients_at_midnight": count}
    audit = {"ward": ward_code, "date": day.isoformat()}
    if row is None:
        payload = {"ward_id": ward_id, "day": day.isoformat(), **payload}
        _, meta_json = tx.emit_raw("ward_day", did, "create", payload, {}, "census_recorded", audit)
        tx.db.execute("INSERT INTO ward_day (id, ward_id, day, patients_at_midnight, field_meta) VALUES (?,?,?,?,?)",
                      (did, ward_id, day.isoformat(), count, meta_json))
    else:
        _, meta_json = tx.emit_raw("ward_day", did, "patch", payload, field_meta.loads(row[1]), "census_recorded", audit,
                                   before={"patients_at_midnight": row[0]})
        tx.db.execute("UPDATE ward_day SET patients_at_midnight = ?, field_meta = ? WHERE id = ?", (count, meta_json, did))
    return True


def ensure_shift(tx: WriteTx, ward: WardRef, shift_date: date, shift_code: str, today: date) -> Shift:
    """The shift's row, creating it from the plan if it was not recorded yet."""
    ward = ward_of(tx.session, ward)
    sid = ids.shift_id(ward.id, shift_date, shift_code)
    row = tx.session.get(Shift, sid)
    if row is None:
        save_shift(tx, ward, shift_date, shift_code, ShiftChange(), today)
        row = tx.session.get(Shift, sid)
    if row is None:  # pragma: no cover - save_shift always creates
        raise RuntimeError("shift was not created")
    return row


def raise_red_flag(tx: WriteTx, ward: WardRef, shift_date: date, shift_code: str, flag_type: str, detail: str, today: date) -> RedFlag:
    ward = ward_of(tx.session, ward)
    flag_type = check_red_flag_type(flag_type)
    detail = clean_text(detail, "What happened", "detail", MAX_NOTE)
    shift = ensure_shift(tx, ward, shift_date, shift_code, today)
    fid = ids.uuid7()
    row = RedFlag(
        id=fid, ward_id=ward.id, shift_id=shift.id, flag_type=flag_type, raised_at=iso_utc(tx.now),
        raised_by=tx.actor.staff_id or tx.actor.name, detail=detail,
    )
    tx.session.add(row)
    tx.session.flush()
    tx.emit("red_flag", fid, "create",
            {"ward_id": ward.id, "shift_id": shift.id, "flag_type": flag_type, "raised_at": row.raised_at,
             "raised_by": row.raised_by, "detail": detail},
            row, "red_flag_raised", {"ward": ward.code, "date": shift_date.isoformat(), "shift": shift_code})
    return row


def _computed_record(tx: WriteTx, ward: WardRef, shift_date: date, shift_code: str, flag_type: str,
                     today: date) -> tuple[Ward, RedFlag | None, str]:
    """(ward, the record a computed flag already has or None, the shift id); refuses a type that is
    not computed, and a flag the shift's figures do not raise (nothing to escalate)."""
    ward_row = ward_of(tx.session, ward)
    flag_type = check_computed_flag_type(flag_type)
    sid = ids.shift_id(ward_row.id, shift_date, shift_code)
    existing = tx.session.exec(select(RedFlag).where(RedFlag.shift_id == sid, RedFlag.flag_type == flag_type)).first()
    if existing is None:
        from hardtruths_desktop.store.queries import shift_view

        view = shift_view(tx.session, ward_row, shift_date, shift_code)
        if flag_type not in view.computed_flags:
            raise ValidationError.single(
                "red_flag", f"The figures of the {view.shift_name} shift of {shift_date:%d %b %Y} do not raise"
                f" '{flag_label(flag_type)}': nothing to escalate")
    return ward_row, existing, sid


def escalate_computed_flag(tx: WriteTx, ward: WardRef, shift_date: date, shift_code: str, flag_type: str,
                           escalated_to: str, today: date) -> RedFlag:
    """Escalate a red flag computed from the figures ("RN shortfall", "fewer than 2 RNs"): the
    first escalation records it, linked to the shift and synced like any red flag (a ``red_flag``
    record of the computed type, created with its escalation); later ones patch it."""
    to = clean_text(escalated_to, "Escalated to", "escalated_to", MAX_SHORT_TEXT, required=True)
    ward_row, existing, sid = _computed_record(tx, ward, shift_date, shift_code, flag_type, today)
    if existing is not None:
        return escalate_red_flag(tx, existing.id, to)
    return _create_computed(tx, ward_row, sid, shift_date, shift_code, flag_type, escalated_to=to, escalated_at=iso_utc(tx.now))


def resolve_computed_flag(tx: WriteTx, ward: WardRef, shift_date: date, shift_code: str, flag_type: str,
                          response: str, today: date) -> RedFlag:
    """Record the response to a computed red flag (recording the flag first if nobody escalated it)."""
    text = clean_text(response, "Response", "response", MAX_NOTE, required=True)
    ward_row, existing, sid = _computed_record(tx, ward, shift_date, shift_code, flag_type, today)
    if existing is not None:
        return resolve_red_flag(tx, existing.id, text)
    return _create_computed(tx, ward_row, sid, shift_date, shift_code, flag_type, response=text,
                            resolved_at=iso_utc(tx.now), resolved_by=tx.actor.staff_id or tx.actor.name)


def _create_computed(tx: WriteTx, ward: Ward, sid: str, shift_date: date, shift_code: str, flag_type: str,
                     **fields: str) -> RedFlag:
    ensure_shift(tx, ward, shift_date, shift_code, tx.today)
    fid = ids.uuid7()
    row = RedFlag(id=fid, ward_id=ward.id, shift_id=sid, flag_type=flag_type, raised_at=iso_utc(tx.now),
                  raised_by=tx.actor.staff_id or tx.actor.name, detail="Computed from the shift's figures", **fields)
    tx.session.add(row)
    tx.session.flush()
    tx.emit("red_flag", fid, "create",
            {"ward_id": ward.id, "shift_id": sid, "flag_type": flag_type, "raised_at": row.raised_at,
             "raised_by": row.raised_by, "detail": row.detail, **fields},
            row, "red_flag_escalated" if "escalated_to" in fields else "red_flag_resolved",
            {"ward": ward.code, "date": shift_date.isoformat(), "shift": shift_code, "computed": True})
    return row


def _flag(tx: WriteTx, flag_id: str) -> RedFlag:
    row = tx.session.get(RedFlag, flag_id)
    if row is None:
        raise ValidationError.single("red_flag", "That red flag is not on this station")
    return row


def escalate_red_flag(tx: WriteTx, flag_id: str, escalated_to: str) -> RedFlag:
    if not str(escalated_to).strip():
        raise ValidationError.single("escalated_to", "Say who the red flag was escalated to, e.g. Matron James Okafor")
    to = clean_text(escalated_to, "Who it was escalated to", "escalated_to", MAX_SHORT_TEXT, required=True)
    row = _flag(tx, flag_id)
    if row.resolved_at is not None:
        raise ValidationError.single("red_flag", "This red flag is already resolved")
    row.escalated_to = to
    row.escalated_at = iso_utc(tx.now)
    tx.emit("red_flag", flag_id, "patch", {"escalated_to": to, "escalated_at": row.escalated_at}, row, "red_flag_escalated")
    return row


def resolve_red_flag(tx: WriteTx, flag_id: str, response: str) -> RedFlag:
    text = clean_text(response, "Response", "response", MAX_NOTE, required=True)
    row = _flag(tx, flag_id)
    if row.resolved_at is not None:
        raise ValidationError.single("red_flag", "This red flag is already resolved")
    row.response = text
    row.resolved_at = iso_utc(tx.now)
    row.resolved_by = tx.actor.staff_id or tx.actor.name
    tx.emit("red_flag", flag_id, "patch",
            {"response": text, "resolved_at": row.resolved_at, "resolved_by": row.resolved_by}, row, "red_flag_resolved")
    return row


__all__ = [
    "KEEP",
    "ShiftChange",
    "escalate_computed_flag",
    "escalate_red_flag",
    "raise_red_flag",
    "resolve_computed_flag",
    "resolve_red_flag",
    "save_shift",
    "set_patients_at_midnight",
    "withdraw_shift",
]
