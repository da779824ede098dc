""""No synced table is written without its outbox row" (SYNC.md 3.3, issue 2), proven three ways:

1. SQLite triggers log every INSERT/UPDATE/DELETE on every table in ``tables.SYNCED_TABLES`` while
   the demo is created and while every repository function runs, each in its own transaction; every
   logged row must have an outbox row for it *added in that same transaction*.
2. In the finished demo store, every synced row has at least one outbox row.
3. A static scan: no module outside ``hardtruths_desktop/store/`` constructs, adds, updates or deletes
   synced rows (ORM or SQL), so nothing can bypass the repositories.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import sqlite3
from collections.abc import Callable
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from core_support import WardStation, sql
from support.clocks import SUITE_TODAY, suite_clock

import hardtruths_desktop
import hardtruths_desktop.store
from hardtruths_desktop.store import tables
from hardtruths_desktop.store.session import Actor, Store, WriteTx

ROOT = Path(hardtruths_desktop.__file__).resolve().parents[1]
TODAY = SUITE_TODAY  # the day the station fixtures were made (tests/support/clocks.py)
YESTERDAY = TODAY - timedelta(days=1)

#: Child tables whose rows travel inside their parent's mutations.
CHILDREN = {"shift_staffing": ("shift", "shift_id")}


def _key_of(table: str) -> tuple[str, str]:
    """(outbox entity, key column) for a synced table."""
    if table in CHILDREN:
        return CHILDREN[table]
    pk = [c.name for c in tables.metadata.tables[table].primary_key.columns]
    assert len(pk) == 1, f"{table} has a composite key: say in CHILDREN which parent's outbox rows cover it"
    return table, pk[0]


def test_every_synced_table_exists_with_a_key() -> None:
    for t in tables.SYNCED_TABLES:
        assert t in tables.metadata.tables
        _key_of(t)
    local_only = set(tables.metadata.tables) - set(tables.SYNCED_TABLES)
    assert local_only == {"staff_credential", "audit_log", "outbox", "outbox_archive", "sync_state", "set_aside",
                          *tables.LOCAL_DERIVED_TABLES}, (
        "a new table must be declared synced (SYNCED_TABLES) or consciously local-only here")


def install_write_log(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE IF NOT EXISTS _write_log (entity TEXT NOT NULL, key TEXT NOT NULL, op TEXT NOT NULL)")
    for t in tables.SYNCED_TABLES:
        entity, key = _key_of(t)
        for op, ref in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")):
            con.execute(
                f'CREATE TRIGGER IF NOT EXISTS "_log_{t}_{op}" AFTER {op} ON "{t}" BEGIN '
                f"INSERT INTO _write_log VALUES ('{entity}', {ref}.\"{key}\", '{op}'); END")
    con.commit()
    con.close()


def _log_and_outbox(path: Path, after_seq: int) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    logged = {(str(e), str(k)) for e, k in sql(path, "SELECT entity, key FROM _write_log")}
    boxed = {(str(e), str(k)) for e, k in sql(path, "SELECT entity, entity_id FROM outbox WHERE client_seq > ?", (after_seq,))}
    return logged, boxed


def _max_seq(path: Path) -> int:
    return int(sql(path, "SELECT coalesce(max(client_seq), 0) FROM outbox")[0][0])


def _clear_log(path: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("DELETE FROM _write_log")
    con.commit()
    con.close()


def test_demo_creation_writes_no_synced_row_without_an_outbox_row(tmp_path: Path) -> None:
    from hardtruths_desktop.demo import create_demo

    store = Store(tmp_path / "pc", suite_clock())
    install_write_log(store.path)
    create_demo(store, days=2)
    store.close()
    logged, boxed = _log_and_outbox(tmp_path / "pc" / "ward-station.sqlite", 0)
    assert logged, "the triggers saw nothing: the test would prove nothing"
    assert {e for e, _ in logged} >= {"trust", "ward", "shift_pattern", "staff", "establishment", "shift", "ward_day"}
    assert {(e, k) for e, k in logged if e not in tables.TRUST_TABLES} - boxed == set()
    assert not {e for e, _ in boxed} & set(tables.TRUST_TABLES), "trust-wide records are never sent by a station (decision 9)"


def test_every_synced_row_of_the_demo_has_an_outbox_row(demo_dir: Path) -> None:
    path = demo_dir / "ward-station.sqlite"
    boxed = {(str(e), str(k)) for e, k in sql(path, "SELECT entity, entity_id FROM outbox")}
    for t in tables.SYNCED_TABLES:
        entity, key = _key_of(t)
        if t in tables.TRUST_TABLES:
            continue  # kept on the station, never sent (decision 9)
        rows = {(entity, str(r[0])) for r in sql(path, f'SELECT DISTINCT "{key}" FROM "{t}"')}
        assert rows - boxed == set(), f"{t}: rows with no outbox row"
    # and every outbox row belongs to a synced entity
    entities = {str(r[0]) for r in sql(path, "SELECT DISTINCT entity FROM outbox")}
    assert entities <= {_key_of(t)[0] for t in tables.SYNCED_TABLES}


# --- every repository function, each in its own transaction --------------------------------------------

def _repository_functions() -> set[str]:
    """Every public ``store`` function whose first parameter is a write transaction."""
    found = set()
    for mod in pkgutil.iter_modules(hardtruths_desktop.store.__path__):
        module = importlib.import_module(f"hardtruths_desktop.store.{mod.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module.__name__ or name.startswith("_"):
                continue
            params = list(inspect.signature(fn).parameters)
            if params and params[0] == "tx":
                found.add(f"{mod.name}.{name}")
    return found


def _steps(st: WardStation) -> list[tuple[str, Callable[[WriteTx], Any]]]:
    from hardtruths_desktop.domain.feedback import ResponseInput
    from hardtruths_desktop.store import auth, beds, board, feedback, reference, shift_drafts, shifts, station

    w = st.ward
    rn, sister = st.staff["rn"], st.staff["sister"]
    flag: dict[str, str] = {}

    def respond(tx: WriteTx) -> None:
        flag["feedback"] = feedback.record_response(tx, w.id, YESTERDAY, ResponseInput("good", "Nurse Jane was kind"), TODAY)

    def you_said(tx: WriteTx) -> None:
        flag["yswd"] = feedback.save_you_said(tx, w.id, YESTERDAY.strftime("%Y-%m"), "Noisy at night", "Quiet hours")

    def raise_flag(tx: WriteTx) -> None:
        flag["id"] = shifts.raise_red_flag(tx, w, YESTERDAY, "late", "pain_relief_delay", "45 min wait", TODAY).id

    from hardtruths_desktop.domain.clock import FixedClock
    from hardtruths_desktop.domain.incidents import PatientInput, ReportInput
    from hardtruths_desktop.store import incidents

    clock = FixedClock.london(2026, 11, 25, 12, 0)
    inc: dict[str, str] = {}

    def report(tx: WriteTx) -> None:
        inc["id"] = incidents.report_incident(tx, w.id, ReportInput(
            "2026-11-24", "10:30", "", "Bay 2", "Fall", "patient_accident", patients=[PatientInput("low")]), clock=clock).id

    full = shifts.ShiftChange(groups={"rn": {"actual": 4, "actual_hours": 32}, "student": {"actual": 1, "actual_hours": 8}},
                              nurse_in_charge_id=rn.id, patients_at_midnight=26, notes="Busy")
    return [
        ("reference.upsert_trust", lambda tx: reference.upsert_trust(tx, "TST", "Test Hospitals NHS Foundation Trust")),
        ("reference.upsert_trust", lambda tx: reference.upsert_trust(tx, "NEW", "Another Trust")),
        ("reference.upsert_ward", lambda tx: reference.upsert_ward(tx, w.trust_id, "T1", "Test Ward One", "Main Site", "Medicine", 32)),
        ("reference.upsert_ward", lambda tx: reference.upsert_ward(tx, w.trust_id, "T2", "Test Ward 2")),
        ("reference.set_shift_pattern", lambda tx: reference.set_shift_pattern(
            tx, w, reference.PatternInput("twilight", "Twilight", time(18, 0), time(23, 0), "day", 5))),
        ("reference.set_shift_pattern", lambda tx: reference.set_shift_pattern(
            tx, w, reference.PatternInput("twilight", "Twilight", time(18, 0), time(23, 30), "day", 5))),
        ("reference.add_staff", lambda tx: reference.add_staff(tx, w, "Nomvula Dlamini", "rna", "Nursing associate")),
        ("reference.update_staff", lambda tx: reference.update_staff(tx, rn.id, title="Senior staff nurse")),
        ("reference.set_establishment", lambda tx: reference.set_establishment(tx, w, "early", "rn", TODAY - timedelta(days=3), 5, 40)),
        ("reference.set_establishment", lambda tx: reference.set_establishment(tx, w, "early", "rn", TODAY - timedelta(days=3), 5, 37.5)),
        ("shifts.save_shift", lambda tx: shifts.save_shift(tx, w, YESTERDAY, "early", full, TODAY)),
        ("shifts.save_shift", lambda tx: shifts.save_shift(tx, w, YESTERDAY, "early", shifts.ShiftChange(
            groups={"rn": {"actual": 3, "actual_hours": 24}, "care": {"planned": 3}}, patients_at_midnight=25), TODAY)),
        ("shifts.set_patients_at_midnight", lambda tx: shifts.set_patients_at_midnight(tx, w, YESTERDAY, 24)),
        ("shifts.ensure_shift", lambda tx: shifts.ensure_shift(tx, w, YESTERDAY, "night", TODAY)),
        ("shifts.raise_red_flag", raise_flag),
        ("shifts.escalate_red_flag", lambda tx: shifts.escalate_red_flag(tx, flag["id"], "Matron")),
        ("shifts.resolve_red_flag", lambda tx: shifts.resolve_red_flag(tx, flag["id"], "Analgesia given")),
        ("shifts.save_shift", lambda tx: shifts.save_shift(tx, w, YESTERDAY, "late", shifts.ShiftChange(groups={"rn": {"actual": 1}}), TODAY)),
        ("shifts.escalate_computed_flag", lambda tx: shifts.escalate_computed_flag(tx, w, YESTERDAY, "late", "rn_shortfall", "Matron", TODAY)),
        ("shifts.resolve_computed_flag", lambda tx: shifts.resolve_computed_flag(tx, w, YESTERDAY, "late", "fewer_than_two_rn",
                                                                                 "Bank nurse came", TODAY)),
        ("shifts.withdraw_shift", lambda tx: shifts.withdraw_shift(tx, w, YESTERDAY, "late", "wrong date")),
        ("auth.set_pin", lambda tx: auth.set_pin(tx, rn.id, "2580")),
        ("auth.sign_in", lambda tx: auth.sign_in(tx, rn.id, "0000")),
        ("auth.issue_onetime_code", lambda tx: auth.issue_onetime_code(tx, st.staff["care"].id)),
        ("station.set_station_ward", lambda tx: station.set_station_ward(tx, "T1")),  # local setup, never synced
        ("shift_drafts.discard_in", lambda tx: shift_drafts.discard_in(tx, rn.id, w.id, YESTERDAY, "early")),  # local, never synced
        ("beds.save_bed", lambda tx: beds.save_bed(tx, w, beds.BedInput("1", True, "Margaret", "Dr S. Patel"), TODAY)),
        ("beds.save_bed", lambda tx: beds.save_bed(tx, w, beds.BedInput("1", True, "Maggie", "Dr S. Patel"), TODAY)),
        ("beds.set_named_nurse", lambda tx: beds.set_named_nurse(tx, w, "1", TODAY, "early", rn.id)),
        ("board.set_ward_board", lambda tx: board.set_ward_board(tx, w, f"Sister {sister.name}", "James Okafor")),
        ("board.set_on_duty", lambda tx: board.set_on_duty(tx, w, TODAY, "early", [rn.id, sister.id], TODAY)),
        ("board.set_trust_contacts", lambda tx: board.set_trust_contacts(tx, w.trust_id, {"pals_phone": "0300 555 0142"})),
        ("board.set_ward_contacts", lambda tx: board.set_ward_contacts(tx, w.id, "Sister Mary O'Neill", "Jane Matron",
                                                                       {"pals_phone": "0300 555 0143"})),
        ("feedback.record_response", respond),
        ("feedback.record_responses", lambda tx: feedback.record_responses(
            tx, w.id, YESTERDAY, [ResponseInput("poor", channel="card"), ResponseInput("dont_know", channel="card")], TODAY)),
        ("feedback.amend_response", lambda tx: feedback.amend_response(tx, flag["feedback"], "redact", reason="a name")),
        ("feedback.save_you_said", you_said),
        ("feedback.save_you_said", lambda tx: feedback.save_you_said(tx, w.id, YESTERDAY.strftime("%Y-%m"), "Noisy at night",
                                                                      "Quiet hours from 23:00", entry_id=flag["yswd"])),
        ("feedback.delete_you_said", lambda tx: feedback.delete_you_said(tx, flag["yswd"])),
        ("incidents.report_incident", report),
        ("incidents.report_incident", lambda tx: incidents.report_incident(tx, w.id, ReportInput(
            "2026-11-24", "", "night_shift", "", "Anonymous report", "medication", anonymous=True), clock=clock)),
        ("incidents.amend_incident", lambda tx: incidents.amend_incident(
            tx, inc["id"], "triage", {"response": "swarm_huddle"}, clock=clock)),
        ("incidents.record_thermometer", lambda tx: incidents.record_thermometer(
            tx, w.id, "2026-11", {"surveyed": 20, "harm_free": 19, "new_vte": 1})),
        ("incidents.record_thermometer", lambda tx: incidents.record_thermometer(
            tx, w.id, "2026-11", {"surveyed": 21, "harm_free": 20, "new_vte": 1})),
    ]


def test_every_repository_write_has_its_outbox_row_in_the_same_transaction(station: WardStation) -> None:
    install_write_log(station.path)
    steps = _steps(station)
    unexercised = _repository_functions() - {name for name, _ in steps}
    assert unexercised == set(), f"add these repository functions to _steps(): {sorted(unexercised)}"
    local_only = {"auth.set_pin", "auth.sign_in", "auth.issue_onetime_code", "station.set_station_ward", "shift_drafts.discard_in"}
    for name, step in steps:
        _clear_log(station.path)
        seq = _max_seq(station.path)
        audit_before = sql(station.path, "SELECT count(*) FROM audit_trail")[0][0]
        with station.store.write(Actor.command_line()) as tx:
            step(tx)
        logged, boxed = _log_and_outbox(station.path, seq)
        trust_wide = {(e, k) for e, k in logged if e in tables.TRUST_TABLES}  # kept, never sent (decision 9)
        assert logged - trust_wide - boxed == set(), f"{name} wrote synced rows without an outbox row in the same transaction"
        assert not {e for e, _ in boxed} & set(tables.TRUST_TABLES), f"{name} queued a trust-wide record"
        if name in local_only:
            assert logged == set() and boxed == set(), f"{name} must not touch synced tables"
        else:
            assert logged, f"{name} wrote nothing: the step does not exercise it"
            n_box = _max_seq(station.path) - seq
            n_audit = sql(station.path, "SELECT count(*) FROM audit_trail")[0][0] - audit_before
            n_trust = len({e for e, _ in trust_wide})
            assert n_audit == n_box + n_trust if trust_wide else n_audit == n_box, f"{name}: one audit row per outbox row"


# --- static scan: nothing outside store/ writes synced tables ------------------------------------------

SYNCED_CLASSES = {
    m.class_.__name__ for m in tables.SQLModel._sa_registry.mappers  # type: ignore[attr-defined]
    if getattr(m.class_, "__tablename__", None) in tables.SYNCED_TABLES
}
SQL_WRITE = re.compile(
    r"\b(INSERT\s+(OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+[\"'`\[]?(" + "|".join(tables.SYNCED_TABLES) + r")\b",
    re.IGNORECASE,
)
SESSION_WRITES = {"add", "add_all", "merge", "delete", "flush", "commit", "bulk_save_objects", "bulk_insert_mappings"}


def scan_source(source: str) -> list[str]:
    """Problems in one module's source: synced rows built or written outside the repositories."""
    problems = []
    tree = ast.parse(source)
    # the store's table classes as this module names them (other packages may reuse a class name)
    synced = {
        alias.asname or alias.name
        for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("store.tables")
        for alias in node.names if alias.name in SYNCED_CLASSES
    }

    def is_synced_class(expr: ast.expr) -> bool:
        if isinstance(expr, ast.Name):
            return expr.id in synced
        return isinstance(expr, ast.Attribute) and expr.attr in SYNCED_CLASSES and ast.unparse(expr.value).endswith("tables")

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if is_synced_class(f):
                problems.append(f"line {node.lineno}: builds a {name} row")
            if name in ("insert", "update", "delete") and node.args and is_synced_class(node.args[0]):
                problems.append(f"line {node.lineno}: {name}({ast.unparse(node.args[0])})")
            if isinstance(f, ast.Attribute) and f.attr in SESSION_WRITES:
                receiver = ast.unparse(f.value)
                if "session" in receiver.lower() or receiver in ("s", "tx", "db", "tx.db"):
                    problems.append(f"line {node.lineno}: {receiver}.{f.attr}(...)")
            if isinstance(f, ast.Attribute) and f.attr in ("execute", "executemany", "executescript", "exec_driver_sql"):
                for arg in node.args[:1]:
                    text = ast.unparse(arg)
                    if SQL_WRITE.search(text):
                        problems.append(f"line {node.lineno}: SQL write {text[:60]}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_WRITE.search(node.value):
            problems.append(f"line {node.lineno}: SQL write in a string")
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Attribute) and target.attr == "field_meta":
                    problems.append(f"line {node.lineno}: sets field_meta")
    return problems


