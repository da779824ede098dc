"""``feedback_head``: each response's current view, kept on write (issue 9's results target).

The results screen reads this projection; the events in ``feedback`` stay as written. Every test
here folds the events again the slow way (``fold`` below: each response with its newest amendment
by HLC, then id, all in Python) and checks the projection, the month counts and the results
read-model against it, and against figures worked out by hand: local saves and amendments
(redaction, approval, withdrawal, correction), records arriving by a sync pull (including records
the trust voids), the awkward days, and the migration that builds the table from old data.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from core_support import WardStation, open_station, sql
from support.awkward_days import AWKWARD_IDS, awkward_clocks

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.domain import field_meta
from hardtruths_desktop.domain.clock import FixedClock, today
from hardtruths_desktop.readmodels.feedback import load_fft_return, load_moderation, load_month_summary, load_results
from hardtruths_desktop.store import feedback as repo
from hardtruths_desktop.store import migrate, sync_store
from hardtruths_desktop.store.engine import DB_FILENAME
from hardtruths_desktop.store.session import Actor, Store

TODAY = date(2026, 11, 24)
HEAD_COLUMNS = ("ward_id", "response_date", "answer", "channel", "comment_good", "comment_better", "status",
                "original_status", "amendments", "head_id")


def fold(path: Path) -> dict[str, tuple[Any, ...]]:
    """The slow path: every response folded with its newest amendment, from the events alone."""
    rows = sql(path, "SELECT id, ward_id, response_date, answer, channel, comment_good, comment_better, status, amends_id,"
                     " field_meta FROM feedback")
    amendments: dict[str, list[tuple[Any, ...]]] = {}
    for r in rows:
        if r[8] is not None:
            amendments.setdefault(r[8], []).append(r)
    out = {}
    for r in rows:
        if r[8] is not None:
            continue
        chain = amendments.get(r[0], [])
        top = max(chain, key=lambda a: (field_meta.loads(a[9]).get("amends_id", {}).get("hlc") or "", a[0]), default=None)
        now = top if top is not None else r
        out[r[0]] = (r[1], str(r[2]), now[3], r[4], now[5], now[6], now[7], r[7], len(chain), top[0] if top else None)
    return out


def projection(path: Path) -> dict[str, tuple[Any, ...]]:
    return {r[0]: tuple(r[1:]) for r in sql(path, f"SELECT response_id, {', '.join(HEAD_COLUMNS)} FROM feedback_head")}


def folded_counts(path: Path, ward_id: str) -> dict[tuple[int, int], dict[str, int]]:
    out: dict[tuple[int, int], dict[str, int]] = {}
    for ward, day, answer, *_rest in fold(path).values():
        status = _rest[3]
        if ward != ward_id or status == fft.WITHDRAWN:
            continue
        bucket = out.setdefault((int(day[:4]), int(day[5:7])), {})
        bucket[answer] = bucket.get(answer, 0) + 1
    return out


def assert_projection_is_the_fold(st: WardStation, first: date, last: date) -> None:
    assert projection(st.path) == fold(st.path)
    with st.store.read() as s:
        db = s.connection().connection.driver_connection
        got = repo.monthly_counts(db, st.ward.id, first, last)
    want = {k: v for k, v in folded_counts(st.path, st.ward.id).items() if (first.year, first.month) <= k <= (last.year, last.month)}
    assert got == want


def record(st: WardStation, answer: str, day: date, good: str = "", better: str = "", channel: str = "kiosk",
           today_: date = TODAY) -> str:
    with st.store.write(Actor.kiosk()) as tx:
        return repo.record_response(tx, st.ward.id, day, fft.ResponseInput(answer, good, better, channel), today_)


def amend(st: WardStation, fid: str, kind: str, **kw: Any) -> str:
    p = st.staff["sister"]
    with st.store.write(Actor(p.id, p.name)) as tx:
        return repo.amend_response(tx, fid, kind, **kw)


def test_hand_worked_months_with_amendments(station: WardStation) -> None:
    # September: three "very good" and a "poor"; one comment names a nurse and is redacted, the poor
    # card was typed twice and is withdrawn: 3 responses, 100% positive, 0% negative
    sept = date(2026, 9, 14)
    named = record(station, "very_good", sept, good="Nurse Jane was kind, ring 07700 900123")
    record(station, "very_good", sept)
    record(station, "very_good", sept, channel="card")
    twice = record(station, "poor", sept, channel="card")
    # October: only "Don't know" (counted as responses, neither positive nor negative)
    for _ in range(2):
        record(station, "dont_know", date(2026, 10, 2))
    # August: nothing at all. November: a held comment approved, a "good" corrected to "very poor"
    approved = record(station, "good", TODAY, better="Dr Smith explained everything")
    corrected = record(station, "good", TODAY, channel="card")
    record(station, "neither", TODAY)
    assert {i.id for i in load_moderation(station.store, station.ward.id)} >= {named}
    assert_projection_is_the_fold(station, date(2025, 11, 1), date(2026, 11, 30))

    amend(station, named, "redact", reason="names a nurse")
    amend(station, twice, "withdraw", reason="card entered twice")
    if approved in {i.id for i in load_moderation(station.store, station.ward.id)}:
        amend(station, approved, "approve")
    amend(station, corrected, "correct", reason="card said very poor", new_answer="very_poor")
    assert_projection_is_the_fold(station, date(2025, 11, 1), date(2026, 11, 30))

    r = load_results(station.store, station.ward.id, year=2026, month=11)
    by_month = {(p.year, p.month): p.score for p in r.months}
    s = by_month[(2026, 9)]
    assert (s.responses, s.positive, s.negative, s.percent_positive, s.percent_negative) == (3, 3, 0, 100.0, 0.0)
    s = by_month[(2026, 10)]
    assert (s.responses, s.dont_know, s.percent_positive, s.percent_negative) == (2, 2, 0.0, 0.0)
    s = by_month[(2026, 8)]
    assert (s.responses, s.percent_positive, s.percent_negative) == (0, None, None)
    s = r.this_month
    assert (s.responses, s.counts["good"], s.counts["very_poor"], s.counts["neither"]) == (3, 1, 1, 1)
    assert (s.percent_positive, s.percent_negative) == (33.3, 33.3)
    assert r.held == 0 and r.chart.values[-4:] == (None, 100.0, 0.0, 33.3)
    assert [c.better for c in r.comments] == ["Dr Smith explained everything"]
    sept_view = load_results(station.store, station.ward.id, year=2026, month=9)
    assert [c.good for c in sept_view.comments] == ["Nurse [name removed] was kind, ring [phone number removed]"]
    assert [c.status for c in sept_view.comments] == ["redacted"]
    row = load_fft_return(station.store, year=2026, month=9)[0]
    assert (row.score.responses, row.by_channel) == (3, {"kiosk": 2, "card": 1})  # the withdrawn card is not a return
    # the events themselves are untouched: the response still says what the patient wrote
    assert sql(station.path, "SELECT comment_good, status FROM feedback WHERE id = ?", (named,)) == [
        ("Nurse Jane was kind, ring 07700 900123", "held")]


def test_the_newest_amendment_by_clock_wins_not_the_last_written(station: WardStation) -> None:
    fid = record(station, "good", TODAY, good="Clean and calm")
    first = amend(station, fid, "correct", reason="card said poor", new_answer="poor")
    amend(station, fid, "correct", reason="card said very good", new_answer="very_good")
    assert projection(station.path)[fid][2] == "very_good"
    # an amendment from another station, written earlier by its clock, arrives later: it does not win
    older = field_meta.loads(sql(station.path, "SELECT field_meta FROM feedback WHERE id = ?", (first,))[0][0])
    stale_hlc = "0000000000001-00000-aaaaaaaa"
    pulled = _change(str(uuid.uuid4()), {**_amendment_row(station, fid, "neither"), "reason": "elsewhere"}, stale_hlc)
    _pull(station, [pulled])
    assert older["amends_id"]["hlc"] > stale_hlc
    assert projection(station.path)[fid][2] == "very_good" and projection(station.path)[fid][8] == 3
    assert projection(station.path) == fold(station.path)


# --- records arriving by a sync pull ------------------------------------------------------------------

_SEQ = iter(range(1000, 10**6))


def _response_row(st: WardStation, day: date, answer: str, good: str = "", status: str = "published") -> dict[str, Any]:
    return {"ward_id": st.ward.id, "response_date": day.isoformat(), "question": "2020", "answer": answer, "channel": "kiosk",
            "comment_good": good, "comment_better": "", "status": status, "findings": "[]", "amends_id": None, "reason": "",
            "amended_by": ""}


def _amendment_row(st: WardStation, parent: str, answer: str, good: str = "", status: str = "corrected",
                   day: date = TODAY) -> dict[str, Any]:
    """An amendment carries its response's ward and day (all these responses are of ``TODAY``)."""
    return {**_response_row(st, day, answer, good, status), "amends_id": parent,
            "reason": "from another station", "amended_by": "Ward sister elsewhere"}


