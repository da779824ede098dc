"""Helpers for the client+server sync tests: real ward stations (SQLite files in tmp_path, the real
``SyncEngine`` with ``MemoryCredentials``) talking real HTTP to the real trust server on loopback,
backed by the real PostgreSQL the fixtures start.

Faults are injected in the one place a real network fails: the HTTP transport. ``FaultTransport``
wraps httpx's own ``HTTPTransport`` and can refuse to connect (network down) or let a push reach
the server and then lose its response (the server committed, the station never heard).
"""

from __future__ import annotations

import contextlib
import gzip
import io
import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from support.clocks import SUITE_MS
from support.live_server import LiveServer

from hardtruths_desktop.domain import field_meta, ids
from hardtruths_desktop.domain.clock import FixedClock, iso_utc, today
from hardtruths_desktop.domain.hlc import Hlc
from hardtruths_desktop.store import queries, reference, sync_store
from hardtruths_desktop.store.session import Actor, Store
from hardtruths_desktop.store.shifts import KEEP, ShiftChange, save_shift
from hardtruths_desktop.store.tables import Ward
from hardtruths_desktop.sync.credentials import MemoryCredentials
from hardtruths_desktop.sync.engine import SyncEngine, SyncResult
from trust_server import field_versions

_codes = itertools.count(1)
THREE_SHIFTS = (
    ("early", "Early", time(7, 0), time(15, 0), "day"),
    ("late", "Late", time(14, 30), time(22, 0), "day"),
    ("night", "Night", time(21, 30), time(7, 30), "night"),
)
STAFF = (("Mary O'Neill", "rn", "Ward sister", True), ("Aisha Rahman", "rn", "Staff nurse", False),
         ("Γιώργος Παπαδόπουλος", "rn", "Staff nurse", False), ("Dylan Evans", "care", "Healthcare assistant", False))


def new_ward_code() -> str:
    """A ward code no other test on the session's server uses."""
    return f"S{uuid.uuid4().hex[:5].upper()}{next(_codes)}"[:16]


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


# --- the server: admin CLI in-process, and direct reads of its tables ------------------------------


