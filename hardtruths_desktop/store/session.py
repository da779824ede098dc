"""The open store and its one write path.

``Store.write(actor)`` opens a ``BEGIN IMMEDIATE`` transaction; repository functions call
``WriteTx.emit`` for every change to a synced record, which stamps an HLC, updates the record's
``field_meta``, appends the outbox row and the audit row, and persists ``hlc_last``, all in that
same transaction (SYNC.md 3.3, P1 "durable before visible"). Nothing else writes synced tables.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine
from sqlmodel import Session, select

from hardtruths_desktop.domain import field_meta
from hardtruths_desktop.domain.clock import LONDON, SYSTEM_CLOCK, Clock, utc_now, wall_ms
from hardtruths_desktop.domain.clock import iso_utc as iso_utc  # one definition, in the domain (re-exported)
from hardtruths_desktop.domain.hlc import Hlc, tick
from hardtruths_desktop.domain.ids import uuid7
from hardtruths_desktop.store import migrate
from hardtruths_desktop.store.engine import JOINED, db_path, make_engine, writer
from hardtruths_desktop.store.tables import TRUST_TABLES, SyncState

CLI_ACTOR_NAME = "command line"
KIOSK_ACTOR_NAME = "patient kiosk"


#: made once (``json.dumps`` with options builds an encoder on every call: three per save)
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=str)
_BASE_ENCODER = json.JSONEncoder(separators=(",", ":"))


def _dumps(value: Mapping[str, Any]) -> str:
    """The outbox's and audit's JSON: compact, UTF-8 as typed."""
    return _ENCODER.encode(value)


@dataclass(frozen=True)
class Actor:
    """Who a write is attributed to: a signed-in staff member, or the station's command line."""

    staff_id: str | None
    name: str

    @property
    def recorded_by(self) -> str:
        if self.staff_id:
            return f"staff:{self.staff_id}"
        return "station:kiosk" if self.name == KIOSK_ACTOR_NAME else "station:cli"

    @classmethod
    def command_line(cls) -> Actor:
        return cls(None, CLI_ACTOR_NAME)

    @classmethod
    def kiosk(cls) -> Actor:
        """The patient kiosk: nobody signed in (a patient's response names no one)."""
        return cls(None, KIOSK_ACTOR_NAME)


@dataclass
class Changes:
    """What a write touched, so screens refresh from one signal (STYLE.md habit 4)."""

    entities: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)

    def add(self, entity: str, entity_id: str) -> None:
        self.entities.add(entity)
        self.ids.add(entity_id)

    def __bool__(self) -> bool:
        return bool(self.entities)


class HasFieldMeta(Protocol):
    field_meta: str


