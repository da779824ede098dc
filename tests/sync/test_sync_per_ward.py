"""Enrolment is per ward (issue 8, SYNC.md decision 7): the code names its ward, a station sends only
the records of the ward it is enrolled for, and the other wards' changes wait on the PC, explained,
never counted as refusals; enrolling the PC for that ward later sends them, once each."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from support.clocks import SUITE_TODAY
from sync_support import Server, Station, new_ward_code

from hardtruths_desktop.domain import ids

DAY = SUITE_TODAY - timedelta(days=2)


def _entity_ids_on_server(server: Server, ward: str) -> set[str]:
    rows = server.sql("SELECT id::text FROM entity_record WHERE ward_id::text = %s AND entity <> 'ward'", (ids.ward_id(ward),))
    return {r[0] for r in rows}  # the ward itself is made by trust IT (create-ward)


def test_other_wards_wait_unrefused_and_arrive_once_when_enrolled(server: Server, make_station: Callable[..., Station]) -> None:
    a, b = new_ward_code(), new_ward_code()
    st = make_station("two-wards").set_up_ward(a)
    st.record(DAY, "early", rn=3, care=2)
    st.set_up_ward(b)
    b_ids = st.record(DAY, "late", rn=4, care=1)
    st.ward_code = a
    server.create_ward(a)
    server.create_ward(b)

    # the code names the ward: no --ward needed
    res = st.engine.enrol(server.url, server.code(a))
    assert res.ward_code == a
    result = st.sync_until_quiet()
    assert result.ok, result
    assert result.rejected == 0 and result.rejected_total == 0  # not refusals
    assert result.held > 0 and result.held_wards == [b]
    assert _entity_ids_on_server(server, b) == set()  # ward B's data never left the PC
    assert _entity_ids_on_server(server, a)  # ward A's arrived
    held_rows = [r for r in st.outbox() if r["result"] and r["result"].get("status") == "held"]
    assert held_rows and all(r["result"]["ward"] == b for r in held_rows)

    # a second sync sends nothing more for B and still refuses nothing
    again = st.sync()
    assert again.ok and again.rejected == 0 and again.held == 0 and again.held_wards == [b]

    # now the PC is enrolled for ward B: its kept changes are sent, each exactly once
    st.engine.enrol(server.url, server.code(b))
    st.ward_code = b
    result = st.sync_until_quiet()
    assert result.ok, result
    assert result.rejected == 0 and result.held_total == 0
    assert server.applied(b_ids) == dict.fromkeys(b_ids, 1)
    assert ids.shift_id(ids.ward_id(b), DAY, "late") in _entity_ids_on_server(server, b)


def test_enrol_with_a_wrong_ward_cross_check_is_refused(server: Server, make_station: Callable[..., Station]) -> None:
    a, other = new_ward_code(), new_ward_code()
    st = make_station("x").set_up_ward(a)
    server.create_ward(a)
    import pytest

    from hardtruths_desktop.sync.engine import SyncError

    with pytest.raises(SyncError) as e:
        st.engine.enrol(server.url, server.code(a), other)
    assert e.value.code == "ward_mismatch"