def _change(cid: str, row: dict[str, Any] | None, hlc: str, *, deleted: bool = False) -> dict[str, Any]:
    meta = {f: {"tok": str(uuid.uuid4()), "hlc": hlc} for f in (row or {})}
    return {"seq": next(_SEQ), "entity": "feedback", "id": cid, "ward_id": None, "deleted": deleted, "row": row or {},
            "field_meta": meta, "needs_review": False}


def _pull(st: WardStation, changes: list[dict[str, Any]]) -> None:
    aside: list[tuple[dict[str, Any], str]] = []
    sync_store.apply_changes(st.store, changes, next(_SEQ), "epoch-1", "2026-11-24T14:00:00.000Z", set_aside=aside)
    assert aside == []


def test_records_arriving_by_sync_pull_keep_the_projection(station: WardStation) -> None:
    local = record(station, "good", TODAY, good="Nurse Jane was kind")  # held here, decided on another PC
    other, gone = str(uuid.uuid4()), str(uuid.uuid4())
    redaction, correction = str(uuid.uuid4()), str(uuid.uuid4())
    # one page: a response from the bedside tablet, and the ward sister's redaction of it made on
    # another PC; the approval of this station's held comment; a response the trust will void
    _pull(station, [
        _change(other, _response_row(station, TODAY, "poor", good="Aisha on 07700 900123", status="held"), "1795500000000-00000-bbbbbbbb"),
        _change(redaction, _amendment_row(station, other, "poor", good="[name removed] on [phone number removed]",
                                          status="redacted"), "1795500000001-00000-bbbbbbbb"),
        _change(str(uuid.uuid4()), _amendment_row(station, local, "good", good="Nurse Jane was kind", status="approved"),
                "1795500000002-00000-bbbbbbbb"),
        _change(gone, _response_row(station, TODAY - timedelta(days=30), "very_good"), "1795500000003-00000-bbbbbbbb"),
    ])
    assert_projection_is_the_fold(station, date(2025, 11, 1), date(2026, 11, 30))
    head = projection(station.path)
    assert head[other][4] == "[name removed] on [phone number removed]" and head[other][6] == "redacted"
    assert head[local][6] == "approved" and sql(station.path, "SELECT count(*) FROM feedback_head WHERE status = 'held'") == [(0,)]
    # a later correction arrives, then the trust voids it (and the stray response): the redaction is
    # the current view again, and the voided response's head row is gone with it
    _pull(station, [_change(correction, _amendment_row(station, other, "very_poor", status="corrected"),
                            "1795500000009-00000-bbbbbbbb")])
    assert projection(station.path)[other][2] == "very_poor"
    _pull(station, [_change(correction, None, "1795500000010-00000-bbbbbbbb", deleted=True),
                    _change(gone, None, "1795500000010-00000-bbbbbbbb", deleted=True)])
    head = projection(station.path)
    assert gone not in head and head[other][2] == "poor" and head[other][9] == redaction
    assert_projection_is_the_fold(station, date(2025, 11, 1), date(2026, 11, 30))
    s = load_month_summary(station.store, "T1", year=2026, month=11).score
    assert (s.responses, s.counts["good"], s.counts["poor"]) == (2, 1, 1)


