"""A record the server accepts is one every station can store (SYNC.md decision 10, issue 8).

The cases are DERIVED from the station's own tables (``store.tables`` SQLAlchemy metadata): every
NOT NULL column, UNIQUE constraint, FOREIGN KEY and CHECK of every synced table. The first test
proves the registry in ``sync/protocol.py`` declares the same constraints; the second pushes one
violation of each, over real HTTP, to the real server on SQLite AND PostgreSQL, and proves each is
refused with its own verdict while a good record in the same batch is applied.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from server_support import Admin, Station, new_ward
from sqlalchemy import CheckConstraint, Column, Table, UniqueConstraint
from support.clocks import SUITE_TODAY
from support.live_server import LiveServer

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.validation import printable
from hardtruths_desktop.store import sync_store, tables
from hardtruths_desktop.sync.protocol import SCHEMAS, EntitySchema

TODAY = SUITE_TODAY
#: station-only columns: merge metadata and local bookkeeping, never on the wire
LOCAL_COLUMNS = {"field_meta", "server_seq", "needs_review", "updated_at", "updated_by"}
#: tables synced as part of another entity's record (``shift_staffing`` rows are ``groups.<g>.<f>`` of a shift)
PART_OF = {"shift_staffing": "shift"}


def _table(entity: str) -> Table:
    return tables.metadata.tables[SCHEMAS[entity].station_table]


def _entity_of_table(name: str) -> str:
    return next(e for e, s in SCHEMAS.items() if s.station_table == name)


def _wire_columns(entity: str) -> list[Column[Any]]:
    s = SCHEMAS[entity]
    return [c for c in _table(entity).columns if c.name not in LOCAL_COLUMNS and c.name != "id" and not
            (c.name == s.key and s.key != "id")]


# --- 1. the registry declares what the station's tables enforce ----------------------------------------------

def test_every_synced_table_has_a_registered_schema() -> None:
    registered = {s.station_table for s in SCHEMAS.values()}
    assert set(tables.SYNCED_TABLES) - set(PART_OF) == registered
    assert set(sync_store.TABLES) == set(SCHEMAS)


@pytest.mark.parametrize("entity", sorted(SCHEMAS))
def test_schema_matches_the_station_table(entity: str) -> None:
    schema = SCHEMAS[entity]
    table = _table(entity)
    fields = schema.model.model_fields
    for col in _wire_columns(entity):
        assert col.name in fields, f"{entity}.{col.name} is a column the schema does not know"
        info = fields[col.name]
        no_default = col.default is None and col.server_default is None
        if not col.nullable and no_default:
            assert info.is_required(), f"{entity}.{col.name} is NOT NULL without a default: the schema must require it"
        if col.default is not None and getattr(col.default, "is_scalar", False):
            wire = info.get_default(call_default_factory=True)
            expected = col.default.arg
            if col.name in sync_store.JSON_TEXT_FIELDS and isinstance(wire, list):
                expected = __import__("json").loads(expected)
            assert wire == expected, f"{entity}.{col.name}: schema default {wire!r}, table default {expected!r}"
    for name in fields:
        assert name == "deleted" or name in table.columns, f"{entity}.{name} is not a column of {table.name}"
    uniques = {tuple(c.name for c in u.columns) for u in table.constraints if isinstance(u, UniqueConstraint)}
    uniques |= {(c.name,) for c in table.columns if c.unique}
    assert {tuple(sorted(u)) for u in uniques} == {tuple(sorted(u)) for u in schema.unique}
    fks = {(fk.parent.name, fk.column.table.name) for fk in table.foreign_keys}
    declared = {(r.field, SCHEMAS[r.target].station_table) for r in schema.references}
    assert fks == declared


# --- 2. every violation is refused, per item, on SQLite and PostgreSQL ---------------------------------------

@dataclass
class World:
    """One ward with one record of every entity, and a second ward to refer to across wards."""

    admin: Admin
    st: Station
    other_staff: str
    other_bed: str
    other_shift: str
    trust_id: str
    good: dict[str, tuple[str, dict[str, Any]]]  # entity -> (id, payload) of a stored valid record


def _uid() -> str:
    return str(uuid.uuid4())


def _valid(st: Station, entity: str, trust_id: str, n: int) -> tuple[str, dict[str, Any]]:
    """A new valid record of ``entity`` (``n`` makes its natural key unique)."""
    w = st.ward_id
    day = TODAY - timedelta(days=n)
    if entity == "trust":
        code = f"TR{uuid.uuid4().hex[:6].upper()}"
        return ids.ward_id("TRUST/" + code), {"code": code, "name": f"Trust {code}"}
    if entity == "trust_contacts":
        return trust_id, {"pals_phone": "0300 123 4567"}
    if entity == "ward_board":
        return w, {"ward_manager": "Mary O'Neill"}
    if entity == "shift_pattern":
        code = f"p{n}"
        return ids.pattern_id(w, code), {"ward_id": w, "code": code, "name": f"Pattern {n}", "start_time": "07:00",
                                        "end_time": "15:00", "period": "day"}
    if entity == "staff":
        return _uid(), {"ward_id": w, "name": f"Nurse {chr(65 + n % 26)}", "role": "rn"}
    if entity == "establishment":
        eff = date(2020, 1, 1) + timedelta(days=n)
        return ids.establishment_id(w, "early", "rn", eff), {"ward_id": w, "shift_code": "early", "staff_group": "rn",
                                                             "effective_from": eff.isoformat(), "planned_heads": 4,
                                                             "planned_hours": 30.0}
    if entity == "shift":
        return st.shift_id(day), {"ward_id": w, "shift_date": day.isoformat(), "shift_code": "early", "groups.rn.planned": 4}
    if entity == "ward_day":
        return ids.ward_day_id(w, day), {"ward_id": w, "day": day.isoformat(), "patients_at_midnight": 20}
    if entity == "red_flag":
        return _uid(), {"ward_id": w, "shift_id": st.shift_id(TODAY), "flag_type": "vital_signs",
                        "raised_at": "2026-01-01T10:00:00Z", "raised_by": "staff:x"}
    if entity == "bed":
        label = f"Bed {n}"
        return ids.bed_id(w, label), {"ward_id": w, "label": label}
    if entity == "bed_nurse":
        bed = ids.bed_id(w, "Bed 0")
        return ids.bed_nurse_id(bed, day, "early"), {"ward_id": w, "bed_id": bed, "shift_date": day.isoformat(),
                                                     "shift_code": "early"}
    if entity == "feedback":
        return _uid(), {"ward_id": w, "response_date": day.isoformat(), "answer": "good", "comment_good": f"Kind staff {n}"}
    if entity == "you_said_we_did":
        return _uid(), {"ward_id": w, "month": "2026-11", "you_said": f"Noisy at night {n}", "we_did": "Quiet hours"}
    if entity == "incident":  # issue 10
        return _incident_id(st, n), {"ward_id": w, "reference": f"T-{n}", "occurred_on": "2026-01-01", "occurred_time": "10:00",
                                     "description": "A fall", "category": "patient_accident", "reported_at": "2026-01-01T11:00:00Z",
                                     "patients": [{"physical_harm": "low"}]}
    if entity == "incident_amendment":
        return _uid(), {"incident_id": _incident_id(st, 0), "ward_id": w, "kind": "findings", "data": {"text": "Learnt"},
                        "by_name": "Mary", "at": "2026-01-02T09:00:00Z"}
    if entity == "incident_reporter":
        return _incident_id(st, n), {"ward_id": w, "reporter_name": "Dylan Evans"}
    if entity == "safety_thermometer":
        month = f"{2020 + n // 12:04d}-{n % 12 + 1:02d}"
        from hardtruths_desktop.domain.thermometer import thermometer_id

        return thermometer_id(w, month), {"ward_id": w, "month": month, "surveyed": 20, "harm_free": 20}
    if entity == "ward":
        raise AssertionError("wards are made by the admin")
    raise AssertionError(f"no valid {entity} record in this test: add one")


ORDER = ("trust", "staff", "shift_pattern", "establishment", "shift", "ward_day", "red_flag", "bed", "bed_nurse",
         "ward_board", "trust_contacts", "incident", "incident_amendment", "incident_reporter", "safety_thermometer")


def _incident_id(st: Station, n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{st.ward_id}/incident/{n}"))


def _world(server: LiveServer) -> World:
    admin = Admin(server)
    other = admin.station(new_ward(admin), "other ward")
    st = admin.station(new_ward(admin), "this ward")
    trust_id = admin.http.get("/v1/admin/records", params={"ward": st.ward_code, "entity": "ward"}).json()[0]["data"]["trust_id"]
    o_staff, o_staff_p = _valid(other, "staff", trust_id, 1)
    o_bed, o_bed_p = _valid(other, "bed", trust_id, 0)
    o_shift, o_shift_p = _valid(other, "shift", trust_id, 0)
    assert {r["status"] for r in other.push([other.mutation("staff", o_staff, "create", o_staff_p),
                                             other.mutation("bed", o_bed, "create", o_bed_p),
                                             other.mutation("shift", o_shift, "create", o_shift_p)])["results"]} == {"applied"}
    good: dict[str, tuple[str, dict[str, Any]]] = {}
    for entity in ORDER:
        rid, payload = _valid(st, entity, trust_id, 0)
        if SCHEMAS[entity].trust_wide:
            out = admin.post("/v1/admin/records", {"records": [{"entity": entity, "id": rid, "values": payload}]})
            assert out[0]["status"] == "applied", out
        else:
            res = st.push([st.mutation(entity, rid, "create", payload)])["results"][0]
            assert res["status"] == "applied", (entity, res)
        good[entity] = (rid, payload)
    return World(admin, st, o_staff, o_bed, o_shift, trust_id, good)


@dataclass(frozen=True)
class Case:
    entity: str
    what: str
    make: Callable[[World], tuple[str, str, dict[str, Any]]]  # -> (id, op, payload)
    as_trust: bool = False  # sent by trust IT (a ward device may not name another ward at all)


def _new(entity: str, change: Callable[[dict[str, Any]], None], n: int = 7) -> Callable[[World], tuple[str, str, dict[str, Any]]]:
    def make(w: World) -> tuple[str, str, dict[str, Any]]:
        rid, payload = _valid(w.st, entity, w.trust_id, n)
        change(payload)
        # keyed by their owner (the ward, the trust): the one record there is, changed
        return rid, "patch" if entity in ("trust_contacts", "ward_board") else "create", payload
    return make


def _derived_cases() -> Iterator[Case]:
    for entity in sorted(SCHEMAS):
        if entity == "ward":
            continue  # wards are the admin's (create-ward); their checks run through the same path below
        schema = SCHEMAS[entity]
        table = _table(entity)
        for col in _wire_columns(entity):
            if col.nullable:
                continue
            name = col.name
            yield Case(entity, f"NOT NULL {table.name}.{name} sent as null",
                       _new(entity, lambda p, name=name: p.__setitem__(name, None)))
            if col.default is None and col.server_default is None and entity not in ("ward_board", "trust_contacts"):
                yield Case(entity, f"NOT NULL {table.name}.{name} left out",
                           _new(entity, lambda p, name=name: p.pop(name, None)))
        for u in sorted(table.constraints, key=_constraint_key):
            if isinstance(u, UniqueConstraint):
                cols = tuple(c.name for c in u.columns)
                yield Case(entity, f"UNIQUE {table.name}{cols}", _duplicate(entity, cols))
        for c in table.columns:
            if c.unique:
                yield Case(entity, f"UNIQUE {table.name}.{c.name}", _duplicate(entity, (c.name,)))
        for fk in sorted(table.foreign_keys, key=lambda f: (f.parent.name, f.target_fullname)):
            if fk.parent.name == schema.key and schema.key != "id":
                yield Case(entity, f"FOREIGN KEY {table.name}.{fk.parent.name} (the record's id) to nothing",
                           _unknown_key(entity))
                continue
            name = fk.parent.name
            yield Case(entity, f"FOREIGN KEY {table.name}.{name} -> {fk.column.table.name} to nothing",
                       _new(entity, lambda p, name=name: p.__setitem__(name, _uid())), as_trust=name == schema.ward_field)
            target = _entity_of_table(fk.column.table.name)
            if any(r.field == name and r.same_ward for r in schema.references) and target in ("staff", "bed", "shift"):
                yield Case(entity, f"FOREIGN KEY {table.name}.{name} -> a {target} of another ward", _other_ward(entity, name, target))
        for ck in sorted(table.constraints, key=_constraint_key):
            if isinstance(ck, CheckConstraint):
                m = re.fullmatch(r"(\w+) IN \((.*)\)", str(ck.sqltext))
                assert m, f"a CHECK this test cannot derive a case from: {ck.sqltext}"
                name = m.group(1)
                yield Case(entity, f"CHECK {table.name}: {ck.sqltext}", _new(entity, lambda p, name=name: p.__setitem__(name, "zzz")))
    for part, owner in PART_OF.items():
        for col in tables.metadata.tables[part].columns:
            if not col.nullable and col.name not in ("shift_id", "staff_group"):
                yield Case(owner, f"NOT NULL {part}.{col.name} sent as null",
                           _new(owner, lambda p, name=col.name: p.__setitem__(f"groups.rn.{name}", None)))
        yield Case(owner, f"PRIMARY KEY {part}.staff_group outside the value set",
                   _new(owner, lambda p: p.__setitem__("groups.zz.actual", 1)))


def _constraint_key(c: Any) -> tuple[str, str, tuple[str, ...]]:
    """A set's order changes with the hash seed: sort, so every pytest-xdist worker collects the same ids."""
    return type(c).__name__, str(getattr(c, "sqltext", "")), tuple(col.name for col in getattr(c, "columns", ()))