class WriteTx:
    """One write transaction. Use only inside ``Store.write``.

    ``now`` (UTC) and ``today`` (the ward's date) are read from the store's clock once, when the
    transaction starts: every row it writes carries the same instant.
    """

    def __init__(self, conn: Connection, actor: Actor, clock: Clock, db: sqlite3.Connection | None = None) -> None:
        self._conn = conn
        self._session: Session | None = None
        self.actor = actor
        self.clock = clock
        self.changes = Changes()
        #: The transaction's own sqlite3 connection, for the hot path (shift saves) and the
        #: outbox/audit inserts: same connection and transaction as ``session``.
        self.db: sqlite3.Connection = db if db is not None else conn.connection.driver_connection  # type: ignore[assignment]
        device_id, incarnation, hlc_last, offset = self.db.execute(
            "SELECT device_id, device_incarnation, hlc_last, server_offset_ms FROM sync_state WHERE id = 1"
        ).fetchone()
        self._device_id: str | None = device_id
        self._incarnation: str = incarnation
        self._offset_ms: int = offset
        self.now: datetime = utc_now(clock)
        #: the ward's calendar date (Europe/London) for "how far ahead / back" checks, by the
        #: server-corrected clock once the station has synced: a PC clock reset to 2000 must not
        #: refuse today's shift (SYNC.md 4.2 #8: data accepted, no block)
        self.server_now: datetime = self.now + timedelta(milliseconds=offset)  # == now until the first sync
        self.today: date = self.server_now.astimezone(LONDON).date()
        self._clock_ms = int(self.now.timestamp() * 1000)
        last = Hlc.parse(hlc_last)
        self._hlc = Hlc(last.pt, last.lc, (device_id or incarnation)[:8])  # SYNC.md 3.7: node = device id once enrolled
        self._now_iso = iso_utc(self.now)
        self._persist_hlc = True

    @property
    def session(self) -> Session:
        """An ORM session in this transaction, made when a repository first asks (a shift save
        never does: SQL on ``db`` only, so the hot path pays for no session; issue 13)."""
        if self._session is None:
            if not self._conn.in_transaction():
                # the transaction was begun on the driver connection (``Store.write``): SQLAlchemy
                # is told it is in one without sending a second BEGIN (``engine._on_begin``)
                self._conn.execution_options(sqlite_begin=JOINED)
                self._conn.begin()
            self._session = Session(bind=self._conn, expire_on_commit=False)  # joins the open transaction
        return self._session

    @property
    def now_iso(self) -> str:
        return self._now_iso

    def validation_today(self, today: date) -> date:
        """The date a rule measures "too far ahead / has it started" from: the later of the caller's
        ``today`` (its own clock) and the server-corrected ward date, so a PC clock that is behind
        (reset to 2000) never refuses a save once the station has synced (SYNC.md 4.2 #8: never
        block data because of a clock)."""
        return max(today, self.today)


    @property
    def actor_ref(self) -> str:
        """What ``updated_by`` / ``raised_by`` columns hold: the staff id, or "command line"."""
        return self.actor.staff_id or self.actor.name

    @property
    def station_id(self) -> str:
        return self._device_id or self._incarnation

    def emit(
        self,
        entity: str,
        entity_id: str,
        op: str,
        payload: Mapping[str, Any],
        record: HasFieldMeta | None,
        action: str,
        audit_extra: Mapping[str, Any] | None = None,
        *,
        day_only: date | None = None,
    ) -> str:
        """Record one mutation of a synced entity: field_meta, outbox row, audit row, HLC.

        ``payload`` holds only the changed fields (flat names, e.g. ``groups.rn.actual``).
        ``day_only``: an anonymous event (a patient's feedback) whose outbox, audit and HLC times
        must say no more than its day. Returns the mutation id.
        """
        meta: dict[str, dict[str, Any]] = field_meta.loads(record.field_meta) if record is not None else {}
        mutation_id, new_meta = self.emit_raw(entity, entity_id, op, payload, meta, action, audit_extra, day_only=day_only)
        if record is not None:
            record.field_meta = new_meta
            self.session.add(record)
            self.session.flush()  # so SQL on tx.db later in this transaction (the shift path) sees it
        return mutation_id

    def emit_raw(
        self,
        entity: str,
        entity_id: str,
        op: str,
        payload: Mapping[str, Any],
        meta: dict[str, dict[str, Any]],
        action: str,
        audit_extra: Mapping[str, Any] | None = None,
        *,
        day_only: date | None = None,
        before: Mapping[str, Any] | None = None,
    ) -> tuple[str, str]:
        """``emit`` for callers that write the record with SQL themselves: updates ``meta`` in
        place and returns ``(mutation_id, field_meta JSON)`` for the caller to store.

        ``before``: the values this change replaced (``{field: old value}``), kept in the audit row
        so the trail says "from what" even when the old value came from another station."""
        mutation_id = uuid7()
        wall = self._now_iso
        if day_only is None:
            self._hlc = tick(self._hlc, self._clock_ms + self._offset_ms)
            hlc = str(self._hlc)
        else:
            # the day's start, counter 0: never the moment a patient pressed the button. Only for
            # create-only records (nothing merges on these tokens), so the station's HLC is not moved.
            midnight = datetime(day_only.year, day_only.month, day_only.day, tzinfo=UTC)
            hlc = str(Hlc(int(midnight.timestamp() * 1000), 0, self._hlc.node))
            wall = iso_utc(midnight)  # the day's midnight (UTC), in the usual format: screens that show ages still read it
            mutation_id = str(uuid.uuid4())  # a UUIDv7 would carry the time in its first 48 bits
        base: dict[str, str] = {}
        version = {"tok": mutation_id, "hlc": hlc}  # one object for all its fields: ``field_meta.pack`` keys it once
        for f in payload:
            if f in meta:
                base[f] = meta[f]["tok"]
            meta[f] = version
        old = _dumps(before) if before else None
        extra = dict(audit_extra) if audit_extra else {}
        if entity in TRUST_TABLES:  # the trust's own records are never sent by a ward station (decision 9)
            self.audit(action, entity, entity_id, {**payload, **extra}, at=wall if day_only is not None else None, before=old)
        else:
            seq = self._outbox(mutation_id, entity, entity_id, op, payload, base, hlc, wall)
            if any(v is None or k in payload for k, v in extra.items()):  # the trail could not rebuild it exactly
                self.audit(action, entity, entity_id, {**payload, **extra}, at=wall, before=old)
            else:
                # the audit row names the outbox row, which holds who, when and what (issue 13: stored once)
                self.db.execute(
                    "INSERT INTO audit_log (station_id, actor_name, action, changes, client_seq, before) VALUES (?,?,?,?,?,?)",
                    (self.station_id, self.actor.name, action, _dumps(extra) if extra else "{}", seq, old),
                )
        self.changes.add(entity, entity_id)
        return mutation_id, field_meta.dumps(meta)  # each version once with its fields (issue 13)

    def _outbox(self, mutation_id: str, entity: str, entity_id: str, op: str, payload: Mapping[str, Any],
                base: dict[str, str], hlc: str, wall: str) -> int:
        cur = self.db.execute(
            "INSERT INTO outbox (mutation_id, entity, entity_id, op, payload, base, hlc, schema_version,"
            " recorded_by, wall_time, state, attempts) VALUES (?,?,?,?,?,?,?,?,?,?,'pending',0)",
            (
                mutation_id, entity, entity_id, op, _dumps(payload),
                _BASE_ENCODER.encode(base), hlc, migrate.SCHEMA_VERSION,
                self.actor.recorded_by, wall,
            ),
        )
        return int(cur.lastrowid or 0)

    def require_manager(self, what: str = "change the ward setup", unless_self: str | None = None) -> None:
        """Ward setup is for the ward sister / manager (and for IT at the command line).

        ``unless_self``: a staff id the actor may act on as themselves (e.g. setting their own PIN).
        """
        sid = self.actor.staff_id
        if sid is None or sid == unless_self:
            return
        row = self.db.execute("SELECT is_manager, active FROM staff WHERE id = ?", (sid,)).fetchone()
        if row is None or not row[0] or not row[1]:
            from hardtruths_desktop.domain.validation import ValidationError

            raise ValidationError.single("permission", f"Only the ward sister or ward manager can {what}")

    def audit(self, action: str, entity: str, entity_id: str, changes: Mapping[str, Any], at: str | None = None,
              before: str | None = None) -> None:
        """An audit row alone (for local-only events such as sign-in). ``at``: a coarser time
        than now (an anonymous event's day)."""
        self.db.execute(
            "INSERT INTO audit_log (at, station_id, actor_id, actor_name, action, entity, entity_id, changes, before)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (at or self._now_iso, self.station_id, self.actor.staff_id, self.actor.name, action, entity, entity_id,
             _dumps(changes), before),
        )

    @property
    def current_hlc(self) -> str:
        return str(self._hlc)

    def skip_hlc_persist(self) -> None:
        """For a transaction that sets ``hlc_last`` itself (pull apply)."""
        self._persist_hlc = False

    def finish(self) -> None:
        if self._session is not None:
            self._session.flush()
        if self._persist_hlc:
            self.db.execute("UPDATE sync_state SET hlc_last = ? WHERE id = 1", (str(self._hlc),))


