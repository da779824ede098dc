"""Bedside feedback repository: FFT responses, their amendments, "You said, we did".

Responses are immutable events (SYNC.md 3.6): ``record_response`` creates one; the ward sister's
decisions (approve, redact, withdraw, correct) are amendment rows with the full new content,
``amends_id`` pointing at the response; the current view is the newest amendment by HLC.

Nothing identifying is written: the ward and the day only. A response's id is random (UUIDv4, not
the time-ordered UUIDv7 other events use), and its outbox and audit rows carry the day, not the
time (``WriteTx.emit(..., day_only=day)``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.domain.ids import uuid7
from hardtruths_desktop.domain.validation import ValidationError, parse_month
from hardtruths_desktop.store.session import WriteTx
from hardtruths_desktop.store.tables import Feedback, YouSaidWeDid

ENTITY = "feedback"
YSWD_ENTITY = "you_said_we_did"


def ward_staff_names(db: Any, ward_id: str) -> list[str]:
    """The ward's staff names: a comment naming one of them is held for moderation."""
    return [r[0] for r in db.execute("SELECT name FROM staff WHERE ward_id = ?", (ward_id,))]


def _ward_code(db: Any, ward_id: str) -> str:
    row = db.execute("SELECT code FROM ward WHERE id = ?", (ward_id,)).fetchone()
    if row is None:
        raise ValidationError.single("ward", "This ward is not on the station")
    return str(row[0])


def record_response(tx: WriteTx, ward_id: str, day: date, given: fft.ResponseInput, today: date) -> str:
    """Save one response (kiosk, paper card or CLI); returns its id. Validates first."""
    return record_responses(tx, ward_id, day, [given], today)[0]


def record_responses(tx: WriteTx, ward_id: str, day: date, batch: Sequence[fft.ResponseInput], today: date) -> list[str]:
    """Save a batch (a pile of paper cards collected on ``day``) in the caller's transaction.

    Every card is checked before any is written: one bad card refuses the batch, saying which."""
    code = _ward_code(tx.db, ward_id)
    fft.check_response_day(day, tx.validation_today(today))
    names = ward_staff_names(tx.db, ward_id)
    cleaned: list[fft.CleanResponse] = []
    for n, given in enumerate(batch, start=1):
        try:
            cleaned.append(fft.check_response(given, names))
        except ValidationError as e:
            if len(batch) == 1:
                raise
            raise ValidationError({f"card{n}.{k}": f"Card {n}: {v}" for k, v in e.errors.items()}) from None
    ids: list[str] = []
    for c in cleaned:
        fid = str(uuid.uuid4())  # random: a time-ordered id would tell when the patient answered
        findings = json.dumps(sorted({f.kind for f in c.findings}))
        payload = {
            "ward_id": ward_id, "response_date": day.isoformat(), "question": fft.current_question().code,
            "answer": c.answer, "channel": c.channel, "comment_good": c.comment_good,
            "comment_better": c.comment_better, "status": c.status, "findings": findings,
        }
        meta: dict[str, dict[str, Any]] = {}
        _, meta_json = tx.emit_raw(ENTITY, fid, "create", payload, meta, "feedback_recorded",
                                   {"ward": code}, day_only=tx.today)  # the day it was entered: no time of day, and
        # "waiting since" on the sync status counts from entry, not from the day a paper card was collected
        tx.db.execute(
            "INSERT INTO feedback (id, ward_id, response_date, question, answer, channel, comment_good, comment_better,"
            " status, findings, amends_id, reason, amended_by, field_meta) VALUES (?,?,?,?,?,?,?,?,?,?,NULL,'','',?)",
            (fid, ward_id, day.isoformat(), payload["question"], c.answer, c.channel, c.comment_good, c.comment_better,
             c.status, findings, meta_json),
        )
        ids.append(fid)
    refresh_heads(tx.db, ids)
    return ids


@dataclass(frozen=True)
class Head:
    """A response as it stands now: the newest amendment's content, or the response itself."""

    id: str
    ward_id: str
    response_date: date
    answer: str
    channel: str
    comment_good: str
    comment_better: str
    status: str
    findings: tuple[str, ...]
    original_status: str
    amendments: int


#: an amendment's clock: the one version of a create-only record (``domain.field_meta``: packed
#: ``[[{tok, hlc}, [fields]]]``; a row stored before issue 13 holds ``{field: {tok, hlc}}``)
CREATE_HLC = "coalesce(json_extract({0}, '$[0][0].hlc'), json_extract({0}, '$.amends_id.hlc'))"

