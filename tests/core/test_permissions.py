"""Ward setup is the ward sister's: the repositories refuse it to other staff, whatever screen or
script calls them; IT at the command line may; everyone may set their own PIN."""

from __future__ import annotations

import pytest
from core_support import WardStation, table_counts

from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.store import auth, board, reference
from hardtruths_desktop.store.session import Actor


def _as(station: WardStation, key: str) -> Actor:
    person = station.staff[key]
    return Actor(person.id, person.name)


@pytest.mark.parametrize("write", [
    lambda tx, st: reference.add_staff(tx, st.ward, "New Person", "care"),
    lambda tx, st: reference.update_staff(tx, st.staff["care"].id, title="Senior HCA"),
    lambda tx, st: board.set_ward_board(tx, st.ward, "Someone", "Someone else"),
    lambda tx, st: auth.issue_onetime_code(tx, st.staff["care"].id),
    lambda tx, st: auth.set_pin(tx, st.staff["care"].id, "4827"),
])
def test_a_staff_nurse_cannot_change_the_ward_setup(station: WardStation, write: object) -> None:
    before = table_counts(station.path)
    with pytest.raises(ValidationError, match="ward sister or ward manager"), station.store.write(_as(station, "rn")) as tx:
        write(tx, station)  # type: ignore[operator]
    assert table_counts(station.path) == before


def test_the_ward_sister_and_the_command_line_can(station: WardStation) -> None:
    with station.store.write(_as(station, "sister")) as tx:
        reference.add_staff(tx, station.ward, "New Person", "care")
    with station.store.write(Actor.command_line()) as tx:
        reference.add_staff(tx, station.ward, "Another Person", "care")


def test_anyone_may_set_their_own_pin(station: WardStation) -> None:
    with station.store.write(_as(station, "rn")) as tx:
        auth.set_pin(tx, station.staff["rn"].id, "4827")
