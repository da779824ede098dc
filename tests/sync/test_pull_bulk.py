"""A new station's first pull, the fast ways (issue 13): records it does not hold yet are inserted
without the per-field merge, and the next page is asked for while one is applied. Neither may change
what a station ends with: the store is the same, table for table and column for column, as the merge
writes it, and a pull cut off with a page fetched ahead but not applied resumes without loss or
duplication."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from sync_support import FaultTransport, Server, Station
from test_pull_new_station import busy_ward, dump

from hardtruths_desktop.store import sync_store
from hardtruths_desktop.sync import engine as engine_module


def test_inserting_new_records_writes_what_the_merge_writes(server: Server, make_station: Callable[..., Station],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    ward, _a = busy_ward(server, make_station)
    fast = make_station("fast")
    fast.enrol(server, ward)
    assert fast.sync().ok
    merged = make_station("merged")
    merged.enrol(server, ward)
    with monkeypatch.context() as m:
        m.setattr(sync_store, "_insert_shape", lambda entity, names: None)  # every record through the merge
        result = merged.sync()
    assert result.ok and result.set_aside == 0, result
    got, want = dump(fast), dump(merged)
    assert got == want
    assert got["shift"] and got["shift_staffing"] and got["feedback_head"]
    with fast.store.engine.connect() as conn:  # the versions stored packed, as the merge packs them
        metas = [r[0] for r in conn.exec_driver_sql("SELECT field_meta FROM shift").all()]
    assert all(m.startswith("[[{") for m in metas), metas[:2]


class _CutAfter(httpx.BaseTransport):
    """The station's network, gone after ``pages`` pull pages were answered (the next page's request,
    asked for ahead while the last one is applied, never comes back)."""

    def __init__(self, st: Station, pages: int) -> None:
        self.inner = FaultTransport(st.net)
        self.pages = pages

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/sync/pull":
            if self.pages <= 0:
                raise httpx.ConnectError("network gone (test)", request=request)
            self.pages -= 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def _whole_copy_then_small_pages(server: Server, make_station: Callable[..., Station],
                                 monkeypatch: pytest.MonkeyPatch) -> tuple[str, Station]:
    """A busy ward and a station that pulled it whole (the store to compare with); pulls from here
    on come in pages of 3."""
    ward, _a = busy_ward(server, make_station)
    whole = make_station("whole")
    whole.enrol(server, ward)
    assert whole.sync().ok
    monkeypatch.setattr(engine_module, "PULL_PAGE", 3)
    return ward, whole


def test_a_pull_cut_off_with_a_page_fetched_ahead_resumes_without_loss(server: Server, make_station: Callable[..., Station],
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    ward, whole = _whole_copy_then_small_pages(server, make_station, monkeypatch)
    cut = make_station("cut")
    cut.enrol(server, ward)
    cut.engine.client_factory = lambda url, ca: httpx.Client(base_url=url, transport=_CutAfter(cut, 2), timeout=30)
    first = cut.sync()
    assert not first.ok and first.error == "offline", first
    assert first.pulled > 0  # the two pages answered are applied; the third, asked for ahead, was lost
    cursor = cut.info().pull_cursor
    assert cursor > 0
    cut.engine.client_factory = cut.client
    again = cut.sync()
    assert again.ok and again.set_aside == 0, again
    assert dump(cut) == dump(whole)


def test_the_server_counts_as_pulled_only_what_the_station_applied(server: Server, make_station: Callable[..., Station],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """The station stops while applying a page whose next page it has already asked for: the server
    (whose purge keeps what a station has not pulled) must not count that page as pulled."""
    ward, whole = _whole_copy_then_small_pages(server, make_station, monkeypatch)
    st = make_station("stops")
    st.enrol(server, ward)
    real = sync_store.apply_changes
    calls = 0

    def stops_on_the_second_page(*args: object, **kw: object) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:  # page 3 was asked for before page 2 is applied
            raise OSError("the PC switched off while applying (test)")
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(sync_store, "apply_changes", stops_on_the_second_page)
    first = st.sync()
    assert not first.ok and calls == 2, first
    applied = st.info().pull_cursor
    assert applied > 0
    device_id = st.info().device_id
    counted = server.sql("SELECT last_pull_seq FROM device WHERE device_id = %s", (device_id,))[0][0]
    assert counted <= applied  # not the end of page 2, which page 3's request started from
    monkeypatch.setattr(sync_store, "apply_changes", real)
    again = st.sync()
    assert again.ok and again.set_aside == 0, again
    assert dump(st) == dump(whole)
