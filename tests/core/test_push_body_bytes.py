"""The push body SQLite writes (``sync_store.pending_wire``: ``json_object`` over the outbox) is, byte for
byte, what Python's own ``json`` writes for the same change, for awkward values, on whatever SQLite runs
the suite (issue 13 review: it was checked on SQLite 3.40 only; SQLite 3.45 rewrote its JSON functions
around JSONB). The same comparison run by hand on SQLite 3.40.1, 3.50.4 (``sqlean.py``) and 3.51.1
(``pysqlite3-binary``) found no difference (docs/ARCHITECTURE.md, "The push body and SQLite's version").

A real station store; the changes are written by the real write path (``WriteTx.emit_raw``, which keeps
the payload as the station's encoder writes it), then read back as the push sends them."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import Any

from core_support import WardStation, sql

from hardtruths_desktop.store import sync_store
from hardtruths_desktop.store.session import Actor

CONTROL = "".join(chr(c) for c in range(0x20)) + "\x7f\x80\x9f"
TEXTS = ["plain", "caf\u00e9 na\u00efve", "\U0001f600 astral \U0001f3e5", "\u4e2d\u6587", "\u2028\u2029 line separators",
         "\ufeff byte order mark", "e\u0301 combining", CONTROL, 'quotes " and \\ backslash / slash', "</script>", "", " ",
         "\\u0041 not an escape", "tab\there", "Siobh\u00e1n \"Shiv\" O'Neill"]
NUMBERS: list[Any] = [0, -1, 2**53 + 1, 2**63 - 1, -(2**63), 10**30, -(10**30), 0.1, 1e-07, 1.5e300, -0.0, 5e-324,
                      1.7976931348623157e308, 123456789.123456789, 1e16, 1e22, 2.5, 100.0, True, False, None]
#: texts an older writer may have left in the outbox (ASCII escapes; a lone surrogate only survives as one)
STORED_OTHERWISE = ['{"s":"\\ud800 lone"}', '{"s":"\\udfff"}', '{"s":"\\u00e9\\n\\/"}', '{"n":1E5}', '{"n":-0}',
                    '{ "spaced" : [ 1 , 2 ] }']
NOT_JSON = ['{"s":NaN}', '{"n":Infinity}']  # Python's json writes them; JSON has neither


def _python_body(m: dict[str, Any]) -> str:
    """The change as Python's own ``json`` writes it, from the values the outbox row holds."""
    return json.dumps({"client_seq": m["client_seq"], "mutation_id": m["mutation_id"], "entity": m["entity"],
                       "entity_id": m["entity_id"], "op": m["op"], "hlc": m["hlc"], "schema_version": m["schema_version"],
                       "recorded_by": m["recorded_by"], "wall_time": m["wall_time"], "payload": json.loads(m["payload_json"]),
                       "base": json.loads(m["base_json"])}, separators=(",", ":"), ensure_ascii=False)


def _write_awkward_changes(station: WardStation) -> int:
    payloads: list[dict[str, Any]] = [{"notes": t} for t in TEXTS] + [{"groups.rn.actual": n} for n in NUMBERS] + [
        {"nested": {"a": [1, "x", None, {"b": []}], 'k"ey\n': {}}, "empty": [], "o": {}},
        {CONTROL: CONTROL, "\U0001f600": "key"},
        {t: n for t, n in zip(TEXTS, NUMBERS, strict=False)},
    ]
    for i, payload in enumerate(payloads):
        actor = Actor(station.staff["sister"].id, TEXTS[i % len(TEXTS)])
        with station.store.write(actor) as tx:
            entity_id = TEXTS[(i + 3) % len(TEXTS)] if i % 4 == 0 else str(uuid.uuid4())  # a record id is only text here
            meta = {"notes": {"tok": str(uuid.uuid4()), "hlc": "x"}} if i % 3 == 0 else {}  # a base token for some
            tx.emit_raw("shift", entity_id, "patch", payload, meta, "test")
    return len(payloads)


def test_the_push_body_sqlite_writes_is_pythons_byte_for_byte(station: WardStation) -> None:
    before = {m["client_seq"] for m in sync_store.pending_wire(station.store, 10_000)}
    n = _write_awkward_changes(station)
    new = [m["client_seq"] for m in sync_store.pending_wire(station.store, 10_000) if m["client_seq"] not in before]
    con = sqlite3.connect(station.store.path)  # who and when: the station's own texts, but any text must come through
    try:
        con.executemany("UPDATE outbox SET recorded_by = ?, wall_time = ? WHERE client_seq = ?",
                        [(t, TEXTS[-1 - i], seq) for i, (t, seq) in enumerate(zip(TEXTS, new, strict=False))])
        con.commit()
    finally:
        con.close()
    rows = [m for m in sync_store.pending_wire(station.store, 10_000) if m["client_seq"] not in before]
    assert len(rows) == n
    for m in rows:
        assert m["wire"] is not None, m  # written by SQLite, not spliced
        assert m["wire"] == _python_body(m), f"SQLite {sqlite3.sqlite_version}: {m['payload_json'][:80]!r}"
        assert sync_store.wire_json(m) == sync_store.wire_json({**m, "wire": None})  # the splice writes the same bytes
        m["wire"].encode("utf-8")  # the body's text is valid UTF-8


def test_a_stored_text_python_did_not_write_reaches_the_server_with_the_same_values(station: WardStation) -> None:
    """An outbox text written otherwise (escapes, ``1E5``, spaces): SQLite keeps its spelling (minified), the
    values are Python's; a text JSON cannot hold (NaN, Infinity) is spliced as stored (the server refuses
    the batch as malformed and the station bisects the poison out, as before)."""
    _write_awkward_changes(station)
    seqs = [r[0] for r in sql(station.store.path, "SELECT client_seq FROM outbox WHERE state = 'pending' ORDER BY client_seq")]
    odd = dict(zip(seqs[-len(STORED_OTHERWISE + NOT_JSON):], STORED_OTHERWISE + NOT_JSON, strict=True))
    con = sqlite3.connect(station.store.path)
    try:
        con.executemany("UPDATE outbox SET payload = ? WHERE client_seq = ?", [(t, s) for s, t in odd.items()])
        con.commit()
    finally:
        con.close()
    rows = {m["client_seq"]: m for m in sync_store.pending_wire(station.store, 10_000) if m["client_seq"] in odd}
    for seq, stored in odd.items():
        m = rows[seq]
        sent = sync_store.wire_json(m)
        if stored in NOT_JSON:
            assert m["wire"] is None and f'"payload":{stored},' in sent
            continue
        assert json.loads(sent) == json.loads(_python_body(m)), stored  # the same values
        assert f'"payload":{json.dumps(json.loads(stored), separators=(",", ":"))}' in sent or stored.replace(" ", "") in sent
        sent.encode("utf-8")  # a lone surrogate stays an escape: the body is still valid UTF-8
