"""A poll at the head (every station's cycle ends with one, every few seconds) writes nothing when it
moves no cursor: the device row's "last sync" is written at most once a minute then (issue 13: a
write and a durable commit per station per poll). A pull from a further cursor always writes it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import orjson
import pytest
from server_support import Admin
from sqlalchemy import text

from hardtruths_desktop.domain.clock import FixedClock
from trust_server import sync as srv_sync
from trust_server.db import make_engine


def test_a_poll_that_moves_no_cursor_writes_the_device_row_at_most_once_a_minute(
        admin: Admin, ward: str, monkeypatch: pytest.MonkeyPatch) -> None:
    st = admin.station(ward)
    other = admin.station(ward, "second station")
    clock = FixedClock.london(2026, 12, 1, 10, 0)
    engine = make_engine(admin.server.database_url)
    headers = srv_sync.ClientHeaders(schema=4, protocol=2)

    def device() -> Any:
        """The row as stored, and its row version (``xmin`` changes with every write)."""
        with engine.connect() as c:
            return c.execute(text("SELECT last_pull_seq, last_seen_at, xmin::text FROM device WHERE device_id = :d"),
                             {"d": st.device_id}).one()

    def poll(since: int) -> int:
        page = srv_sync.pull(engine, st.device_id, since, 1000, None, headers, clock=clock)
        assert isinstance(page, srv_sync.EncodedPage)
        return int(orjson.loads(page.body)["next_since"])

    try:
        cursor = poll(0)
        assert poll(cursor) == cursor  # at the head: the station has applied everything before ``cursor``
        first = device()
        assert first.last_pull_seq == cursor > 0 and first.last_seen_at == clock.at
        clock.advance(timedelta(seconds=30))
        assert poll(cursor) == cursor
        assert device() == first  # not written
        clock.advance(timedelta(seconds=30))  # a minute since it was written
        assert poll(cursor) == cursor
        later = device()
        assert later.last_seen_at == clock.at and later.xmin != first.xmin and later.last_pull_seq == cursor
        clock.advance(timedelta(minutes=-10))  # the server's clock set back: written again, not stuck in the future
        assert poll(cursor) == cursor
        assert device().last_seen_at == clock.at
        clock.advance(timedelta(seconds=5))
        other.push([other.create_shift(date(2026, 11, 2))])  # the ward moves on
        moved = poll(cursor)
        assert moved > cursor
        poll(moved)  # asked from a further cursor: written within the minute
        row = device()
        assert row.last_pull_seq == moved and row.last_seen_at == clock.at
    finally:
        engine.dispose()