# --- the awkward days ---------------------------------------------------------------------------------

@pytest.mark.parametrize("clock", awkward_clocks(), ids=AWKWARD_IDS)
def test_projection_on_awkward_days(station_dir: Path, clock: FixedClock) -> None:
    st = open_station(station_dir, clock)
    try:
        now = today(clock)
        yesterday = now - timedelta(days=1)
        a = record(st, "very_good", now, today_=now)
        b = record(st, "poor", yesterday, good="Nurse Jane ignored me", today_=now)
        record(st, "dont_know", yesterday, today_=now)
        amend(st, b, "redact", reason="names a nurse")
        amend(st, a, "correct", reason="card said good", new_answer="good")
        span = fft.months_back(now.year, now.month, 13)
        assert_projection_is_the_fold(st, fft.month_bounds(*span[0])[0], fft.month_bounds(now.year, now.month)[1])
        r = load_results(st.store, st.ward.id, year=now.year, month=now.month)
        points = {(p.year, p.month): p.score.responses for p in r.months}
        expected: dict[tuple[int, int], int] = {}
        for d in (now, yesterday, yesterday):
            expected[(d.year, d.month)] = expected.get((d.year, d.month), 0) + 1
        assert {k: v for k, v in points.items() if v} == expected
        assert r.this_month.counts["good"] == 1 and r.this_month.counts["very_good"] == 0
    finally:
        st.store.close()


# --- the migration builds the table from existing data ------------------------------------------------

RELEASE = Path(__file__).resolve().parents[1] / "migrations" / "fixtures" / "store-0008.sqlite"


