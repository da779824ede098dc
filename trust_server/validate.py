"""Server-side checks of mutation payloads: the entity registry of ``sync/protocol.py`` plus the
rules that need the server's clock.

A failed check raises the domain's ``ValidationError`` and the push answers that item ``rejected``
with the plain-English message, never a 500. A payload is checked field by field here (types,
lengths, valid Unicode, value sets, field names); the record it makes is checked whole, with its
uniqueness and references within the ward, by ``trust_server.apply`` once merged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from hardtruths_desktop.domain.validation import ValidationError, check_shift_date
from hardtruths_desktop.sync.protocol import schema_of


def clean_payload(entity: str, entity_id: str, op: str, payload: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The payload with every value checked and normalised; raises ValidationError."""
    schema = schema_of(entity)
    if op == "amend" and schema.kind != "immutable":
        raise ValidationError.single("op", f"A {entity.replace('_', ' ')} record cannot be amended; send a patch")
    if op in ("patch", "delete") and schema.kind == "immutable":
        raise ValidationError.single("op", f"A {entity.replace('_', ' ')} record cannot be changed; send an amendment")
    if op == "delete":
        return {"deleted": True}
    if not payload:
        raise ValidationError.single("payload", "The change is empty")
    values = schema.clean_values(payload)
    if entity == "shift" and "shift_date" in values:
        check_shift_date(date.fromisoformat(values["shift_date"]), today, "shift_date")
    return values
