"""A record's field versions stored packed (server migration 0021, ``trust_server.field_versions``): each version
once, an edit appending its group (a later group wins for a field), written whole again past a bound; the
migration both ways on PostgreSQL and SQLite; the older object form still read; a stored value no JSON writer
takes never stops a ward's pull.

Real PostgreSQL (``tests/support/postgres.py``), real SQLite files, the real server over HTTP."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from server_support import Admin, Station, new_ward, stored_versions
from sqlalchemy import Engine, text
from support.clocks import SUITE_TODAY

from hardtruths_desktop.domain.field_meta import FIELD_NAMES, stored_name
from trust_server import field_versions
from trust_server.db import alembic_config, make_engine, migrate

TODAY = SUITE_TODAY
DEV = "0f3c9a3e-1111-4a2b-9c3d-5e6f7a8b9c0d"
WARD = "6d3e0000-0000-5000-8000-000000000021"


def _sql(admin: Admin, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(admin.server.database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as con:
        cur = con.execute(query, params)
        return list(cur.fetchall()) if cur.description else []


def _stored_text(admin: Admin, sid: str) -> str:
    [(stored,)] = _sql(admin, "SELECT field_meta::text FROM entity_record WHERE entity = 'shift' AND id = %s", (sid,))
    return str(stored)


def _pull2(st: Station) -> list[dict[str, Any]]:
    """Every change a protocol 2 pull sends (``versions``: ``[tok, hlc, [field...]]``)."""
    return st.pull_all(protocol=2)


def _version_of(changes: list[dict[str, Any]], sid: str, field: str) -> str:
    """The token protocol 2 sends for ``field`` of ``sid`` (exactly one)."""
    [change] = [c for c in changes if c["id"] == sid]
    toks = [tok for tok, _hlc, fields in change.get("versions", []) if field in fields]
    assert len(toks) == 1, change
    return str(toks[0])


# --- the codec ----------------------------------------------------------------------------------------

def test_packed_versions_read_back_exactly_each_version_once_and_a_later_group_wins() -> None:
    v1 = {"tok": str(uuid.uuid4()), "hlc": "1792891800000-00000-0f3c9a3e", "device_id": DEV, "seq": 21}
    v2 = {"tok": str(uuid.uuid4()), "hlc": "1792891800001-00000-0f3c9a3e", "device_id": DEV, "seq": 22}
    odd = {"tok": "t" * 22, "hlc": "x", "device_id": "~dev", "seq": None}  # not UUIDs: kept as they are
    extra = {"tok": "t1", "hlc": "y", "device_id": DEV, "seq": 3, "note": 1}  # not the four parts: kept whole
    meta = {"ward_id": v1, "shift_date": v1, "notes": v2, "unlisted.field": v1, "groups.rn.actual": odd, "day": extra}
    packed = field_versions.pack(meta)
    assert len(packed) == 4 and packed[0][4:] == [FIELD_NAMES.index("ward_id"), FIELD_NAMES.index("shift_date"), "unlisted.field"]
    assert len(packed[0][0]) == 22 and packed[2][0] == "~" + "t" * 22 and packed[3][0] == extra
    assert field_versions.unpack(json.loads(json.dumps(packed))) == meta
    # equal versions that are different objects: still once
    assert len(field_versions.pack({"a": dict(v1), "b": dict(v1)})) == 1
    # each field by the number the station's ``stored_name`` gives it (the codec keeps its own table of them)
    everyone = field_versions.pack(dict.fromkeys([*FIELD_NAMES, "groups.zz.actual", "no.such"], v1))
    assert everyone[0][4:] == [stored_name(f) for f in [*FIELD_NAMES, "groups.zz.actual", "no.such"]]
    # appended: the later group holds the field, for the merge and for protocol 2
    later = {**v1, "tok": str(uuid.uuid4()), "seq": 30}
    stored = json.dumps(packed, separators=(",", ":"))
    appended = field_versions.append_text(stored, json.dumps(field_versions.pack({"ward_id": later, "notes": later})))
    read = field_versions.unpack(json.loads(appended))
    assert read == {**meta, "ward_id": later, "notes": later}
    wire = field_versions.wire_versions(json.loads(appended))
    holders = {f: tok for tok, _hlc, fields in wire for f in fields}
    assert holders["ward_id"] == holders["notes"] == later["tok"] and holders["shift_date"] == v1["tok"]
    assert sum(len(fields) for _t, _h, fields in wire) == len(read)  # each field under one version
    # the older object form, read as it was
    assert field_versions.unpack(meta) == meta and {f for _t, _h, fs in field_versions.wire_versions(meta) for f in fs} == set(meta)


def test_odd_ids_and_tokenless_versions_read_back_as_every_reader_sees_them() -> None:
    """Reviewer (issue 13): an id of 21 characters starting with "~" is 22 long once escaped and was read back
    through base64, keeping its escape; a later version with no text token (an odd old row) is not sent, but
    protocol 2 sent the field under its EARLIER token while the merge and protocol 1 (``unpack``) read the later."""
    for odd in ("~" + "a" * 20, "~" + "a" * 21, "~", "~~", "a" * 22, "a" * 21):
        assert field_versions.long_id(field_versions.short_id(odd)) == odd
    v1 = {"tok": str(uuid.uuid4()), "hlc": "1792891800000-00000-0f3c9a3e", "device_id": DEV, "seq": 3}
    tokenless = {"tok": None, "hlc": "1792891800001-00000-0f3c9a3e", "device_id": DEV, "seq": 4}
    stored = json.loads(json.dumps(field_versions.pack({"notes": v1, "shift_date": v1})))
    stored.append([tokenless, FIELD_NAMES.index("notes")])
    assert field_versions.unpack(stored)["notes"] == tokenless
    holders = {f: tok for tok, _hlc, fields in field_versions.wire_versions(stored) for f in fields}
    assert holders == {"shift_date": v1["tok"]}  # "notes" under no token, as the merge reads it


def test_stored_versions_with_text_after_the_list_are_rewritten_not_appended_to(admin: Admin, ward: str) -> None:
    """Reviewer (issue 13): PostgreSQL's ``json`` keeps text as written, so stored versions ending in a newline
    (a hand fix) made the append's ``left(text, -1) || ...`` invalid JSON: the push failed 500 on every retry
    and the station's other changes waited behind it. Such text is written whole instead."""
    a = admin.station(ward, "a")
    create = a.create_shift(TODAY, "late", notes="n0")
    a.push([create])
    sid = a.shift_id(TODAY, "late")
    _sql(admin, "UPDATE entity_record SET field_meta = (field_meta::text || E'\\n')::json WHERE entity = 'shift' AND id = %s", (sid,))
    assert _stored_text(admin, sid).endswith("]\n")
    other = a.create_shift(TODAY, "early")
    edit = a.mutation("shift", sid, "patch", {"notes": "n1"}, base={"notes": create["mutation_id"]})
    r = a.push_raw([other, edit])
    assert r.status_code == 200, r.text
    assert [v["status"] for v in r.json()["results"]] == ["applied", "applied"]
    assert stored_versions(_stored_text(admin, sid))["notes"]["tok"] == edit["mutation_id"]
    assert _stored_text(admin, sid).endswith("]")


