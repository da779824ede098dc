"""A shift row that exists only because a red flag or a note was attached to it is not a shift
where nobody came: no computed red flags, not in the fill rates, and the printed board shows a
dash with "not recorded yet" rather than 0 on duty."""

from __future__ import annotations

import io
from datetime import timedelta

from core_support import WardStation
from pypdf import PdfReader
from support.clocks import SUITE_TODAY

from hardtruths_desktop.store import queries
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import ShiftChange, raise_red_flag, save_shift

TODAY = SUITE_TODAY  # the day the station fixtures were made (tests/support/clocks.py)
DAY = TODAY - timedelta(days=1)


def test_a_red_flag_on_an_unrecorded_shift_invents_no_staffing(station: WardStation) -> None:
    with station.store.write(Actor.command_line()) as tx:
        raise_red_flag(tx, station.ward, DAY, "early", "pain_relief_delay", "Bay 2", TODAY)
    with station.store.read() as s:
        view = queries.shift_view(s, station.ward, DAY, "early")
    assert not view.recorded
    assert [f.flag_type for f in view.red_flags] == ["pain_relief_delay"]  # no computed shortfall flags
    assert view.computed_flags == []
    with station.store.read() as s:
        before = queries.month_return(s, station.ward, DAY.year, DAY.month).day_rn.planned_hours
    with station.store.write(Actor.command_line()) as tx:
        save_shift(tx, station.ward, DAY, "early", ShiftChange(groups={"rn": {"actual": 4, "actual_hours": 30}}), TODAY)
    with station.store.read() as s:
        after = queries.month_return(s, station.ward, DAY.year, DAY.month).day_rn.planned_hours
        assert queries.shift_view(s, station.ward, DAY, "early").recorded
    assert after > before  # only now does the shift count towards the month's plan


def test_the_board_prints_a_dash_not_zero_before_anyone_records_the_shift(station: WardStation) -> None:
    from hardtruths_desktop.printouts import PrintRequest, render

    with station.store.read() as s:
        pdf = render(s, PrintRequest("board", station.ward.code, TODAY + timedelta(days=1), "early"), station.store.clock)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "not recorded yet" in text
