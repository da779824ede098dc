"""A new station pulled from the records themselves (issue 13: the server reads a pull that skips none
of the station's own changes from ``entity_record`` in ``last_seq`` order, not the change log) ends
with the same store, table for table and column for column, and at the same cursor, as one pulled
by the change-log walk: whole and in pages of 2 (a red flag raised before its shift's last edit, the
ward sister renamed after she was named nurse in charge, feedback with a redaction)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sync_support import Server, Station
from test_pull_new_station import busy_ward, dump

from hardtruths_desktop.sync import engine as engine_module
from trust_server import sync as srv_sync


def test_the_walk_of_the_records_and_of_the_change_log_give_the_same_station(
        server: Server, make_station: Callable[..., Station], monkeypatch: pytest.MonkeyPatch) -> None:
    ward, _a = busy_ward(server, make_station)
    ends = {}
    for page in (engine_module.PULL_PAGE, 2):
        monkeypatch.setattr(engine_module, "PULL_PAGE", page)
        for walk in (True, False):
            monkeypatch.setattr(srv_sync, "WALK_RECORDS", walk)
            st = make_station(f"new-{page}-{walk}")
            st.enrol(server, ward)
            result = st.sync()
            assert result.ok and result.set_aside == 0, result
            ends[(page, walk)] = (dump(st), st.info().pull_cursor)
    want = ends[(engine_module.PULL_PAGE, False)]
    assert want[0]["shift"] and want[0]["red_flag"] and want[0]["feedback_head"]
    for key, got in ends.items():
        assert got == want, key
