"""A push batch applied as a batch (issue 13): each mutation keeps its own verdict, in order, whatever
else the batch holds; the mutation's recorded text and payload hash never change by one byte."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import date, datetime, timedelta
from typing import Any

import psycopg
import pytest
from server_support import Admin, meta_of, new_ward, stored_versions
from support.clocks import SUITE_TODAY

from trust_server import sync as push_sync
from trust_server.apply import raw_json

TODAY = SUITE_TODAY


def _stdlib(obj: Any) -> str:
    """What every server before issue 13 recorded (and hashed)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=True, sort_keys=True, default=str)


@pytest.mark.parametrize("obj", [
    {"groups.rn.actual": 4, "groups.rn.actual_hours": 32.0, "notes": "", "staffing_recorded": True, "x": None},
    {"b": [1, 2.5, -0.0, 0.1, 1e-4, 9.99e14, 123456.789], "a": {"z": 1, "A": [True, False]}},
    {"f": 1e15}, {"f": 1e16}, {"f": 1e-5}, {"f": 5e-324}, {"f": math.inf}, {"f": math.nan}, {"f": -1e300},
    {"text": "".join(chr(i) for i in range(128))},  # every ASCII control, DEL too
    {"text": "Ward 7 \u2013 caf\u00e9 \U0001f600"}, {"text": "broken \ud800 half"},  # non-ASCII, a lone surrogate
    {"n": 2**70}, {"n": -(2**63)}, {"when": datetime(2026, 3, 29, 1, 30)}, {"k": (1, 2)},
    {"void": {"entity": "shift", "by": "it:someone"}, "previous": {"deleted": False, "notes": "x\ty\nz\"\\"}},
    {"l": [1.5, [2e-5]]}, {"l": [{"f": math.nan}]}, {1: "an integer key"}, {"d": {2: 3}}, [0.5, {"a": 1e20}],
    {"t": [(1, 2)]}, {"f": -0.0001, "g": -0.00009, "h": 999999999999999.9}, [[[True, None, 2**70]]], {"b": {True: 1}},
    "plain text", 'q"uo\\te \\u0041', "", "tab\there", "del\x7f", "caf\u00e9", "half \ud800", 0, -7, 2**70, True, None,
])
def test_recorded_text_is_byte_identical_to_what_older_servers_wrote(obj: Any) -> None:
    assert raw_json(obj) == _stdlib(obj)


