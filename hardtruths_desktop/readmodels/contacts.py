"""Ward setup > Contacts: what the complaints poster and the who's-in-charge board show."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hardtruths_desktop import printing
from hardtruths_desktop.readmodels.common import ward_by_id
from hardtruths_desktop.store import board
from hardtruths_desktop.store.session import Store
from hardtruths_desktop.store.tables import Trust


@dataclass(frozen=True)
class Contacts:
    trust_name: str
    ward_manager: str
    matron: str
    contacts: dict[str, str]
    checked_on: date | None
    uniform_key: tuple[dict[str, str], ...]
    missing: tuple[str, ...]  # what the poster still needs


def load_contacts(store: Store, ward_id: str) -> Contacts:
    with store.read() as s:
        ward = ward_by_id(s, ward_id)
        trust = s.get(Trust, ward.trust_id)
        wb = board.ward_board(s, ward)
        row = board.trust_contacts(s, ward.trust_id)
        values = {f: str(getattr(row, f)) for f in board.CONTACT_FIELDS}
        poster = printing.TrustContacts(**{f: getattr(row, f) for f in board.CONTACT_FIELDS},
                                        details_checked_on=row.details_checked_on)
        return Contacts(trust.name if trust else "", wb.ward_manager, wb.matron, values, row.details_checked_on,
                        tuple(board.uniform_key(row)), tuple(printing.missing_contact_details(poster)))


__all__ = ["Contacts", "load_contacts"]