# --- the push: append, then whole past the bound -------------------------------------------------------

def test_an_edit_appends_its_group_and_past_the_bound_the_versions_are_written_whole(admin: Admin, ward: str) -> None:
    """Each one-field edit appends one group to the stored list (the text before it kept as it was); past
    ``field_versions.TEXT_MAX`` the record's versions are written whole, each version once: a record edited 200
    times stays bounded. Every reader sees each field's latest version: the merge (a base naming it applies,
    the one before is concurrent), protocol 1 and protocol 2."""
    a = admin.station(ward, "a")
    create = a.create_shift(TODAY, "late", notes="n0")
    a.push([create])
    sid = a.shift_id(TODAY, "late")
    first = _stored_text(admin, sid)
    assert json.loads(first)[0][4:] and len(json.loads(first)) == 1  # one version for the create's fields
    # an agreeing value keeps the stored version: the versions are left as they were
    a.push([a.mutation("shift", sid, "patch", {"notes": "n0"}, base={"notes": str(uuid.uuid4())})])
    assert _stored_text(admin, sid) == first
    tok, texts, sizes = create["mutation_id"], [first], []
    for n in range(1, 201):
        edit = a.mutation("shift", sid, "patch", {"notes": f"n{n}"}, base={"notes": tok})
        [verdict] = a.push([edit])["results"]
        assert verdict["status"] == "applied" and verdict["flags"] == [], verdict
        tok = edit["mutation_id"]
        texts.append(_stored_text(admin, sid))
        [(size,)] = _sql(admin, "SELECT pg_column_size(field_meta) FROM entity_record WHERE entity = 'shift' AND id = %s", (sid,))
        sizes.append(int(size))
    appended = [n for n in range(1, len(texts)) if texts[n].startswith(texts[n - 1][:-1] + ",")]
    rewritten = [n for n in range(1, len(texts)) if n not in appended]
    assert appended[:3] == [1, 2, 3] and len(appended) > 150, appended  # mostly appends
    assert rewritten and all(len(texts[n - 1]) >= field_versions.TEXT_MAX for n in rewritten)  # whole only past the bound
    for n in rewritten:  # written whole: each version once (the create's and the latest edit's)
        assert len(json.loads(texts[n])) == 2
    assert max(len(t) for t in texts) < field_versions.TEXT_MAX + 200 and max(sizes) < 2 * field_versions.TEXT_MAX
    assert stored_versions(texts[-1])["notes"]["tok"] == tok and stored_versions(texts[-1])["shift_date"]["tok"] == create["mutation_id"]
    # the merge reads the last group: the latest token applies, the one before it is concurrent (and older: lost)
    before = a.mutation("shift", sid, "patch", {"notes": "stale"}, base={"notes": field_versions.long_id(json.loads(texts[-2])[-1][0])},
                        hlc=a.next_hlc(-3_600_000))
    assert set(a.push([before])["results"][0]["flags"]) == {"needs_review", "concurrent_lost"}
    b = admin.station(ward, "b")
    assert [c for c in b.pull_all() if c["id"] == sid][-1]["field_meta"]["notes"]["tok"] == tok  # protocol 1
    assert _version_of(_pull2(b), sid, "notes") == tok  # protocol 2


