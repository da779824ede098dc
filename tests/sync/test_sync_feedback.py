"""Feedback through the real trust server over HTTP (PostgreSQL): a kiosk response and a paper card
from one station, the ward sister's redaction from another, the server's summary equal to each
station's, and the server refusing what an immutable, anonymous record must never be."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from sync_support import Server, Station, new_ward_code

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.readmodels.feedback import load_month_summary, load_results
from hardtruths_desktop.store import feedback as repo
from hardtruths_desktop.store.session import Actor

DAY = date(2026, 11, 24)


def sister(st: Station) -> Actor:
    with st.store.read() as s:
        db = s.connection().connection.driver_connection
        sid, name = db.execute("SELECT id, name FROM staff WHERE is_manager = 1").fetchone()
    return Actor(sid, name)


def test_feedback_syncs_and_amendments_reach_every_station(server: Server, make_station: Callable[..., Station]) -> None:
    ward = new_ward_code()
    a = make_station("a").set_up_ward(ward)
    server.create_ward(ward)
    a.enrol(server, ward)
    assert a.sync().ok
    wid = a.ward().id
    with a.store.write(Actor.kiosk()) as tx:
        kept = repo.record_response(tx, wid, DAY, fft.ResponseInput("very_good", "Spotless and calm"), DAY)
        held = repo.record_response(tx, wid, DAY, fft.ResponseInput("poor", "", "Nurse Aisha ignored me, 07700 900123"), DAY)
    with a.store.write(Actor.command_line()) as tx:
        repo.record_responses(tx, wid, DAY, [fft.ResponseInput("dont_know", channel="card"),
                                             fft.ResponseInput("good", channel="card")], DAY)
    r = a.sync()
    assert r.ok and r.rejected == 0, r
    rec = server.record("feedback", held)
    assert rec is not None and rec["data"]["status"] == "held" and rec["data"]["response_date"] == "2026-11-24"
    assert set(rec["data"]) - {"deleted", "amends_id", "reason", "amended_by"} == {
        "ward_id", "response_date", "question", "answer", "channel", "comment_good", "comment_better", "status", "findings"}
    assert server.history(held) == []  # immutable: no per-field history holding the patient's words twice

    b = make_station("b")
    b.enrol(server, ward)
    assert b.sync_until_quiet().ok
    assert [i.id for i in __import__("hardtruths_desktop.readmodels.feedback", fromlist=["x"]).load_moderation(b.store, wid)] == [held]
    with b.store.write(sister(b)) as tx:
        amendment = repo.amend_response(tx, held, "redact", reason="names a nurse")
    assert b.sync_until_quiet().ok
    assert a.sync_until_quiet().ok

    expected = {"ward": ward, "month": "2026-11", "responses": 4,
                "counts": {"very_good": 1, "good": 1, "neither": 0, "poor": 1, "very_poor": 0, "dont_know": 1},
                "percent_positive": 50.0, "percent_negative": 25.0}
    import json

    assert json.loads(server.admin("feedback", "--ward", ward, "--month", "2026-11", "--json")) == expected
    for st in (a, b):
        assert load_month_summary(st.store, ward, year=2026, month=11).to_json() == expected
        res = load_results(st.store, wid, year=2026, month=11)
        assert res.held == 0
        assert sorted(c.better for c in res.comments if c.better) == ["Nurse [name removed] ignored me, [phone number removed]"]
    assert server.record("feedback", amendment)["data"]["amends_id"] == held  # type: ignore[index]
    assert kept


def _mutation(st: Station, entity_id: str, op: str, payload: dict[str, object], seq: int) -> dict[str, object]:
    return {"client_seq": seq, "mutation_id": str(uuid.uuid4()), "entity": "feedback", "entity_id": entity_id, "op": op,
            "payload": payload, "base": {}, "hlc": "1795478400000-00000-abcdef12", "schema_version": 6,
            "recorded_by": "station:kiosk", "wall_time": "2026-11-24"}


def test_server_refuses_what_feedback_must_never_be(server: Server, make_station: Callable[..., Station]) -> None:
    ward = new_ward_code()
    st = make_station("a").set_up_ward(ward)
    server.create_ward(ward)
    st.enrol(server, ward)
    assert st.sync().ok
    wid = st.ward().id
    base = {"ward_id": wid, "response_date": "2026-11-24", "answer": "good", "channel": "kiosk"}
    fid = str(uuid.uuid4())
    cases = [
        (_mutation(st, fid, "create", {**base, "bed": "4"}, 1), "not a field of a feedback record"),
        (_mutation(st, fid, "create", {**base, "answered_at": "2026-11-24T14:32:00Z"}, 2), "not a field"),
        (_mutation(st, fid, "create", {**base, "answer": "excellent"}, 3), "not an answer"),
        (_mutation(st, fid, "create", {**base, "comment_good": "Nurse Jane was kind"}, 4), "must be held"),
        (_mutation(st, fid, "create", {**base, "status": "approved"}, 5), "published or held"),
        (_mutation(st, fid, "create", base, 6), None),
        (_mutation(st, fid, "patch", {"answer": "poor"}, 7), "send an amendment"),
        (_mutation(st, fid, "create", {**base, "answer": "poor"}, 8), "already exists"),
        (_mutation(st, str(uuid.uuid4()), "amend", {**base, "status": "approved"}, 9), "which response it amends"),
        (_mutation(st, str(uuid.uuid4()), "amend", {**base, "status": "approved", "amends_id": str(uuid.uuid4())}, 10),
         "does not have"),
        (_mutation(st, str(uuid.uuid4()), "amend", {**base, "status": "redacted", "amends_id": fid,
                                                     "comment_good": "call 07700 900123"}, 11), "still contains"),
        (_mutation(st, str(uuid.uuid4()), "amend", {**base, "response_date": "2026-11-23", "status": "approved",
                                                     "amends_id": fid}, 12), "keep the response's ward and day"),
    ]
    start = st.max_seq()
    for m, _ in cases:
        m["client_seq"] = start + int(m["client_seq"])  # type: ignore[call-overload]
    resp = st.raw_push([m for m, _ in cases], acked_through=start)
    assert resp.status_code == 200, resp.text
    results = resp.json()["results"]
    for (m, expect), got in zip(cases, results, strict=True):
        if expect is None:
            assert got["status"] == "applied", got
        else:
            assert got["status"] == "rejected" and expect in (got["error"] or ""), (m["payload"], got)
