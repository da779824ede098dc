"""Shift staffing and red flag repositories: the writes a nurse makes every shift."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlmodel import select

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.staffing import GroupFigures
from hardtruths_desktop.domain.validation import (
    MAX_NOTE,
    MAX_SHORT_TEXT,
    ShiftContext,
    StaffOnWard,
    ValidationError,
    check_red_flag_type,
    check_shift,
    clean_text,
)
from hardtruths_desktop.store.queries import establishment_plan, pattern_times, patterns, shift_view
from hardtruths_desktop.store.session import WriteTx, iso_utc
from hardtruths_desktop.store.tables import RedFlag, Shift, ShiftStaffing, Staff, Ward, WardDay

GROUP_FIELDS = ("planned", "actual", "planned_hours", "actual_hours", "bank_agency")
KEEP: Any = object()  # "leave this field as it is"


@dataclass
class ShiftChange:
    """A partial edit of one shift. Group values not given keep their value (or the plan's)."""

    groups: dict[str, dict[str, float | int]] = field(default_factory=dict)
    nurse_in_charge_id: Any = KEEP  # str | None | KEEP
    patients_at_midnight: Any = KEEP  # int | None | KEEP
    notes: Any = KEEP  # str | KEEP


def _staff_context(tx: WriteTx, ward: Ward, shift_hours: float, today: date) -> ShiftContext:
    staff = tx.session.exec(select(Staff).where(Staff.ward_id == ward.id)).all()
    return ShiftContext(
        shift_hours=shift_hours,
        beds=ward.beds,
        staff={s.id: StaffOnWard(s.id, s.name, s.role, s.active) for s in staff},
        today=today,
    )


def save_shift(tx: WriteTx, ward: Ward, shift_date: date, shift_code: str, change: ShiftChange, today: date) -> bool:
    """Create or correct one shift. Validates the merged result; writes nothing when invalid.

    Returns True when anything changed. Planned values of a new shift come from the
    establishment in force on that date.
    """
    pattern = next((p for p in patterns(tx.session, ward.id) if p.code == shift_code), None)
    if pattern is None:
        codes = ", ".join(p.code for p in patterns(tx.session, ward.id)) or "none set up"
        raise ValidationError.single("shift", f"Ward {ward.code} has no '{shift_code}' shift (shifts: {codes})")
    times = pattern_times(pattern)
    sid = ids.shift_id(ward.id, shift_date, shift_code)
    row = tx.session.get(Shift, sid)
    creating = row is None
    current: dict[str, GroupFigures] = {}
    if row is not None:
        for r in tx.session.exec(select(ShiftStaffing).where(ShiftStaffing.shift_id == sid)).all():
            current[r.staff_group] = GroupFigures(r.planned, r.actual, r.planned_hours, r.actual_hours, r.bank_agency)
    else:
        current = dict(establishment_plan(tx.session, ward.id, shift_date).get(shift_code, {}))
        current.setdefault("rn", GroupFigures())
        current.setdefault("hca", GroupFigures())
    new_groups = dict(current)
    for code, values in change.groups.items():
        unknown = set(values) - set(GROUP_FIELDS)
        if unknown:
            raise ValidationError.single(f"{code}.{sorted(unknown)[0]}", f"'{sorted(unknown)[0]}' is not a staffing figure")
        g = new_groups.get(code, GroupFigures())
        new_groups[code] = replace(g, **{k: (int(v) if k in ("planned", "actual", "bank_agency") else float(v)) for k, v in values.items()})
    nic = row.nurse_in_charge_id if row else None
    if change.nurse_in_charge_id is not KEEP:
        nic = change.nurse_in_charge_id
    notes = row.notes if row else ""
    if change.notes is not KEEP:
        notes = clean_text(str(change.notes), "The note", "note", MAX_NOTE)
    day_row = tx.session.exec(select(WardDay).where(WardDay.ward_id == ward.id, WardDay.day == shift_date)).first()
    census = day_row.patients_at_midnight if day_row else None
    if change.patients_at_midnight is not KEEP:
        census = change.patients_at_midnight

    check_shift(shift_date, new_groups, nic, census, notes, _staff_context(tx, ward, times.hours, today))

    payload: dict[str, Any] = {}
    for code, g in new_groups.items():
        old = current.get(code)
        for f in GROUP_FIELDS:
            if creating or old is None or getattr(old, f) != getattr(g, f):
                payload[f"groups.{code}.{f}"] = getattr(g, f)
    if creating or nic != (row.nurse_in_charge_id if row else None):
        payload["nurse_in_charge_id"] = nic
    if creating or notes != (row.notes if row else ""):
        payload["notes"] = notes
    changed = False
    if payload:
        if row is None:
            row = Shift(id=sid, ward_id=ward.id, shift_date=shift_date, shift_code=shift_code)
            tx.session.add(row)
            tx.session.flush()
        row.nurse_in_charge_id = nic
        row.notes = notes
        row.updated_at = iso_utc(tx.now)
        row.updated_by = tx.actor.staff_id or tx.actor.name
        for code, g in new_groups.items():
            if code in current and current[code] == g and not creating:
                continue
            srow = tx.session.get(ShiftStaffing, (sid, code)) or ShiftStaffing(shift_id=sid, staff_group=code)
            for f in GROUP_FIELDS:
                setattr(srow, f, getattr(g, f))
            tx.session.add(srow)
        if creating:
            payload = {"ward_id": ward.id, "shift_date": shift_date.isoformat(), "shift_code": shift_code, **payload}
        tx.emit("shift", sid, "create" if creating else "patch", payload, row,
                "shift_recorded" if creating else "shift_corrected",
                {"ward": ward.code, "date": shift_date.isoformat(), "shift": shift_code})
        changed = True
    if change.patients_at_midnight is not KEEP and census != (day_row.patients_at_midnight if day_row else None):
        set_patients_at_midnight(tx, ward, shift_date, census)
        changed = True
    return changed


def set_patients_at_midnight(tx: WriteTx, ward: Ward, day: date, count: int | None) -> None:
    did = ids.ward_day_id(ward.id, day)
    row = tx.session.get(WardDay, did)
    creating = row is None
    if row is None:
        row = WardDay(id=did, ward_id=ward.id, day=day)
    row.patients_at_midnight = count
    tx.session.add(row)
    payload: dict[str, Any] = {"patients_at_midnight": count}
    if creating:
        payload = {"ward_id": ward.id, "day": day.isoformat(), **payload}
    tx.emit("ward_day", did, "create" if creating else "patch", payload, row, "census_recorded",
            {"ward": ward.code, "date": day.isoformat()})


def ensure_shift(tx: WriteTx, ward: Ward, shift_date: date, shift_code: str, today: date) -> Shift:
    """The shift's row, creating it from the plan if it was not recorded yet."""
    sid = ids.shift_id(ward.id, shift_date, shift_code)
    row = tx.session.get(Shift, sid)
    if row is None:
        save_shift(tx, ward, shift_date, shift_code, ShiftChange(), today)
        row = tx.session.get(Shift, sid)
    if row is None:  # pragma: no cover - save_shift always creates
        raise RuntimeError("shift was not created")
    return row


def raise_red_flag(tx: WriteTx, ward: Ward, shift_date: date, shift_code: str, flag_type: str, detail: str, today: date) -> RedFlag:
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


def _flag(tx: WriteTx, flag_id: str) -> RedFlag:
    row = tx.session.get(RedFlag, flag_id)
    if row is None:
        raise ValidationError.single("red_flag", "That red flag is not on this station")
    return row


def escalate_red_flag(tx: WriteTx, flag_id: str, escalated_to: str) -> RedFlag:
    to = clean_text(escalated_to, "Escalated to", "escalated_to", MAX_SHORT_TEXT, required=True)
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


def field_meta(row: Any) -> dict[str, Any]:
    meta: dict[str, Any] = json.loads(row.field_meta or "{}")
    return meta


__all__ = [
    "KEEP", "ShiftChange", "save_shift", "raise_red_flag", "escalate_red_flag", "resolve_red_flag",
    "set_patients_at_midnight", "shift_view",
]
