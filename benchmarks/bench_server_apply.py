"""Trust server apply rate vs PostgreSQL COPY, and bytes on the wire per mutation (issue 3).

A 7-day, 4-station backlog: 2,000 shift-patch mutations (500 per station, each one field, base
tokens chained as a station chains them) pushed gzip-compressed in batches of 200 over loopback
HTTP to the real server on a real PostgreSQL (fsync on), the 4 stations at once. Then the rows the
apply wrote for those mutations (entity_record, received_mutation, change_log, field_change; before
server migration 0009 also applied_mutation, mutation_log, field_history) are COPYed into empty tables of the same definition in one transaction: the
physical ceiling. Targets: apply >= 0.1 x COPY; < 250 bytes per shift patch on the wire.

Run: .venv/bin/python benchmarks/bench_server_apply.py
"""

from __future__ import annotations

import gzip
import json
import random
import sys
import threading
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from support.live_server import LiveServer  # noqa: E402
from support.postgres import PostgresCluster  # noqa: E402

from hardtruths_desktop.domain import ids  # noqa: E402
from hardtruths_desktop.domain.clock import SYSTEM_CLOCK  # noqa: E402
from hardtruths_desktop.domain.hlc import Hlc  # noqa: E402

STATIONS = 4
PER_STATION = 500
BATCH = 200
DAYS = 7
SHIFTS = ("early", "late", "night")
FIELDS = ("groups.rn.actual", "groups.care.actual", "groups.rn.actual_hours", "groups.care.actual_hours", "notes")
TABLES = ("entity_record", "received_mutation", "received_batch", "change_log", "field_change")


class BenchStation:
    def __init__(self, srv: LiveServer, ward: str, code: str) -> None:
        self.http = httpx.Client(base_url=srv.url, timeout=60)
        e = self.http.post("/v1/enrol", json={"code": code, "ward_code": ward, "device_incarnation": str(uuid.uuid4()),
                                              "schema_version": 4}).json()
        self.device_id, self.ward_id, self.inc = e["device_id"], e["ward_id"], ""
        tok = self.http.post("/v1/token", json={"device_id": self.device_id, "device_secret": e["device_secret"]}).json()
        self.headers = {"Authorization": f"Bearer {tok['access_token']}", "Content-Type": "application/json",
                        "Content-Encoding": "gzip", "Client-Schema": "4", "Sync-Protocol": "1"}
        self.seq = 0
        self.acked = 0
        self.hlc = Hlc(int(time.time() * 1000) - DAYS * 86_400_000, 0, self.device_id[:8])
        self.wire = 0
        self.raw = 0

    def mutation(self, entity_id: str, op: str, payload: dict[str, Any], base: dict[str, str], step_ms: int) -> dict[str, Any]:
        self.seq += 1
        self.hlc = Hlc(self.hlc.pt + step_ms, 0, self.hlc.node)
        return {"client_seq": self.seq, "mutation_id": ids.uuid7(), "entity": "shift", "entity_id": entity_id, "op": op,
                "payload": payload, "base": base, "hlc": str(self.hlc), "schema_version": 4,
                "recorded_by": "staff:01a2f3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b", "wall_time": time.strftime("%Y-%m-%dT%H:%M:%SZ")}

    def push(self, muts: list[dict[str, Any]]) -> None:
        for i in range(0, len(muts), BATCH):
            chunk = muts[i:i + BATCH]
            body = json.dumps({"device_id": self.device_id, "device_incarnation": str(uuid.UUID(int=0)),
                               "server_epoch": None, "acked_through": self.acked, "mutations": chunk},
                              separators=(",", ":")).encode()
            data = gzip.compress(body)
            self.raw += len(body)
            self.wire += len(data)
            r = self.http.post("/v1/sync/push", content=data, headers=self.headers)
            r.raise_for_status()
            out = r.json()
            bad = [x for x in out["results"] if x["status"] != "applied"]
            assert not bad, bad[:2]
            self.acked = out["device_last_client_seq"]


