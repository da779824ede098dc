"""A new station's first pull (issue 13, pull at wire speed), through the real server on PostgreSQL:
each record comes once, at its latest change, and whatever page size the station pulls with it
ends with the same store (records, field versions, feedback heads), nothing set aside; a malformed
record in a page PostgreSQL encodes is set aside while the rest applies."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from support.clocks import SUITE_TODAY
from sync_support import Server, Station, new_ward_code

from hardtruths_desktop.domain import feedback as fft
from hardtruths_desktop.domain import ids
from hardtruths_desktop.store import feedback as feedback_repo
from hardtruths_desktop.store import sync_store
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import raise_red_flag
from hardtruths_desktop.sync import engine as engine_module

TODAY = SUITE_TODAY
DAYS = [TODAY - timedelta(days=i) for i in range(1, 5)]
#: what a pull writes on a station (local-only tables, the outbox and sync state left out)
TABLES = ("trust", "ward", "shift_pattern", "staff", "establishment", "shift", "shift_staffing", "red_flag",
          "feedback", "feedback_head")


def dump(st: Station) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = {}
    with st.store.engine.connect() as conn:
        for t in TABLES:
            out[t] = sorted(tuple(r) for r in conn.exec_driver_sql(f"SELECT * FROM {t}").all())
    return out


def busy_ward(server: Server, make_station: Callable[..., Station]) -> tuple[str, Station]:
    """Shifts saved then edited, a red flag raised before its shift's last edit, the ward sister renamed
    after she was named nurse in charge, and feedback with a redaction."""
    ward = new_ward_code()
    a = make_station("a").set_up_ward(ward)
    server.create_ward(ward)
    a.enrol(server, ward)
    assert a.sync().ok
    for day in DAYS:
        a.record(day, "early", rn=3, care=2, notes="first")
        a.record(day, "late", rn=4)
    with a.store.write(Actor.command_line()) as tx:
        raise_red_flag(tx, a.ward().id, DAYS[0], "early", "vital_signs", "Obs late on bay 2", TODAY)
    wid = a.ward().id
    with a.store.write(Actor.kiosk()) as tx:
        held = feedback_repo.record_response(tx, wid, DAYS[1], fft.ResponseInput("poor", "", "Nurse Aisha ignored me"), DAYS[1])
        feedback_repo.record_response(tx, wid, DAYS[1], fft.ResponseInput("very_good", "Calm"), DAYS[1])
    assert a.sync().ok
    for day in DAYS:  # edited after the red flag: sent only at this change, the shift would come after its flag
        a.record(day, "early", rn=4, notes="second")
    with a.store.engine.connect() as conn:
        sister = conn.exec_driver_sql("SELECT id, name FROM staff WHERE is_manager = 1").one()
    a.record(DAYS[2], "late", nic=sister[1])
    with a.store.write(Actor(sister[0], sister[1])) as tx:
        feedback_repo.amend_response(tx, held, "redact", reason="names a nurse")
    assert a.sync().ok
    return ward, a


def test_a_new_station_ends_the_same_whatever_its_page_size(server: Server, make_station: Callable[..., Station],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    ward, a = busy_ward(server, make_station)
    whole = make_station("whole")
    whole.enrol(server, ward)
    first = whole.sync()
    assert first.ok and first.set_aside == 0, first
    shifts = 2 * len(DAYS)
    records = sum(len(rows) for t, rows in dump(whole).items() if t not in ("shift_staffing", "feedback_head"))
    assert first.pulled == records  # each record once, not once per change (the early shifts changed twice)
    monkeypatch.setattr(engine_module, "PULL_PAGE", 2)
    paged = make_station("paged")
    paged.enrol(server, ward)
    result = paged.sync()
    assert result.ok and result.set_aside == 0 and result.set_aside_total == 0, result  # no flag before its shift
    got, want = dump(paged), dump(whole)
    assert got == want
    assert len(got["shift"]) == shifts and len(got["red_flag"]) == 1 and len(got["feedback_head"]) == 2
    with paged.store.engine.connect() as conn:
        heads = dict(conn.exec_driver_sql("SELECT status, count(*) FROM feedback_head GROUP BY 1").all())
    assert heads.get("redacted") == 1, heads
    for day in DAYS:  # what the recording station holds, field versions included
        for code in ("early", "late"):
            assert paged.shift_row(day, code) == a.shift_row(day, code)


def _plant(server: Server, entity: str, entity_id: str, ward_id: str, data: dict[str, Any]) -> int:
    """A record written into the server's PostgreSQL behind its back (as an old version may have
    accepted it); returns its change number."""
    rows = server.sql(
        "WITH s AS (SELECT nextval('change_id') AS seq),"
        " r AS (INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
        "       SELECT %s, %s::uuid, %s::uuid, %s::jsonb, '{}'::jsonb, false, seq, false FROM s)"  # ids: uuid since 0018
        " INSERT INTO change_log (seq, ward_id, entity, entity_id, deleted) SELECT seq, %s::uuid, %s, %s::uuid, false FROM s RETURNING seq",
        (entity, entity_id, ward_id, json.dumps(data), ward_id, entity, entity_id))
    return int(rows[0][0])


def test_a_malformed_record_in_a_page_postgresql_encodes_is_set_aside(server: Server,
                                                                       make_station: Callable[..., Station]) -> None:
    ward, _a = busy_ward(server, make_station)
    wid = ids.ward_id(ward)
    broken = str(uuid.uuid4())
    _plant(server, "red_flag", broken, wid, {"ward_id": wid, "shift_id": ids.shift_id(wid, DAYS[0], "early"),
                                             "flag_type": "vital_signs", "raised_by": "x"})  # no raised_at
    fine = ids.shift_id(wid, TODAY, "night")
    last = _plant(server, "shift", fine, wid, {"ward_id": wid, "shift_date": TODAY.isoformat(), "shift_code": "night",
                                               "notes": "planted, fine", "groups.rn.planned": 3})
    st = make_station("new")
    st.enrol(server, ward)
    result = st.sync()
    assert result.ok and result.set_aside == 1, result
    assert st.info().pull_cursor >= last
    with st.store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT notes FROM shift WHERE id = ?", (fine,)).scalar() == "planted, fine"
        aside = dict(conn.exec_driver_sql("SELECT entity_id, reason FROM set_aside").all())
        assert conn.exec_driver_sql("SELECT count(*) FROM red_flag WHERE id = ?", (broken,)).scalar() == 0
    assert list(aside) == [broken] and "raised_at" in aside[broken]
    assert {i.entity_id for i in sync_store.review_items(st.store) if i.kind == "set_aside"} == {broken}