def _duplicate(entity: str, cols: tuple[str, ...]) -> Callable[[World], tuple[str, str, dict[str, Any]]]:
    def make(w: World) -> tuple[str, str, dict[str, Any]]:
        rid, payload = _valid(w.st, entity, w.trust_id, 8)
        _gid, good = w.good[entity]
        for c in cols:
            payload[c] = good[c]
        if entity == "trust_contacts" or entity == "ward_board":
            raise AssertionError("keyed by their owner: no second record can exist")
        return _uid() if rid == _gid else rid, "create", payload
    return make


def _unknown_key(entity: str) -> Callable[[World], tuple[str, str, dict[str, Any]]]:
    def make(w: World) -> tuple[str, str, dict[str, Any]]:
        _rid, payload = _valid(w.st, entity, w.trust_id, 9)
        return _uid(), "create", payload
    return make


def _other_ward(entity: str, name: str, target: str) -> Callable[[World], tuple[str, str, dict[str, Any]]]:
    def make(w: World) -> tuple[str, str, dict[str, Any]]:
        rid, payload = _valid(w.st, entity, w.trust_id, 10)
        payload[name] = {"staff": w.other_staff, "bed": w.other_bed, "shift": w.other_shift}[target]
        return rid, "create", payload
    return make


DERIVED = list(_derived_cases())


