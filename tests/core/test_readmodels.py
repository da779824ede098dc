"""Read-models: what Today and Record staffing show, read the same way by the GUI, the CLI and here.

Every test pins the ward's clock on the awkward days (tests/support/awkward_days.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from core_support import build_ward

from hardtruths_desktop.domain.clock import FixedClock, local_now
from hardtruths_desktop.domain.staffing import current_shift
from hardtruths_desktop.readmodels.common import ward_time
from hardtruths_desktop.readmodels.staffing import load_shift_form, load_shifts
from hardtruths_desktop.readmodels.today import load_today
from hardtruths_desktop.store import queries
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import ShiftChange, save_shift
from tests.support.awkward_days import AWKWARD_IDS, awkward_clocks


@pytest.mark.parametrize("clock", awkward_clocks(), ids=AWKWARD_IDS)
def test_today_is_the_shift_in_progress_on_the_ward_clock(tmp_path: Path, clock: FixedClock) -> None:
    st = build_ward(tmp_path, clock, plan_from=date(2020, 1, 1))  # the store runs on the same clock
    now = local_now(clock)
    with st.store.read() as s:
        patterns = queries.ward_info(s, st.ward).patterns
    cur = current_shift(patterns, ward_time(now))
    assert cur is not None
    day, pattern = cur
    empty = load_today(st.store, st.ward.id, now=now)
    assert empty is not None and not empty.view.recorded and empty.census is None
    assert (empty.view.date, empty.view.shift_code, empty.today, empty.beds) == (day, pattern.code, now.date(), 30)

    with st.store.write(Actor.command_line()) as tx:
        save_shift(tx, st.ward, day, pattern.code,
                   ShiftChange(groups={"rn": {"actual": 3}, "care": {"actual": 2}}, patients_at_midnight=21), now.date())
    today = load_today(st.store, st.ward.id, now=now)
    assert today is not None and today.view.recorded and today.view.groups["rn"].actual == 3
    assert today.census is not None and (today.census.day, today.census.patients) == (day, 21)
    # an aware instant and the same wall-clock time given naive agree
    assert load_today(st.store, st.ward.id, now=ward_time(now)) == today
    st.store.close()


def test_today_is_none_for_a_ward_that_is_gone(tmp_path: Path) -> None:
    st = build_ward(tmp_path, plan_from=date(2020, 1, 1))
    assert load_today(st.store, "no-such-ward", now=datetime(2026, 11, 24, 14, 0)) is None
    st.store.close()


@pytest.mark.parametrize("clock", awkward_clocks(), ids=AWKWARD_IDS)
def test_the_shift_form_and_staffing_show_read_the_same_shift(tmp_path: Path, clock: FixedClock) -> None:
    st = build_ward(tmp_path, clock, plan_from=date(2020, 1, 1))  # the store runs on the same clock
    now = local_now(clock)
    day = now.date() - timedelta(days=1)
    with st.store.write(Actor.command_line()) as tx:
        save_shift(tx, st.ward, day, "night", ShiftChange(groups={"rn": {"actual": 3, "actual_hours": 30}},
                                                          nurse_in_charge_id=st.staff["rn"].id), now.date())
    form = load_shift_form(st.store, st.ward.id, day, "night", now=now)
    shown = {v.shift_code: v for v in load_shifts(st.store, "T1", day, day)}
    assert form.view == shown["night"] and form.today == now.date()
    assert form.view.nurse_in_charge == "Aisha Rahman"
    # who may be named nurse in charge: registered nurses still on the ward
    names = {n.name for n in form.nurses}
    assert {"Aisha Rahman", "Mary O'Neill"} <= names and "Dylan Evans" not in names and "Old Timer" not in names
    st.store.close()