@contextlib.contextmanager
def pinned_env(at: datetime) -> Iterator[None]:
    """``HARDTRUTHS_SERVER_PINNED_CLOCK`` at ``at`` inside the block (the admin CLI reads its clock there),
    with ``HARDTRUTHS_SERVER_ALLOW_PINNED_CLOCK=1`` (a test's server: the pinned clock is meant)."""
    import os

    from trust_server.settings import ENV_ALLOW_PINNED_CLOCK, ENV_PINNED_CLOCK

    set_here = {ENV_PINNED_CLOCK: iso_utc(at), ENV_ALLOW_PINNED_CLOCK: "1"}
    before = {name: os.environ.get(name) for name in set_here}
    os.environ.update(set_here)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class Server:
    """The live trust server plus its ``hardtruths-server admin`` CLI on the same database."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live

    @property
    def url(self) -> str:
        return self.live.url

    @property
    def database_url(self) -> str:
        return str(self.live.database_url)

    def admin(self, *args: str) -> str:
        """``hardtruths-server admin ...`` in-process, its clock pinned where the live server's is."""
        from trust_server.cli import main

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pinned_env(self.live.clock.now()):
            rc = main(["admin", "--database-url", self.database_url, "--data-dir", str(self.live.settings.data_dir), *args])
        assert rc == 0, f"hardtruths-server admin {' '.join(args)} -> {rc}: {err.getvalue()}"
        return out.getvalue().strip()

    def create_ward(self, code: str) -> None:
        self.admin("create-ward", "--code", code, "--name", f"Ward {code}")

    def code(self, ward: str) -> str:
        return self.admin("enrolment-code", "--ward", ward)

    def staffing(self, ward: str, month: str) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = json.loads(self.admin("staffing", "--ward", ward, "--month", month, "--json"))
        return rows

    def devices(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = json.loads(self.admin("devices", "--json"))
        return rows

    def sql(self, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        dsn = self.database_url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn) as con:
            return list(con.execute(query, params).fetchall())

    # what the server holds
    def applied(self, mutation_ids: list[str] | None = None) -> dict[str, int]:
        """mutation_id -> number of applied_mutation rows (1 for every one received, exactly once)."""
        if mutation_ids is None:
            rows = self.sql("SELECT mutation_id::text, count(*) FROM applied_mutation GROUP BY 1")
        else:
            rows = self.sql("SELECT mutation_id::text, count(*) FROM applied_mutation WHERE mutation_id::text = ANY(%s) GROUP BY 1",
                            (mutation_ids,))
        return {str(r[0]): int(r[1]) for r in rows}

    def received_order(self, mutation_ids: list[str]) -> list[tuple[int, int]]:
        """Where each mutation (in the order given) was received: (its request's ``received_batch`` row, its index
        there), drawn in the push's transaction, so in the order the server applied them (a change id, drawn
        before a pipelined push's turn since issue 13, is an identity, not an order)."""
        rows = self.sql("SELECT mutation_id::text, batch_id, batch_index FROM received_mutation WHERE mutation_id::text = ANY(%s)",
                        (mutation_ids,))
        at = {str(r[0]): (int(r[1]), int(r[2])) for r in rows}
        return [at[m] for m in mutation_ids if m in at]

    def record(self, entity: str, entity_id: str) -> dict[str, Any] | None:
        rows = self.sql("SELECT data, field_meta, needs_review, deleted FROM entity_record WHERE entity = %s AND id::text = %s",
                        (entity, entity_id))
        if not rows:
            return None
        data, meta, review, deleted = rows[0]
        # stored packed since server migration 0021: as ``{field: version}``
        return {"data": data, "field_meta": field_versions.unpack(meta), "needs_review": review, "deleted": deleted}

    def count_records(self, entity: str, entity_id: str) -> int:
        return int(self.sql("SELECT count(*) FROM entity_record WHERE entity = %s AND id::text = %s", (entity, entity_id))[0][0])

    def history(self, entity_id: str, field_name: str | None = None) -> list[dict[str, Any]]:
        q = ("SELECT field, old_value, new_value, outcome, mutation_id::text, incoming_hlc, stored_hlc FROM field_history"
             " WHERE entity_id::text = %s")
        params: tuple[Any, ...] = (entity_id,)
        if field_name:
            q += " AND field = %s"
            params += (field_name,)
        rows = self.sql(q + " ORDER BY id", params)
        keys = ("field", "old_value", "new_value", "outcome", "mutation_id", "incoming_hlc", "stored_hlc")
        return [dict(zip(keys, r, strict=True)) for r in rows]


# --- a fault-injecting network ------------------------------------------------------------------------


@dataclass
class Network:
    """What the station's network does to its requests (shared by every client it opens)."""

    online: bool = True
    drop_push_responses: int = 0  # lose this many push responses AFTER the server answered
    dropped: int = 0
    strip_first_push_items: int = 0  # the next push loses its first N mutations in transit (a gap)
    requests: list[str] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # every HTTP status the station received


class FaultTransport(httpx.BaseTransport):
    """httpx's real transport, with the faults of ``Network`` (not a mock of the server)."""

    def __init__(self, net: Network) -> None:
        self.net = net
        self.inner = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.net.requests.append(f"{request.method} {request.url.path}")
        if not self.net.online:
            raise httpx.ConnectError("network is down (test)", request=request)
        if request.url.path == "/v1/sync/push" and self.net.strip_first_push_items:
            n, self.net.strip_first_push_items = self.net.strip_first_push_items, 0
            body = json.loads(gzip.decompress(request.read()))
            body["mutations"] = body["mutations"][n:]
            raw = gzip.compress(json.dumps(body).encode())
            headers = {k: v for k, v in request.headers.items() if k.lower() != "content-length"}
            request = httpx.Request(request.method, request.url, headers=headers, content=raw)
        response = self.inner.handle_request(request)
        self.net.statuses.append(response.status_code)
        if request.url.path == "/v1/sync/push" and self.net.drop_push_responses > 0:
            response.read()  # the server has committed and answered ...
            response.close()
            self.net.drop_push_responses -= 1
            self.net.dropped += 1
            raise httpx.ReadError("connection reset before the answer arrived (test)", request=request)  # ... we never hear
        return response

    def close(self) -> None:
        self.inner.close()


class _Elapsed:
    """The time that has passed in the test's world: one millisecond at every read of any station's clock.

    Pinned clocks alone stand still, so two stations editing one after the other would tie on their
    hybrid clocks and a random device id would pick the winner; real clocks move on between two saves.
    One counter for every station of a test keeps "later in the test" later on every station, whatever
    the PC's date (``reset`` runs before each test, from tests/sync/conftest.py)."""

    ms = 0

    @classmethod
    def tick(cls) -> int:
        cls.ms += 1
        return cls.ms

    @classmethod
    def reset(cls) -> None:
        cls.ms = 0


def reset_elapsed() -> None:
    _Elapsed.reset()


class Clock:
    """A station's wall clock: a pinned time (default: the suite's "now", where the live server's clock
    stands) plus an offset the test sets (ms), moving on one millisecond at each read (``_Elapsed``).
    Never the PC's clock: tests never read today's date."""

    def __init__(self, offset_ms: int = 0, fixed_ms: int | None = None) -> None:
        self.offset_ms = offset_ms
        self.fixed_ms = SUITE_MS if fixed_ms is None else fixed_ms

    def __call__(self) -> int:
        return self.fixed_ms + self.offset_ms + _Elapsed.tick()

    def now(self) -> datetime:
        """The ``Clock`` protocol: the store, the engine and the HLC all read this."""
        return datetime.fromtimestamp(self() / 1000, UTC)

    def true_today(self) -> date:
        """The ward's date where the test's world stands (the pinned time, without this PC's error)."""
        return today(FixedClock(datetime.fromtimestamp(self.fixed_ms / 1000, UTC)))


# --- a ward station -----------------------------------------------------------------------------------


class Station:
    """One ward station: its own data folder and SQLite file, engine, keyring and network."""

    def __init__(self, folder: Path, clock: Clock | None = None, credentials: MemoryCredentials | None = None) -> None:
        self.dir = folder
        self.clock = clock or Clock()
        self.store = Store(folder, self.clock)
        self.net = Network()
        self.credentials = credentials or MemoryCredentials()
        self.engine = SyncEngine(self.store, self.credentials, client_factory=self.client)
        self.ward_code: str | None = None

    def reopen(self) -> Station:
        """Close and open the store again (an app restart): same folder, keyring and clock."""
        self.store.close()
        self.store = Store(self.dir, self.clock)
        self.engine = SyncEngine(self.store, self.credentials, client_factory=self.client)
        return self

    def copy_to(self, folder: Path) -> None:
        """Copy the station's database file to another data folder (a clone onto another PC)."""
        import shutil

        self.store.close()
        folder.mkdir(parents=True)
        for f in self.dir.iterdir():
            if f.name.startswith(self.store.path.name):
                shutil.copy2(f, folder / f.name)
        self.reopen()

    def raw_push(self, mutations: list[dict[str, Any]], schema: int | None = None, acked_through: int = 0) -> httpx.Response:
        """A push built by hand (same wire format as the engine's), for crafted batches."""
        from hardtruths_desktop.store import migrate

        info = self.info()
        assert info.device_id and info.server_url
        body = {"device_id": info.device_id, "device_incarnation": info.device_incarnation, "server_epoch": info.server_epoch,
                "acked_through": acked_through, "mutations": mutations}
        with httpx.Client(base_url=info.server_url, timeout=30) as c:
            return c.post("/v1/sync/push", content=gzip.compress(json.dumps(body).encode()),
                          headers={**self.auth_headers(c), "Content-Encoding": "gzip", "Content-Type": "application/json",
                                   "Sync-Protocol": "1", "Client-Schema": str(schema or migrate.SCHEMA_VERSION)})

    def auth_headers(self, c: httpx.Client) -> dict[str, str]:
        info = self.info()
        assert info.device_id
        r = c.post("/v1/token", json={"device_id": info.device_id, "device_secret": self.credentials.get(info.device_id)})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def client(self, base_url: str, ca_bundle: str | None) -> httpx.Client:
        return httpx.Client(base_url=base_url, transport=FaultTransport(self.net), timeout=30)

    def close(self) -> None:
        self.store.close()

    # setup and enrolment
    def set_up_ward(self, code: str, plan_from: date | None = None) -> Station:
        """Trust, ward, Early/Late/Night, establishment and staff list, as a ward sister would."""
        plan_from = plan_from or self.clock.true_today() - timedelta(days=400)
        with self.store.write(Actor.command_line()) as tx:
            trust = reference.upsert_trust(tx, "TST", "Test Hospitals NHS Trust")
            ward = reference.upsert_ward(tx, trust.id, code, f"Station ward {code}", "Main Site", "General medicine", 30)
            for order, (sc, name, start, end, period) in enumerate(THREE_SHIFTS):
                reference.set_shift_pattern(tx, ward, reference.PatternInput(sc, name, start, end, period, order))
            for sc, rn, care in (("early", (4, 32.0), (2, 16.0)), ("late", (4, 30.0), (2, 15.0)), ("night", (3, 30.0), (2, 20.0))):
                reference.set_establishment(tx, ward, sc, "rn", plan_from, *rn)
                reference.set_establishment(tx, ward, sc, "care", plan_from, *care)
            for name, role, title, manager in STAFF:
                reference.add_staff(tx, ward, name, role, title, manager)
        self.ward_code = code
        return self

    def enrol(self, server: Server, ward: str, code: str | None = None) -> None:
        self.engine.enrol(server.url, code or server.code(ward), ward)
        self.ward_code = ward

    def sync(self) -> SyncResult:
        return self.engine.sync_once()

    def sync_until_quiet(self, rounds: int = 6) -> SyncResult:
        result = self.sync()
        for _ in range(rounds):
            if result.ok:
                break
            result = self.sync()
        return result

    # recording
    def ward(self) -> Ward:
        assert self.ward_code
        with self.store.read() as s:
            return queries.ward_row(s, self.ward_code)

    def record(self, day: date, shift: str = "early", *, rn: int | None = None, care: int | None = None,
               notes: Any = KEEP, nic: str | None = None, actor: Actor | None = None) -> list[str]:
        """Save one shift like a nurse does; returns the mutation ids this save queued."""
        change = ShiftChange(notes=notes)
        if rn is not None:
            change.groups.setdefault("rn", {})["actual"] = rn
        if care is not None:
            change.groups.setdefault("care", {})["actual"] = care
        if nic is not None:
            with self.store.read() as s:
                change.nurse_in_charge_id = queries.find_staff(s, self.ward().id, nic).id
        before = self.max_seq()
        with self.store.write(actor or Actor.command_line()) as tx:
            save_shift(tx, self.ward(), day, shift, change, self.clock.true_today())
        return [r["mutation_id"] for r in self.outbox() if r["client_seq"] > before]

    def shift_id(self, day: date, shift: str = "early") -> str:
        return ids.shift_id(ids.ward_id(self.ward_code or ""), day, shift)

    # what the station holds
    def outbox(self) -> list[dict[str, Any]]:
        with self.store.engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT client_seq, mutation_id, entity, entity_id, op, payload, base, hlc, state, result FROM outbox ORDER BY client_seq"
            ).all()
        keys = ("client_seq", "mutation_id", "entity", "entity_id", "op", "payload", "base", "hlc", "state", "result")
        out = []
        for r in rows:
            d = dict(zip(keys, r, strict=True))
            d["payload"] = json.loads(d["payload"])
            d["base"] = json.loads(d["base"])
            d["result"] = json.loads(d["result"]) if d["result"] else None
            out.append(d)
        return out

    def max_seq(self) -> int:
        with self.store.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT coalesce(max(client_seq), 0) FROM outbox").scalar_one())

    def states(self) -> dict[str, int]:
        with self.store.engine.connect() as conn:
            return {str(s): int(n) for s, n in conn.exec_driver_sql("SELECT state, count(*) FROM outbox GROUP BY state")}

    def pending(self) -> int:
        return sync_store.counts(self.store)[0]

    def info(self) -> sync_store.SyncInfo:
        return sync_store.sync_info(self.store)

    def staffing(self, month: str, ward: str | None = None) -> list[dict[str, Any]]:
        """``hardtruths-desktop staffing show --ward W --month M --json``, run in-process on this data folder."""
        return station_staffing(self.dir, ward or self.ward_code or "", month)

    def shift_row(self, day: date, shift: str = "early") -> dict[str, Any]:
        with self.store.engine.connect() as conn:
            r = conn.exec_driver_sql("SELECT needs_review, field_meta FROM shift WHERE id = ?", (self.shift_id(day, shift),)).one()
            groups = {g: (p, a) for g, p, a in conn.exec_driver_sql(
                "SELECT staff_group, planned, actual FROM shift_staffing WHERE shift_id = ?", (self.shift_id(day, shift),))}
        return {"needs_review": bool(r[0]), "field_meta": field_meta.loads(r[1]), "groups": groups}

    def hlcs(self) -> list[Hlc]:
        return [Hlc.parse(r["hlc"]) for r in self.outbox()]


def station_staffing(folder: Path, ward: str, month: str) -> list[dict[str, Any]]:
    from hardtruths_desktop.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(["staffing", "show", "--data-dir", str(folder), "--ward", ward, "--month", month, "--json"])
    assert rc == 0, err.getvalue()
    rows: list[dict[str, Any]] = json.loads(out.getvalue())
    return rows


@contextlib.contextmanager
def stations(tmp_path: Path, *names: str, **kw: Any) -> Iterator[list[Station]]:
    made = [Station(tmp_path / n, **kw) for n in names]
    try:
        yield made
    finally:
        for s in made:
            s.close()


def wait(predicate: Callable[[], bool], timeout: float = 10.0) -> None:
    import time as _t

    deadline = _t.monotonic() + timeout
    while _t.monotonic() < deadline:
        if predicate():
            return
        _t.sleep(0.02)
    raise TimeoutError("condition not met")