def _review_cases() -> list[Case]:
    """The security review's own cases (issue 8), named."""
    def patch(entity: str, values: dict[str, Any]) -> Callable[[World], tuple[str, str, dict[str, Any]]]:
        return lambda w: (w.good[entity][0], "patch", values)

    def odd_nic(nic: str, n: int) -> Callable[[World], tuple[str, str, dict[str, Any]]]:
        def make(w: World) -> tuple[str, str, dict[str, Any]]:
            rid, p = _valid(w.st, "shift", w.trust_id, n)
            return rid, "create", {**p, "nurse_in_charge_id": nic}
        return make

    def nic_elsewhere(w: World) -> tuple[str, str, dict[str, Any]]:
        return w.good["shift"][0], "patch", {"nurse_in_charge_id": w.other_staff}

    def second_bed(w: World) -> tuple[str, str, dict[str, Any]]:
        return _uid(), "create", {"ward_id": w.st.ward_id, "label": w.good["bed"][1]["label"]}

    def dup_trust(w: World) -> tuple[str, str, dict[str, Any]]:
        return _uid(), "create", {"code": w.good["trust"][1]["code"], "name": "Copy"}

    def contacts_unknown_trust(w: World) -> tuple[str, str, dict[str, Any]]:
        return _uid(), "create", {"pals_phone": "0300 000 0000"}

    def flag_without_time(w: World) -> tuple[str, str, dict[str, Any]]:
        rid, p = _valid(w.st, "red_flag", w.trust_id, 3)
        del p["raised_at"]
        return rid, "create", p

    def bare_computed_flag(w: World) -> tuple[str, str, dict[str, Any]]:
        rid, p = _valid(w.st, "red_flag", w.trust_id, 4)
        return rid, "create", {**p, "flag_type": "rn_shortfall"}  # computed: recorded only with its escalation

    def unknown_flag_type(w: World) -> tuple[str, str, dict[str, Any]]:
        rid, p = _valid(w.st, "red_flag", w.trust_id, 5)
        return rid, "create", {**p, "flag_type": "made_up", "escalated_to": "Matron", "escalated_at": "2026-01-01T10:00:00Z"}

    return [
        Case("red_flag", "a computed red flag without its escalation", bare_computed_flag),
        Case("red_flag", "a red flag type outside the value set", unknown_flag_type),
        Case("shift", "an unpaired surrogate in a text", patch("shift", {"notes": "Bay 2 \ud800 closed"})),
        Case("shift", "a NUL in a field name", patch("shift", {"notes\x00": "x"})),
        Case("trust", "a trust with a duplicate code", dup_trust),
        Case("trust_contacts", "trust contacts with an unknown trust id", contacts_unknown_trust),
        Case("bed", "a bed with a null preferred name", patch("bed", {"preferred_name": None})),
        Case("bed", "two beds with the same label", second_bed),
        Case("red_flag", "a red flag without raised_at", flag_without_time),
        Case("shift", "a nurse in charge from another ward", nic_elsewhere),
        Case("bed", "a surrogate in a label", patch("bed", {"label": "\udfff"})),
        # a reference PostgreSQL could not take as a key: refused alone, never a 500 that blocks the station's queue
        Case("shift", "a nurse in charge id with an unpaired surrogate", patch("shift", {"nurse_in_charge_id": "\ud800"})),
        Case("shift", "a nurse in charge id in braces", patch("shift", {"nurse_in_charge_id": "{" + _uid()[:34] + "}"})),
        Case("shift", "a new shift whose nurse in charge id has an unpaired surrogate", odd_nic("\ud800", 61)),
        Case("shift", "a new shift whose nurse in charge id is in braces", odd_nic("{" + _uid()[:34] + "}", 62)),
        Case("staff", "a staff group outside the value set", patch("staff", {"role": "surgeon"})),
    ]


