"""Once the team on duty is ticked for a shift, the nurse in charge must be one of them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from core_support import WardStation
from support.clocks import SUITE_TODAY

from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.store import board
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import ShiftChange, save_shift

TODAY = SUITE_TODAY  # the day the station fixtures were made (tests/support/clocks.py)
DAY = TODAY - timedelta(days=1)


def test_the_nurse_in_charge_must_be_ticked_on_duty(station: WardStation) -> None:
    rn, rn2 = station.staff["rn"], station.staff["rn2"]
    with station.store.write(Actor.command_line()) as tx:
        save_shift(tx, station.ward, DAY, "early", ShiftChange(groups={"rn": {"actual": 2}}), TODAY)
        board.set_on_duty(tx, station.ward, DAY, "early", [rn.id], TODAY)
    with pytest.raises(ValidationError, match="not ticked as on duty"), station.store.write(Actor.command_line()) as tx:
        save_shift(tx, station.ward, DAY, "early", ShiftChange(nurse_in_charge_id=rn2.id), TODAY)
    with station.store.write(Actor.command_line()) as tx:
        save_shift(tx, station.ward, DAY, "early", ShiftChange(nurse_in_charge_id=rn.id), TODAY)


def test_without_a_ticked_team_any_registered_nurse_on_the_shift_may_be_in_charge(station: WardStation) -> None:
    with station.store.write(Actor.command_line()) as tx:
        save_shift(tx, station.ward, DAY, "late", ShiftChange(groups={"rn": {"actual": 2}},
                                                              nurse_in_charge_id=station.staff["rn2"].id), TODAY)
