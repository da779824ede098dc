"""Migration 0009 (one row per mutation, issue 13) carries over what an older server wrote: every
verdict, every logged mutation (the server's own too), every history row with who, which device and
when; the old names read the same facts afterwards; and a mutation received before the upgrade still
hashes to what was recorded."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, text

from trust_server.apply import raw_json
from trust_server.db import alembic_config, make_engine, migrate
from trust_server.models import SERVER_DEVICE_ID

DEV = "0f3c9a3e-1111-4a2b-9c3d-5e6f7a8b9c0d"
OTHER_DEV = "7b1e2d3c-2222-4a2b-9c3d-5e6f7a8b9c0d"
M_CREATE = "01a23000-0000-7000-8000-000000000001"
M_PATCH = "01A23000-0000-7000-8000-000000000002"  # an old server kept it as sent (upper case)
M_REFUSED = "01a23000-0000-7000-8000-000000000003"
M_SERVER = "01a23000-0000-7000-8000-000000000004"
SHIFT = "5c2d0000-0000-5000-8000-000000000001"
T1 = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
T2 = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


@pytest.fixture(params=["postgresql", "sqlite"])
def old_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'server.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
    return engine


def _sha(body: dict[str, Any]) -> str:
    return hashlib.sha256(raw_json(body).encode()).hexdigest()


def _write_as_0008(engine: Engine) -> dict[str, str]:
    """Rows as the server before 0009 wrote them: a create, a patch with two history rows (one whose
    author differs from its mutation's, as no server wrote but a migration must keep), a refused
    mutation, and one the server wrote itself (logged, no verdict)."""
    create = {"entity": "shift", "entity_id": SHIFT, "op": "create", "payload": {"notes": "caf\u00e9", "groups.rn.actual": 4}, "base": {}}
    patch = {"entity": "shift", "entity_id": SHIFT, "op": "patch", "payload": {"notes": "x", "groups.rn.actual": 5},
             "base": {"notes": M_CREATE}}
    shas = {M_CREATE: _sha(create), M_PATCH: _sha(patch), M_REFUSED: _sha({**patch, "payload": {"groups.rn.actual": 99}})}
    with engine.begin() as c:
        for mid, seq, status, server_seq, result, at in (
                (M_CREATE, 1, "applied", 10, {}, T1), (M_PATCH, 2, "applied", 11, {"flags": ["needs_review"]}, T2),
                (M_REFUSED, 3, "rejected", None, {"error": "Too many"}, T2)):
            c.execute(text("INSERT INTO applied_mutation (mutation_id, device_id, client_seq, payload_sha256, status, server_seq,"
                           " result, received_at) VALUES (:m, :d, :s, :h, :st, :ss, :r, :at)"),
                      {"m": mid, "d": DEV, "s": seq, "h": shas[mid], "st": status, "ss": server_seq, "r": json.dumps(result), "at": at})
        for mid, dev, by, at in ((M_CREATE, DEV, "staff:mary", T1), (M_PATCH, DEV, "staff:mary", T2), (M_REFUSED, DEV, "staff:mary", T2),
                                 (M_SERVER, SERVER_DEVICE_ID, "server:admin", T2)):
            c.execute(text("INSERT INTO mutation_log (mutation_id, device_id, raw, recorded_by, received_at) VALUES (:m, :d, :raw, :by, :at)"),
                      {"m": mid, "d": dev, "raw": raw_json({"mutation_id": mid, "n": 1}), "by": by, "at": at})
        for fid, field, old, new, outcome, dev, by in ((1, "notes", "caf\u00e9", "x", "concurrent_won", DEV, "staff:mary"),
                                                       (2, "groups.rn.actual", 4, 5, "applied", OTHER_DEV, "staff:john")):
            c.execute(text("INSERT INTO field_history (id, entity, entity_id, field, old_value, new_value, incoming_hlc, stored_hlc,"
                           " outcome, device_id, recorded_by, mutation_id, server_seq, at) VALUES (:id, 'shift', :e, :f, :o, :n,"
                           " '1741600000123-00007-0f3c9a3e', NULL, :out, :d, :by, :m, 11, :at)"),
                      {"id": fid, "e": SHIFT, "f": field, "o": json.dumps(old), "n": json.dumps(new), "out": outcome, "d": dev,
                       "by": by, "m": M_PATCH, "at": T2})
    return shas


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as c:
        return [tuple(r) for r in c.execute(text(sql))]


def _norm(v: Any) -> Any:
    if (isinstance(v, str) and v.startswith(("{", "["))) or v in ("4", "5", '"x"', '"caf\\u00e9"'):
        return json.loads(v)  # SQLite gives JSON columns back as text
    if isinstance(v, datetime):
        return v.astimezone(UTC).replace(tzinfo=UTC)
    return v


def test_migration_0009_carries_every_old_row_over_and_the_old_names_read_the_same(old_engine: Engine) -> None:
    engine = old_engine
    shas = _write_as_0008(engine)
    txt = "::text" if engine.dialect.name == "postgresql" else ""
    q_applied = (f"SELECT lower(mutation_id{txt}), device_id{txt}, client_seq, payload_sha256, status, server_seq, result"
                 " FROM applied_mutation ORDER BY client_seq")
    q_log = f"SELECT lower(mutation_id{txt}), device_id{txt}, raw, recorded_by FROM mutation_log ORDER BY 1"
    q_hist = (f"SELECT id, entity, entity_id, field, old_value, new_value, incoming_hlc, stored_hlc, outcome, device_id{txt},"
              f" recorded_by, lower(mutation_id{txt}), server_seq FROM field_history ORDER BY id")
    q_at = "SELECT received_at FROM applied_mutation ORDER BY client_seq"
    before = [[tuple(_norm(v) for v in r) for r in _rows(engine, q)] for q in (q_applied, q_log, q_hist)]
    at_before = _rows(engine, q_at)
    hist_at_before = _rows(engine, "SELECT at FROM field_history ORDER BY id")

    assert [len(b) for b in before] == [3, 4, 2]
    migrate(engine)

    after = [[tuple(_norm(v) for v in r) for r in _rows(engine, q)] for q in (q_applied, q_log, q_hist)]
    # the payload hashes keep their first 16 bytes (server migration 0022); everything else reads as before
    assert [r[3] for r in after[0]] == [r[3][:32] for r in before[0]]
    after[0] = [(*r[:3], before[0][i][3], *r[4:]) for i, r in enumerate(after[0])]
    assert after == before
    assert [_norm(a) for (a,) in _rows(engine, q_at)] == [_norm(a) for (a,) in at_before]
    assert [_norm(a) for (a,) in _rows(engine, "SELECT at FROM field_history ORDER BY id")] == [_norm(a) for (a,) in hist_at_before]
    assert [r[3] for r in after[0]] == [shas[M_CREATE], shas[M_PATCH], shas[M_REFUSED]]  # the whole hashes before 0022
    # one row per mutation; the server's own has no verdict; only the differing author is kept on the history row
    got = _rows(engine, f"SELECT mutation_id{txt}, client_seq, status_code FROM received_mutation ORDER BY 1")  # codes since 0022
    assert got == [(M_CREATE, 1, 1), (M_PATCH.lower(), 2, 1), (M_REFUSED, 3, 2), (M_SERVER, None, None)]
    kept = _rows(engine, f"SELECT id, device_id{txt}, recorded_by, at FROM field_change ORDER BY id")
    assert [(i, d, b, a is None) for i, d, b, a in kept] == [(1, None, None, True), (2, OTHER_DEV, "staff:john", True)]
    with engine.connect() as c:  # a new history row's id follows the old ones
        assert c.execute(text("SELECT count(*) FROM field_change")).scalar_one() == 2
    engine.dispose()


def test_the_hash_an_old_server_recorded_still_matches_the_mutation_sent_again(old_engine: Engine) -> None:
    """What a push compares to answer a re-sent mutation ``duplicate`` (not applied twice, not a conflict)."""
    from hardtruths_desktop.sync.protocol import Mutation
    from trust_server.sync import _payload_sha

    shas = _write_as_0008(old_engine)
    migrate(old_engine)
    m = Mutation(client_seq=1, mutation_id=M_CREATE, entity="shift", entity_id=SHIFT, op="create",
                 payload={"notes": "caf\u00e9", "groups.rn.actual": 4}, base={}, hlc="1741600000123-00007-0f3c9a3e",
                 schema_version=9, recorded_by="staff:mary", wall_time="2026-03-29T00:30:00Z")
    assert _payload_sha(m).hex() == shas[M_CREATE]
    with old_engine.connect() as c:
        (stored,) = c.execute(text("SELECT payload_sha256 FROM received_mutation WHERE client_seq = 1")).one()
    assert bytes(stored) == _payload_sha(m)[:16]  # its first 16 bytes since migration 0022
    old_engine.dispose()