CASES = DERIVED + _review_cases()


def test_the_derivation_found_every_kind_of_constraint() -> None:
    kinds = {c.what.split(" ")[0] for c in DERIVED}
    assert {"NOT", "UNIQUE", "FOREIGN", "CHECK", "PRIMARY"} <= kinds
    assert len(DERIVED) > 60  # a guard against a derivation that silently finds nothing


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request: pytest.FixtureRequest, live_server_factory: Callable[..., LiveServer], tmp_path_factory: pytest.TempPathFactory) -> World:
    if request.param == "sqlite":
        server = live_server_factory(None, tmp_path_factory.mktemp("sqlite-server"))
    else:
        server = request.getfixturevalue("live_server")
    return _world(server)


def _send(w: World, case: Case) -> dict[str, Any]:
    rid, op, payload = case.make(w)
    if SCHEMAS[case.entity].trust_wide or case.as_trust:  # through the admin's records endpoint
        r = w.admin.http.post("/v1/admin/records", json={"records": [{"entity": case.entity, "id": rid, "values": payload}]})
        assert r.status_code == 200, r.text
        return {"status": r.json()[0]["status"], "error": r.json()[0]["error"]}
    bad = w.st.mutation(case.entity, rid, op, payload)
    good_id, good_payload = _valid(w.st, "ward_day", w.trust_id, 40 + w.st.seq)
    after = w.st.mutation("ward_day", good_id, "create", good_payload)
    r = w.st.push_raw([bad, after])
    assert r.status_code == 200, (case.what, r.status_code, r.text[:300])
    body = r.json()
    w.st.acked = body["device_last_client_seq"]
    assert body["results"][1]["status"] == "applied", (case.what, body["results"][1])  # the batch was not rolled back
    return dict(body["results"][0])


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.what)
def test_each_violation_is_refused_per_item(world: World, case: Case) -> None:
    verdict = _send(world, case)
    assert verdict["status"] == "rejected", (case.what, verdict)
    assert verdict["error"] and "\x00" not in verdict["error"]
    verdict["error"].encode("utf-8")  # the reply itself is valid text


