"""Sign-in (issue 2): argon2 PIN, lock-out after 5 failures, one-time code for a first PIN, audited."""

from __future__ import annotations

import sqlite3

import pytest
from core_support import WardStation, db_snapshot, sql

from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.store import auth
from hardtruths_desktop.store.auth import SignInResult
from hardtruths_desktop.store.session import Actor

PIN = "2580"


def _sign_in(st: WardStation, key: str, secret: str) -> SignInResult:
    with st.store.write(Actor.command_line()) as tx:
        return auth.sign_in(tx, st.staff[key].id, secret)


def _set_pin(st: WardStation, key: str, pin: str) -> None:
    with st.store.write(Actor.command_line()) as tx:
        auth.set_pin(tx, st.staff[key].id, pin)


def _actions(st: WardStation, key: str) -> list[str]:
    return [str(r[0]) for r in sql(st.path, "SELECT action FROM audit_trail WHERE entity_id = ? ORDER BY id", (st.staff[key].id,))]


def test_right_and_wrong_pin(station: WardStation) -> None:
    _set_pin(station, "rn", PIN)
    ok = _sign_in(station, "rn", PIN)
    assert ok.ok and not ok.needs_new_pin and "Aisha Rahman" in ok.message
    bad = _sign_in(station, "rn", "2581")
    assert not bad.ok and "4 tries left" in bad.message
    assert _actions(station, "rn")[-3:] == ["pin_set", "signed_in", "sign_in_failed"]


def test_pin_is_stored_as_an_argon2_hash_only(station: WardStation) -> None:
    _set_pin(station, "rn", PIN)
    [(h,)] = sql(station.path, "SELECT pin_hash FROM staff_credential WHERE staff_id = ?", (station.staff["rn"].id,))
    assert str(h).startswith("$argon2id$")
    con = sqlite3.connect(station.path)
    dump = "\n".join(con.iterdump())
    con.close()
    assert "'2580'" not in dump
    # credentials never leave the PC: nothing about them in the outbox
    assert sql(station.path, "SELECT count(*) FROM outbox WHERE payload LIKE '%argon2%' OR entity = 'staff_credential'") == [(0,)]


def test_lock_out_after_five_failures_even_for_the_right_pin(station: WardStation) -> None:
    _set_pin(station, "rn", PIN)
    results = [_sign_in(station, "rn", "9999") for _ in range(5)]
    assert [r.ok for r in results] == [False] * 5
    assert "locked" in results[-1].message.lower()
    assert not results[3].message.lower().startswith("too many")
    refused = _sign_in(station, "rn", PIN)
    assert not refused.ok and "locked" in refused.message.lower()
    actions = _actions(station, "rn")
    assert actions.count("sign_in_failed") == 5 and actions.count("locked_out") == 1
    assert "signed_in" not in actions

    # 15 minutes later (moved by the test): the right PIN works again
    con = sqlite3.connect(station.path)
    con.execute("UPDATE staff_credential SET locked_until = '2000-01-01T00:00:00.000Z' WHERE staff_id = ?", (station.staff["rn"].id,))
    con.commit()
    con.close()
    assert _sign_in(station, "rn", PIN).ok


def test_failures_are_counted_durably_across_transactions(station: WardStation) -> None:
    _set_pin(station, "rn", PIN)
    for _ in range(3):
        _sign_in(station, "rn", "1357")
    [(n,)] = sql(station.path, "SELECT failed_attempts FROM staff_credential WHERE staff_id = ?", (station.staff["rn"].id,))
    assert n == 3
    assert _sign_in(station, "rn", PIN).ok
    [(n,)] = sql(station.path, "SELECT failed_attempts FROM staff_credential WHERE staff_id = ?", (station.staff["rn"].id,))
    assert n == 0


def test_one_time_code_flow(station: WardStation) -> None:
    no_pin = _sign_in(station, "care", "2580")
    assert not no_pin.ok and "one-time code" in no_pin.message
    sister = station.staff["sister"]
    with station.store.write(Actor(sister.id, sister.name)) as tx:
        code = auth.issue_onetime_code(tx, station.staff["care"].id)
    assert len(code) == 8 and code.isdigit()
    first = _sign_in(station, "care", code)
    assert first.ok and first.needs_new_pin
    _set_pin(station, "care", "4826")
    assert _sign_in(station, "care", "4826").ok
    assert not _sign_in(station, "care", code).ok  # the code is spent once a PIN is set
    actions = [a for a in _actions(station, "care") if a != "staff_added"]
    assert actions == ["sign_in_failed", "onetime_code_issued", "onetime_code_used", "pin_set", "signed_in", "sign_in_failed"]
    [(actor,)] = sql(station.path, "SELECT actor_name FROM audit_trail WHERE action = 'onetime_code_issued'")
    assert actor == sister.name


def test_a_one_time_code_works_only_once(station: WardStation) -> None:
    with station.store.write(Actor.command_line()) as tx:
        code = auth.issue_onetime_code(tx, station.staff["care"].id)
    assert _sign_in(station, "care", code).ok
    assert not _sign_in(station, "care", code).ok


def test_an_expired_one_time_code_is_refused(station: WardStation) -> None:
    with station.store.write(Actor.command_line()) as tx:
        code = auth.issue_onetime_code(tx, station.staff["care"].id)
    con = sqlite3.connect(station.path)
    con.execute("UPDATE staff_credential SET onetime_expires = '2000-01-01T00:00:00.000Z'")
    con.commit()
    con.close()
    assert not _sign_in(station, "care", code).ok


@pytest.mark.parametrize("pin", ["123", "123456789", "12a4", "0000", "1234", "9876", "", " 2580"])
def test_weak_or_malformed_pins_are_refused_and_nothing_is_written(station: WardStation, pin: str) -> None:
    before = db_snapshot(station.path)
    with pytest.raises(ValidationError):
        _set_pin(station, "rn", pin)
    assert db_snapshot(station.path) == before


def test_people_who_left_cannot_sign_in(station: WardStation) -> None:
    res = _sign_in(station, "inactive_rn", PIN)
    assert not res.ok and "staff list" in res.message