def test_migration_0010_backfills_the_projection_from_the_events(tmp_path: Path) -> None:
    folder = tmp_path / "station"
    folder.mkdir()
    path = folder / DB_FILENAME
    shutil.copy2(RELEASE, path)
    clock = FixedClock.london(2026, 11, 24, 14, 0)
    migrate.upgrade(path, "0009", clock)
    con = sqlite3.connect(path)
    try:
        responses = [r[0] for r in con.execute("SELECT id FROM feedback WHERE amends_id IS NULL ORDER BY id")]
        held = [r[0] for r in con.execute("SELECT id FROM feedback WHERE status = 'held' ORDER BY id") if r[0] not in responses[:2]]
        assert len(responses) > 10 and held

        def add(parent: str, answer: str, status: str, hlc: str, aid: str) -> None:
            con.execute(
                "INSERT INTO feedback (id, ward_id, response_date, question, answer, channel, comment_good, comment_better,"
                " status, findings, amends_id, reason, amended_by, field_meta) SELECT ?, ward_id, response_date, question, ?,"
                " channel, '[redacted]', '', ?, '[]', id, 'test', 'Sister', ? FROM feedback WHERE id = ?",
                (aid, answer, status, json.dumps({"amends_id": {"hlc": hlc}}), parent))

        # two amendments of one response whose ids sort the other way from their clocks; a withdrawal;
        # the first held comment approved
        add(responses[0], "poor", "corrected", "1795500000005-00000-aaaaaaaa", "0000-newer-by-clock")
        add(responses[0], "very_good", "corrected", "1795500000001-00000-aaaaaaaa", "ffff-older-by-clock")
        add(responses[1], "good", "withdrawn", "1795500000002-00000-aaaaaaaa", "1111-withdrawal")
        add(held[0], "good", "approved", "1795500000003-00000-aaaaaaaa", "2222-approval")
        con.commit()
    finally:
        con.close()
    store = Store(folder, clock)
    try:
        assert migrate.current_revision(path) == migrate.HEAD_REVISION
        head = projection(path)
        assert head == fold(path)
        assert len(head) == len(responses)
        assert head[responses[0]][2] == "poor" and head[responses[0]][9] == "0000-newer-by-clock" and head[responses[0]][8] == 2
        assert head[responses[1]][6] == "withdrawn" and head[held[0]][6] == "approved"
        assert sql(path, "PRAGMA foreign_key_check") == []
    finally:
        store.close()


def test_themes_by_word_sets_equal_the_whole_word_patterns() -> None:
    texts = ["Kind staff and clean ward", "The FOOD was cold!", "waited ages for the call-bell", "call bell  ignored",
             "Short staffed, nurses rushed", "going home was slow", "nurse's kindness", "", "tea-time", "Térmica café",
             "not enough staff at night; doctors explained", "kept informed", "kept\ninformed", "hours2 hours"]
    for t in texts:
        folded = " ".join(__import__("re").sub(r"[^\w]+", " ", t.casefold()).split())
        want = tuple(code for code, pattern in fft._theme_patterns() if pattern.search(folded))
        assert fft.themes_of(t) == want, t


def test_check_finds_and_rebuilds_a_projection_that_drifted(station: WardStation, capsys: pytest.CaptureFixture[str]) -> None:
    """Written around the repository (a hand edit, a bug): ``check`` puts the derived table right."""
    from hardtruths_desktop.cli import main

    kept, changed, lost = (record(station, a, TODAY) for a in ("good", "poor", "neither"))
    amend(station, changed, "withdraw", reason="typed twice")
    station.store.close()
    con = sqlite3.connect(station.path)
    try:
        con.execute("UPDATE feedback_head SET status = 'published' WHERE response_id = ?", (changed,))
        con.execute("DELETE FROM feedback_head WHERE response_id = ?", (lost,))
        con.execute("INSERT INTO feedback_head SELECT 'not-a-response', ward_id, response_date, seq, answer, channel, comment_good,"
                    " comment_better, status, original_status, findings, amendments, head_id FROM feedback_head WHERE response_id = ?",
                    (kept,))
        con.commit()
    finally:
        con.close()
    assert projection(station.path) != fold(station.path)
    assert main(["check", "--data-dir", str(station.dir)], clock=FixedClock.london(2026, 11, 24, 14, 0)) == 0
    assert "feedback results rebuilt for 3 responses" in capsys.readouterr().out
    assert projection(station.path) == fold(station.path)
    assert main(["check", "--data-dir", str(station.dir)], clock=FixedClock.london(2026, 11, 24, 14, 0)) == 0
    assert "rebuilt" not in capsys.readouterr().out