def main() -> None:
    rnd = random.Random(7)
    with PostgresCluster.started(fsync=True) as pg:
        url = pg.create_database("bench")
        with LiveServer.start(url, clock=SYSTEM_CLOCK) as srv:
            admin = httpx.Client(base_url=srv.url, headers=srv.admin_headers(), timeout=60)
            admin.post("/v1/admin/wards", json={"code": "B1", "name": "Bench ward"}).raise_for_status()
            stations = [BenchStation(srv, "B1", admin.post("/v1/admin/wards/B1/enrolment-codes").json()["code"])
                        for _ in range(STATIONS)]
            first = date.today() - timedelta(days=DAYS - 1)
            shift_ids = [ids.shift_id(stations[0].ward_id, first + timedelta(days=d), s) for d in range(DAYS) for s in SHIFTS]
            creates = [stations[0].mutation(sid, "create", {
                "ward_id": stations[0].ward_id, "shift_date": (first + timedelta(days=i // 3)).isoformat(),
                "shift_code": SHIFTS[i % 3], **{f: (0 if f != "notes" else "") for f in FIELDS}}, {}, 1000)
                for i, sid in enumerate(shift_ids)]
            stations[0].push(creates)
            start_tok = {(c["entity_id"], f): c["mutation_id"] for c in creates for f in FIELDS}
            backlog: list[list[dict[str, Any]]] = []
            for st in stations:
                seen = dict(start_tok)  # what this station saw before going offline; its own edits chain on it
                muts = []
                for _ in range(PER_STATION):
                    sid, f = rnd.choice(shift_ids), rnd.choice(FIELDS)
                    value: Any = rnd.randint(0, 8) if f.endswith("actual") else (
                        round(rnd.uniform(0, 60), 1) if f.endswith("hours") else rnd.choice(["", "Bay 2 closed", "1 sick"]))
                    m = st.mutation(sid, "patch", {f: value}, {f: seen[(sid, f)]}, 7 * 86_400_000 // PER_STATION)
                    seen[(sid, f)] = m["mutation_id"]
                    muts.append(m)
                backlog.append(muts)
            wire0 = sum(s.wire for s in stations)
            raw0 = sum(s.raw for s in stations)
            t0 = time.perf_counter()
            threads = [threading.Thread(target=st.push, args=(muts,)) for st, muts in zip(stations, backlog, strict=True)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            drain = time.perf_counter() - t0
            n = STATIONS * PER_STATION
            wire = sum(s.wire for s in stations) - wire0
            raw = sum(s.raw for s in stations) - raw0

        # COPY ceiling: the rows the apply wrote for the backlog, into empty tables of the same definition
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as con:
            since = con.execute("SELECT min(server_seq) FROM received_mutation WHERE client_seq > 0 AND device_id::text <> %s",
                                (stations[0].device_id,)).fetchone()[0]
            queries = {
                "entity_record": "SELECT * FROM entity_record",
                "received_mutation": "SELECT * FROM received_mutation",
                # the mutations' texts, 100 a row (server migration 0015)
                "received_batch": "SELECT * FROM received_batch",
                "change_log": f"SELECT * FROM change_log WHERE seq >= {since}",
                # a history row's change number is its mutation's (server migration 0013: NULL in the row)
                "field_change": f"SELECT f.* FROM field_change f JOIN received_mutation m ON m.mutation_id = f.mutation_id"
                                f" WHERE coalesce(f.server_seq, m.server_seq) >= {since}",
            }
            dumps: dict[str, bytes] = {}
            rows = 0
            for t, q in queries.items():
                with con.cursor().copy(f"COPY ({q}) TO STDOUT") as cp:
                    dumps[t] = b"".join(bytes(b) for b in cp)
                rows += dumps[t].count(b"\n")
                con.execute(f"CREATE TABLE copy_{t} (LIKE {t} INCLUDING ALL)")
            con.commit()
            # entity_record holds one row per shift; the apply wrote one row version per mutation
            er = dumps["entity_record"].splitlines(keepends=True)
            dumps["entity_record"] = b"".join(er[i % len(er)] for i in range(n))
            con.execute("ALTER TABLE copy_entity_record DROP CONSTRAINT copy_entity_record_pkey")
            c0 = time.perf_counter()
            with con.transaction():
                for t, data in dumps.items():
                    with con.cursor().copy(f"COPY copy_{t} FROM STDIN") as cp:
                        cp.write(data)
            copy_s = time.perf_counter() - c0

    apply_rate = n / drain
    copy_rate = n / copy_s
    print(f"backlog: {n} shift patches from {STATIONS} stations ({DAYS}-day), batches of {BATCH}, gzip, loopback HTTP")
    print(f"drain time: {drain:.2f} s  -> server apply {apply_rate:,.0f} mutations/s (end to end, incl. HTTP and JSON)")
    print(f"COPY of the same {rows + n - len(er):,} rows into the same tables: {copy_s:.3f} s -> {copy_rate:,.0f} mutations/s")
    print(f"apply / COPY = {apply_rate / copy_rate:.3f} x (target >= 0.1 x)")
    print(f"wire: {wire / n:.0f} bytes per mutation gzip batched (raw JSON {raw / n:.0f} B, ratio {wire / raw:.2f});"
          f" target < 250 B")


if __name__ == "__main__":
    main()