def test_pulls_still_answer_after_every_refusal(world: World) -> None:
    changes = world.st.pull_all()
    assert changes and all(c["entity"] in SCHEMAS for c in changes)
    for c in changes:  # what the server hands out is what a station can store
        if not c["deleted"]:
            SCHEMAS[c["entity"]].check_record(c["id"], c["row"])


def test_a_ward_device_may_not_write_trust_wide_records(world: World) -> None:
    st = world.st
    rid, payload = world.good["trust_contacts"]
    for entity, eid, op, values in (("trust_contacts", rid, "patch", {"pals_phone": "0800 000 000"}),
                                    ("trust", world.trust_id, "patch", {"name": "Renamed by a ward"})):
        out = st.push([st.mutation(entity, eid, op, values)])["results"][0]
        assert out["status"] == "rejected" and "administrators" in out["error"], out
    mine = {r["id"]: r for r in world.admin.http.get("/v1/admin/records", params={"entity": "trust_contacts"}).json()}
    assert mine[rid]["data"]["pals_phone"] == payload["pals_phone"]



def test_staffing_figures_are_fields_of_a_shift_only_for_known_staff_groups() -> None:
    shift: EntitySchema = SCHEMAS["shift"]
    assert shift.known_field("groups.rn.actual") and not shift.known_field("groups.zz.actual")


