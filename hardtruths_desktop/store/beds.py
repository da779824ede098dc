"""Bed board repositories: the public card details of each bed and its named nurse per shift.

Only what may go on the card above the bed is stored (DOMAIN.md section 2): preferred name,
consultant, expected date of discharge, special instructions. Same outbox/audit rules as every
synced record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.beds import check_named_nurse
from hardtruths_desktop.domain.validation import MAX_NAME, ValidationError, clean_text
from hardtruths_desktop.store.queries import WardRef, ward_of
from hardtruths_desktop.store.session import WriteTx
from hardtruths_desktop.store.tables import Bed, BedNurse, Staff

MAX_INSTRUCTIONS = 300


@dataclass(frozen=True)
class BedInput:
    label: str
    occupied: bool = False
    preferred_name: str = ""
    consultant: str = ""
    expected_discharge: date | None = None
    instructions: str = ""
    sort_order: int | None = None
    name_hidden: bool = False  # the patient asked for their name not to be shown on the card


def check_bed(b: BedInput, today: date) -> dict[str, Any]:
    label = clean_text(b.label, "Bed", "label", 20, required=True)
    values: dict[str, Any] = {
        "occupied": b.occupied,
        "preferred_name": clean_text(b.preferred_name, "Preferred name", "preferred_name", MAX_NAME),
        "consultant": clean_text(b.consultant, "Consultant", "consultant", MAX_NAME),
        "expected_discharge": b.expected_discharge,
        "instructions": clean_text(b.instructions, "Special instructions", "instructions", MAX_INSTRUCTIONS),
        "name_hidden": b.name_hidden,
    }
    if b.occupied and not values["preferred_name"]:
        raise ValidationError.single("preferred_name", f"Bed {label} is occupied: enter the name the patient wants to be called")
    if not b.occupied:
        values.update(preferred_name="", consultant="", expected_discharge=None, instructions="", name_hidden=False)
    edd = values["expected_discharge"]
    if edd is not None and not (date(today.year - 1, 1, 1) <= edd <= date(today.year + 2, 12, 31)):
        raise ValidationError.single("expected_discharge", f"{edd.isoformat()} is not a likely discharge date")
    values["label"] = label
    return values


def save_bed(tx: WriteTx, ward: WardRef, b: BedInput, today: date) -> Bed:
    ward = ward_of(tx.session, ward)
    values = check_bed(b, tx.validation_today(today))
    label = values.pop("label")
    bid = ids.bed_id(ward.id, label)
    row = tx.session.get(Bed, bid)
    if b.sort_order is not None:
        values["sort_order"] = b.sort_order
    if row is None:
        if b.sort_order is None:
            values["sort_order"] = len(tx.session.exec(select(Bed).where(Bed.ward_id == ward.id)).all())
        row = Bed(id=bid, ward_id=ward.id, label=label, **values)
        tx.session.add(row)
        payload = {"ward_id": ward.id, "label": label, **values}
        tx.emit("bed", bid, "create", _jsonable(payload), row, "bed_added", {"ward": ward.code})
        return row
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if changed:
        for k, v in changed.items():
            setattr(row, k, v)
        tx.emit("bed", bid, "patch", _jsonable(changed), row, "bed_updated", {"ward": ward.code, "bed": label})
    return row


def set_named_nurse(tx: WriteTx, ward: WardRef, bed_label: str, shift_date: date, shift_code: str, staff_id: str | None) -> None:
    ward = ward_of(tx.session, ward)
    bid = ids.bed_id(ward.id, bed_label)
    if tx.session.get(Bed, bid) is None:
        raise ValidationError.single("bed", f"Ward {ward.code} has no bed '{bed_label}'")
    if staff_id is not None:
        person = tx.session.get(Staff, staff_id)
        if person is None or person.ward_id != ward.id or not person.active:
            raise ValidationError.single("named_nurse", "The named nurse must be on this ward's staff list")
        check_named_nurse(person.name, person.role)
    nid = ids.bed_nurse_id(bid, shift_date, shift_code)
    row = tx.session.get(BedNurse, nid)
    if row is None:
        row = BedNurse(id=nid, ward_id=ward.id, bed_id=bid, shift_date=shift_date, shift_code=shift_code, staff_id=staff_id)
        tx.session.add(row)
        tx.emit("bed_nurse", nid, "create",
                {"ward_id": ward.id, "bed_id": bid, "shift_date": shift_date.isoformat(), "shift_code": shift_code,
                 "staff_id": staff_id}, row, "named_nurse_set", {"ward": ward.code, "bed": bed_label})
    elif row.staff_id != staff_id:
        row.staff_id = staff_id
        tx.emit("bed_nurse", nid, "patch", {"staff_id": staff_id}, row, "named_nurse_set", {"ward": ward.code, "bed": bed_label})


@dataclass(frozen=True)
class BedInfo:
    id: str
    label: str
    occupied: bool
    preferred_name: str
    consultant: str
    expected_discharge: date | None
    instructions: str
    named_nurse_id: str | None
    named_nurse: str
    name_hidden: bool = False


def list_beds(session: Session, ward: WardRef, shift_date: date, shift_code: str) -> list[BedInfo]:
    ward = ward_of(session, ward)
    beds = session.exec(select(Bed).where(Bed.ward_id == ward.id).order_by(col(Bed.sort_order), col(Bed.label))).all()
    nurses = {
        n.bed_id: n.staff_id
        for n in session.exec(
            select(BedNurse).where(BedNurse.ward_id == ward.id, BedNurse.shift_date == shift_date, BedNurse.shift_code == shift_code)
        ).all()
    }
    names = {s.id: s.name for s in session.exec(select(Staff).where(Staff.ward_id == ward.id)).all()}
    return [
        BedInfo(b.id, b.label, b.occupied, b.preferred_name, b.consultant, b.expected_discharge, b.instructions,
                nurses.get(b.id), names.get(nurses.get(b.id) or "", ""), b.name_hidden)
        for b in beds
    ]


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items()}


__all__ = ["BedInfo", "BedInput", "list_beds", "save_bed", "set_named_nurse"]