#: The ONE definition of a response's current view: the response folded with its newest amendment
#: (by the amendment's HLC, then its id). ``refresh_heads`` writes it into ``feedback_head``;
#: migration 0010 holds a frozen copy for the backfill (tests/core/test_feedback_heads.py checks
#: both against a fold of the events in Python).
HEAD_SQL = (
    "SELECT f.id AS id, f.ward_id AS ward_id, f.response_date AS response_date, f.rowid AS seq,"
    " COALESCE(h.answer, f.answer) AS answer, f.channel AS channel,"
    " COALESCE(h.comment_good, f.comment_good) AS comment_good,"
    " COALESCE(h.comment_better, f.comment_better) AS comment_better, COALESCE(h.status, f.status) AS status,"
    " f.status AS original_status, f.findings AS findings,"
    " (SELECT count(*) FROM feedback c WHERE c.amends_id = f.id) AS amendments, h.id AS head_id"
    " FROM feedback f LEFT JOIN feedback h ON h.id = ("
    "   SELECT a.id FROM feedback a WHERE a.amends_id = f.id"
    f"   ORDER BY coalesce({CREATE_HLC.format('a.field_meta')}, '') DESC, a.id DESC LIMIT 1)"
    " WHERE f.amends_id IS NULL"
)
_HEAD_COLS = ("response_id, ward_id, response_date, seq, answer, channel, comment_good, comment_better, status,"
              " original_status, findings, amendments, head_id")


def refresh_heads(db: Any, ids: Iterable[str]) -> None:
    """Bring ``feedback_head`` up to date for these records, in the caller's transaction: ids of
    responses or of amendments (their response is refreshed), or of records just removed (their
    head row goes). Every write of feedback calls it: a save, an amendment, a pulled page."""
    wanted = sorted({i for i in ids if i})
    for start in range(0, len(wanted), 400):
        chunk = wanted[start:start + 400]
        marks = ", ".join("?" for _ in chunk)
        parents = {r[0] for r in db.execute(
            f"SELECT amends_id FROM feedback WHERE id IN ({marks}) AND amends_id IS NOT NULL", chunk)}
        todo = sorted(set(chunk) | parents)
        marks = ", ".join("?" for _ in todo)
        db.execute(f"DELETE FROM feedback_head WHERE response_id IN ({marks})", todo)
        db.execute(f"INSERT INTO feedback_head ({_HEAD_COLS}) SELECT * FROM ({HEAD_SQL} AND f.id IN ({marks}))", todo)


def stale_heads(db: Any) -> list[str]:
    """Responses whose ``feedback_head`` row is missing, differs from the events' fold, or whose
    response is gone: none, unless something wrote ``feedback`` around the repository (``check``
    finds and rebuilds them)."""
    differ = db.execute(
        f"SELECT id FROM (SELECT * FROM ({HEAD_SQL}) EXCEPT SELECT {_HEAD_COLS} FROM feedback_head)").fetchall()
    orphans = db.execute("SELECT response_id FROM feedback_head WHERE response_id NOT IN"
                         " (SELECT id FROM feedback WHERE amends_id IS NULL)").fetchall()
    return sorted({r[0] for r in differ} | {r[0] for r in orphans})


def touched_by_pull(db: Any, changes: Sequence[dict[str, Any]]) -> set[str]:
    """The feedback records a pulled page writes or removes, and the responses they amend (read
    BEFORE the page is written: a removed amendment's response is only known from the stored row)."""
    ids = {str(ch["id"]) for ch in changes if ch.get("entity") == ENTITY}
    ids |= {str(ch["row"]["amends_id"]) for ch in changes
            if ch.get("entity") == ENTITY and (ch.get("row") or {}).get("amends_id")}
    stored = sorted(ids)
    for start in range(0, len(stored), 400):
        chunk = stored[start:start + 400]
        ids |= {r[0] for r in db.execute(
            f"SELECT amends_id FROM feedback WHERE id IN ({', '.join('?' for _ in chunk)}) AND amends_id IS NOT NULL", chunk)}
    return ids


_SHOWN_COLS = ("response_id, ward_id, response_date, answer, channel, comment_good, comment_better, status, findings,"
               " original_status, amendments")


