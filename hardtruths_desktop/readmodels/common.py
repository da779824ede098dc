"""Small helpers every read-model shares: ward time and the ward a screen asked for."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from hardtruths_desktop.domain.clock import LONDON
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.store.tables import Ward


def ward_time(now: datetime) -> datetime:
    """The ward's wall clock (Europe/London) as a naive datetime, for matching shift patterns.

    An aware ``now`` is converted; a naive one is taken to be ward time already."""
    if now.tzinfo is None:
        return now
    return now.astimezone(LONDON).replace(tzinfo=None)


def ward_by_id(session: Session, ward_id: str) -> Ward:
    """The ward's row; a ward removed from the station since the screen was opened is input trouble."""
    row = session.get(Ward, ward_id)
    if row is None:
        raise ValidationError.single("ward", "This ward is no longer on the station")
    return row
