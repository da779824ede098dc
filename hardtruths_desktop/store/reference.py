"""Ward setup repositories: trust, wards, shift patterns, staff list, planned establishment.

Each function validates with ``domain.validation`` first, then writes through ``WriteTx.emit``
(record + outbox + audit in the caller's transaction).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlmodel import select

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.validation import (
    MAX_SHORT_TEXT,
    ValidationError,
    check_beds,
    check_shift_code,
    check_staff_role,
    check_ward_code,
    clean_name,
    clean_text,
    parse_count,
    parse_hours,
)
from hardtruths_desktop.domain.valuesets import staff_group
from hardtruths_desktop.store.queries import WardRef, ward_of
from hardtruths_desktop.store.session import WriteTx
from hardtruths_desktop.store.tables import Establishment, ShiftPattern, Staff, Trust, Ward


def _diff(row: Any, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if getattr(row, k) != v}


def upsert_trust(tx: WriteTx, code: str, name: str) -> Trust:
    code = check_ward_code(code, "trust_code")
    name = clean_text(name, "Trust name", "trust_name", MAX_SHORT_TEXT, required=True)
    tid = ids.ward_id("TRUST/" + code)
    row = tx.session.get(Trust, tid)
    if row is None:
        row = Trust(id=tid, code=code, name=name)
        tx.session.add(row)
        tx.emit("trust", tid, "create", {"code": code, "name": name}, row, "trust_created")
    elif row.name != name:
        row.name = name
        tx.emit("trust", tid, "patch", {"name": name}, row, "trust_renamed")
    return row


def upsert_ward(
    tx: WriteTx, trust_id: str, code: str, name: str, site: str = "", specialty: str = "", beds: int = 28
) -> Ward:
    code = check_ward_code(code)
    values: dict[str, Any] = {
        "name": clean_text(name, "Ward name", "name", MAX_SHORT_TEXT, required=True),
        "site": clean_text(site, "Site", "site", MAX_SHORT_TEXT),
        "specialty": clean_text(specialty, "Specialty", "specialty", MAX_SHORT_TEXT),
        "beds": check_beds(beds),
    }
    wid = ids.ward_id(code)
    row = tx.session.get(Ward, wid)
    if row is None:
        row = Ward(id=wid, trust_id=trust_id, code=code, **values)
        tx.session.add(row)
        tx.emit("ward", wid, "create", {"trust_id": trust_id, "code": code, **values}, row, "ward_created")
        return row
    changed = _diff(row, values)
    if changed:
        for k, v in changed.items():
            setattr(row, k, v)
        tx.emit("ward", wid, "patch", changed, row, "ward_updated")
    return row


@dataclass(frozen=True)
class PatternInput:
    code: str
    name: str
    start: time
    end: time
    period: str
    sort_order: int = 0
    active: bool = True


def set_shift_pattern(tx: WriteTx, ward: WardRef, p: PatternInput) -> ShiftPattern:
    tx.require_manager()
    ward = ward_of(tx.session, ward)
    code = check_shift_code(p.code, "code")
    if p.period not in ("day", "night"):
        raise ValidationError.single("period", "A shift is either a day or a night shift for the national return")
    if p.start == p.end:
        raise ValidationError.single("end", "A shift must end at a different time from when it starts")
    values: dict[str, Any] = {
        "name": clean_name(p.name, "name", "Shift name"),
        "start_time": p.start.strftime("%H:%M"),
        "end_time": p.end.strftime("%H:%M"),
        "period": p.period,
        "sort_order": p.sort_order,
        "active": p.active,
    }
    pid = ids.pattern_id(ward.id, code)
    row = tx.session.get(ShiftPattern, pid)
    if row is None:
        row = ShiftPattern(id=pid, ward_id=ward.id, code=code, **values)
        tx.session.add(row)
        tx.emit("shift_pattern", pid, "create", {"ward_id": ward.id, "code": code, **values}, row, "shift_pattern_created")
        return row
    changed = _diff(row, values)
    if changed:
        for k, v in changed.items():
            setattr(row, k, v)
        tx.emit("shift_pattern", pid, "patch", changed, row, "shift_pattern_updated")
    return row


def add_staff(
    tx: WriteTx, ward: WardRef, name: str, role: str, title: str = "", is_manager: bool = False, staff_id: str | None = None
) -> Staff:
    tx.require_manager()
    ward = ward_of(tx.session, ward)
    name = clean_name(name)
    role = check_staff_role(role)
    title = clean_text(title, "Job title", "title", MAX_SHORT_TEXT)
    if is_manager and not staff_group(role).registered:
        raise ValidationError.single("is_manager", "Only a registered nurse can manage the ward's setup")
    existing = tx.session.exec(
        select(Staff).where(Staff.ward_id == ward.id, Staff.name == name, Staff.active == True)  # noqa: E712
    ).first()
    if existing is not None:
        raise ValidationError.single("name", f"{name} is already on this ward's staff list")
    sid = staff_id or ids.uuid7()
    row = Staff(id=sid, ward_id=ward.id, name=name, role=role, title=title, is_manager=is_manager)
    tx.session.add(row)
    tx.emit(
        "staff", sid, "create",
        {"ward_id": ward.id, "name": name, "role": role, "title": title, "is_manager": is_manager, "active": True},
        row, "staff_added",
    )
    return row


def update_staff(tx: WriteTx, staff_id: str, **fields: Any) -> Staff:
    tx.require_manager()
    row = tx.session.get(Staff, staff_id)
    if row is None:
        raise ValidationError.single("staff", "That person is not on this station's staff lists")
    values: dict[str, Any] = {}
    if "name" in fields:
        values["name"] = clean_name(str(fields["name"]))
    if "role" in fields:
        values["role"] = check_staff_role(str(fields["role"]))
    if "title" in fields:
        values["title"] = clean_text(str(fields["title"]), "Job title", "title", MAX_SHORT_TEXT)
    for flag in ("is_manager", "active"):
        if flag in fields:
            values[flag] = bool(fields[flag])
    role = values.get("role", row.role)
    if values.get("is_manager", row.is_manager) and not staff_group(role).registered:
        raise ValidationError.single("is_manager", "Only a registered nurse can manage the ward's setup")
    changed = _diff(row, values)
    if changed:
        for k, v in changed.items():
            setattr(row, k, v)
        tx.emit("staff", staff_id, "patch", changed, row, "staff_updated")
    return row


def set_establishment(
    tx: WriteTx, ward: WardRef, shift_code: str, group: str, effective_from: date, heads: int | str, hours: float | str
) -> Establishment:
    """Planned heads and hours for a shift and staff group from ``effective_from`` onwards."""
    tx.require_manager()
    ward = ward_of(tx.session, ward)
    check_staff_role(group, "staff_group")
    label = staff_group(group).label
    n = parse_count(heads, f"{label} planned", f"{group}.planned")
    h = parse_hours(hours, f"{label} planned hours", f"{group}.planned_hours")
    pattern = tx.session.exec(
        select(ShiftPattern).where(ShiftPattern.ward_id == ward.id, ShiftPattern.code == shift_code)
    ).first()
    if pattern is None:
        raise ValidationError.single("shift", f"Ward {ward.code} has no '{shift_code}' shift")
    from hardtruths_desktop.store.queries import pattern_times

    longest = pattern_times(pattern).hours + 1
    if h > n * longest:
        raise ValidationError.single(f"{group}.planned_hours", f"{label}: {h:g} planned hours is more than {n} people can work in this shift")
    eid = ids.establishment_id(ward.id, shift_code, group, effective_from)
    row = tx.session.get(Establishment, eid)
    if row is None:
        row = Establishment(
            id=eid, ward_id=ward.id, shift_code=shift_code, staff_group=group,
            effective_from=effective_from, planned_heads=n, planned_hours=h,
        )
        tx.session.add(row)
        tx.emit(
            "establishment", eid, "create",
            {"ward_id": ward.id, "shift_code": shift_code, "staff_group": group,
             "effective_from": effective_from.isoformat(), "planned_heads": n, "planned_hours": h},
            row, "establishment_set",
        )
        return row
    changed = _diff(row, {"planned_heads": n, "planned_hours": h})
    if changed:
        for k, v in changed.items():
            setattr(row, k, v)
        tx.emit("establishment", eid, "patch", changed, row, "establishment_set")
    return row
