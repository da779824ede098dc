"""SYNC.md 4.2 #8 (issue 13): a PC whose clock was reset to 2000 still saves today's shift once it has
synced: the "today" that validation measures "too far ahead" from is the server-corrected clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from support.clocks import SUITE_MS, SUITE_TODAY
from sync_support import Clock, Server, Station, new_ward_code

from hardtruths_desktop.domain.clock import today
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import ShiftChange, save_shift

DAY = SUITE_TODAY - timedelta(days=1)


def _save(st: Station, rn: int) -> None:
    change = ShiftChange()
    change.groups["rn"] = {"actual": rn}
    with st.store.write(Actor.command_line()) as tx:
        save_shift(tx, st.ward().id, DAY, "early", change, today(st.clock))  # the PC's own idea of today


def test_clock_reset_to_2000_saves_once_the_server_time_is_known(server: Server, make_station: Callable[..., Station]) -> None:
    now_ms = SUITE_MS  # where the stations' clocks and the server's stand
    y2k_ms = int(datetime(2000, 1, 1, 12, tzinfo=UTC).timestamp() * 1000)
    st = make_station("y2k", clock=Clock(offset_ms=y2k_ms - now_ms))  # RTC battery died: 2000-01-01
    assert today(st.clock).year == 2000
    ward = new_ward_code()
    st.set_up_ward(ward)
    with pytest.raises(ValidationError, match=r"too far ahead|has not started"):  # never synced: only its own clock
        _save(st, 3)
    server.create_ward(ward)
    st.enrol(server, ward)
    assert st.sync().ok  # learns the server's time
    _save(st, 4)  # accepted: today is the server-corrected date
    result = st.sync()
    assert result.ok and result.rejected == 0, result
    rec = server.record("shift", st.shift_id(DAY))
    assert rec is not None and rec["data"]["groups.rn.actual"] == 4