def test_a_record_id_not_36_characters_refuses_its_change_alone_by_name(world: World) -> None:
    """A record id of another length (or no UUID at all) made the whole batch 422 and the station bisected
    it (reviewer, issue 13): now its change is refused by name, alone, like an odd id of 36 characters."""
    st = world.st
    rid = _uid()
    odd_ids = ["", "\ud800", rid[:35], "{" + rid + "}", "x" * 36, rid + "\x00", "a" * 300]

    def bed(entity_id: str, n: int) -> dict[str, Any]:
        return st.mutation("bed", entity_id, "create", {"ward_id": st.ward_id, "label": f"Odd id bed {n} {st.seq}"})

    first, last = bed(_uid(), 0), None
    odd = [bed(entity_id, n) for n, entity_id in enumerate(odd_ids, start=1)]
    last = bed(_uid(), 99)
    r = st.push_raw([first, *odd, last])
    assert r.status_code == 200, r.text[:300]
    body = r.json()
    st.acked = body["device_last_client_seq"]
    results = body["results"]
    assert [x["status"] for x in results] == ["applied", *["rejected"] * len(odd), "applied"]
    for x, entity_id in zip(results[1:-1], odd_ids, strict=True):
        assert "usual form" in x["error"] and printable(entity_id, 20) in x["error"], x
    held = {c["id"] for c in st.pull_all() if c["entity"] == "bed"}
    assert {first["entity_id"], last["entity_id"]} <= held
