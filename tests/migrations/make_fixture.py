"""Build ``fixtures/store-0001.sqlite``: a ward station store as the FIRST migration left it, with data.

The schema comes from migration 0001 alone (``migrate.upgrade(path, "0001")``); the rows are plain SQL
matching 0001's columns, not today's models, so the fixture stays what a 0001-era station held even as
the tables change. Regenerate only if 0001 itself changes (it must not once released):

    .venv/bin/python tests/migrations/make_fixture.py
"""

from __future__ import annotations

import json
import sqlite3
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXTURE = HERE / "fixtures" / "store-0001.sqlite"

# Fixed values so the fixture is reproducible and the tests can name them.
TRUST_ID = str(uuid.uuid5(uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a03"), "TRUST/OLD"))
WARD_ID = str(uuid.uuid5(uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a03"), "W7"))
SHIFT_DATE = "2026-11-20"
SHIFT_ID = str(uuid.uuid5(uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a01"), f"{WARD_ID}/{SHIFT_DATE}/early"))
WARD_DAY_ID = str(uuid.uuid5(uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a02"), f"{WARD_ID}/{SHIFT_DATE}"))
STAFF = {
    "0190f0a0-0000-7000-8000-000000000001": ("Mary O'Neill", "rn", "Ward sister", 1),
    "0190f0a0-0000-7000-8000-000000000002": ("Γιώργος Παπαδόπουλος", "rn", "Staff nurse", 0),
    "0190f0a0-0000-7000-8000-000000000003": ("王小明", "care", "Healthcare assistant", 0),
}
NIC_ID = "0190f0a0-0000-7000-8000-000000000002"
DEVICE = "11111111-2222-4333-8444-555555555555"
PT = 1_795_600_000_000  # 2026-11-25T...Z
HLC_LAST = f"{PT + 9:013d}-00000-{DEVICE[:8]}"
SHIFT_MUTATION = "0190f0a0-1000-7000-8000-00000000000a"
CENSUS_MUTATION = "0190f0a0-1000-7000-8000-00000000000b"


def build(path: Path) -> None:
    sys.path.insert(0, str(HERE.parents[1]))
    from hardtruths_desktop.store import migrate

    if path.exists():
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(path, "0001")
    con = sqlite3.connect(path)
    seq = 0
    mutations: list[tuple[str, str, str, dict[str, object], str]] = []

    def outbox(entity: str, entity_id: str, payload: dict[str, object], mutation_id: str | None = None) -> str:
        nonlocal seq
        seq += 1
        mid = mutation_id or f"0190f0a0-2000-7000-8000-{seq:012d}"
        hlc = f"{PT + seq:013d}-00000-{DEVICE[:8]}"
        con.execute(
            "INSERT INTO outbox (mutation_id, entity, entity_id, op, payload, base, hlc, schema_version, recorded_by,"
            " wall_time, state, attempts) VALUES (?,?,?,?,?,'{}',?,1,'station:cli','2026-11-25T09:00:00.000Z','pending',0)",
            (mid, entity, entity_id, "create", json.dumps(payload, ensure_ascii=False), hlc))
        con.execute(
            "INSERT INTO audit_log (at, station_id, actor_id, actor_name, action, entity, entity_id, changes)"
            " VALUES ('2026-11-25T09:00:00.000Z', ?, NULL, 'command line', ?, ?, ?, ?)",
            (DEVICE, f"{entity}_created", entity, entity_id, json.dumps(payload, ensure_ascii=False)))
        mutations.append((mid, entity, entity_id, payload, hlc))
        return mid

    def meta(mid: str, fields: dict[str, object]) -> str:
        hlc = next(m[4] for m in mutations if m[0] == mid)
        return json.dumps({f: {"tok": mid, "hlc": hlc} for f in fields}, separators=(",", ":"))

    trust = {"code": "OLD", "name": "Oldtown Hospitals NHS Trust"}
    mid = outbox("trust", TRUST_ID, trust)
    con.execute("INSERT INTO trust (id, code, name, field_meta) VALUES (?,?,?,?)", (TRUST_ID, "OLD", trust["name"], meta(mid, trust)))
    ward = {"trust_id": TRUST_ID, "code": "W7", "name": "Ward 7 - Elderly Care", "site": "North Site", "specialty": "Geriatric medicine", "beds": 28}
    mid = outbox("ward", WARD_ID, ward)
    con.execute("INSERT INTO ward (id, trust_id, code, name, site, specialty, beds, field_meta) VALUES (?,?,?,?,?,?,?,?)",
                (WARD_ID, TRUST_ID, "W7", ward["name"], ward["site"], ward["specialty"], 28, meta(mid, ward)))
    for order, (code, name, start, end, period) in enumerate((("early", "Early", "07:00", "15:00", "day"),
                                                              ("late", "Late", "14:30", "22:00", "day"),
                                                              ("night", "Night", "21:30", "07:30", "night"))):
        pid = str(uuid.uuid5(uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a04"), f"{WARD_ID}/{code}"))
        values = {"ward_id": WARD_ID, "code": code, "name": name, "start_time": start, "end_time": end, "period": period, "sort_order": order}
        mid = outbox("shift_pattern", pid, values)
        con.execute("INSERT INTO shift_pattern (id, ward_id, code, name, start_time, end_time, period, sort_order, active, field_meta)"
                    " VALUES (?,?,?,?,?,?,?,?,1,?)", (pid, WARD_ID, code, name, start, end, period, order, meta(mid, values)))
    for sid, (name, role, title, manager) in STAFF.items():
        values = {"ward_id": WARD_ID, "name": name, "role": role, "title": title, "is_manager": bool(manager), "active": True}
        mid = outbox("staff", sid, values)
        con.execute("INSERT INTO staff (id, ward_id, name, role, title, is_manager, active, field_meta) VALUES (?,?,?,?,?,?,1,?)",
                    (sid, WARD_ID, name, role, title, manager, meta(mid, values)))
    for code, group, heads, hours in (("early", "rn", 4, 30.0), ("early", "care", 2, 15.0), ("night", "rn", 3, 30.0), ("night", "care", 2, 20.0)):
        eid = str(uuid.uuid5(uuid.UUID("6f1d3c1e-2d0b-5a8e-9b3f-8a7f3f0c1a05"), f"{WARD_ID}/{code}/{group}/2026-01-01"))
        values = {"ward_id": WARD_ID, "shift_code": code, "staff_group": group, "effective_from": "2026-01-01",
                  "planned_heads": heads, "planned_hours": hours}
        mid = outbox("establishment", eid, values)
        con.execute("INSERT INTO establishment (id, ward_id, shift_code, staff_group, effective_from, planned_heads, planned_hours,"
                    " field_meta) VALUES (?,?,?,?,?,?,?,?)", (eid, WARD_ID, code, group, "2026-01-01", heads, hours, meta(mid, values)))
    groups = {"rn": (4, 3, 30.0, 22.5, 1), "care": (2, 2, 15.0, 15.0, 0), "student": (0, 1, 0.0, 7.5, 0)}
    payload: dict[str, object] = {"ward_id": WARD_ID, "shift_date": SHIFT_DATE, "shift_code": "early"}
    for g, figures in groups.items():
        for f, v in zip(("planned", "actual", "planned_hours", "actual_hours", "bank_agency"), figures, strict=True):
            payload[f"groups.{g}.{f}"] = v
    payload.update(nurse_in_charge_id=NIC_ID, notes="Bank nurse from Ward 9 — thank you")
    outbox("shift", SHIFT_ID, payload, SHIFT_MUTATION)
    field_payload = {k: v for k, v in payload.items() if k not in ("ward_id", "shift_date", "shift_code")}
    con.execute("INSERT INTO shift (id, ward_id, shift_date, shift_code, nurse_in_charge_id, notes, deleted, field_meta, server_seq,"
                " needs_review, updated_at, updated_by) VALUES (?,?,?,?,?,?,0,?,NULL,0,'2026-11-25T09:00:00.000Z','command line')",
                (SHIFT_ID, WARD_ID, SHIFT_DATE, "early", NIC_ID, payload["notes"], meta(SHIFT_MUTATION, {**field_payload, **payload})))
    for g, (p, a, ph, ah, b) in groups.items():
        con.execute("INSERT INTO shift_staffing VALUES (?,?,?,?,?,?,?)", (SHIFT_ID, g, p, a, ph, ah, b))
    census = {"ward_id": WARD_ID, "day": SHIFT_DATE, "patients_at_midnight": 26}
    outbox("ward_day", WARD_DAY_ID, census, CENSUS_MUTATION)
    con.execute("INSERT INTO ward_day (id, ward_id, day, patients_at_midnight, field_meta) VALUES (?,?,?,?,?)",
                (WARD_DAY_ID, WARD_ID, SHIFT_DATE, 26, meta(CENSUS_MUTATION, census)))
    con.execute("INSERT INTO sync_state (id, device_id, device_incarnation, station_name, home_ward_id, pull_cursor, hlc_last,"
                " server_offset_ms, schema_version) VALUES (1, NULL, ?, 'Ward 7 desk', ?, 0, ?, 0, 1)",
                (DEVICE, WARD_ID, f"{PT + seq:013d}-00000-{DEVICE[:8]}"))
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("PRAGMA journal_mode = DELETE")  # one self-contained file in git
    con.execute("VACUUM")
    con.close()


if __name__ == "__main__":
    build(FIXTURE)
    print(f"wrote {FIXTURE} ({FIXTURE.stat().st_size} bytes)")
