"""The write path (SYNC.md 3.3, issue 2 "Local store"): record + outbox + audit in one transaction,
rejected input leaves nothing behind, base tokens chain, client_seq and the HLC only move forward."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from core_support import FakeClock, WardStation, build_ward, db_snapshot, open_station, sql, table_counts
from support.clocks import SUITE_TODAY

from hardtruths_desktop.domain import field_meta, ids
from hardtruths_desktop.domain.hlc import Hlc
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.store import queries, reference, shifts
from hardtruths_desktop.store.session import Actor
from hardtruths_desktop.store.shifts import ShiftChange, save_shift

TODAY = SUITE_TODAY  # the day the station fixtures were made (tests/support/clocks.py)
YESTERDAY = TODAY - timedelta(days=1)


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {t: after[t] - before.get(t, 0) for t in after if after[t] != before.get(t, 0)}


def _save(st: WardStation, day: date, code: str, change: ShiftChange, actor: Actor | None = None) -> bool:
    with st.store.write(actor or Actor.command_line()) as tx:
        return save_shift(tx, st.ward, day, code, change, TODAY)


def _outbox(path: Path) -> list[dict[str, Any]]:
    cols = ["client_seq", "mutation_id", "entity", "entity_id", "op", "payload", "base", "hlc", "recorded_by", "schema_version"]
    rows = sql(path, f"SELECT {', '.join(cols)} FROM outbox ORDER BY client_seq")
    return [dict(zip(cols, r, strict=True)) for r in rows]


def _good_change(st: WardStation) -> ShiftChange:
    return ShiftChange(groups={"rn": {"actual": 4, "actual_hours": 32}, "care": {"actual": 2, "actual_hours": 16}},
                       nurse_in_charge_id=st.staff["rn"].id)


# --- one write = record + one outbox row per mutation + audit, in one transaction -------------------------

def test_recording_a_shift_writes_record_outbox_and_audit(station: WardStation) -> None:
    before = table_counts(station.path)
    sister = station.staff["sister"]
    assert _save(station, YESTERDAY, "early", _good_change(station), Actor(sister.id, sister.name))
    assert _delta(before, table_counts(station.path)) == {"shift": 1, "shift_staffing": 2, "outbox": 1, "audit_log": 1}

    sid = ids.shift_id(station.ward.id, YESTERDAY, "early")
    [ob] = _outbox(station.path)[-1:]
    assert (ob["entity"], ob["entity_id"], ob["op"]) == ("shift", sid, "create")
    assert ob["recorded_by"] == f"staff:{sister.id}"
    payload = json.loads(ob["payload"])
    assert payload["groups.rn.actual"] == 4 and payload["groups.rn.planned"] == 4  # plan pre-filled from establishment
    assert payload["nurse_in_charge_id"] == station.staff["rn"].id
    [(stored,)] = sql(station.path, "SELECT field_meta FROM shift WHERE id = ?", (sid,))
    assert str(stored).count(ob["mutation_id"]) == 1  # issue 13: the create's version stored once, not per field
    meta = field_meta.loads(str(stored))
    assert {f: m["tok"] for f, m in meta.items()} == dict.fromkeys(payload, ob["mutation_id"])
    [(hlc_last,)] = sql(station.path, "SELECT hlc_last FROM sync_state")
    assert hlc_last == ob["hlc"]
    [(action, actor_id, actor_name, entity_id)] = sql(
        station.path, "SELECT action, actor_id, actor_name, entity_id FROM audit_trail ORDER BY id DESC LIMIT 1")
    assert (action, actor_id, actor_name, entity_id) == ("shift_recorded", sister.id, sister.name, sid)


def test_census_is_its_own_mutation(station: WardStation) -> None:
    before = table_counts(station.path)
    change = _good_change(station)
    change.patients_at_midnight = 27
    _save(station, YESTERDAY, "night", change)
    assert _delta(before, table_counts(station.path)) == {
        "shift": 1, "shift_staffing": 2, "ward_day": 1, "outbox": 2, "audit_log": 2}
    entities = [o["entity"] for o in _outbox(station.path)[-2:]]
    assert sorted(entities) == ["shift", "ward_day"]


def test_a_correction_is_one_patch_with_only_the_changed_fields(station: WardStation) -> None:
    _save(station, YESTERDAY, "early", _good_change(station))
    before = table_counts(station.path)
    _save(station, YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": 3, "actual_hours": 24}}))
    assert _delta(before, table_counts(station.path)) == {"outbox": 1, "audit_log": 1}
    last = _outbox(station.path)[-1]
    assert last["op"] == "patch"
    assert json.loads(last["payload"]) == {"groups.rn.actual": 3, "groups.rn.actual_hours": 24.0}


def test_saving_the_same_values_again_writes_nothing(station: WardStation) -> None:
    _save(station, YESTERDAY, "early", _good_change(station))
    before = db_snapshot(station.path)
    assert _save(station, YESTERDAY, "early", _good_change(station)) is False
    after = db_snapshot(station.path)
    assert {k: v for k, v in after.items() if k != "sync_state"} == {k: v for k, v in before.items() if k != "sync_state"}


def test_a_failure_after_the_save_rolls_back_record_outbox_and_audit_together(station: WardStation) -> None:
    before = db_snapshot(station.path)
    with pytest.raises(RuntimeError), station.store.write(Actor.command_line()) as tx:
        save_shift(tx, station.ward, YESTERDAY, "early", _good_change(station), TODAY)
        shifts.set_patients_at_midnight(tx, station.ward, YESTERDAY, 25)
        raise RuntimeError("power cut in the middle of the transaction")
    assert db_snapshot(station.path) == before


def test_cli_identity_is_recorded_as_such(station: WardStation) -> None:
    _save(station, YESTERDAY, "late", _good_change(station))
    assert _outbox(station.path)[-1]["recorded_by"] == "station:cli"
    [(actor_id, actor_name)] = sql(station.path, "SELECT actor_id, actor_name FROM audit_trail ORDER BY id DESC LIMIT 1")
    assert (actor_id, actor_name) == (None, "command line")
    [(updated_by,)] = sql(station.path, "SELECT updated_by FROM shift WHERE id = ?", (ids.shift_id(station.ward.id, YESTERDAY, "late"),))
    assert updated_by == "command line"


def test_two_stations_creating_the_same_shift_agree_on_its_id(tmp_path: Path, station_template: Path) -> None:
    import shutil

    from hardtruths_desktop.store.engine import DB_FILENAME

    ids_seen = []
    for name in ("pc-a", "pc-b"):
        (tmp_path / name).mkdir()
        shutil.copy2(station_template / DB_FILENAME, tmp_path / name / DB_FILENAME)
        st = open_station(tmp_path / name)
        _save(st, YESTERDAY, "night", _good_change(st))
        ids_seen.append(sql(st.path, "SELECT id FROM shift")[0][0])
        st.store.close()
    assert ids_seen[0] == ids_seen[1] == ids.shift_id(ids.ward_id("T1"), YESTERDAY, "night")


# --- rejected input leaves no row in any table ----------------------------------------------------------

BadShift = Callable[[WardStation], tuple[date, str, ShiftChange]]

BAD_SHIFTS: dict[str, BadShift] = {
    "negative heads": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": -1}})),
    "absurd heads": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": 61}})),
    "non-numeric heads": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": "four"}})),  # type: ignore[dict-item]
    "fractional heads": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": 2.5}})),
    "bool heads": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": True}})),
    "negative hours": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"actual_hours": -7.5}})),
    "NaN hours": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"actual_hours": math.nan}})),
    "infinite hours": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"actual_hours": math.inf}})),
    "more hours than people can work": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": 2, "actual_hours": 40}})),
    "hours with nobody": lambda st: (YESTERDAY, "early", ShiftChange(groups={"care": {"actual": 0, "actual_hours": 8}})),
    "bank above actual": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": 2, "bank_agency": 3}})),
    "unknown staff group": lambda st: (YESTERDAY, "early", ShiftChange(groups={"doctor": {"actual": 1}})),
    "unknown figure": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"overtime": 1}})),
    "NIC is care staff": lambda st: (YESTERDAY, "early", ShiftChange(nurse_in_charge_id=st.staff["care"].id)),
    "NIC is a student": lambda st: (YESTERDAY, "early", ShiftChange(nurse_in_charge_id=st.staff["student"].id)),
    "NIC not on duty": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": 0, "actual_hours": 0}},
                                                                   nurse_in_charge_id=st.staff["rn"].id)),
    "NIC left the ward": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": 4}},
                                                                     nurse_in_charge_id=st.staff["inactive_rn"].id)),
    "NIC unknown": lambda st: (YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": 4}}, nurse_in_charge_id="nobody")),
    "census far above beds": lambda st: (YESTERDAY, "early", ShiftChange(patients_at_midnight=500)),
    "census negative": lambda st: (YESTERDAY, "early", ShiftChange(patients_at_midnight=-2)),
    "census not a number": lambda st: (YESTERDAY, "early", ShiftChange(patients_at_midnight="lots")),
    "note too long": lambda st: (YESTERDAY, "early", ShiftChange(notes="x" * 2001)),
    "note with control character": lambda st: (YESTERDAY, "early", ShiftChange(notes="ok\x00then")),
    "date too far back": lambda st: (TODAY - timedelta(days=4 * 365), "early", ShiftChange()),
    "date too far ahead": lambda st: (TODAY + timedelta(days=90), "early", ShiftChange()),
    "unknown shift": lambda st: (YESTERDAY, "twilight", ShiftChange()),
}


@pytest.mark.parametrize("existing", [False, True], ids=["new shift", "correction"])
@pytest.mark.parametrize("case", sorted(BAD_SHIFTS))
def test_rejected_shift_leaves_no_row_anywhere(station: WardStation, case: str, existing: bool) -> None:
    if existing:
        _save(station, YESTERDAY, "early", _good_change(station))
    before = db_snapshot(station.path)
    day, code, change = BAD_SHIFTS[case](station)
    with pytest.raises(ValidationError) as err:
        _save(station, day, code, change)
    assert db_snapshot(station.path) == before
    message = str(err.value)
    assert message and "Traceback" not in message and "Error" not in message
    assert all(isinstance(k, str) and v for k, v in err.value.errors.items())


BAD_REFERENCE: dict[str, Callable[[Any, WardStation], Any]] = {
    "ward code with spaces": lambda tx, st: reference.upsert_ward(tx, st.ward.trust_id, "W 7!", "Ward"),
    "ward with no beds": lambda tx, st: reference.upsert_ward(tx, st.ward.trust_id, "W9", "Ward 9", beds=0),
    "ward name too long": lambda tx, st: reference.upsert_ward(tx, st.ward.trust_id, "W9", "W" * 201),
    "staff name of digits": lambda tx, st: reference.add_staff(tx, st.ward, "12345", "rn"),
    "staff name too long": lambda tx, st: reference.add_staff(tx, st.ward, "A" * 81, "rn"),
    "staff name with newline": lambda tx, st: reference.add_staff(tx, st.ward, "Ann\nSmith", "rn"),
    "staff name with escape": lambda tx, st: reference.add_staff(tx, st.ward, "Ann \x1b[31mSmith", "rn"),
    "staff unknown role": lambda tx, st: reference.add_staff(tx, st.ward, "Ann Smith", "surgeon"),
    "duplicate staff": lambda tx, st: reference.add_staff(tx, st.ward, "Aisha Rahman", "rn"),
    "care staff as manager": lambda tx, st: reference.add_staff(tx, st.ward, "Ann Smith", "care", is_manager=True),
    "plan negative heads": lambda tx, st: reference.set_establishment(tx, st.ward, "early", "rn", TODAY, "-1", "7.5"),
    "plan non-numeric hours": lambda tx, st: reference.set_establishment(tx, st.ward, "early", "rn", TODAY, 4, "lots"),
    "plan unknown shift": lambda tx, st: reference.set_establishment(tx, st.ward, "twilight", "rn", TODAY, 4, 30),
    "plan too many hours": lambda tx, st: reference.set_establishment(tx, st.ward, "early", "rn", TODAY, 1, 30),
    "pattern zero length": lambda tx, st: reference.set_shift_pattern(tx, st.ward, reference.PatternInput(
        "twilight", "Twilight", reference.time(18, 0), reference.time(18, 0), "day")),
    "pattern bad period": lambda tx, st: reference.set_shift_pattern(tx, st.ward, reference.PatternInput(
        "twilight", "Twilight", reference.time(18, 0), reference.time(23, 0), "evening")),
    "red flag of a computed type": lambda tx, st: shifts.raise_red_flag(tx, st.ward, YESTERDAY, "early", "rn_shortfall", "", TODAY),
    "red flag unknown type": lambda tx, st: shifts.raise_red_flag(tx, st.ward, YESTERDAY, "early", "bored", "", TODAY),
    "red flag detail too long": lambda tx, st: shifts.raise_red_flag(
        tx, st.ward, YESTERDAY, "early", "vital_signs", "x" * 2001, TODAY),
    "escalate unknown flag": lambda tx, st: shifts.escalate_red_flag(tx, "no-such-flag", "Matron"),
}


@pytest.mark.parametrize("case", sorted(BAD_REFERENCE))
def test_rejected_repository_input_leaves_no_row(station: WardStation, case: str) -> None:
    before = db_snapshot(station.path)
    with pytest.raises(ValidationError), station.store.write(Actor.command_line()) as tx:
        BAD_REFERENCE[case](tx, station)
    assert db_snapshot(station.path) == before


def test_resolving_twice_is_refused_and_writes_nothing(station: WardStation) -> None:
    with station.store.write(Actor.command_line()) as tx:
        flag = shifts.raise_red_flag(tx, station.ward, YESTERDAY, "early", "vital_signs", "obs missed at 10:00", TODAY)
        shifts.resolve_red_flag(tx, flag.id, "Obs done at 10:40; HCA briefed")
    before = db_snapshot(station.path)
    with pytest.raises(ValidationError), station.store.write(Actor.command_line()) as tx:
        shifts.resolve_red_flag(tx, flag.id, "again")
    with pytest.raises(ValidationError), station.store.write(Actor.command_line()) as tx:
        shifts.escalate_red_flag(tx, flag.id, "Site team")
    assert db_snapshot(station.path) == before


def test_a_valid_first_save_then_an_invalid_one_in_the_same_transaction_keeps_neither(station: WardStation) -> None:
    before = db_snapshot(station.path)
    with pytest.raises(ValidationError), station.store.write(Actor.command_line()) as tx:
        save_shift(tx, station.ward, YESTERDAY, "early", _good_change(station), TODAY)
        save_shift(tx, station.ward, YESTERDAY, "late", ShiftChange(notes="x" * 5000), TODAY)
    assert db_snapshot(station.path) == before


# --- outbox order, base tokens and the HLC ----------------------------------------------------------------

def test_base_tokens_chain_from_edit_to_edit(station: WardStation) -> None:
    typed = _good_change(station)
    typed.groups["rn"]["actual_hours"] = 30  # typed hours (not 4 x the plan's 8): they stay when the count changes
    _save(station, YESTERDAY, "early", typed)
    first = _outbox(station.path)[-1]
    _save(station, YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": 5}}))
    second = _outbox(station.path)[-1]
    _save(station, YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": 4}}, notes="Bank nurse left at 09:00"))
    third = _outbox(station.path)[-1]
    assert json.loads(second["base"]) == {"groups.rn.actual": first["mutation_id"]}
    # the create carried no note (none was typed), so the first note has no token to build on
    assert json.loads(third["base"]) == {"groups.rn.actual": second["mutation_id"]}
    assert "notes" not in json.loads(first["payload"])
    [(meta,)] = sql(station.path, "SELECT field_meta FROM shift WHERE id = ?", (third["entity_id"],))
    meta = field_meta.loads(str(meta))
    assert meta["groups.rn.actual"]["tok"] == meta["notes"]["tok"] == third["mutation_id"]
    assert meta["groups.care.actual"]["tok"] == first["mutation_id"]
    assert meta["notes"]["hlc"] == third["hlc"]


def test_census_base_token_chains_too(station: WardStation) -> None:
    for n in (20, 21):
        _save(station, YESTERDAY, "night", ShiftChange(patients_at_midnight=n))
    census = [o for o in _outbox(station.path) if o["entity"] == "ward_day"]
    assert [o["op"] for o in census] == ["create", "patch"]
    assert json.loads(census[1]["base"]) == {"patients_at_midnight": census[0]["mutation_id"]}


def test_client_seq_strictly_increasing_and_gap_free_even_after_rollbacks(station: WardStation) -> None:
    for i in range(6):
        _save(station, TODAY - timedelta(days=i + 1), "late", _good_change(station))
        with pytest.raises(ValidationError):
            _save(station, TODAY - timedelta(days=i + 1), "early", ShiftChange(notes="\x07"))
    seqs = [o["client_seq"] for o in _outbox(station.path)]
    assert seqs == list(range(1, len(seqs) + 1))
    hlcs = [o["hlc"] for o in _outbox(station.path)]
    assert hlcs == sorted(hlcs) and len(set(hlcs)) == len(hlcs)
    mids = [o["mutation_id"] for o in _outbox(station.path)]
    assert len(set(mids)) == len(mids)


def test_hlc_persisted_and_never_going_back_when_the_wall_clock_does(tmp_path: Path) -> None:
    clock = FakeClock(1_800_000_000_000)
    st = build_ward(tmp_path / "pc", clock=clock)
    [(h0,)] = sql(st.path, "SELECT hlc_last FROM sync_state")
    assert Hlc.parse(str(h0)).pt == clock.ms
    clock.ms -= 3_600_000  # the wall clock jumps back an hour
    _save(st, YESTERDAY, "early", _good_change(st))
    [(h1,)] = sql(st.path, "SELECT hlc_last FROM sync_state")
    assert str(h1) > str(h0) and Hlc.parse(str(h1)).pt == Hlc.parse(str(h0)).pt
    st.store.close()

    clock.ms -= 86_400_000  # reboot with the RTC a day behind: a fresh Store on the same file
    st = open_station(tmp_path / "pc", clock=clock)
    _save(st, YESTERDAY, "late", _good_change(st))
    [(h2,)] = sql(st.path, "SELECT hlc_last FROM sync_state")
    assert str(h2) > str(h1)
    clock.ms = 1_850_000_000_000  # and forward again (1.6 years: the shift is still inside the 3-year window)
    _save(st, YESTERDAY, "night", _good_change(st))
    [(h3,)] = sql(st.path, "SELECT hlc_last FROM sync_state")
    assert Hlc.parse(str(h3)).pt == clock.ms and Hlc.parse(str(h3)).lc == 0
    hlcs = [o["hlc"] for o in _outbox(st.path)]
    assert hlcs == sorted(hlcs) and len(set(hlcs)) == len(hlcs) and hlcs[-1] == h3
    st.store.close()


def test_hlc_uses_the_server_offset(tmp_path: Path) -> None:
    clock = FakeClock(1_800_000_000_000)
    st = build_ward(tmp_path / "pc", clock=clock)
    sql_con = __import__("sqlite3").connect(st.path)
    sql_con.execute("UPDATE sync_state SET server_offset_ms = 90000")
    sql_con.commit()
    sql_con.close()
    clock.ms += 1000
    _save(st, YESTERDAY, "early", _good_change(st))
    assert Hlc.parse(_outbox(st.path)[-1]["hlc"]).pt == clock.ms + 90_000
    st.store.close()


def test_a_rolled_back_write_does_not_advance_the_hlc(station: WardStation) -> None:
    [(h0,)] = sql(station.path, "SELECT hlc_last FROM sync_state")
    with pytest.raises(ValidationError):
        _save(station, YESTERDAY, "early", ShiftChange(groups={"rn": {"actual": 99}}))
    assert sql(station.path, "SELECT hlc_last FROM sync_state") == [(h0,)]


# --- establishment editable per date -----------------------------------------------------------------

def test_a_later_establishment_changes_the_plan_from_that_date_only(station: WardStation) -> None:
    change_day = TODAY - timedelta(days=10)
    _save(station, change_day - timedelta(days=2), "early", ShiftChange())  # recorded under the old plan
    with station.store.write(Actor.command_line()) as tx:
        reference.set_establishment(tx, station.ward, "early", "rn", change_day, 5, 40)
    for offset, planned in ((-1, (4, 32.0)), (0, (5, 40.0)), (3, (5, 40.0))):
        day = change_day + timedelta(days=offset)
        with station.store.read() as s:
            view = queries.shift_view(s, station.ward, day, "early")
        assert not view.recorded
        assert (view.groups["rn"].planned, view.groups["rn"].planned_hours) == planned, day
        _save(station, day, "early", ShiftChange())  # a row with nothing entered: still not recorded
        with station.store.read() as s:
            assert not queries.shift_view(s, station.ward, day, "early").recorded
        _save(station, day, "early", ShiftChange(groups={"rn": {"actual": 2}}))
        with station.store.read() as s:
            view = queries.shift_view(s, station.ward, day, "early")
        assert view.recorded and (view.groups["rn"].planned, view.groups["rn"].planned_hours) == planned
        assert (view.groups["care"].planned, view.groups["care"].planned_hours) == (2, 16.0)  # care plan unchanged
    with station.store.read() as s:
        old = queries.shift_view(s, station.ward, change_day - timedelta(days=2), "early")
    assert (old.groups["rn"].planned, old.groups["rn"].planned_hours) == (4, 32.0)
    # other shifts of the day keep their own plan
    with station.store.read() as s:
        late = queries.shift_view(s, station.ward, change_day, "late")
    assert (late.groups["rn"].planned, late.groups["rn"].planned_hours) == (4, 30.0)


def test_editing_the_same_establishment_date_is_a_patch(station: WardStation) -> None:
    day = TODAY - timedelta(days=5)
    with station.store.write(Actor.command_line()) as tx:
        reference.set_establishment(tx, station.ward, "late", "care", day, 3, 22.5)
    with station.store.write(Actor.command_line()) as tx:
        reference.set_establishment(tx, station.ward, "late", "care", day, 3, 21)
    last2 = _outbox(station.path)[-2:]
    assert [o["op"] for o in last2] == ["create", "patch"]
    assert json.loads(last2[1]["payload"]) == {"planned_hours": 21.0}
    assert json.loads(last2[1]["base"]) == {"planned_hours": last2[0]["mutation_id"]}


# --- non-Latin names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["greek", "arabic", "chinese", "devanagari"])
def test_non_latin_nurse_in_charge_and_author(station: WardStation, key: str) -> None:
    person = station.staff[key]
    change = _good_change(station)
    change.nurse_in_charge_id = person.id
    _save(station, YESTERDAY, "early", change, Actor(person.id, person.name))
    with station.store.read() as s:
        view = queries.shift_view(s, station.ward, YESTERDAY, "early")
        found = queries.find_staff(s, station.ward.id, person.name)
    assert view.nurse_in_charge == person.name and found.id == person.id
    [(actor_name,)] = sql(station.path, "SELECT actor_name FROM audit_trail ORDER BY id DESC LIMIT 1")
    assert actor_name == person.name


def test_find_staff_matches_a_name_typed_in_decomposed_form(station: WardStation) -> None:
    with station.store.read() as s:
        found = queries.find_staff(s, station.ward.id, "chloe\u0301 martin")  # e + combining acute, lower case
    assert found.id == station.staff["rn2"].id


def test_the_repository_rejects_bad_types_with_a_validation_error_only(station: WardStation) -> None:
    """Whatever a caller passes, only ValidationError escapes (never ValueError/TypeError/IntegrityError)."""
    for value in ("", " ", "1e3", "0x10", None, [], {}, object(), -0.5, 1e308):
        before = table_counts(station.path)
        try:
            _save(station, YESTERDAY, "early", ShiftChange(groups={"care": {"actual_hours": value}}))  # type: ignore[dict-item]
        except ValidationError:
            pass
        assert table_counts(station.path)["outbox"] - before["outbox"] in (0, 1)