# --- the older object form and mixed forms -------------------------------------------------------------

def test_versions_in_the_older_object_form_or_mixed_are_read_and_an_edit_writes_them_packed(admin: Admin) -> None:
    ward = new_ward(admin)
    a = admin.station(ward, "a")
    shifts = [a.create_shift(TODAY, c) for c in ("early", "late")]
    a.push(shifts)
    early, late = (a.shift_id(TODAY, c) for c in ("early", "late"))
    meta = stored_versions(_stored_text(admin, early))
    # as a server before 0021 wrote it: one object
    _sql(admin, "UPDATE entity_record SET field_meta = %s::json WHERE entity = 'shift' AND id = %s", (json.dumps(meta), early))
    # a packed list holding a group in the object form too (its version whole) and an odd element
    odd = {"tok": str(uuid.uuid4()), "hlc": "1792891800000-00000-0f3c9a3e", "device_id": DEV, "seq": 5}
    _sql(admin, "UPDATE entity_record SET field_meta = (field_meta::jsonb || %s::jsonb)::json WHERE entity = 'shift' AND id = %s",
         (json.dumps([7, [odd, "notes"]]), late))
    b = admin.station(ward, "b")
    pulled2 = _pull2(b)
    assert _version_of(pulled2, early, "notes") == shifts[0]["mutation_id"] and _version_of(pulled2, late, "notes") == odd["tok"]
    assert _version_of(pulled2, late, "shift_date") == shifts[1]["mutation_id"]
    pulled1 = {c["id"]: c["field_meta"] for c in b.pull_all()}
    assert pulled1[early] == meta and pulled1[late]["notes"] == odd
    # edits merge against them and leave them packed
    e1 = a.mutation("shift", early, "patch", {"notes": "x"}, base={"notes": shifts[0]["mutation_id"]})
    e2 = a.mutation("shift", late, "patch", {"notes": "y"}, base={"notes": odd["tok"]})
    assert [r["flags"] for r in a.push([e1, e2])["results"]] == [[], []]
    assert isinstance(json.loads(_stored_text(admin, early)), list)  # written whole, packed: an object takes no append
    assert stored_versions(_stored_text(admin, early)) == {**meta, "notes": stored_versions(_stored_text(admin, early))["notes"]}
    for sid, edit in ((early, e1), (late, e2)):
        assert _version_of(_pull2(b), sid, "notes") == edit["mutation_id"]


# --- a stored value orjson refuses never stops the ward's pull -------------------------------------------

