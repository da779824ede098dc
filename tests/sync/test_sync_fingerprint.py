"""SYNC.md 3.9: a station's database copied to another PC (same folder path there) or restored into
another folder stops before pushing anything as the original, and asks for a new enrolment; the
original carries on; after enrolment the copy's waiting changes arrive once."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from support.clocks import SUITE_TODAY
from sync_support import Server, Station, new_ward_code

from hardtruths_desktop.sync.fingerprint import fingerprint, machine_id

DAY = SUITE_TODAY - timedelta(days=2)


def test_fingerprint_is_per_machine_and_folder_and_reveals_neither(tmp_path) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "a" / "ward-station.sqlite"
    db.parent.mkdir()
    fp = fingerprint(db, "pc-1")
    assert fp == fingerprint(db, "pc-1")
    assert fp != fingerprint(db, "pc-2")
    assert fp != fingerprint(tmp_path / "b" / "ward-station.sqlite", "pc-1")
    assert "pc-1" not in fp and str(tmp_path) not in fp
    assert machine_id()


def test_same_file_on_another_pc_stops_before_pushing(server: Server, make_station: Callable[..., Station]) -> None:
    ward = new_ward_code()
    a = make_station("a").set_up_ward(ward)
    server.create_ward(ward)
    a.enrol(server, ward)
    assert a.sync().ok
    waiting = a.record(DAY, "early", rn=3)

    a.engine.machine = "another-pc"  # the same folder, on a different computer
    a.net.requests.clear()
    res = a.sync()
    assert not res.ok and res.error == "device_forked" and not res.retryable
    assert "enrol" in res.message
    assert a.net.requests == []  # nothing was sent as the original device
    assert a.info().sync_status == "needs_enrolment"
    assert a.pending() == len(waiting)

    a.enrol(server, ward)  # IT enrols the new PC: a new device, and the waiting change goes once
    result = a.sync()
    assert result.ok, result
    assert server.applied(waiting) == dict.fromkeys(waiting, 1)