def _sql(admin: Admin, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://")) as con:
        return list(con.execute(query, params).fetchall())


def test_verdicts_stay_with_their_mutations_in_a_mixed_batch(admin: Admin, ward: str) -> None:
    """Two mutations of one record, a concurrent edit of another station, a refused one in the middle
    and a new record after it, in ONE batch: each verdict is its own mutation's; the refused one leaves
    no trace; the same batch sent again is answered with the same verdicts and applied once."""
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    a.push([a.create_shift(TODAY, "early"), a.create_shift(TODAY, "late")])
    early, late = a.shift_id(TODAY, "early"), a.shift_id(TODAY, "late")
    metas = {c["id"]: c["field_meta"] for c in b.pull_all()}
    tok_rn = metas[early]["groups.rn.actual"]["tok"]
    tok_notes = metas[early]["notes"]["tok"]
    # b edits the early shift's notes first (a has not seen it): a's notes edit below is concurrent
    b.push([b.mutation("shift", early, "patch", {"notes": "from b"}, base={"notes": tok_notes})])

    m_rn = a.mutation("shift", early, "patch", {"groups.rn.actual": 3}, base={"groups.rn.actual": tok_rn})
    m_bad = a.mutation("shift", early, "patch", {"groups.rn.actual": 61}, base={"groups.rn.actual": m_rn["mutation_id"]})
    m_rn2 = a.mutation("shift", early, "patch", {"groups.rn.actual": 5}, base={"groups.rn.actual": m_rn["mutation_id"]})
    m_notes = a.mutation("shift", early, "patch", {"notes": "from a"}, base={"notes": tok_notes}, hlc=a.next_hlc(60_000))
    m_late = a.mutation("shift", late, "patch", {"groups.rn.actual": 2}, base={"groups.rn.actual": metas[late]["groups.rn.actual"]["tok"]})
    m_new = a.create_shift(TODAY, "night")
    batch = [m_rn, m_bad, m_rn2, m_notes, m_late, m_new]
    stored_sql = "SELECT id::text, data, field_meta FROM entity_record WHERE entity = 'shift' AND id = ANY(%s::uuid[])"
    before = {i: (d, stored_versions(fm)) for i, d, fm in _sql(admin, stored_sql, ([early, late],))}
    res = a.push(batch)["results"]

    assert [r["mutation_id"] for r in res] == [m["mutation_id"] for m in batch]
    assert [r["client_seq"] for r in res] == [m["client_seq"] for m in batch]
    assert [r["status"] for r in res] == ["applied", "rejected", "applied", "applied", "applied", "applied"]
    assert res[1]["server_seq"] is None and res[1]["error"]
    seqs = [r["server_seq"] for r in res if r["status"] == "applied"]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert res[0]["effective"] == {"groups.rn.actual": 3} and res[0]["flags"] == []
    assert res[2]["effective"] == {"groups.rn.actual": 5} and res[2]["flags"] == []
    # a's notes edit did not see b's: concurrent, a's later clock wins, the record is flagged
    assert res[3]["effective"] == {"notes": "from a"} and "needs_review" in res[3]["flags"]
    assert res[4]["effective"] == {"groups.rn.actual": 2} and res[4]["flags"] == []

    # as stored: an edit rewrites only the keys it changed (issue 13), the rest exactly as before
    after = {i: (d, stored_versions(fm)) for i, d, fm in _sql(admin, stored_sql, ([early, late],))}
    assert after[early][0] == {**before[early][0], "groups.rn.actual": 5, "notes": "from a"}
    assert after[late][0] == {**before[late][0], "groups.rn.actual": 2}
    for sid, changed in ((early, {"groups.rn.actual": res[2], "notes": res[3]}), (late, {"groups.rn.actual": res[4]})):
        assert after[sid][1].keys() == before[sid][1].keys()
        for f, meta in after[sid][1].items():
            assert meta == ({**meta, "tok": changed[f]["mutation_id"], "seq": changed[f]["server_seq"]} if f in changed
                            else before[sid][1][f]), (sid, f)

    state = {c["id"]: c for c in b.pull_all()}
    assert state[early]["row"]["groups.rn.actual"] == 5 and state[early]["row"]["notes"] == "from a"
    assert state[early]["needs_review"] is True and state[late]["needs_review"] is False
    assert state[early]["field_meta"]["groups.rn.actual"]["tok"] == m_rn2["mutation_id"]
    assert state[early]["field_meta"]["groups.rn.actual"]["seq"] == res[2]["server_seq"]
    assert state[late]["row"]["groups.rn.actual"] == 2 and meta_of(list(state.values()), a.shift_id(TODAY, "night"))

    history = _sql(admin, "SELECT mutation_id::text, field, outcome, new_value, server_seq FROM field_history"
                          " WHERE mutation_id::text = ANY(%s) ORDER BY id", ([m["mutation_id"] for m in batch],))
    assert history == [
        (m_rn["mutation_id"], "groups.rn.actual", "applied", 3, res[0]["server_seq"]),
        (m_rn2["mutation_id"], "groups.rn.actual", "applied", 5, res[2]["server_seq"]),
        (m_notes["mutation_id"], "notes", "concurrent_won", "from a", res[3]["server_seq"]),
        (m_late["mutation_id"], "groups.rn.actual", "applied", 2, res[4]["server_seq"]),
    ]  # the refused one left none; the new record's history is its create
    verdicts = _sql(admin, "SELECT mutation_id::text, status, server_seq FROM applied_mutation WHERE mutation_id::text = ANY(%s)",
                    ([m["mutation_id"] for m in batch],))
    assert sorted(verdicts) == sorted((r["mutation_id"], r["status"], r["server_seq"]) for r in res)
    logged = _sql(admin, "SELECT raw FROM mutation_log WHERE mutation_id::text = ANY(%s)", ([m["mutation_id"] for m in batch],))
    assert sorted(json.loads(r[0])["client_seq"] for r in logged) == [m["client_seq"] for m in batch]

    again = a.push(batch, acked_through=0)["results"]
    assert [r["status"] for r in again] == ["duplicate", "rejected", "duplicate", "duplicate", "duplicate", "duplicate"]
    assert [r["server_seq"] for r in again] == [r["server_seq"] for r in res]
    assert "duplicate" in again[1]["flags"] and again[1]["error"] == res[1]["error"]
    assert again[3]["effective"] == res[3]["effective"]
    counted = _sql(admin, "SELECT count(*) FROM applied_mutation WHERE mutation_id::text = ANY(%s)", ([m["mutation_id"] for m in batch],))
    assert counted == [(len(batch),)]


def test_a_mutation_id_sent_again_with_another_payload_is_a_conflict_not_a_duplicate(admin: Admin, ward: str) -> None:
    a = admin.station(ward)
    first = a.create_shift(TODAY, "early", notes="caf\u00e9 \u2013 7.5 hours")
    a.push([first])
    changed = {**first, "payload": {**first["payload"], "notes": "something else"}}
    item = a.push([changed], acked_through=0)["results"][0]
    assert item["status"] == "rejected" and "mutation_id_conflict" in item["flags"]
    same = a.push([first], acked_through=0)["results"][0]
    assert same["status"] == "duplicate"
    body = {"entity": first["entity"], "entity_id": first["entity_id"], "op": first["op"], "payload": first["payload"],
            "base": first["base"]}
    [(sha,)] = _sql(admin, "SELECT payload_sha256 FROM applied_mutation WHERE mutation_id::text = %s", (first["mutation_id"],))
    # its first 16 bytes kept (server migration 0022)
    assert (sha.hex() if isinstance(sha, bytes) else sha) == hashlib.sha256(_stdlib(body).encode()).hexdigest()[:32]


def test_a_mutation_id_python_reads_but_postgresql_would_not_is_a_malformed_batch_not_a_500(admin: Admin, ward: str) -> None:
    """Mutation ids are kept as PostgreSQL uuids: a form only Python reads ("----" and 32 hex digits) is
    refused with the batch (the station bisects it out), never an error at the insert."""
    a = admin.station(ward)
    odd = a.create_shift(TODAY, "early")
    odd["mutation_id"] = "----" + odd["mutation_id"].replace("-", "")
    r = a.push_raw([odd])
    assert r.status_code == 422 and r.json()["error"] == "batch_malformed", r.text
    upper = a.create_shift(TODAY, "late")
    upper["mutation_id"], upper["client_seq"] = upper["mutation_id"].upper(), odd["client_seq"]  # the refused batch used no seq
    res = a.push([upper])["results"][0]
    assert res["status"] == "applied" and res["mutation_id"] == upper["mutation_id"]
    again = a.push([upper], acked_through=0)["results"][0]
    assert again["status"] == "duplicate" and again["server_seq"] == res["server_seq"]


def test_a_body_the_fast_parser_would_read_otherwise_is_read_as_before(admin: Admin, ward: str) -> None:
    """The push body is parsed by orjson (issue 13) except where it reads values otherwise than the
    standard library (an integer beyond 64 bits would become a float): the recorded hash is over the
    same values as before, so the same change sent again is a duplicate, not a conflict."""
    a = admin.station(ward)
    huge = a.create_shift(TODAY, "early")
    huge["payload"] = {**huge["payload"], "groups.rn.actual": 2**64}
    first = a.push([huge])["results"][0]
    assert first["status"] == "rejected"
    again = a.push([huge], acked_through=0)["results"][0]
    assert again["status"] == "rejected" and "duplicate" in again["flags"] and "mutation_id_conflict" not in again["flags"]
    body = {k: huge[k] for k in ("entity", "entity_id", "op", "payload", "base")}
    [(sha,)] = _sql(admin, "SELECT payload_sha256 FROM received_mutation WHERE mutation_id::text = %s", (huge["mutation_id"],))
    assert bytes(sha) == hashlib.sha256(_stdlib(body).encode()).digest()[:16]  # its first 16 bytes (migration 0022)



def test_a_value_checked_once_is_not_checked_again_but_every_other_value_is() -> None:
    """``check_record(..., checked=)`` (a push's new record: its payload was just checked field by field)
    skips only the very objects ``clean_values`` returned; the record's other values are checked."""
    import uuid

    from hardtruths_desktop.domain import ids
    from hardtruths_desktop.domain.validation import ValidationError
    from hardtruths_desktop.sync.protocol import SCHEMAS

    schema = SCHEMAS["shift"]
    ward = str(uuid.UUID(int=7))
    shift_id = ids.shift_id(ward, date(2027, 2, 28), "early")
    values = schema.clean_values({"ward_id": ward, "shift_date": "2027-02-28", "shift_code": "early", "notes": "  padded ",
                                  "groups.rn.actual": 3, "on_duty": []})
    assert schema.check_record(shift_id, values, values) == schema.check_record(shift_id, values)
    for field, bad in (("notes", "a\x00b"), ("groups.rn.actual", -1), ("shift_code", 5)):
        with pytest.raises(ValidationError):
            schema.check_record(shift_id, {**values, field: bad}, values)  # not the object clean_values returned


def test_the_cache_of_checked_lists_stays_small_whatever_lists_come() -> None:
    """Reviewer (issue 13): checked lists shared the scalars' cache of 65,536 entries; a shift's ``on_duty`` lists
    mostly differ, and 65,536 of 16 ids held ~119 MB. Lists have their own cache of ``_ACCEPTED_LISTS_MAX``."""
    from hardtruths_desktop.sync import protocol

    scalars = len(protocol._ACCEPTED)
    for n in range(protocol._ACCEPTED_LISTS_MAX + 500):
        protocol._validate_field("shift", "on_duty", [f"00000000-0000-4000-8000-{n:012x}"])
    assert len(protocol._ACCEPTED_LISTS) <= protocol._ACCEPTED_LISTS_MAX
    assert len(protocol._ACCEPTED) == scalars  # no list among the scalars
    assert protocol._validate_field("shift", "on_duty", []) == []


@pytest.mark.parametrize("value", [[], ["00000000-0000-0000-0000-0000000000A1"], ["00000000-0000-0000-0000-0000000000a1"] * 2,
                                   ["not an id"], [5], ["00000000-0000-0000-0000-0000000000a1"] * 17, "x", None])
def test_a_list_field_checked_from_the_cache_gives_what_pydantic_gives(value: Any) -> None:
    """A short list of short texts (a shift's ``on_duty``) has its accepted check kept (issue 13, i13-cpu7): the
    result, or the refusal, is pydantic's own the first time and from the cache, and each result is a list of
    its own (a caller changing one never changes the next)."""
    from hardtruths_desktop.domain.validation import ValidationError
    from hardtruths_desktop.sync import protocol

    def direct() -> Any:
        try:
            return ("clean", protocol._validate(protocol._field_adapter("shift", "on_duty"), value, "on_duty"))  # type: ignore[arg-type]
        except ValidationError as e:
            return ("refused", e.errors)

    def checked() -> Any:
        try:
            return ("clean", protocol._validate_field("shift", "on_duty", value))
        except ValidationError as e:
            return ("refused", e.errors)

    expected = direct()
    first, second = checked(), checked()
    assert first == expected and second == expected
    if expected[0] == "clean":
        assert type(first[1]) is list and first[1] is not second[1]
        assert (("shift", "on_duty", list, tuple(value)) in protocol._ACCEPTED_LISTS) == (len(value) <= protocol._CACHED_ITEMS)
        first[1].append("changed")
        assert checked() == expected


@pytest.mark.parametrize("payload", [
    {"ward_id": "00000000-0000-0000-0000-000000000007", "shift_date": "2027-02-28", "shift_code": "early", "notes": "  padded ",
     "groups.rn.actual": 3, "groups.rn.actual_hours": 24.0, "staffing_recorded": True, "on_duty": []},
    {"groups.rn.actual": 61}, {"groups.rn.actual": -1}, {"groups.rn.actual": True}, {"groups.rn.actual": 3.0},
    {"groups.rn.actual_hours": 24}, {"notes": "a\x00b"}, {"notes": "x" * 81}, {"notes": "x" * 5000}, {"notes": None},
    {"Bad Name!": 1}, {"no_such_field": 1}, {"groups.rn.nope": 1}, {"shift_code": 5}, {"shift_date": "2027-02-30"},
    {"notes": "ok", "Bad Name!": 1}, {"notes": "half \ud800"}, {"staffing_recorded": 1},
])
def test_a_payload_cleaned_through_the_one_cached_check_is_what_the_three_checks_gave(payload: dict[str, Any]) -> None:
    """``clean_values`` checks a scalar's name, field and value in one cached call (issue 13, i13-push4): the
    values it returns, or the refusal it raises, are those of the three checks made one by one, the first
    time and from the cache."""
    from hardtruths_desktop.domain.validation import ValidationError
    from hardtruths_desktop.sync import protocol

    schema = protocol.SCHEMAS["shift"]

    def one_by_one() -> Any:
        out: dict[str, Any] = {}
        try:
            for f, value in payload.items():
                protocol.check_field_name(f)
                if protocol._field_adapter("shift", f) is None:
                    raise ValidationError.single(f, f"'{f}' is not a field of a shift record")
                out[f] = protocol._validate_field("shift", f, value)
        except ValidationError as e:
            return ("refused", e.errors)
        return ("clean", out, [type(v) for v in out.values()])

    def cleaned() -> Any:
        try:
            out = schema.clean_values(payload)
        except ValidationError as e:
            return ("refused", e.errors)
        return ("clean", out, [type(v) for v in out.values()])

    expected = one_by_one()
    assert cleaned() == expected
    assert cleaned() == expected  # from the cache


def test_a_create_checked_before_the_transaction_gets_the_verdict_the_merge_gives(admin: Admin,
                                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """issue 13 (i13-push5): a create's whole-record check is made before the push's transaction
    (``apply.created_record``). The same creates pushed to two new wards, one with that check made ahead and
    one with it left to the merge, get the same verdicts and words, and the same records."""
    def creates(st: Any) -> list[dict[str, Any]]:
        good = st.create_shift(TODAY)
        wrong_id = st.create_shift(TODAY, "late")
        wrong_id["entity_id"] = st.shift_id(TODAY, "night")  # not the id of its ward, day and shift
        no_date = st.create_shift(TODAY, "night")
        del no_date["payload"]["shift_date"]
        other_ward = st.create_shift(TODAY - timedelta(days=1))
        other_ward["payload"]["ward_id"] = "00000000-0000-4000-8000-000000000001"
        inferred = st.create_shift(TODAY - timedelta(days=2))  # who came on duty: derived
        twice = st.create_shift(TODAY - timedelta(days=3))
        again = st.mutation("shift", twice["entity_id"], "create", dict(twice["payload"], notes="the same shift again"))
        return [good, wrong_id, no_date, other_ward, inferred, twice, again]

    answers = []
    for ahead in (True, False):
        if not ahead:
            monkeypatch.setattr(push_sync, "created_record", lambda *_a: None)
        st = admin.station(new_ward(admin))
        out = st.push(creates(st))["results"]
        answers.append([(r["status"], (r.get("error") or "").replace(st.ward_id, "WARD"), sorted(r.get("flags") or [])) for r in out])
        stored = _sql(admin, "SELECT data FROM entity_record WHERE entity = 'shift' AND ward_id = %s ORDER BY id", (st.ward_id,))
        answers[-1].append(("records", len(stored), sorted(k for d, in stored for k in d)))
    assert answers[0] == answers[1]
    statuses = [a[0] for a in answers[0][:-1]]
    assert statuses == ["applied", "rejected", "rejected", "rejected", "applied", "applied", "applied"], answers[0]


def _mutation(**over: Any) -> Any:
    from hardtruths_desktop.sync.protocol import Mutation
    sent = {"client_seq": 7, "mutation_id": "01a235d6-aea0-7295-8fd6-d7a9c65b1a05", "entity": "shift",
            "entity_id": "8bfc1f45-ec86-579f-a80b-79c69f0f33a3", "op": "create", "hlc": "1796199591583-00000-d8e3def4",
            "schema_version": 13, "recorded_by": "station:cli", "wall_time": "2026-12-02T08:19:51.583Z",
            "payload": {"ward_id": "47519682-cb25-53e4-b569-286fa411ea39", "shift_date": "2026-12-01", "groups.rn.actual": 3,
                        "groups.rn.actual_hours": 24.0, "staffing_recorded": True}, "base": {}}
    sent.update(over)
    return Mutation.model_validate(sent)


@pytest.mark.parametrize("over", [
    {}, {"op": "patch", "payload": {"notes": "a \"quoted\" note\non two lines\\"}, "base": {"notes": "01a235d6-aea0-7295-8fd6-d7a9c65b1a05"}},
    {"payload": {"notes": "caf\u00e9"}}, {"payload": {"notes": "del\x7f"}}, {"payload": {"notes": "nul\x00"}},
    {"payload": {"notes": "half \ud800"}}, {"payload": {"f": 1e16}}, {"payload": {"f": 1e-5}}, {"payload": {"f": math.nan}},
    {"payload": {"n": 2**70}}, {"payload": {"notes": "NaN"}}, {"payload": {"notes": "Infinity"}},
    {"payload": {"x": {"mutation_id": "in the payload"}}}, {"recorded_by": "nul\x00by"}, {"recorded_by": "x" * 120},
    {"mutation_id": "01A235D6-AEA0-7295-8FD6-D7A9C65B1A05"}, {"entity_id": "{8bfc1f45-ec86-579f-a80b-79c69f0f33a3}"},
    {"entity_id": "caf\u00e9"}, {"wall_time": "tab\there"}, {"base": {"hlc": "1796199591583-00000-d8e3def4", "op": "x"}},
    {"payload": {"schema_version": 1, "wall_time": "x", "hlc": "y"}}, {"schema_version": True},
    {"payload": {"l": [1.5, {"z": None, "a": [True]}], "": ""}}, {"payload": {}}, {"op": "delete", "payload": {}},
    {"payload": {"notes": "typed \\u0041 as text"}}, {"payload": {"notes": "I and N, not the words"}},
    {"payload": {"notes": "xNaNx", "Infinity": 1}}, {"recorded_by": "NaN"},
])
def test_a_mutations_kept_text_and_hash_made_together_are_each_functions_own(over: dict[str, Any]) -> None:
    """issue 13 (i13-merge6): ``_prepare`` makes the mutation's kept text and its payload hash from one check of
    its payload (``sync._texts``); they are byte for byte ``station_raw``'s and ``_payload_sha``'s, or (anything
    but the plain case) left to those functions."""
    from trust_server.apply import station_raw
    m = _mutation(**over)
    expected = (station_raw(m.__dict__), push_sync._payload_sha(m))
    got = push_sync._texts(m)
    assert got is None or got == expected
    prepared = push_sync._prepare(push_sync.PushRequest(device_id="d", device_incarnation="i", acked_through=0, mutations=[m]), TODAY)
    assert (prepared.raws[0], prepared.shas[0]) == expected
    if not over or "quoted" in str(over) or over.get("payload") in ({}, {"schema_version": 1, "wall_time": "x", "hlc": "y"}):
        assert got is not None  # the plain case takes the shared path


@pytest.mark.parametrize("hlc", ["1796199591583-00000-d8e3def4", "1796199591583-00000-d8e3def", "1796199591583-00000-",
                                 "1796199591583-00000--8e3def4", "1796199591583-0000-d8e3def4", "179619959158-00000-d8e3def4",
                                 "1796199591583-00000-d8e3def4x", "1796199591583-0000\u0661-d8e3def4", "+796199591583-00000-d8e3def4",
                                 "0000000000000-00000-00000000", "1796199591583-99999-a"])
def test_a_clock_kept_as_sent_only_when_it_is_already_written_as_the_server_writes_it(hlc: str) -> None:
    from hardtruths_desktop.domain.hlc import Hlc
    from trust_server.apply import _canonical_hlc
    try:
        same = str(Hlc.parse(hlc)) == hlc
    except ValueError:
        same = False
    assert not _canonical_hlc(hlc) or same
    assert _canonical_hlc(hlc) == (same and len(hlc) > 20)


def _mixed_batch_outcome(admin: Admin) -> dict[str, Any]:
    """One request holding creates, edits, duplicates (changes sent again), a refused change and a concurrent
    edit (a conflict flagged for review), as each server answers and keeps it, with every id by its place."""
    import sqlalchemy as sa

    from trust_server.models import OUTCOME_NAMES, STATUS_NAMES, FieldChange, ReceivedMutation
    ward = new_ward(admin)
    a, b = admin.station(ward, "a"), admin.station(ward, "b")
    first = [a.create_shift(TODAY, "early"), a.create_shift(TODAY, "late")]
    a.push(first)
    early, late = a.shift_id(TODAY, "early"), a.shift_id(TODAY, "late")
    metas = {c["id"]: c["field_meta"] for c in b.pull_all()}
    m_b = b.mutation("shift", early, "patch", {"notes": "from b"}, base={"notes": metas[early]["notes"]["tok"]})
    b.push([m_b])
    m_rn = a.mutation("shift", early, "patch", {"groups.rn.actual": 3}, base={"groups.rn.actual": metas[early]["groups.rn.actual"]["tok"]})
    m_bad = a.mutation("shift", early, "patch", {"groups.rn.actual": 61}, base={"groups.rn.actual": m_rn["mutation_id"]})
    m_notes = a.mutation("shift", early, "patch", {"notes": "from a"}, base={"notes": metas[early]["notes"]["tok"]},
                         hlc=a.next_hlc(60_000))
    m_late = a.mutation("shift", late, "patch", {"notes": "late\tnote \\ with\nlines"}, base={})
    m_new = a.create_shift(TODAY, "night")
    m_nowhere = a.mutation("shift", "00000000-0000-4000-8000-00000000abcd", "patch", {"notes": "no such shift"})
    batch = [*first, m_rn, m_bad, m_notes, m_late, m_new, m_nowhere]  # the first two: sent again (duplicates)
    res = a.push(batch, acked_through=0)["results"]
    ids = {early: "EARLY", late: "LATE", a.shift_id(TODAY, "night"): "NIGHT", a.ward_id: "WARD", m_b["mutation_id"]: "B",
           **{m["mutation_id"]: f"M{i}" for i, m in enumerate(batch)}}

    def named(v: Any) -> Any:
        if isinstance(v, str):
            for raw, name in ids.items():
                v = v.replace(raw, name)
            return v
        if isinstance(v, dict):
            return {named(k): named(x) for k, x in v.items() if k not in ("seq", "hlc", "device_id")}
        if isinstance(v, list):
            return [named(x) for x in v]
        return v

    answers = [named({k: v for k, v in r.items() if k not in ("server_seq", "client_seq")}) for r in res]
    pulled = sorted(named([c["id"], c["row"], c["field_meta"], c.get("needs_review"), c.get("deleted")])
                    for c in b.pull_all() if c["entity"] == "shift")
    engine = sa.create_engine(admin.server.database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as con:
            fc = FieldChange.__table__  # type: ignore[attr-defined]
            names = dict(con.execute(sa.text("SELECT id, name FROM field_name")).all())  # migration 0022
            history = [named([str(r.mutation_id), str(r.entity_id), names[r.field_id], OUTCOME_NAMES[r.outcome_code], r.old_value, r.new_value])
                       for r in con.execute(sa.select(fc).order_by(fc.c.id)) if str(r.mutation_id) in ids]
            rm = ReceivedMutation.__table__  # type: ignore[attr-defined]
            received = sorted(named([str(r.mutation_id), STATUS_NAMES.get(r.status_code), r.recorded_by, r.result, r.server_seq is not None])
                              for r in con.execute(sa.select(rm)) if str(r.mutation_id) in ids)
    finally:
        engine.dispose()
    return {"answers": answers, "pulled": pulled, "history": history, "received": received}


def test_a_mixed_batch_is_answered_and_kept_alike_on_postgresql_and_the_embedded_sqlite(
        live_server_factory: Any, fresh_postgres_url: str) -> None:
    """issue 13 (i13-merge6): the push's rows are written column by column (``bulk.insert_columns``) on both
    databases; a mixed request (creates, edits, duplicates, a refused change, a conflict, a change of a record
    the server lacks, text needing escapes) gets the same verdicts, records, history and kept verdicts on each."""
    outcomes = [_mixed_batch_outcome(Admin(live_server_factory(url))) for url in (fresh_postgres_url, None)]
    assert outcomes[0] == outcomes[1]
    got = outcomes[0]
    assert [r["status"] for r in got["answers"]] == ["duplicate", "duplicate", "applied", "rejected", "applied", "applied",
                                                    "applied", "rejected"]
    assert "needs_review" in got["answers"][4]["flags"]
    assert [h[:4] for h in got["history"]] == [["B", "EARLY", "notes", "applied"], ["M2", "EARLY", "groups.rn.actual", "applied"],
                                               ["M4", "EARLY", "notes", "concurrent_won"], ["M5", "LATE", "notes", "concurrent_won"]]
    assert got["history"][-1][-2:] == ["", "late\tnote \\ with\nlines"]  # sent without a base: concurrent with the create
    assert [r.get("flags") for r in got["answers"]][4:6] == [["needs_review"], ["needs_review"]]
