"""The shift is one form: naming the nurse in charge ticks her on duty, in the same save as the
figures and the ticked team (``domain.shift_entry.team_on_duty`` applied by ``store.shifts.save_shift``)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from core_support import WardStation
from sqlmodel import select
from support.clocks import SUITE_TODAY

from hardtruths_desktop.domain import ids
from hardtruths_desktop.domain.shift_entry import team_on_duty
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.store import board
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import ShiftChange, save_shift
from hardtruths_desktop.store.tables import Outbox, Shift

TODAY = SUITE_TODAY  # the day the station fixtures were made (tests/support/clocks.py)
DAY = TODAY - timedelta(days=1)


def _team(station: WardStation, code: str = "early") -> list[str]:
    with station.store.read() as s:
        row = s.get(Shift, ids.shift_id(station.ward.id, DAY, code))
        assert row is not None
        return list(json.loads(row.on_duty))


def test_the_rule_adds_the_nurse_in_charge_to_the_ticked_team() -> None:
    assert team_on_duty(["b", "a"], "c") == ["a", "b", "c"]
    assert team_on_duty(["b", "a", "b"], "a") == ["a", "b"]
    assert team_on_duty([], None) == []


def test_naming_a_nurse_in_charge_who_is_not_ticked_ticks_her(station: WardStation) -> None:
    rn, rn2 = station.staff["rn"], station.staff["rn2"]
    with station.store.write(Actor.command_line()) as tx:
        save_shift(tx, station.ward, DAY, "early", ShiftChange(groups={"rn": {"actual": 2}}), TODAY)
        board.set_on_duty(tx, station.ward, DAY, "early", [rn.id], TODAY)
    with station.store.write(Actor.command_line()) as tx:  # the CLI's path: no ticks given
        save_shift(tx, station.ward, DAY, "early", ShiftChange(nurse_in_charge_id=rn2.id), TODAY)
    assert _team(station) == sorted([rn.id, rn2.id])


def test_figures_nurse_in_charge_and_ticks_in_one_save_one_outbox_row(station: WardStation) -> None:
    rn, rn2, hca = station.staff["rn"], station.staff["rn2"], station.staff["care"]
    with station.store.read() as s:
        before = len(s.exec(select(Outbox)).all())
    with station.store.write(Actor.command_line()) as tx:
        save_shift(tx, station.ward, DAY, "late", ShiftChange(groups={"rn": {"actual": 2}}, nurse_in_charge_id=rn2.id,
                                                              on_duty=[rn.id, hca.id], hours_pro_rata=True), TODAY)
    assert _team(station, "late") == sorted([rn.id, rn2.id, hca.id])
    with station.store.read() as s:
        rows = s.exec(select(Outbox)).all()[before:]
    assert len(rows) == 1
    payload = json.loads(rows[0].payload)
    assert payload["on_duty"] == sorted([rn.id, rn2.id, hca.id]) and payload["nurse_in_charge_id"] == rn2.id


def test_a_stranger_in_the_ticks_is_refused_and_nothing_is_written(station: WardStation) -> None:
    with pytest.raises(ValidationError, match="staff list"), station.store.write(Actor.command_line()) as tx:
        save_shift(tx, station.ward, DAY, "early", ShiftChange(groups={"rn": {"actual": 2}}, on_duty=["nobody"]), TODAY)
    with station.store.read() as s:
        assert s.get(Shift, ids.shift_id(station.ward.id, DAY, "early")) is None


def test_without_a_ticked_team_any_registered_nurse_on_the_shift_may_be_in_charge(station: WardStation) -> None:
    with station.store.write(Actor.command_line()) as tx:
        save_shift(tx, station.ward, DAY, "late", ShiftChange(groups={"rn": {"actual": 2}},
                                                              nurse_in_charge_id=station.staff["rn2"].id), TODAY)
    assert _team(station, "late") == [station.staff["rn2"].id]