def test_the_scan_catches_what_it_should() -> None:
    bad = '''
from hardtruths_desktop.store.tables import Shift
def f(tx, store):
    tx.session.add(Shift(id="x"))
    tx.db.execute("UPDATE shift SET notes = 'x'")
    with store.read() as s:
        s.commit()
    sql = "insert into ward_day (id) values (1)"
    row.field_meta = "{}"
    session.exec(update(Shift).values(notes=""))
'''
    found = scan_source(bad)
    assert len(found) >= 6, found
    assert scan_source("with store.read() as s:\n    s.exec(select(Shift)).all()\n    f.flush()\n") == []
    assert scan_source("from hardtruths_desktop.printing.models import TrustContacts\nTrustContacts(pals_phone='1')\n") == []
    assert scan_source("from hardtruths_desktop.store import tables\ntables.Ward(id='x')\n") != []


def _modules_outside_store() -> list[Path]:
    files = [p for p in (ROOT / "hardtruths_desktop").rglob("*.py") if "store" not in p.relative_to(ROOT / "hardtruths_desktop").parts]
    files += list((ROOT / "ui").rglob("*.py")) if (ROOT / "ui").is_dir() else []
    return sorted(files)


@pytest.mark.parametrize("path", _modules_outside_store(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_outside_the_store_writes_synced_tables(path: Path) -> None:
    assert scan_source(path.read_text(encoding="utf-8")) == []
