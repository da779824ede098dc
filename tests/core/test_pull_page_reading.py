"""A pull page read quickly (orjson, the types checked by hand: ``engine.read_page``) gives the station
exactly what pydantic's reading gives (``engine.page_of``), for every way a server writes a page; a
page with anything unusual is left to pydantic, which takes it or refuses it as it always has."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pydantic
import pytest

from hardtruths_desktop.sync import protocol
from hardtruths_desktop.sync.engine import page_of, read_page

SHIFT = "0b9e1c36-7c1e-5d6a-9a37-2f1b8f6f0a11"
WARD = "47519682-cb25-53e4-b569-286fa411ea39"


def a_page() -> dict[str, Any]:
    return {
        "server_epoch": "db96ec1f-0068-4ced-9001-99acb6c3491d", "min_retained_seq": 0, "server_time": "2026-12-01T21:52:18.757Z",
        "next_since": 14, "has_more": True,
        "changes": [
            {"seq": 3, "entity": "trust", "id": "6cebfc61-c293-5910-9394-c962e91624b5", "ward_id": None,
             "row": {"code": "TRUST", "name": "NHS Trust — Ünïcode"}, "versions": [["t1", "1796161920859-00000-00000000", ["code", "name"]]]},
            {"seq": 9, "entity": "shift", "id": SHIFT, "ward_id": WARD, "needs_review": True,
             "row": {"shift_date": "2026-11-30", "groups.rn.actual": 4, "groups.rn.planned_hours": 32.5, "notes": None,
                     "on_duty": ["a", "b"]},
             "versions": [["t2", "1796161920859-00001-0000abcd", ["shift_date", "groups.rn.planned_hours"]],
                          ["t3", "", ["groups.rn.actual", "notes", "on_duty"]]]},
            {"seq": 14, "entity": "red_flag", "id": "5f0e7a9c-3c55-4b0a-9a43-3f1f3d4e9b21", "ward_id": WARD, "deleted": True,
             "row": {}, "versions": []},
        ],
    }


def protocol_1(page: dict[str, Any]) -> dict[str, Any]:
    """The same page as a protocol 1 server writes it: every key, the versions field by field."""
    out = dict(page)
    out["changes"] = []
    for c in page["changes"]:
        meta = {f: {"tok": tok, "hlc": hlc, "device_id": "d1", "seq": 7} for tok, hlc, fields in c["versions"] for f in fields}
        out["changes"].append({"seq": c["seq"], "entity": c["entity"], "id": c["id"], "ward_id": c["ward_id"],
                               "deleted": c.get("deleted", False), "row": c["row"], "field_meta": meta,
                               "needs_review": c.get("needs_review", False), "versions": None})
    return out


@pytest.mark.parametrize("shape", ["protocol 2 (PostgreSQL-encoded)", "protocol 2 (ASCII JSON)", "protocol 1"])
def test_the_quick_reading_gives_what_pydantic_gives(shape: str) -> None:
    page = protocol_1(a_page()) if shape == "protocol 1" else a_page()
    body = json.dumps(page, ensure_ascii=True).encode() if "ASCII" in shape else orjson.dumps(page)
    quick = read_page(body)
    assert quick is not None
    assert quick == page_of(protocol.PullResponse.model_validate_json(body))
    assert {k: quick.changes[1]["field_meta"]["notes"][k] for k in ("tok", "hlc")} == {"tok": "t3", "hlc": ""}
    assert quick.changes[2]["deleted"] is True and quick.changes[1]["needs_review"] is True


def _odd(change: dict[str, Any]) -> bytes:
    page = a_page()
    page["changes"][1] = change
    return orjson.dumps(page)


def _big_in_row(n: int) -> bytes:
    page = a_page()
    page["changes"][1]["row"]["n"] = n
    return json.dumps(page).encode()  # orjson cannot write it


@pytest.mark.parametrize("body", [
    _odd({**a_page()["changes"][1], "seq": "9"}),  # a number as text (pydantic's lax reading takes it)
    _odd({**a_page()["changes"][1], "extra": 1}),  # a key this version does not know (pydantic refuses the page)
    _odd({**a_page()["changes"][1], "versions": [["t2", 5, ["notes"]]]}),
    _odd({**a_page()["changes"][1], "ward_id": 5}),
    _odd({k: v for k, v in a_page()["changes"][1].items() if k != "ward_id"}),  # ward_id is required
    _odd({**a_page()["changes"][1], "field_meta": {"notes": "x"}}),
    orjson.dumps({**a_page(), "seq": 1}),
    orjson.dumps({k: v for k, v in a_page().items() if k != "min_retained_seq"}),
    b'{"server_epoch": "e", "changes": [], "x": "\\ud800"}',  # an escaped lone surrogate
    b'[1, 2]',
    orjson.dumps(a_page()).replace(b'"seq":9', b'"seq":99999999999999999999999'),  # beyond 64 bits
    # in a record: orjson would read these as floats without a word
    _big_in_row(18446744073709551616),
    _big_in_row(-9223372036854775809),
])
def test_an_unusual_page_is_left_to_pydantic(body: bytes) -> None:
    assert read_page(body) is None
    try:
        model = protocol.PullResponse.model_validate_json(body)
    except pydantic.ValidationError:
        return  # refused, as before
    assert page_of(model).changes  # taken by pydantic, as before


def test_nineteen_digits_in_a_row_are_found_as_the_regular_expression_finds_them() -> None:
    """``has_long_digits`` (a byte map and a substring search) answers as ``[0-9]{19}`` does."""
    import random
    import re

    from hardtruths_desktop.sync.engine import has_long_digits

    pattern = re.compile(rb"[0-9]{19}")
    cases = [b"", b"1" * 18, b"1" * 19, b"x" + b"9" * 19, b"0" * 18 + b"-" + b"0" * 18, b"\xff\x00" + b"5" * 20,
             b'{"seq": 9223372036854775807}', b'{"seq": 922337203685477580}', b"1741600000123-00007-3f6c9a3e"]
    rng = random.Random(13)
    cases += [bytes(rng.choice(b'0123456789a-"\xff') for _ in range(rng.randint(0, 80))) for _ in range(3000)]
    for body in cases:
        assert has_long_digits(body) == (pattern.search(body) is not None), body