def _head(r: Any) -> Head:
    return Head(r[0], r[1], date.fromisoformat(str(r[2])), r[3], r[4], r[5], r[6], r[7], tuple(json.loads(r[8] or "[]")),
                r[9], int(r[10]))


def heads(db: Any, ward_id: str, first: date, last: date) -> list[Head]:
    """Every response of the ward from ``first`` to ``last`` as it stands now (withdrawn ones too),
    in the order entered: one indexed read of ``feedback_head``."""
    return [_head(r) for r in db.execute(
        f"SELECT {_SHOWN_COLS} FROM feedback_head WHERE ward_id = ? AND response_date BETWEEN ? AND ?"
        " ORDER BY response_date, seq", (ward_id, first.isoformat(), last.isoformat()))]


def head(db: Any, feedback_id: str) -> Head | None:
    r = db.execute(f"SELECT {_SHOWN_COLS} FROM feedback_head WHERE response_id = ?", (feedback_id,)).fetchone()
    return None if r is None else _head(r)


def shown_comments(db: Any, ward_id: str, first: date, last: date) -> list[Head]:
    """The responses from ``first`` to ``last`` whose words may be shown on the ward (published,
    approved, redacted or corrected, with a comment), in the order entered."""
    shown = ", ".join(f"'{s}'" for s in sorted(fft.SHOWN))  # constants: literal, so SQLite can plan with them
    return [_head(r) for r in db.execute(
        f"SELECT {_SHOWN_COLS} FROM feedback_head WHERE ward_id = ? AND response_date BETWEEN ? AND ?"
        f" AND status IN ({shown}) AND (comment_good != '' OR comment_better != '') ORDER BY response_date, seq",
        (ward_id, first.isoformat(), last.isoformat()))]


# ``status = 'held'`` written as a literal: SQLite uses the partial index feedback_head_held only when
# the query's condition is the index's own, not a bound parameter
_IS_HELD = f"status = '{fft.HELD}'"


def held(db: Any, ward_id: str) -> list[Head]:
    """Responses whose comments wait for the ward sister (oldest first): held at capture and not
    yet decided (any decision is an amendment; a correction of a held response is refused)."""
    return [_head(r) for r in db.execute(
        f"SELECT {_SHOWN_COLS} FROM feedback_head WHERE ward_id = ? AND {_IS_HELD} ORDER BY response_date, seq", (ward_id,))]


def held_count(db: Any, ward_id: str) -> int:
    return int(db.execute(f"SELECT count(*) FROM feedback_head WHERE ward_id = ? AND {_IS_HELD}", (ward_id,)).fetchone()[0])


def monthly_counts(db: Any, ward_id: str, first: date, last: date) -> dict[tuple[int, int], dict[str, int]]:
    """Counts per answer per month as the responses stand now (withdrawn ones left out): one
    GROUP BY over ``feedback_head``'s covering index."""
    out: dict[tuple[int, int], dict[str, int]] = {}
    for month, answer_code, n in db.execute(
        "SELECT substr(response_date, 1, 7), answer, count(*) FROM feedback_head WHERE ward_id = ?"
        " AND response_date BETWEEN ? AND ? AND status != ? GROUP BY 1, 2",
        (ward_id, first.isoformat(), last.isoformat(), fft.WITHDRAWN),
    ):
        y, m = parse_month(month)
        out.setdefault((y, m), {})[answer_code] = int(n)
    return out


def channel_counts(db: Any, ward_id: str, first: date, last: date) -> dict[str, int]:
    """Responses (withdrawn left out) per collection channel: kiosk, card."""
    return {str(c): int(n) for c, n in db.execute(
        "SELECT channel, count(*) FROM feedback_head WHERE ward_id = ? AND response_date BETWEEN ? AND ? AND status != ?"
        " GROUP BY 1", (ward_id, first.isoformat(), last.isoformat(), fft.WITHDRAWN))}


