"""A push answer read quickly (orjson, the types checked by hand: ``engine.read_push_answer``) gives the
station exactly what pydantic's reading gives (``engine.push_answer_of``: the server time and each verdict
as ``model_dump`` writes it, keys in its order), for every way a server writes an answer; an answer with
anything unusual is left to pydantic, which takes it or refuses it as it always has (issue 13, i13-station7)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import orjson
import pydantic
import pytest

from hardtruths_desktop.sync import protocol
from hardtruths_desktop.sync.engine import push_answer_of, read_push_answer


def an_answer() -> dict[str, Any]:
    return {
        "server_epoch": "db96ec1f-0068-4ced-9001-99acb6c3491d", "server_time": "2026-12-01T21:52:18.757Z",
        "device_last_client_seq": 41, "server_seq_high": 977,
        "results": [
            {"client_seq": 38, "mutation_id": "0b9e1c36-7c1e-5d6a-9a37-2f1b8f6f0a11", "status": "applied", "server_seq": 970},
            {"client_seq": 39, "mutation_id": "5f0e7a9c-3c55-4b0a-9a43-3f1f3d4e9b21", "status": "duplicate", "server_seq": 12,
             "flags": ["clock_ahead"]},
            {"client_seq": 40, "mutation_id": "6cebfc61-c293-5910-9394-c962e91624b5", "status": "rejected",
             "error": "Ward — Ünïcode: shift date is in the future"},
            {"client_seq": 41, "mutation_id": "47519682-cb25-53e4-b569-286fa411ea39", "status": "applied", "server_seq": 977,
             "effective": {"groups.rn.actual": 4, "notes": None, "on_duty": ["a"]}, "flags": ["concurrent_won", "x"],
             "error": None},
        ],
    }


def _pydantic(body: bytes) -> tuple[str, list[dict[str, Any]]]:
    return push_answer_of(httpx.Response(200, content=body, headers={"content-type": "application/json"}))


@pytest.mark.parametrize("shape", ["as the server writes it (orjson)", "ASCII JSON", "every key written"])
def test_the_quick_reading_gives_what_pydantic_gives(shape: str) -> None:
    answer = an_answer()
    if shape == "every key written":
        answer["results"] = [protocol.ItemResult.model_validate(x).model_dump() for x in answer["results"]]
    body = json.dumps(answer, ensure_ascii=True).encode() if "ASCII" in shape else orjson.dumps(answer)
    quick = read_push_answer(body)
    assert quick is not None
    assert quick == _pydantic(body)
    assert [list(x) for x in quick[1]] == [list(x) for x in _pydantic(body)[1]]  # the same keys in the same order
    assert quick[1][1]["flags"] == ["clock_ahead"] and quick[1][2]["server_seq"] is None


def _odd(item: dict[str, Any]) -> bytes:
    answer = an_answer()
    answer["results"][1] = item
    return orjson.dumps(answer)


ITEM = an_answer()["results"][1]


@pytest.mark.parametrize("body", [
    _odd({**ITEM, "client_seq": "39"}),  # a number as text (pydantic's lax reading takes it)
    _odd({**ITEM, "client_seq": True}),
    _odd({**ITEM, "server_seq": 12.0}),
    _odd({**ITEM, "extra": 1}),  # a key this version does not know (pydantic refuses the answer)
    _odd({**ITEM, "status": "maybe"}),
    _odd({**ITEM, "flags": ["a", 1]}),
    _odd({**ITEM, "flags": "clock_ahead"}),
    _odd({**ITEM, "effective": []}),
    _odd({**ITEM, "error": 5}),
    _odd({k: v for k, v in ITEM.items() if k != "mutation_id"}),  # required
    orjson.dumps({**an_answer(), "min_retained_seq": 1}),
    orjson.dumps({k: v for k, v in an_answer().items() if k != "server_seq_high"}),
    orjson.dumps({**an_answer(), "server_time": 5}),
    b'{"server_epoch": "e", "results": [], "x": "\\ud800"}',  # an escaped lone surrogate
    b'[1, 2]',
    b'not json',
    orjson.dumps(an_answer()).replace(b'"server_seq":12', b'"server_seq":99999999999999999999999'),  # beyond 64 bits
])
def test_an_unusual_answer_is_left_to_pydantic(body: bytes) -> None:
    assert read_push_answer(body) is None
    try:
        _pydantic(body)
    except (pydantic.ValidationError, ValueError):
        return  # refused, as before


def test_an_empty_answer_is_read_as_pydantic_reads_it() -> None:
    body = orjson.dumps({**an_answer(), "results": []})
    assert read_push_answer(body) == _pydantic(body) == ("2026-12-01T21:52:18.757Z", [])
