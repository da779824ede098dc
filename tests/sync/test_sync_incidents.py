"""Issue 10 over real sync: two stations of one ward and the trust server on PostgreSQL agree on
every incident and amendment after offline work; the restricted reporter record reaches the
server only; another ward's station can neither pull nor push this ward's incidents; the server
refuses any change to a report other than an amendment."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from sync_support import Server, Station, new_ward_code

from hardtruths_desktop.domain.clock import FixedClock
from hardtruths_desktop.domain.hlc import Hlc
from hardtruths_desktop.domain.ids import uuid7
from hardtruths_desktop.domain.incidents import PatientInput, ReportInput
from hardtruths_desktop.readmodels.incidents import load_incident, load_incident_list
from hardtruths_desktop.store import incidents as repo
from hardtruths_desktop.store import queries
from hardtruths_desktop.store.session import Actor

CLOCK = FixedClock.london(2026, 11, 25, 16, 0)
MONTH = "2026-11"


def person(st: Station, name: str) -> Actor:
    with st.store.read() as s:
        p = queries.find_staff(s, st.ward().id, name)
    return Actor(p.id, p.name)


def report(st: Station, who: str, text: str, harm: str = "low", **kw: Any) -> str:
    with st.store.write(person(st, who)) as tx:
        return repo.report_incident(tx, st.ward().id, ReportInput(
            occurred_on="2026-11-25", occurred_time="09:15", location="Bay 1", description=text, category="medication",
            patients=[PatientInput(harm, nhs_number="943 476 5919")], **kw), clock=CLOCK).id


def amend(st: Station, who: str, iid: str, kind: str, data: dict[str, Any], reason: str = "") -> str:
    with st.store.write(person(st, who)) as tx:
        return repo.amend_incident(tx, iid, kind, data, reason, clock=CLOCK)


def manager_view(st: Station) -> list[dict[str, Any]]:
    mary = person(st, "Mary O'Neill").staff_id
    rows = load_incident_list(st.store, st.ward().id, clock=CLOCK, staff_id=mary).rows
    out = []
    for r in sorted(rows, key=lambda r: r.id):
        d = load_incident(st.store, r.id, clock=CLOCK, staff_id=mary)
        out.append({**d.json, "history": [(h.kind, h.by, h.at, h.summary, h.reason) for h in d.history],
                    "patients": [(p.physical_harm, p.nhs_number) for p in d.patients]})
    return out


def converge(*sts: Station) -> None:
    for _ in range(2):
        for st in sts:
            r = st.sync()
            assert r.ok, r


def test_two_stations_and_the_server_agree_after_offline_work(server: Server, make_station: Callable[..., Station]) -> None:
    ward = new_ward_code()
    a = make_station("a").set_up_ward(ward, plan_from=date(2025, 1, 1))
    server.create_ward(ward)
    a.enrol(server, ward)
    assert a.sync().ok
    b = make_station("b")
    b.enrol(server, ward)
    assert b.sync().ok

    a.net.online = b.net.online = False
    i1 = report(a, "Aisha Rahman", "Wrong dose of enoxaparin given 💉", harm="moderate")
    long_rtl = ("Insulin given late: مريض السرير ٤ 💉 " * 700)[:20_000].rstrip()  # the longest a description may be
    i2 = report(b, "Dylan Evans", long_rtl, anonymous=True)
    amend(a, "Mary O'Neill", i1, "triage", {"response": "after_action_review"})
    amend(a, "Mary O'Neill", i1, "candour", {"decision": "applies", "aware_on": "2026-11-25"})
    a_before = manager_view(a)
    assert [x["id"] for x in a_before] == [i1]
    a.net.online = True
    converge(a)
    b.net.online = True
    converge(b, a)  # b sends its offline report and pulls i1 with its amendments
    # both stations amend the same incident from the same head while offline: both kept, marked divergent
    a.net.online = b.net.online = False
    amend(a, "Mary O'Neill", i1, "findings", {"text": "Two patients with similar names in bay 1"})
    amend(b, "Mary O'Neill", i1, "candour_step", {"step": "notified", "on": "2026-11-25", "by": "Mary O'Neill", "apology": True})
    amend(b, "Mary O'Neill", i2, "withdraw", {}, "Duplicate of a paper report")
    a.net.online = b.net.online = True
    converge(a, b)

    va, vb = manager_view(a), manager_view(b)
    assert va == vb
    assert [x["id"] for x in va] == sorted([i1, i2])
    one = next(x for x in va if x["id"] == i1)
    assert [h[0] for h in one["history"]] == ["triage", "candour", "findings", "candour_step"] or \
        [h[0] for h in one["history"]] == ["triage", "candour", "candour_step", "findings"]
    assert one["divergent"] is True and one["candour"]["steps"][0]["done"] == "2026-11-25"
    assert one["patients"] == [("Moderate harm", "943 476 5919")]
    assert next(x for x in va if x["id"] == i2)["status"] == "withdrawn"

    # the server, for the patient safety team: the same incidents, amendments and candour steps
    out = json.loads(server.admin("incidents", "--ward", ward, "--month", MONTH, "--json"))
    by_id = {x["id"]: x for x in out}
    assert set(by_id) == {i1, i2}
    for x in va:
        s = by_id[x["id"]]
        assert (s["status"], s["harm"], s["candour"], s["divergent"], s["amendments"]) == \
            (x["status"], x["harm"], x["candour"], x["divergent"], x["amendments"])
        assert [(h["kind"], h["by"], h["at"]) for h in s["history"]] == [(h[0], h[1], h[2]) for h in x["history"]]
    # the anonymous reporter is in the restricted record on the server only
    assert by_id[i2]["anonymous"] is True and by_id[i2]["reporter_name"] == "Dylan Evans"
    assert server.record("incident_reporter", i2) is not None
    stored = server.record("incident", i2)
    assert stored is not None and stored["data"]["description"] == long_rtl  # 20,000 characters, RTL and emoji, unchanged
    with a.store.read() as s:
        from sqlmodel import text

        assert s.exec(text("SELECT description FROM incident WHERE id = :i").bindparams(i=i2)).one()[0] == long_rtl  # type: ignore[call-overload]
    with a.store.read() as s:
        from sqlmodel import text

        assert s.exec(text("SELECT count(*) FROM incident_reporter")).one()[0] == 0  # type: ignore[call-overload]
        assert s.exec(text("SELECT reporter_id FROM incident WHERE id = :i").bindparams(i=i2)).one()[0] is None  # type: ignore[call-overload]
    # Dylan still sees his own anonymous report on the station he reported it from
    dylan_b = person(b, "Dylan Evans").staff_id
    assert [r.id for r in load_incident_list(b.store, b.ward().id, clock=CLOCK, staff_id=dylan_b).rows] == [i2]
    dylan_a = person(a, "Dylan Evans").staff_id
    assert load_incident_list(a.store, a.ward().id, clock=CLOCK, staff_id=dylan_a).rows == ()


def test_another_ward_can_neither_pull_nor_push_this_wards_incidents(server: Server, make_station: Callable[..., Station]) -> None:
    ward, other = new_ward_code(), new_ward_code()
    a = make_station("a").set_up_ward(ward, plan_from=date(2025, 1, 1))
    server.create_ward(ward)
    a.enrol(server, ward)
    iid = report(a, "Aisha Rahman", "Patient fell in the bathroom")
    assert a.sync().ok
    x = make_station("x").set_up_ward(other, plan_from=date(2025, 1, 1))
    server.create_ward(other)
    x.enrol(server, other)
    assert x.sync().ok
    with x.store.read() as s:
        from sqlmodel import text

        assert s.exec(text("SELECT count(*) FROM incident")).one()[0] == 0  # type: ignore[call-overload]
    # crafted pushes from the other ward's station: an amendment of this ward's incident, as this
    # ward and as its own ward; and a patch of the report itself from this ward's station
    ward_a = a.ward().id
    ward_x = x.ward().id
    hlc = str(Hlc(x.clock(), 0, "abcd1234"))

    def mutation(seq: int, entity: str, eid: str, op: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"client_seq": seq, "mutation_id": uuid7(), "entity": entity, "entity_id": eid, "op": op, "payload": payload,
                "base": {}, "hlc": hlc, "schema_version": 6, "recorded_by": "staff:x", "wall_time": "2026-11-25T16:00:00Z"}

    base = {"incident_id": iid, "amends_id": None, "kind": "findings", "data": {"text": "not yours"}, "reason": "",
            "by_id": None, "by_name": "Intruder", "at": "2026-11-25T16:00:00.000Z"}
    first = x.max_seq() + 1
    r = x.raw_push([mutation(first, "incident_amendment", uuid7(), "amend", {**base, "ward_id": ward_a}),
                    mutation(first + 1, "incident_amendment", uuid7(), "amend", {**base, "ward_id": ward_x})],
                   acked_through=first - 1)
    assert r.status_code == 200, r.text
    results = r.json()["results"]
    assert [i["status"] for i in results] == ["rejected", "rejected"]
    assert "own ward" in results[0]["error"] and "another ward" in results[1]["error"]
    seq = a.max_seq() + 1
    r = a.raw_push([mutation(seq, "incident", iid, "patch", {"description": "edited"})], acked_through=seq - 1)
    assert r.status_code == 200 and r.json()["results"][0]["status"] == "rejected"
    assert "amendment" in r.json()["results"][0]["error"]
    rec = server.record("incident", iid)
    assert rec is not None and rec["data"]["description"] == "Patient fell in the bathroom"
    # a bad NHS number smuggled past the station is refused by the server's own check
    bad = {**(rec["data"]), "patients": [{"physical_harm": "low", "nhs_number": "9434765918"}], "reference": "X"}
    r = a.raw_push([mutation(seq + 1, "incident", str(uuid.UUID(uuid7())), "create", bad)], acked_through=seq)
    assert r.json()["results"][0]["status"] == "rejected" and "NHS number" in r.json()["results"][0]["error"]
