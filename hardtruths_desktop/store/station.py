"""This station's own ward: part of its setup, remembered in the store (``sync_state.home_ward_id``).

Chosen at the first sign-in in the GUI or by enrolment (the enrolled ward wins); changed by the
ward sister in Ward setup > Trust server (there is no CLI command for it yet). The sign-in page
opens on it, so a restart never lands on another ward. Local to this PC: never synced.
"""

from __future__ import annotations

from sqlmodel import Session, select

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.validation import ValidationError, check_ward_code
from hardtruths_desktop.store.session import WriteTx
from hardtruths_desktop.store.tables import SyncState, Ward


def station_ward_code(session: Session) -> str | None:
    """The code of this station's ward: the ward it is enrolled with, else the one chosen for it."""
    state = session.get(SyncState, 1)
    if state is None:
        return None
    if state.device_id and state.ward_code and session.exec(select(Ward).where(Ward.code == state.ward_code)).first() is not None:
        return state.ward_code  # enrolled: the ward the trust enrolled it with
    if state.home_ward_id:
        ward = session.get(Ward, state.home_ward_id)
        if ward is not None:
            return ward.code
    return None


def set_station_ward(tx: WriteTx, ward_code: str) -> str:
    """Make ``ward_code`` this station's ward (it must be on the station). Returns the code."""
    code = check_ward_code(ward_code, "ward")
    wid = ids.ward_id(code)
    if tx.db.execute("SELECT 1 FROM ward WHERE id = ?", (wid,)).fetchone() is None:
        raise ValidationError.single("ward", f"Ward {code} is not on this station")
    before = tx.db.execute("SELECT home_ward_id FROM sync_state WHERE id = 1").fetchone()
    if before is not None and before[0] != wid:
        tx.db.execute("UPDATE sync_state SET home_ward_id = ? WHERE id = 1", (wid,))
        tx.audit("station_ward_set", "ward", wid, {"ward": code})
    return code


__all__ = ["set_station_ward", "station_ward_code"]
