"""Shift drafts (issue 12): a shift's typed, unsaved figures, kept on this PC for the person who
typed them, per ward, shift date and shift. Local only: no outbox row, no audit row, never synced;
a draft is not a record. Written as the nurse types (the GUI waits a moment after each keystroke),
so it survives an idle lock, a restart, even a killed process. Removed when that person saves the
shift (``discard_in``, inside the save's own transaction) or throws the draft away (Esc).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from hardtruths_desktop.domain.clock import Clock, iso_utc, utc_now
from hardtruths_desktop.domain.shift_draft import ShiftDraft, check_draft
from hardtruths_desktop.store.session import Actor, Store, WriteTx


@dataclass(frozen=True)
class KeptDraft:
    draft: ShiftDraft
    saved_at: datetime  # UTC


def save_draft(store: Store, staff_id: str, ward_id: str, day: date, shift_code: str, draft: ShiftDraft, *,
               clock: Clock) -> None:
    """Keep (or replace) this person's draft of this shift. Raises ValidationError for a draft the
    form could not have produced."""
    data = json.dumps(check_draft(draft).to_json(), ensure_ascii=False)
    with store.write(Actor(staff_id, "draft")) as tx:
        tx.db.execute(
            "INSERT INTO shift_draft (ward_id, shift_date, shift_code, author_id, data, updated_at) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT (ward_id, shift_date, shift_code, author_id) DO UPDATE SET data = excluded.data,"
            " updated_at = excluded.updated_at",
            (ward_id, day.isoformat(), shift_code, staff_id, data, iso_utc(utc_now(clock))),
        )


def load_draft(store: Store, staff_id: str | None, ward_id: str, day: date, shift_code: str) -> KeptDraft | None:
    """This person's draft of this shift (nobody else's: the author is part of the key)."""
    if not staff_id:
        return None
    with store.engine.connect() as conn:
        row = conn.exec_driver_sql(
            "SELECT data, updated_at FROM shift_draft WHERE ward_id = ? AND shift_date = ? AND shift_code = ? AND author_id = ?",
            (ward_id, day.isoformat(), shift_code, staff_id)).fetchone()
    if row is None:
        return None
    try:
        data = json.loads(row[0])
    except ValueError:
        return None  # a damaged draft is no draft; the stored shift is still there
    return KeptDraft(ShiftDraft.from_json(data if isinstance(data, dict) else {}), datetime.fromisoformat(row[1]))


def discard_in(tx: WriteTx, staff_id: str | None, ward_id: str, day: date, shift_code: str) -> None:
    """Remove this person's draft of this shift inside ``tx`` (the shift's save)."""
    if staff_id:
        tx.db.execute("DELETE FROM shift_draft WHERE ward_id = ? AND shift_date = ? AND shift_code = ? AND author_id = ?",
                      (ward_id, day.isoformat(), shift_code, staff_id))


def discard_draft(store: Store, staff_id: str, ward_id: str, day: date, shift_code: str) -> None:
    """Throw this person's draft of this shift away (Esc)."""
    with store.write(Actor(staff_id, "draft")) as tx:
        discard_in(tx, staff_id, ward_id, day, shift_code)


__all__ = ["KeptDraft", "discard_draft", "discard_in", "load_draft", "save_draft"]
