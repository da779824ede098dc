"""Setting up a real (non-demo) ward from the command line: ward, shifts, first ward sister with a
one-time code she uses to choose her PIN."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hardtruths_desktop import cli
from hardtruths_desktop.store import auth, queries
from hardtruths_desktop.store.session import Actor, Store


def test_a_real_ward_from_nothing_to_a_signed_in_ward_sister(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(tmp_path / "station")
    assert cli.main(["ward", "add", "--code", "w3", "--name", "Ward 3 - Respiratory", "--trust-code", "RXX",
                     "--trust-name", "Example NHS Trust", "--shifts", "long_day=07:30-20:00/day,night=19:30-08:00/night",
                     "--data-dir", d]) == 0
    assert cli.main(["staff", "add", "--ward", "W3", "--name", "Jo Smith", "--role", "rn", "--title", "Ward sister",
                     "--manager", "--data-dir", d]) == 0
    code = re.search(r"one-time code (\d{8})", capsys.readouterr().out)
    assert code is not None
    store = Store(Path(d))
    with store.read() as s:
        ward = queries.ward_row(s, "W3")
        info = queries.ward_info(s, ward)
        jo = queries.find_staff(s, ward.id, "Jo Smith")
    assert [(p.code, p.period) for p in info.patterns] == [("long_day", "day"), ("night", "night")]
    assert info.trust_name == "Example NHS Trust" and jo.is_manager
    with store.write(Actor(jo.id, jo.name)) as tx:
        result = auth.sign_in(tx, jo.id, code.group(1))
        assert result.ok and result.needs_new_pin
        auth.set_pin(tx, jo.id, "4827")
    with store.write(Actor(jo.id, jo.name)) as tx:
        assert auth.sign_in(tx, jo.id, "4827").ok


@pytest.mark.parametrize("args, message", [
    (["ward", "add", "--code", "W3", "--name", "Ward 3"], "needs --trust-code and --trust-name"),
    (["ward", "add", "--code", "W3", "--name", "W", "--trust-code", "R", "--trust-name", "T", "--shifts", "early=7-15/day"],
     "is not a time"),
    (["ward", "add", "--code", "W3", "--name", "W", "--trust-code", "R", "--trust-name", "T", "--shifts", "early"],
     "should look like"),
    (["ward", "add", "--code", "W 3!", "--name", "W", "--trust-code", "R", "--trust-name", "T"], "ward code"),
    (["ward", "add", "--code", "W3", "--name", "W", "--trust-code", "R", "--trust-name", "T", "--beds", "-4"], "negative"),
])
def test_bad_ward_setup_is_refused_plainly(tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert cli.main([*args, "--data-dir", str(tmp_path / "s")]) == 2
    assert message in capsys.readouterr().err


def test_staff_add_refuses_an_unknown_role(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = str(tmp_path / "s")
    assert cli.main(["ward", "add", "--code", "W3", "--name", "W", "--trust-code", "R", "--trust-name", "T", "--data-dir", d]) == 0
    assert cli.main(["staff", "add", "--ward", "W3", "--name", "Al", "--role", "doctor", "--data-dir", d]) == 2
    assert "not a staff group" in capsys.readouterr().err