def amend_response(tx: WriteTx, feedback_id: str, kind: str, *, comment_good: str | None = None,
                   comment_better: str | None = None, reason: str = "", new_answer: str | None = None) -> str:
    """The ward sister approves, redacts, withdraws or corrects a response: a new amendment row
    with the full new content (the response itself is never changed). Returns the amendment id."""
    tx.require_manager("moderate patient feedback")
    current = head(tx.db, feedback_id)
    if current is None:
        raise ValidationError.single("feedback", "That response is not on this station")
    if current.status == fft.WITHDRAWN:
        raise ValidationError.single("feedback", "That response was withdrawn; it can no longer be changed")
    if kind == "correct" and current.status == fft.HELD:
        raise ValidationError.single("kind", "Approve or redact this response's comment first, then correct its answer")
    names = ward_staff_names(tx.db, current.ward_id)
    good = current.comment_good if comment_good is None else comment_good
    better = current.comment_better if comment_better is None else comment_better
    if kind == "redact" and comment_good is None and comment_better is None:
        good, better = fft.redact(good, known_names=names), fft.redact(better, known_names=names)
    a = fft.check_amendment(kind, current.answer, good, better, reason, names, new_answer)
    if kind == "approve" and (a.comment_good, a.comment_better) != (current.comment_good, current.comment_better):
        raise ValidationError.single("comment_good", "Approving keeps the words as written: to change them, redact")
    aid = uuid7()
    payload = {
        "ward_id": current.ward_id, "response_date": current.response_date.isoformat(),
        "question": fft.current_question().code if a.answer in fft.answer_codes() else "2013",
        "answer": a.answer, "channel": current.channel, "comment_good": a.comment_good,
        "comment_better": a.comment_better, "status": a.status, "findings": "[]", "amends_id": feedback_id,
        "reason": a.reason, "amended_by": tx.actor.name,
    }
    row = Feedback(id=aid, ward_id=current.ward_id, response_date=current.response_date, question=payload["question"],
                   answer=a.answer, channel=current.channel, comment_good=a.comment_good,
                   comment_better=a.comment_better, status=a.status, findings="[]", amends_id=feedback_id,
                   reason=a.reason, amended_by=tx.actor.name)
    tx.session.add(row)
    tx.session.flush()
    # the audit row names who decided and why; it does not repeat the patient's words
    tx.emit(ENTITY, aid, "amend", payload, row, f"feedback_{kind}",
            {"amends": feedback_id, "comment_good": "(see record)", "comment_better": "(see record)"})
    refresh_heads(tx.db, [feedback_id])
    return aid


def save_you_said(tx: WriteTx, ward_id: str, month: str, you_said: str, we_did: str,
                  feedback_id: str | None = None, entry_id: str | None = None) -> str:
    """Create (or correct) a "You said, we did" entry; it goes on the ward's poster."""
    tx.require_manager("write 'You said, we did'")
    _ward_code(tx.db, ward_id)
    y, m = parse_month(month, "month")
    said, did = fft.check_you_said(you_said, we_did)
    if feedback_id is not None and head(tx.db, feedback_id) is None:
        raise ValidationError.single("feedback", "That comment is not on this station")
    if entry_id is None:
        eid = uuid7()
        row = YouSaidWeDid(id=eid, ward_id=ward_id, month=f"{y:04d}-{m:02d}", you_said=said, we_did=did,
                           feedback_id=feedback_id, written_by=tx.actor.name)
        tx.session.add(row)
        tx.session.flush()
        tx.emit(YSWD_ENTITY, eid, "create",
                {"ward_id": ward_id, "month": row.month, "you_said": said, "we_did": did, "feedback_id": feedback_id,
                 "written_by": row.written_by}, row, "you_said_we_did_written")
        return eid
    existing = tx.session.get(YouSaidWeDid, entry_id)
    if existing is None or existing.ward_id != ward_id:
        raise ValidationError.single("entry", "That entry is not on this station")
    payload: dict[str, Any] = {}
    if existing.you_said != said:
        payload["you_said"] = said
    if existing.we_did != did:
        payload["we_did"] = did
    if payload:
        existing.you_said, existing.we_did = said, did
        tx.emit(YSWD_ENTITY, entry_id, "patch", payload, existing, "you_said_we_did_corrected")
    return entry_id


def delete_you_said(tx: WriteTx, entry_id: str) -> None:
    tx.require_manager("remove 'You said, we did'")
    existing = tx.session.get(YouSaidWeDid, entry_id)
    if existing is None:
        raise ValidationError.single("entry", "That entry is not on this station")
    existing.deleted = True
    tx.emit(YSWD_ENTITY, entry_id, "delete", {"deleted": True}, existing, "you_said_we_did_removed")


__all__ = [
    "Head",
    "amend_response",
    "channel_counts",
    "delete_you_said",
    "heads",
    "held",
    "monthly_counts",
    "record_response",
    "record_responses",
    "refresh_heads",
    "save_you_said",
    "shown_comments",
    "stale_heads",
]
