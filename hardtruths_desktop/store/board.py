"""Ward board details (ward manager, matron), who is on duty each shift, and the trust's contacts
and uniform key for the printed sheets. Written through the outbox like every synced record."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlmodel import Session, select

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.validation import MAX_SHORT_TEXT, ValidationError, clean_text
from hardtruths_desktop.store.queries import WardRef, ward_of
from hardtruths_desktop.store.session import WriteTx
from hardtruths_desktop.store.shifts import ensure_shift
from hardtruths_desktop.store.tables import Shift, Staff, TrustContacts, WardBoard

CONTACT_FIELDS = (
    "pals_phone", "pals_email", "pals_location", "pals_hours", "complaints_phone", "complaints_email",
    "complaints_address", "complaints_web_page", "commissioner", "advocacy_provider", "advocacy_phone",
    "advocacy_web", "healthwatch_name", "healthwatch_phone", "healthwatch_web",
)


def set_ward_board(tx: WriteTx, ward: WardRef, ward_manager: str, matron: str) -> WardBoard:
    ward = ward_of(tx.session, ward)
    tx.require_manager()
    values = {
        "ward_manager": clean_text(ward_manager, "Ward manager", "ward_manager", MAX_SHORT_TEXT),
        "matron": clean_text(matron, "Matron", "matron", MAX_SHORT_TEXT),
    }
    row = tx.session.get(WardBoard, ward.id)
    if row is None:
        row = WardBoard(ward_id=ward.id, **values)
        tx.session.add(row)
        tx.emit("ward_board", ward.id, "create", values, row, "ward_board_set", {"ward": ward.code})
        return row
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if changed:
        for k, v in changed.items():
            setattr(row, k, v)
        tx.emit("ward_board", ward.id, "patch", changed, row, "ward_board_set", {"ward": ward.code})
    return row


def ward_board(session: Session, ward: WardRef) -> WardBoard:
    ward = ward_of(session, ward)
    return session.get(WardBoard, ward.id) or WardBoard(ward_id=ward.id)


def set_on_duty(tx: WriteTx, ward: WardRef, shift_date: date, shift_code: str, staff_ids: list[str], today: date) -> None:
    """Who is on duty this shift (for the team sheet and named nurses)."""
    ward = ward_of(tx.session, ward)
    known = {s.id for s in tx.session.exec(select(Staff).where(Staff.ward_id == ward.id, Staff.active == True)).all()}  # noqa: E712
    unknown = [s for s in staff_ids if s not in known]
    if unknown:
        raise ValidationError.single("on_duty", "Everyone on duty must be on this ward's staff list")
    ordered = sorted(set(staff_ids))
    ensure_shift(tx, ward, shift_date, shift_code, today)
    sid = ids.shift_id(ward.id, shift_date, shift_code)
    row = tx.session.get(Shift, sid)
    assert row is not None
    tx.session.refresh(row)
    if row.nurse_in_charge_id and ordered and row.nurse_in_charge_id not in ordered:
        nic = tx.session.get(Staff, row.nurse_in_charge_id)
        raise ValidationError.single(
            "on_duty", f"{nic.name if nic else 'The nurse in charge'} is the nurse in charge: keep them ticked, or name another nurse in charge first")
    if json.loads(row.on_duty) != ordered:
        row.on_duty = json.dumps(ordered)
        tx.emit("shift", sid, "patch", {"on_duty": ordered}, row, "on_duty_set",
                {"ward": ward.code, "date": shift_date.isoformat(), "shift": shift_code})


def on_duty(session: Session, ward: WardRef, shift_date: date, shift_code: str) -> list[Staff]:
    ward = ward_of(session, ward)
    row = session.get(Shift, ids.shift_id(ward.id, shift_date, shift_code))
    if row is None:
        return []
    wanted = set(json.loads(row.on_duty))
    return [s for s in session.exec(select(Staff).where(Staff.ward_id == ward.id)).all() if s.id in wanted]


def set_ward_contacts(tx: WriteTx, ward: WardRef, ward_manager: str, matron: str, contacts: dict[str, Any]) -> None:
    """Ward setup > Contacts in one save: the ward's board details and its trust's poster contacts."""
    ward = ward_of(tx.session, ward)
    set_ward_board(tx, ward, ward_manager, matron)
    set_trust_contacts(tx, ward.trust_id, contacts)


def set_trust_contacts(tx: WriteTx, trust_id: str, contacts: dict[str, Any]) -> TrustContacts:
    """Contacts for the complaints poster; ``details_checked_on`` (a date) and ``uniform_key``
    (list of {colour_name, colour_hex, role}) may be included."""
    tx.require_manager()
    values: dict[str, Any] = {}
    for f in CONTACT_FIELDS:
        if f in contacts:
            values[f] = clean_text(str(contacts[f]), f.replace("_", " ").capitalize(), f, MAX_SHORT_TEXT)
    if "details_checked_on" in contacts:
        d = contacts["details_checked_on"]
        if d is not None and not isinstance(d, date):
            raise ValidationError.single("details_checked_on", "The 'details checked on' date must be a date")
        values["details_checked_on"] = d
    if "uniform_key" in contacts:
        key = []
        for i, entry in enumerate(contacts["uniform_key"]):
            colour = str(entry.get("colour_hex", ""))
            if not (len(colour) == 7 and colour.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in colour[1:])):
                raise ValidationError.single("uniform_key", f"Uniform key line {i + 1}: the colour must look like #RRGGBB")
            key.append({
                "colour_name": clean_text(str(entry.get("colour_name", "")), "Colour", "uniform_key", 40, required=True),
                "colour_hex": colour.upper(),
                "role": clean_text(str(entry.get("role", "")), "Role", "uniform_key", 60, required=True),
            })
        values["uniform_key"] = json.dumps(key, ensure_ascii=False)
    row = tx.session.get(TrustContacts, trust_id)
    creating = row is None
    if row is None:
        row = TrustContacts(trust_id=trust_id)
    changed = {k: v for k, v in values.items() if getattr(row, k) != v}
    if changed or creating:
        for k, v in changed.items():
            setattr(row, k, v)
        tx.session.add(row)
        payload = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in changed.items()}
        tx.emit("trust_contacts", trust_id, "create" if creating else "patch", payload, row, "trust_contacts_set")
    return row


def trust_contacts(session: Session, trust_id: str) -> TrustContacts:
    return session.get(TrustContacts, trust_id) or TrustContacts(trust_id=trust_id)


def uniform_key(row: TrustContacts) -> list[dict[str, str]]:
    key: list[dict[str, str]] = json.loads(row.uniform_key or "[]")
    return key


__all__ = ["CONTACT_FIELDS", "on_duty", "set_on_duty", "set_trust_contacts", "set_ward_board", "trust_contacts", "ward_board"]
