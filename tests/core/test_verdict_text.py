"""The text an outbox row keeps of the server's verdict (``outbox.result``): written directly for the usual
verdict (issue 13, i13-station7), by ``json.dumps`` otherwise; the same text either way."""

from __future__ import annotations

import json
from typing import Any

from hardtruths_desktop.store.sync_store import _verdict, _verdict_text
from hardtruths_desktop.sync import protocol


def _as_before(r: dict[str, Any]) -> str:
    return json.dumps(_verdict(r), ensure_ascii=False, separators=(",", ":"))


def test_every_verdict_is_written_as_json_dumps_writes_it() -> None:
    base = {"client_seq": 7, "mutation_id": "0b9e1c36-7c1e-5d6a-9a37-2f1b8f6f0a11"}
    cases: list[dict[str, Any]] = []
    for status in ("applied", "duplicate", "rejected"):
        for seq in (None, 0, 1, 977, 2**62):
            for extra in ({}, {"flags": ["clock_ahead"]}, {"effective": {"notes": "é"}}, {"error": "Ünïcode — refused"},
                          {"error": ""}, {"effective": {}}):
                item = protocol.ItemResult.model_validate({**base, "status": status, "server_seq": seq, **extra}).model_dump()
                cases.append(item)
    cases += [
        {**base, "status": "applied", "server_seq": 5},  # not every key (a hand-made verdict)
        {"status": "applied", "server_seq": 5, "flags": [], "client_seq": 7, "mutation_id": "m"},  # another order
        {**base, "status": "applied", "server_seq": True, "effective": {}, "flags": [], "error": None},
        {**base, "status": "odd\"status", "server_seq": 5, "effective": {}, "flags": [], "error": None},
        {**base, "status": "applied", "server_seq": 5, "effective": {}, "flags": (), "error": None},
        {**base, "status": "applied", "server_seq": "5", "effective": {}, "flags": [], "error": None},
        {**base, "status": "rejected", "server_seq": None, "effective": None, "flags": [], "error": "x", "held": 1},
    ]
    for r in cases:
        assert _verdict_text(r) == _as_before(r), r
    usual = protocol.ItemResult.model_validate({**base, "status": "applied", "server_seq": 977}).model_dump()
    assert _verdict_text(usual) == '{"status":"applied","server_seq":977,"flags":[]}'