def _give_back(kept: weakref.WeakKeyDictionary[threading.Thread, tuple[Connection, weakref.finalize[..., Any]]],
               lock: threading.Lock) -> None:
    """Every kept write connection back to its pool (``Store.close``, or a store dropped unclosed)."""
    with lock:
        conns = list(kept.values())
        kept.clear()
    for conn, finalizer in conns:
        finalizer.detach()
        conn.close()


class Store:
    """The ward station's local store, opened (and upgraded) once per process.

    Thread-safety: the engine's pool hands each thread its own connection; writes serialise on
    SQLite's write lock (``BEGIN IMMEDIATE`` + busy timeout).

    ``clock`` is the process's one clock (``domain/clock.py``): every "now" of a write, a sync
    cycle or a screen that reads through this store comes from it; tests pin a ``FixedClock``.
    """

    def __init__(self, data_dir: Path, clock: Clock = SYSTEM_CLOCK) -> None:
        self.data_dir = data_dir
        self.path = db_path(data_dir)
        data_dir.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self.backup_made = migrate.upgrade(self.path, clock=clock)
        self.engine: Engine = make_engine(self.path)
        self._writer = writer(self.engine)
        #: each writing thread's own connection, kept checked out between its writes (``_write_conn``),
        #: with the finalizer that gives it back when the thread object goes
        self._thread_conns: weakref.WeakKeyDictionary[threading.Thread, tuple[Connection, weakref.finalize[..., Any]]] = (
            weakref.WeakKeyDictionary())
        self._thread_conns_lock = threading.Lock()
        self._in_write: set[int] = set()  # ids of kept connections inside a write now
        weakref.finalize(self, _give_back, self._thread_conns, self._thread_conns_lock)  # a store never closed
        self._ensure_sync_state()

    def _ensure_sync_state(self) -> None:
        with Session(self._writer) as s, s.begin():
            state = s.get(SyncState, 1)
            if state is not None and state.schema_version != migrate.SCHEMA_VERSION:
                if state.schema_version < migrate.SCHEMA_VERSION and migrate.needs_repull(state.schema_version):
                    # fields this version has just learnt were skipped by earlier pulls: fetch
                    # everything again (non-destructive: pending local edits stay on top)
                    state.pull_cursor = 0
                state.schema_version = migrate.SCHEMA_VERSION  # after an upgrade: say what the file now is
                s.add(state)
            if state is None:
                incarnation = str(uuid.uuid4())
                s.add(
                    SyncState(
                        id=1,
                        device_incarnation=incarnation,
                        hlc_last=str(Hlc.zero(incarnation)),
                        schema_version=migrate.SCHEMA_VERSION,
                    )
                )

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.engine, expire_on_commit=False) as s:
            yield s

    @contextmanager
    def write(self, actor: Actor) -> Iterator[WriteTx]:
        """A write transaction; commits (durably) on normal exit, rolls back on any exception.

        The ORM session is made only if a repository asks for it (``WriteTx.session``): a shift
        save pays for a connection and its transaction, nothing more (issue 13)."""
        with self._write_conn() as conn:
            # BEGIN IMMEDIATE and COMMIT on the driver connection itself: SQLAlchemy's transaction
            # object, its begin/commit events and the ORM session are made only when a repository
            # asks for ``tx.session`` (issue 13: the save path's own CPU, bench_save.py)
            db: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
            db.execute("BEGIN IMMEDIATE")
            tx: WriteTx | None = None
            try:
                tx = WriteTx(conn, actor, self.clock, db)
                yield tx
                tx.finish()
            except BaseException:
                if conn.in_transaction():
                    conn.rollback()  # the ORM joined: its transaction object rolls back (ROLLBACK)
                elif db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            else:
                if conn.in_transaction():
                    conn.commit()  # the ORM joined: COMMIT through its transaction object
                else:
                    db.execute("COMMIT")
            finally:
                if tx is not None and tx._session is not None:
                    tx._session.close()

    #: threads that keep a connection for their writes (the GUI's store worker, the sync runner, the
    #: command line's main thread); any further writing thread checks one out of the pool per write
    KEPT_WRITE_CONNECTIONS = 3

    @contextmanager
    def _write_conn(self) -> Iterator[Connection]:
        """The calling thread's write connection: kept checked out between its writes (issue 13: taking
        one from the pool and giving it back, with the pool's reset, was ~15% of a save's CPU). The
        same SQLite connection and settings as the pool's; a write leaves no transaction open on it
        (``write`` commits or rolls back). Dropped (given back to the pool) when the thread object
        goes, or at ``close``. A nested write, or a thread beyond ``KEPT_WRITE_CONNECTIONS``, uses a
        pool connection for that write, as before."""
        thread = threading.current_thread()
        with self._thread_conns_lock:
            kept = self._thread_conns.get(thread)
            conn = None if kept is None else kept[0]
            if kept is not None and (kept[0].closed or kept[0].invalidated):
                kept[1].detach()
                del self._thread_conns[thread]
                conn = None
            if conn is None and len(self._thread_conns) < self.KEPT_WRITE_CONNECTIONS:
                conn = self._writer.connect()
                self._thread_conns[thread] = (conn, weakref.finalize(thread, conn.close))
            if conn is None or id(conn) in self._in_write:
                conn = None
            else:
                self._in_write.add(id(conn))
        if conn is None:
            with self._writer.connect() as pooled:
                yield pooled
            return
        try:
            yield conn
        finally:
            with self._thread_conns_lock:
                self._in_write.discard(id(conn))

    def station_id(self) -> str:
        with self.read() as s:
            st = s.exec(select(SyncState)).one()
            return st.device_id or st.device_incarnation

    def now_ms(self) -> int:
        """This station's wall clock in ms (the one its HLC and server offset are based on)."""
        return wall_ms(self.clock)

    def close(self) -> None:
        _give_back(self._thread_conns, self._thread_conns_lock)  # back to the pool, which ``dispose`` closes
        self.engine.dispose()