def test_a_stored_version_no_json_writer_takes_leaves_the_wards_pull_whole(admin: Admin) -> None:
    """A lone surrogate in a stored version (PostgreSQL's ``json`` keeps it as written; orjson refuses to read or
    write it): the ward's pull completes, every record sent, that record without the version it cannot send."""
    ward = new_ward(admin)
    a = admin.station(ward, "a")
    codes = ("early", "late", "night")
    a.push([a.create_shift(TODAY, c) for c in codes])
    early, late, night = (a.shift_id(TODAY, c) for c in codes)
    meta = stored_versions(_stored_text(admin, early))
    bad = {**meta["notes"], "tok": "x\\ud800y"}
    # the older object form (as a server before 0021 wrote it; every release reads it) and the packed form
    _sql(admin, "UPDATE entity_record SET field_meta = %s::json WHERE entity = 'shift' AND id = %s",
         (json.dumps({**meta, "notes": bad}).replace("\\\\ud800", "\\ud800"), early))
    _sql(admin, "UPDATE entity_record SET field_meta = (left(field_meta::text, -1) || %s)::json WHERE entity = 'shift' AND id = %s",
         (',["x\\ud800", "1792891800000-00000-0f3c9a3e", "' + DEV + '", 9, "notes"]]', late))
    b = admin.station(ward, "b")
    pulled2 = _pull2(b)
    assert {early, late, night} <= {c["id"] for c in pulled2}
    assert _version_of(pulled2, early, "ward_id") == meta["ward_id"]["tok"] and _version_of(pulled2, night, "ward_id")
    for sid in (early, late):  # the version it cannot send left out, the rest sent
        [change] = [c for c in pulled2 if c["id"] == sid]
        assert "notes" not in {f for _t, _h, fs in change["versions"] for f in fs} and change["versions"]
    pulled1 = {c["id"]: c for c in b.pull_all()}  # protocol 1 too
    assert {early, late, night} <= set(pulled1) and "notes" not in pulled1[early]["field_meta"]
    # and a push to it still merges (its other fields' versions read)
    edit = a.mutation("shift", early, "patch", {"groups.rn.actual": 3}, base={"groups.rn.actual": meta["groups.rn.actual"]["tok"]})
    assert a.push([edit])["results"][0]["flags"] == []


# --- migration 0021 both ways --------------------------------------------------------------------------

def _to(engine: Engine, revision: str, down: bool = False) -> None:
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _metas(n: int) -> list[dict[str, Any]]:
    """Stored versions as a server before 0021 wrote them: a create's version on many fields, an edit's on one;
    odd ones (a version with another key, ids not UUIDs, a lone surrogate, none)."""
    out: list[dict[str, Any]] = []
    for k in range(n):
        v1 = {"tok": str(uuid.UUID(int=k + 1)), "hlc": f"{1792891800000 + k}-00000-0f3c9a3e", "device_id": DEV, "seq": 2 * k + 1}
        v2 = {**v1, "tok": str(uuid.UUID(int=10**9 + k)), "seq": 2 * k + 2}
        meta: dict[str, Any] = {f: v1 for f in ("ward_id", "shift_date", "shift_code", "groups.rn.actual", "notes", "custom.x")}
        meta["notes"] = v2
        out.append(meta)
    out[1] = {}
    out[2] = {"notes": {"tok": "n" * 22, "hlc": "h", "device_id": "d", "seq": None}, "day": {"tok": "t", "extra": [1]}}
    out[3] = {"notes": {"tok": "x\ud800", "hlc": "h", "device_id": DEV, "seq": 4}}
    return out


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_migration_0021_packs_every_row_in_batches_and_back(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    url = f"sqlite:///{tmp_path / 'server.sqlite'}" if backend == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    engine = make_engine(url)
    pg = backend == "postgresql"
    metas = _metas(2500)  # more than one batch (0021's BATCH: 2,000)
    ids = [str(uuid.UUID(int=(7 << 120) + k)) for k in range(len(metas))]
    try:
        _to(engine, "0022")
        with engine.begin() as c:
            cast = "::json" if pg else ""
            c.execute(text("INSERT INTO entity_record (entity, id, ward_id, data, field_meta, deleted, last_seq, needs_review)"
                           f" VALUES ('shift', :i, :w, '{{}}', CAST(:m AS text){cast}, false, 1, false)"),
                      [{"i": i, "w": WARD, "m": json.dumps(m)} for i, m in zip(ids, metas, strict=True)])

        def stored() -> dict[str, str]:
            with engine.connect() as c:
                return {str(i): str(m) for i, m in c.execute(text(
                    f"SELECT id{'::text' if pg else ''}, field_meta{'::text' if pg else ''} FROM entity_record"))}

        migrate(engine)
        packed = stored()
        assert all(isinstance(json.loads(t), list) for t in packed.values())
        assert {i: stored_versions(packed[i]) for i in ids} == dict(zip(ids, metas, strict=True))
        assert len(json.loads(packed[ids[0]])) == 2 and sum(map(len, packed.values())) < sum(len(json.dumps(m)) for m in metas) / 3
        _to(engine, "0022", down=True)
        back = stored()
        assert {i: json.loads(back[i]) for i in ids} == dict(zip(ids, metas, strict=True))
        assert all(isinstance(json.loads(t), dict) for t in back.values())
        migrate(engine)  # and up again
        assert stored() == packed
    finally:
        engine.dispose()
