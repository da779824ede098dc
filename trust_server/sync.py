"""Push and pull (SYNC.md 3.4, 3.5): the server side of the sync protocol.

Transactions: ``push`` runs in one database transaction per batch (see ``trust_server.apply``).
It locks the device row first (``FOR UPDATE NOWAIT``: a second concurrent push of the same device
is 409 ``request_outstanding``), then every record the batch writes OR refers to, in one sorted
load (so two server processes always lock records in the same order and cannot deadlock), then the
counter row last. A collision that still happens (two batches creating the same new record: a
unique violation; a serialisation failure) is retried with jittered backoff; when the attempts run
out the answer is 503 with ``Retry-After``, never 500.

A mutation id is a promise about its content: a mutation id received again with a different
payload (or from a station of another ward) is refused as ``mutation_id_conflict``, never answered
``duplicate`` and never answered with another station's data.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import anyio.to_thread
import orjson
from sqlalchemy import BigInteger, Engine, Integer, bindparam, func, literal_column, or_, select, tuple_, union_all, update
from sqlalchemy import text as sa_text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as SATimeoutError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, col

from hardtruths_desktop.domain.clock import Clock, iso_utc, utc_now
from hardtruths_desktop.domain.validation import ValidationError
from hardtruths_desktop.sync.protocol import (
    RESTRICTED_ENTITIES,
    SCHEMAS,
    Change,
    ItemResult,
    MetaResponse,
    Mutation,
    PullResponse,
    PushRequest,
    PushResponse,
)
from trust_server import field_versions, reclaim
from trust_server.apply import Author, Batch, Cleaned, Incoming, _plain, canonical_uuid, created_record, raw_json, station_raw
from trust_server.bulk import driver_rows, json_value
from trust_server.db import server_meta
from trust_server.errors import ApiError
from trust_server.models import PAYLOAD_HASH_BYTES, STATUS_CODES, ChangeLog, Device, EntityRecord, ReceivedMutation, ServerMeta, UuidText
from trust_server.push_turns import PushTurns, StationTurn, outstanding
from trust_server.validate import clean_payload

log = logging.getLogger(__name__)

MAX_PULL = 1000
#: how stale a device's ``last_seen_at`` (the admin's "last sync") may get before a poll that moves no
#: cursor writes it
SEEN_EVERY = timedelta(minutes=1)
CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
PUSH_ATTEMPTS = 5
BACKOFF_S = 0.05  # full jitter: sleep random(0, BACKOFF_S * 2**attempt) between attempts
#: how long a pipelined push waits for the station's earlier push to commit before it is answered 409
#: ``request_outstanding`` (the station then sends it again once that one is answered)
PIPELINED_LOCK_WAIT = "30s"
#: how long a pipelined push that arrives before the push it follows (both on their way: the earlier one is
#: still being read) is tried again before it is answered 409 ``expected_seq`` (after a server restore, the
#: station's first pipelined push learns what the server lacks this much later)
PIPELINED_OVERTAKE_WAIT_S = 2.0
#: pipelined pushes of one station in this process at once: the one being applied and the one sent ahead
#: of it. One more (a broken or hostile station) is answered 409 ``request_outstanding`` at once rather than
#: holding a database connection while it waits, so one station cannot take the pool other wards push through
PIPELINED_PER_DEVICE = 2


iso = iso_utc

@dataclass(frozen=True)
class ClientHeaders:
    """What the station says about itself in request headers (all optional)."""

    schema: int | None = None
    app_version: str | None = None
    pending: int | None = None
    oldest_pending_s: int | None = None
    client_time: datetime | None = None
    protocol: int = 1  # ``Sync-Protocol``: 2 = own changes skipped, compact field versions (protocol.py)
    #: ``Push-Pipelined: 1``: this push was sent before the station's previous one was answered: it waits
    #: for that one's transaction instead of being refused 409 ``request_outstanding`` (protocol.HEADER_PIPELINE)
    pipelined: bool = False

    @classmethod
    def parse(cls, schema: str | None, app: str | None, pending: str | None, date_header: str | None,
              protocol: str | None = None, pipelined: str | None = None) -> ClientHeaders:
        schema_v = int(schema) if schema and schema.strip().isdigit() and len(schema.strip()) < 7 else None
        count = oldest = None
        if pending:
            m = re.fullmatch(r"\s*(\d{1,9})\s*(?:;\s*oldest\s*=\s*(\d{1,10})\s*)?", pending)
            if m:
                count = int(m.group(1))
                oldest = min(int(m.group(2)), 2**31 - 1) if m.group(2) else None
        client_time = None
        if date_header:
            try:
                client_time = parsedate_to_datetime(date_header)
                if client_time.tzinfo is None:
                    client_time = client_time.replace(tzinfo=UTC)
            except (TypeError, ValueError, IndexError, OverflowError):
                client_time = None
        app_v = app.strip()[:40] if app else None
        proto = int(protocol.strip()) if protocol and protocol.strip() in ("1", "2") else 1
        return cls(schema_v, app_v or None, count, oldest, client_time, proto, (pipelined or "").strip() == "1")


def check_schema(meta: ServerMeta | _PushMeta, headers: ClientHeaders, pulling: bool) -> None:
    if headers.schema is None:
        return
    if headers.schema > meta.schema_max:
        raise ApiError(409, "schema_too_new", f"This station's data is version {headers.schema}; the server reads up to "
                       f"{meta.schema_max}. Keep working: it will sync when the server is upgraded.")
    if pulling and headers.schema < meta.schema_min:
        raise ApiError(426, "client_too_old", "This station needs updating before it can receive changes; "
                       "its records still upload.", upload_allowed=True)


def meta_response(session: Session, *, clock: Clock) -> MetaResponse:
    meta = server_meta(session)
    return MetaResponse(server_epoch=meta.epoch, server_time=iso(utc_now(clock)), schema_min=meta.schema_min,
                        schema_max=meta.schema_max)


def _payload_sha(m: Mutation) -> bytes:
    """The mutation's content hash, over the same bytes every server has hashed (``raw_json``)."""
    body = {"entity": m.entity, "entity_id": m.entity_id, "op": m.op, "payload": m.payload, "base": m.base}
    return hashlib.sha256(raw_json(body).encode()).digest()


@dataclass
class _Prepared:
    """What each mutation of a push gives before any lock is taken (issue 13, i13-push5): its text as
    kept (``station_raw``), its content hash (``_payload_sha``) and its payload checked
    (``clean_payload`` as of ``today``: the values, or the refusal, which the merge raises at the same
    step as before, so a change is refused with the same words). A pipelined push does this while the
    station's earlier push holds the device; any push does it outside its transaction."""

    raws: list[str]
    shas: list[bytes]
    cleaned: list[Cleaned | None]
    #: ``_lock_keys`` of every mutation (used when none was received before: the common push)
    keys: tuple[set[tuple[str, str]], set[tuple[str, str]]] | None = None
    #: the batch merged ahead of the push's turn (``merge_ahead``), with each mutation's outcome; taken once
    ahead: tuple[Batch, list[Any]] | None = None


_SORTED = orjson.OPT_SORT_KEYS
def _texts(m: Mutation) -> tuple[str, bytes] | None:
    """``station_raw`` of the mutation and ``_payload_sha`` (issue 13, i13-merge6: each checked the payload
    with ``_plain`` and built its dict again): the same bytes, checked once. None for anything but the plain
    printable-ASCII case of ``raw_json``'s fast path, or a slim text ``station_raw`` would not keep: then
    both come from the functions themselves (``tests/server/test_push_batch.py`` compares)."""
    payload, base = m.payload, m.base
    if type(payload) is not dict or type(base) is not dict or not _plain(payload) or not _plain(base):
        return None
    by = m.recorded_by
    if type(m.client_seq) is not int or not canonical_uuid(m.mutation_id) or by != by[:120].replace("\x00", ""):
        return None
    try:
        slim = orjson.dumps({"base": base, "entity": m.entity, "entity_id": m.entity_id, "hlc": m.hlc, "op": m.op,
                             "payload": payload, "schema_version": m.schema_version, "wall_time": m.wall_time}, option=_SORTED)
        # any non-ASCII byte or DEL (``raw_json``'s fast path does not apply), any ``\\u`` escape (a NUL or a
        # surrogate half: ``station_raw`` keeps the text whole), what ``station_raw`` never keeps slim
        # (a text without a backslash has no escape, one without a capital I or N neither word: each looked
        # for by one byte first, a search of the whole text ~0.3 us; issue 13, i13-cpu7)
        if not (slim.isascii() and b"\x7f" not in slim and (b"\\" not in slim or b"\\u" not in slim)
                and b'"mutation_id":' not in slim and (b"I" not in slim or b"Infinity" not in slim)
                and (b"N" not in slim or b"NaN" not in slim) and _plain(m.schema_version)):
            return None
        body = orjson.dumps({"base": base, "entity": m.entity, "entity_id": m.entity_id, "op": m.op, "payload": payload},
                            option=_SORTED)  # every value also in ``slim``: plain printable ASCII too
    except TypeError:  # orjson.JSONEncodeError: broken Unicode, a huge integer
        return None
    return slim.decode(), hashlib.sha256(body).digest()


def _prepare(req: PushRequest, today: date) -> _Prepared:
    raws: list[str] = []
    shas: list[bytes] = []
    cleaned: list[Cleaned | None] = []
    for m in req.mutations:
        texts = _texts(m) if type(m.payload) is dict and type(m.base) is dict else None
        if texts is not None:
            raws.append(texts[0])
            shas.append(texts[1])
        else:
            raws.append(station_raw(m.__dict__))  # == m.model_dump(): flat fields, no extras (extra="forbid"); slim (0010)
            shas.append(_payload_sha(m))
        entity_id = m.entity_id.lower()
        try:
            values = clean_payload(m.entity, entity_id, m.op, m.payload, today)
            # a create is most often of a record the server does not have: its whole-record check made here too
            create = created_record(m.entity, entity_id, values) if m.op == "create" and canonical_uuid(entity_id) else None
            cleaned.append(Cleaned(today, values, None, create))
        except ValidationError as e:
            cleaned.append(Cleaned(today, None, e))
        except Exception:  # anything else: not prepared, the merge checks it itself (and raises as before)
            cleaned.append(None)
    muts = req.mutations
    return _Prepared(raws, shas, cleaned, _lock_keys(muts, min(m.client_seq for m in muts) - 1) if muts else None)


def merge_ahead(engine: Engine, device_id: str, req: PushRequest, headers: ClientHeaders, prepared: _Prepared,
                clock: Clock) -> None:
    """A pipelined push's records read and merged BEFORE its turn (PostgreSQL), while the station's earlier push
    holds the device: its transaction then only checks, under the same locks, that each row is still the version
    read (``Batch.adopt``), instead of reading and merging them itself (issue 13: a station's transactions run one
    after another, so what they do is the push's wall time). Kept in ``prepared.ahead`` only for a push whose
    mutations were all new (and none of their ids received) when read; the transaction uses it only if the push is
    still new to it and the device's ward is the same, else it merges as before (as it does whenever anything here
    fails: nothing is lost, and nothing written here but change ids drawn). An id another station sends in between
    meets ``received_mutation``'s primary key at the transaction's insert: the push is tried again, merged in its
    transaction. The batch's time (``received_at``, the clock checks, the day payloads are checked as of) is the
    merge's. Called only while another push of the station is in flight in this process (a push alone has nothing
    to overlap: merged ahead, it would only start its transaction later), and only when the pool gives a connection
    at once (else it would wait for one before even taking its turn)."""
    muts = req.mutations
    if not headers.pipelined or not muts or prepared.keys is None or engine.dialect.name != "postgresql":
        return
    if len({m.mutation_id.lower() for m in muts}) != len(muts):
        return  # refused in the transaction, as before
    if not _pool_has_room(engine):
        return
    now = utc_now(clock)
    try:
        with Session(engine, expire_on_commit=False) as session:
            rows = driver_rows(session, "SELECT ward_id, revoked_at, last_client_seq FROM device WHERE device_id = %s",
                               (device_id,))
            if not rows or rows[0][1] is not None or int(rows[0][2]) >= muts[0].client_seq:
                return  # unknown, revoked, or a re-send: the transaction answers it
            if driver_rows(session, RECEIVED_BY_IDS_SQL, (uuid_array([m.mutation_id.lower() for m in muts]),)):
                return  # an id received before (a re-enrolled PC re-sending, a reused id): the transaction answers it
            batch = Batch(session, Author(device_id, rows[0][0]), now)
            writes, refers = prepared.keys
            batch.read_ahead(writes, share=refers)
            outcomes = []
            for i, m in enumerate(muts):
                outcomes.append(batch.apply(Incoming(m.mutation_id, m.entity, m.entity_id, m.op, m.payload, m.base, m.hlc,
                                                     m.recorded_by, prepared.raws[i], m.client_seq, prepared.shas[i],
                                                     prepared.cleaned[i])))
                if batch.read_more:
                    return  # it read past its keys (a unique key looked up): never adopted, so merged only once
            batch.stage()  # ids drawn (the sequence locks nothing) and rows built: the transaction only writes them
    except (DBAPIError, SATimeoutError):  # the database busy or gone: the transaction meets it too, and says so
        log.info("a push could not be merged ahead of its turn: merged in its transaction", exc_info=True)
        return
    except Exception:  # never the push's error (the transaction merges as before), but a fault of this step's own
        log.warning("merging a push ahead of its turn failed: merged in its transaction", exc_info=True)
        return
    prepared.ahead = (batch, outcomes)


def _pool_has_room(engine: Engine) -> bool:
    """Whether the engine's pool gives a connection now: one idle in it, or room to open one (a ``QueuePool``;
    any other pool: True)."""
    pool = engine.pool
    if not isinstance(pool, QueuePool):
        return True
    return pool.checkedin() > 0 or pool.checkedout() < pool.size() + max(0, pool._max_overflow)


def _usual_uuid(text_id: str) -> bool:
    """``CANONICAL_UUID.fullmatch(text_id)`` (either case): the lower-case form, the one stations send, is
    answered by ``canonical_uuid``'s kept answers (the merge asks about each mutation id again)."""
    return canonical_uuid(text_id) or CANONICAL_UUID.fullmatch(text_id) is not None


def _structure(req: PushRequest) -> None:
    """Batch-level checks: a failure here is 422 ``batch_malformed`` (the station bisects)."""
    for prev, m in zip(req.mutations, req.mutations[1:], strict=False):
        if m.client_seq != prev.client_seq + 1:
            raise ApiError(422, "batch_malformed", f"Mutations must be in client_seq order without gaps ({prev.client_seq} then {m.client_seq})")
    for m in req.mutations:
        # a record id (entity_id) is not checked here: one not a UUID in its usual form (any length, any text)
        # is refused alone, by name, when its change is merged (``apply.odd_record_id``); the rest apply
        if not _usual_uuid(m.mutation_id):
            # kept as a PostgreSQL uuid (server migration 0009), which reads only this form ("----" and 32
            # hex digits is a UUID to Python, not to PostgreSQL): refused here, never a 500 at the insert
            raise ApiError(422, "batch_malformed", f"client_seq {m.client_seq}: mutation_id is not a UUID in its usual form")
        if "\x00" in m.recorded_by or "\x00" in m.wall_time or "\x00" in m.entity \
                or (m.base and any("\x00" in v for v in m.base.values())):
            raise ApiError(422, "batch_malformed", f"client_seq {m.client_seq}: contains a NUL character")


def _duplicate(rec: Received, m: Mutation) -> ItemResult:
    """The recorded verdict of a mutation already received. Applied => status ``duplicate``;
    rejected => status ``rejected`` again with the recorded error and a ``duplicate`` flag."""
    result: dict[str, Any] = dict(rec.result or {})
    flags = list(result.get("flags", []))
    if rec.status_code == STATUS_CODES["rejected"]:
        return ItemResult(client_seq=m.client_seq, mutation_id=m.mutation_id, status="rejected",
                          error=result.get("error"), flags=[*flags, "duplicate"])
    return ItemResult(client_seq=m.client_seq, mutation_id=m.mutation_id, status="duplicate",
                      server_seq=rec.server_seq, effective=result.get("effective", {}), flags=flags)


def _conflict(m: Mutation) -> ItemResult:
    return ItemResult(client_seq=m.client_seq, mutation_id=m.mutation_id, status="rejected", flags=["mutation_id_conflict"],
                      error="mutation_id_conflict: this change's id was already used for a different change; it was not "
                            "applied (the station's copy is kept for review)")


def _is_lock_unavailable(e: DBAPIError) -> bool:
    return getattr(e.orig, "sqlstate", None) == "55P03"


def _is_retryable(e: DBAPIError) -> bool:
    return isinstance(e, IntegrityError) or getattr(e.orig, "sqlstate", None) in ("40001", "40P01")


def busy(retry_after: int = 2) -> ApiError:
    return ApiError(503, "busy", "The trust server is busy: try again shortly", headers={"Retry-After": str(retry_after)})


def push(engine: Engine, device_id: str, req: PushRequest, headers: ClientHeaders, *, clock: Clock,
         turns: PushTurns | None = None) -> PushResponse:
    """``clock``: the server's (``Settings.clock``): the shift-date window, HLC checks, ``server_time``.
    ``turns``: the app's (``app.state.push_turns``): a station's pushes in this process take turns there."""
    answer = _push(engine, device_id, req, headers, clock, plain=False, turns=turns)
    assert isinstance(answer, PushResponse)
    return answer


def push_plain(engine: Engine, device_id: str, req: PushRequest, headers: ClientHeaders, *, clock: Clock,
               turns: PushTurns | None = None) -> dict[str, Any]:
    """``push``'s answer as protocol 2 sends it, ``model_dump(exclude_defaults=True)`` of ``push``'s, built
    as plain JSON values (issue 13, i13-push5: a model per verdict, then its dump, cost ~10 ms a 500-change
    push). ``tests/server/test_push.py`` reads both forms of one answer."""
    answer = _push(engine, device_id, req, headers, clock, plain=True, turns=turns)
    assert isinstance(answer, dict)
    return answer


def _push(engine: Engine, device_id: str, req: PushRequest, headers: ClientHeaders, clock: Clock,
          plain: bool, turns: PushTurns | None) -> PushResponse | dict[str, Any]:
    check_push_device(req, device_id)
    with (turns or PushTurns()).station(device_id, pipelined=headers.pipelined, limit=PIPELINED_PER_DEVICE) as station:
        prepared = prepare_push(req, clock, engine, device_id, headers, station)
        retry = _Retry()
        while True:
            # the station's turn in this process first (a pipelined push waits for it holding no database
            # connection: push_turns.py), then a connection, and the device row (another process's push)
            try:
                return push_in_turn(engine, device_id, req, headers, clock, prepared, plain, station, turn_wait_s(headers))
            except (_Early, DBAPIError) as e:
                time.sleep(retry.pause(e))


async def push_awaiting_turn(engine: Engine, device_id: str, req: PushRequest, headers: ClientHeaders, *, clock: Clock,
                             turns: PushTurns, answer: Callable[[PushResponse | dict[str, Any]], Any], plain: bool) -> Any:
    """The endpoint's push (``push_plain``'s answer if ``plain``, else ``push``'s), ``answer`` made of it in the worker
    thread: the batch checked in a worker thread, the station's turn awaited on the event loop (a pipelined push
    waits there for the one before it: no worker thread held; reviewer, issue 13), then applied in a worker thread
    holding the turn (``push_turns.py``)."""
    check_push_device(req, device_id)
    with turns.station(device_id, pipelined=headers.pipelined, limit=PIPELINED_PER_DEVICE) as station:
        prepared = await anyio.to_thread.run_sync(prepare_push, req, clock, engine, device_id, headers, station)
        retry = _Retry()
        while True:
            if not await station.acquire_async(turn_wait_s(headers)):
                raise outstanding()
            entered = False

            def in_thread() -> Any:
                nonlocal entered
                entered = True  # from here the thread's ``station.turn(held=True)`` releases the turn
                return answer(push_in_turn(engine, device_id, req, headers, clock, prepared, plain, station, 0.0, held=True))

            try:  # the turn is released in the thread, as the transaction ends
                return await anyio.to_thread.run_sync(in_thread)
            except (_Early, DBAPIError) as e:
                await asyncio.sleep(retry.pause(e))
            except BaseException:
                # cancelled while waiting for a worker thread (all busy): no thread took the turn, so it is
                # released here, or the station's next pushes would wait it out (reviewer, issue 13)
                if not entered:
                    station.release()
                raise


def check_push_device(req: PushRequest, device_id: str) -> None:
    if req.device_id != device_id:
        raise ApiError(403, "wrong_device", "The push names a different device from the access token")


def prepare_push(req: PushRequest, clock: Clock, engine: Engine | None = None, device_id: str = "",
                 headers: ClientHeaders | None = None, station: StationTurn | None = None) -> _Prepared:
    """What a push checks before its turn: the batch's shape and each payload (as of the server's today); given the
    engine, and while another push of the station is in flight here (``station.users``), its merge too
    (``merge_ahead``)."""
    _structure(req)
    prepared = _prepare(req, utc_now(clock).date())
    if engine is not None and headers is not None and station is not None and station.users > 1:
        merge_ahead(engine, device_id, req, headers, prepared, clock)
    return prepared


def _lock_wait_s() -> float:
    """``PIPELINED_LOCK_WAIT`` in seconds ("30s", "200ms")."""
    wait = PIPELINED_LOCK_WAIT.strip()
    return float(wait[:-2]) / 1000 if wait.endswith("ms") else float(wait.rstrip("s"))


def turn_wait_s(headers: ClientHeaders) -> float:
    """How long a push waits for its station's turn: a pipelined one ``PIPELINED_LOCK_WAIT``, another not at all."""
    return _lock_wait_s() if headers.pipelined else 0.0


def push_in_turn(engine: Engine, device_id: str, req: PushRequest, headers: ClientHeaders, clock: Clock, prepared: _Prepared,
                 plain: bool, station: StationTurn, wait_s: float, held: bool = False) -> PushResponse | dict[str, Any]:
    """One attempt: the station's turn (waited for up to ``wait_s``, or ``held`` already), then a connection and the
    transaction. Raises ``_Early`` or a retryable ``DBAPIError`` for ``_Retry`` to judge."""
    with station.turn(wait_s, held=held), Session(engine, expire_on_commit=False) as session, session.begin():
        answer = _push_tx(session, device_id, req, headers, clock, prepared, plain)
    reclaim.after_push(engine, session.info.get(reclaim.UPDATED, 0))  # committed: its old versions can be freed
    return answer()  # committed, the turn passed on: the answer is built outside both


class _Retry:
    """What a push does after an attempt that failed: its pause before the next, or the error to answer."""

    def __init__(self) -> None:
        self.attempt = 0
        self.overtook_until = time.monotonic() + PIPELINED_OVERTAKE_WAIT_S
        self.early_pause = 0.005

    def pause(self, e: _Early | DBAPIError) -> float:
        if isinstance(e, _Early):
            # a pipelined push that took the device before the push it follows: that one is on its way (sent
            # first, still being read): tried again shortly, then told which seq comes next, as before
            if time.monotonic() >= self.overtook_until:
                raise e.refusal from None
            pause, self.early_pause = self.early_pause, min(0.05, self.early_pause * 2)  # 5 ms doubling to 50 ms
            return pause
        if _is_lock_unavailable(e):
            raise outstanding() from None
        if not _is_retryable(e):
            raise e
        if self.attempt == PUSH_ATTEMPTS - 1:
            raise busy() from None
        self.attempt += 1
        return random.uniform(0, BACKOFF_S * 2**(self.attempt - 1))


class _Early(Exception):  # not an error: a pipelined push that came too soon
    """A pipelined push whose first change is not the next the server expects (its transaction is rolled back)."""

    def __init__(self, refusal: ApiError) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


def _lock_keys(muts: list[Mutation], last: int) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The records the new mutations write, and those they only refer to (a red flag's shift, a
    nurse in charge, the trust of a new ward): locked together in one sorted load (the written ones
    ``FOR UPDATE``, the referred-only ones ``FOR SHARE``), so no push ever locks a record after
    another it already holds (two server processes cannot deadlock)."""
    writes: set[tuple[str, str]] = set()
    refers: set[tuple[str, str]] = set()
    for m in muts:
        if m.client_seq <= last:
            continue
        # only ids in the usual form are looked up: any other (a lone surrogate, braces) could not be sent to
        # PostgreSQL as a key, and its mutation is refused by name, alone, when it is merged
        entity_id = m.entity_id.lower()
        if canonical_uuid(entity_id):
            writes.add((m.entity, entity_id))
        schema = SCHEMAS.get(m.entity)
        payload = m.payload
        for ref in schema.references if schema is not None else ():
            target = payload.get(ref.field)
            if isinstance(target, str):
                target = target.lower()
                if canonical_uuid(target):
                    refers.add((ref.target, target))
    return writes, refers - writes


def lock_device(session: Session, device_id: str, wait: bool = False) -> Device:
    """The device row, locked to commit on PostgreSQL: at once or 409 ``request_outstanding`` (the
    caller maps the lock error), or, ``wait``, after the transaction holding it (the station's earlier
    push, for a pipelined one) ends, within ``PIPELINED_LOCK_WAIT``."""
    device: Device | None = session.execute(_for_update(session, select(Device).where(col(Device.device_id) == device_id),
                                                        wait)).scalar_one_or_none()
    _check_device(device)
    assert device is not None
    return device


def _for_update(session: Session, q: Any, wait: bool) -> Any:
    """``q`` locking the device row (``lock_device``)."""
    if session.get_bind().dialect.name == "postgresql":
        if wait:
            session.execute(sa_text("SELECT set_config('lock_timeout', :t, true)"), {"t": PIPELINED_LOCK_WAIT})
        q = q.with_for_update(nowait=not wait)
    return q


def _check_device(device: Any) -> None:
    """A device row found and not revoked, or the refusal."""
    if device is None:
        raise ApiError(401, "unknown_device", "This server does not know the station: enrol it again")
    if device.revoked_at is not None:
        raise ApiError(403, "device_revoked", "This station's access was revoked: contact IT (its records are kept)")


@dataclass(frozen=True)
class _PushMeta:
    """What a push reads of ``server_meta``."""

    epoch: str
    schema_min: int
    schema_max: int


def _driver_rows(session: Session, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """``bulk.driver_rows``: ``sql`` on the session's own psycopg connection (PostgreSQL)."""
    return driver_rows(session, sql, params)


def _push_meta(session: Session) -> _PushMeta:
    """``server_meta``'s epoch and schema range by one plain SELECT (the ORM's ``session.get`` ~0.35 ms a push)."""
    table = ServerMeta.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        rows = _driver_rows(session, "SELECT epoch, schema_min, schema_max FROM server_meta WHERE id = 1", ())
        row = rows[0] if rows else None
    else:
        row = session.execute(select(table.c.epoch, table.c.schema_min, table.c.schema_max).where(table.c.id == 1)).first()
    if row is None:
        raise RuntimeError("server_meta is missing: the database was not migrated")
    return _PushMeta(row[0], int(row[1]), int(row[2]))


@dataclass(frozen=True)
class _PushDevice:
    """What a push reads of its device row, locked as ``lock_device`` locks it."""

    ward_id: str
    last_client_seq: int


def _lock_push_device(session: Session, device_id: str, wait: bool) -> _PushDevice:
    """``lock_device`` by a plain SELECT of the columns a push reads, the same row lock (an ORM object, then its
    flush at the end, cost ~1 ms of a push's CPU; issue 13, i13-cpu7). The push writes its columns back with
    ``_device_update``."""
    table = Device.__table__  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        if wait:
            _driver_rows(session, "SELECT set_config('lock_timeout', %s, true)", (PIPELINED_LOCK_WAIT,))
        rows = _driver_rows(session, "SELECT ward_id, last_client_seq, revoked_at FROM device WHERE device_id = %s"
                            f" FOR UPDATE{'' if wait else ' NOWAIT'}", (device_id,))
        row: Any = _DeviceSeen(*rows[0]) if rows else None
    else:
        row = session.execute(select(table.c.ward_id, table.c.last_client_seq, table.c.revoked_at).where(
            table.c.device_id == device_id)).first()
    _check_device(row)
    return _PushDevice(row.ward_id, int(row.last_client_seq))


@dataclass(frozen=True)
class _DeviceSeen:
    ward_id: str
    last_client_seq: int
    revoked_at: datetime | None


#: the device columns a push writes (``_device_update``)
_DEVICE_SEEN = ("last_client_seq", "last_seen_at", "app_version", "schema_version", "pending_reported", "oldest_pending_s",
                "clock_offset_ms")


def _device_update(session: Session, device_id: str, values: dict[str, Any]) -> None:
    """The push's device columns written (what the ORM's flush of the device object wrote)."""
    if session.get_bind().dialect.name == "postgresql":
        names = [k for k in _DEVICE_SEEN if k in values]
        assert len(names) == len(values)
        _driver_rows(session, f"UPDATE device SET {', '.join(f'{k} = %s' for k in names)} WHERE device_id = %s",
                     (*(values[k] for k in names), device_id))
        return
    table = Device.__table__  # type: ignore[attr-defined]
    session.execute(update(table).where(table.c.device_id == device_id).values(**values))


@dataclass(frozen=True, slots=True)
class Received:
    """What a push reads of a mutation received before (its ``received_mutation`` row): the columns ``_push_tx``
    and ``_duplicate`` read, as the ORM object has them."""

    mutation_id: str  # lower case (a PostgreSQL uuid)
    device_id: str
    client_seq: int | None
    server_seq: int | None
    payload_sha256: bytes | None
    status_code: int | None
    result: dict[str, Any] | None


_RECEIVED_COLUMNS = ("r.mutation_id::text, r.device_id::text, r.client_seq, r.server_seq, r.payload_sha256, r.status_code,"
                     " r.result::text")
#: PostgreSQL: a device's mutations received before in a range of client_seq (the unique key ``(device_id, client_seq)``)
RECEIVED_BY_SEQ_SQL = (f"SELECT {_RECEIVED_COLUMNS} FROM received_mutation AS r"
                       " WHERE r.device_id = %s AND r.client_seq >= %s AND r.client_seq <= %s")
#: PostgreSQL: the mutations a request brings that the server has received before, by id. The ids are ONE ``uuid[]``
#: parameter (an array literal sent untyped, which the statement's cast types: the parameter IS a ``uuid[]``), not 500
#: (each bound and converted), and NOT a text literal CAST in the query (i13-merge6's, reverted by i13-http6): where
#: PostgreSQL's plan for it was a scan of the table filtering each row, the CAST of ~18 KB of text was evaluated again
#: for EVERY row (PostgreSQL CPU of a sync of 2,000 new shifts 0.14 -> 0.97 s, of 2,000 edits 0.28 -> 3.3 s).
#: ``tests/server/test_push_plan.py`` holds its plan to the primary key. Each id is looked up by the primary key in a
#: LATERAL subquery (``OFFSET 0`` keeps PostgreSQL from flattening it into a join): a nested loop of index probes by
#: the query's shape. As ``mutation_id = ANY(...)`` PostgreSQL scanned the whole table for a batch of 500 ids while it
#: had no statistics, and a burst of pushes outruns autovacuum's: each batch of a push of 20,000 read every mutation
#: received before it (i13-growth8). Driver SQL since i13-cpu9 (the ORM's statement was built and compiled per push).
RECEIVED_BY_IDS_SQL = (f"SELECT {_RECEIVED_COLUMNS} FROM unnest(%s::uuid[]) AS k(mid)"
                       " CROSS JOIN LATERAL (SELECT * FROM received_mutation AS m WHERE m.mutation_id = k.mid OFFSET 0) AS r")


def uuid_array(ids: list[str]) -> str:
    """``RECEIVED_BY_IDS_SQL``'s parameter: ids (UUIDs in their usual form: ``_structure`` refused any other) as one
    array literal."""
    return "{" + ",".join(ids) + "}"


def _received(row: tuple[Any, ...]) -> Received:
    mid, dev, client_seq, server_seq, sha, status, result = row
    return Received(mid, dev, client_seq, server_seq, bytes(sha) if sha is not None else None, status,
                    json_value(result) if result is not None else None)


def received_before(session: Session, device_id: str, muts: list[Mutation], last: int) -> tuple[dict[int, Received], dict[str, Received]]:
    """The mutations of ``muts`` (in client_seq order, gapless: ``_structure``) the server has received before: by
    ``client_seq`` (this device's, those up to ``last``, the device's last client_seq: ``_push_tx`` reads this map only
    for them, so a push of new changes, the usual one, makes no such look-up) and by mutation id (any device's; ids
    in lower case). PostgreSQL: plain statements on the driver (issue 13, i13-cpu9: the ORM's two statements, built and
    compiled for each push, and an ORM object per row, cost ~1.5 ms of CPU a batch, inside its transaction); elsewhere
    the ORM's, read into the same ``Received``."""
    by_seq: dict[int, Received] = {}
    by_mid: dict[str, Received] = {}
    if not muts:
        return by_seq, by_mid
    mids = [m.mutation_id.lower() for m in muts]
    first, upto = muts[0].client_seq, min(muts[-1].client_seq, last)
    if session.get_bind().dialect.name == "postgresql":
        seq_rows = [_received(r) for r in driver_rows(session, RECEIVED_BY_SEQ_SQL, (device_id, first, upto))] if first <= upto else []
        mid_rows = [_received(r) for r in driver_rows(session, RECEIVED_BY_IDS_SQL, (uuid_array(mids),))]
    else:
        def plain(rec: ReceivedMutation) -> Received:
            return Received(rec.mutation_id, rec.device_id, rec.client_seq, rec.server_seq, rec.payload_sha256,
                            rec.status_code, rec.result)

        seq_rows = [plain(rec) for rec in session.execute(select(ReceivedMutation).where(
            col(ReceivedMutation.device_id) == device_id,
            col(ReceivedMutation.client_seq) >= first,
            col(ReceivedMutation.client_seq) <= upto)).scalars()] if first <= upto else []
        mid_rows = [plain(rec) for rec in session.execute(select(ReceivedMutation).where(
            col(ReceivedMutation.mutation_id).in_(mids))).scalars()]
    for rec in seq_rows:
        by_seq[int(rec.client_seq or 0)] = rec
    for rec in mid_rows:
        by_mid[rec.mutation_id] = rec
    return by_seq, by_mid


def _push_tx(session: Session, device_id: str, req: PushRequest, headers: ClientHeaders, clock: Clock,
             prepared: _Prepared | None = None, plain: bool = False) -> Callable[[], PushResponse | dict[str, Any]]:
    """The push's transaction; returns what makes its answer, called once the transaction has committed."""
    prepared = prepared or _prepare(req, utc_now(clock).date())
    meta = _push_meta(session)
    device = _lock_push_device(session, device_id, wait=headers.pipelined)
    check_schema(meta, headers, pulling=False)
    if req.server_epoch is not None and req.server_epoch != meta.epoch:
        raise ApiError(409, "epoch_changed", "The server was restored from a backup: re-send retained changes, then pull everything")
    if req.acked_through > device.last_client_seq:
        raise ApiError(409, "epoch_changed", f"The server has lost changes it acknowledged (it holds up to "
                       f"{device.last_client_seq}, the station says {req.acked_through}): re-send them",
                       expected_seq=device.last_client_seq + 1)
    now = utc_now(clock)
    last = device.last_client_seq
    muts = req.mutations
    if muts and muts[0].client_seq > last + 1:
        refusal = ApiError(409, "expected_seq", f"The server expects client_seq {last + 1} next", expected_seq=last + 1)
        raise _Early(refusal) if headers.pipelined else refusal
    # worked out ahead for a push none of whose mutations the server has had (every client_seq after ``last``)
    fresh_only = prepared.keys is not None and bool(muts) and min(m.client_seq for m in muts) > last
    ahead, prepared.ahead = prepared.ahead, None  # merged before the turn: used at most once (a retry merges here)
    if not (ahead is not None and fresh_only and ahead[0].author.ward_id == device.ward_id and ahead[0].adopt(session)):
        ahead = None
    # mutation ids compared in lower case: PostgreSQL keeps them as uuid (and reads them back so)
    by_seq: dict[int, Received] = {}
    by_mid: dict[str, Received] = {}
    if ahead is None:  # merged ahead: none of its ids had been received (looked up then; one received
        # since, from another station, meets its primary key at the insert: the push is tried again, merged here)
        by_seq, by_mid = received_before(session, device_id, muts, last)
    other_wards: dict[str, str] = {}
    others = {rec.device_id for rec in by_mid.values() if rec.device_id != device_id}
    if others:
        other_wards = {d: w for d, w in session.execute(
            select(col(Device.device_id), col(Device.ward_id)).where(col(Device.device_id).in_(others))).all()}

    def answered(rec: Received, m: Mutation, sha: bytes) -> ItemResult:
        """The recorded verdict, only for the same change from this station (or a station of the same
        ward: a re-enrolled PC re-sending); anything else is a conflict."""
        same_ward = rec.device_id == device_id or other_wards.get(rec.device_id) == device.ward_id
        if rec.payload_sha256 != sha[:PAYLOAD_HASH_BYTES] or not same_ward:  # its first 16 bytes kept (migration 0022)
            return _conflict(m)
        return _duplicate(rec, m)

    results: list[ItemResult | None] = []
    fresh: list[tuple[Mutation, Any]] = []  # (mutation, Outcome) received for the first time
    if ahead is not None:
        batch = ahead[0]  # every row it read still as it read it, now locked: its merge is this transaction's
        staged = True
        results = [None] * len(muts)
        fresh = list(zip(muts, ahead[1], strict=True))
        last = muts[-1].client_seq
        muts = []
    else:
        staged = False
        batch = Batch(session, Author(device_id, device.ward_id), now)
        writes, refers = prepared.keys if fresh_only and prepared.keys is not None else _lock_keys(muts, last)
        batch.load(writes, share=refers)
    seen_in_batch: set[str] = set()
    for i, m in enumerate(muts):
        if m.client_seq <= last:
            rec = by_seq.get(m.client_seq)
            if rec is not None and rec.mutation_id != m.mutation_id.lower():
                raise ApiError(409, "device_forked", f"client_seq {m.client_seq} was already used by another change: this "
                               "station's database was copied or restored; enrol it again as a new station")
            rec = rec or by_mid.get(m.mutation_id.lower())
            if rec is None:
                raise ApiError(409, "device_forked", f"client_seq {m.client_seq} is behind what this server holds for the "
                               "station and the change is unknown: enrol it again as a new station")
            results.append(answered(rec, m, prepared.shas[i]))
            continue
        if m.client_seq > last + 1:  # a hole inside the batch: never skip a station's change silently
            raise ApiError(409, "expected_seq", f"The server expects client_seq {last + 1} next", expected_seq=last + 1)
        last = m.client_seq
        mid = m.mutation_id.lower()
        known = by_mid.get(mid)
        if known is not None:
            results.append(answered(known, m, prepared.shas[i]))
            continue
        if mid in seen_in_batch:
            raise ApiError(422, "batch_malformed", f"client_seq {m.client_seq}: mutation_id repeated in the batch")
        seen_in_batch.add(mid)
        outcome = batch.apply(Incoming(m.mutation_id, m.entity, m.entity_id, m.op, m.payload, m.base, m.hlc,
                                       m.recorded_by, prepared.raws[i], m.client_seq, prepared.shas[i], prepared.cleaned[i]))
        fresh.append((m, outcome))
        results.append(None)
    # mutations and verdicts written (staged ahead, or here); their place in the pull stream comes last, below
    if staged:
        batch.write(sequence=False)
    else:
        batch.finish(sequence=False)
    seen: dict[str, Any] = {"last_client_seq": last, "last_seen_at": now}
    if headers.app_version:
        seen["app_version"] = headers.app_version
    if headers.schema is not None:
        seen["schema_version"] = headers.schema
    if headers.pending is not None:
        seen["pending_reported"] = headers.pending
        seen["oldest_pending_s"] = headers.oldest_pending_s
    if headers.client_time is not None:
        seen["clock_offset_ms"] = int((now - headers.client_time).total_seconds() * 1000)
    _device_update(session, device_id, seen)  # before the stream's locks, as the ORM's flush was
    # the records this push rewrites (an old version each, freed by VACUUM: ``reclaim.after_push``, on commit)
    session.info[reclaim.UPDATED] = len(batch.pending_rows[1])
    high = batch.sequence()  # LAST: the stream locks are held only for this and the commit
    # the answer is made by the caller once the transaction has committed and the station's turn is passed on
    return lambda: _push_answer(results, fresh, headers, plain, meta.epoch, clock, last, high)


def _push_answer(results: list[ItemResult | None], fresh: list[tuple[Mutation, Any]], headers: ClientHeaders, plain: bool,
                 epoch: str, clock: Clock, last: int, high: int) -> PushResponse | dict[str, Any]:
    """A push's answer: each verdict in the order of the request (``results``: the answers of the mutations
    received before, None where one of ``fresh`` was applied now, with its outcome)."""
    final: list[ItemResult] = []
    items: list[dict[str, Any]] = []  # ``plain``: the verdicts as ``ItemResult.model_dump(exclude_defaults=True)``
    it = iter(fresh)
    for r in results:
        if r is not None:
            if plain:
                items.append(r.model_dump(exclude_defaults=True))
            else:
                final.append(r)
            continue
        m, o = next(it)
        # built by the server from checked values: constructed, not validated again (2,000 a push)
        # protocol 2: a change applied as sent needs no echo of its values (the station has them)
        echo = {} if headers.protocol >= 2 and o.clean else dict(o.effective)
        if plain:
            item: dict[str, Any] = {"client_seq": m.client_seq, "mutation_id": m.mutation_id, "status": o.status}
            if o.server_seq is not None:
                item["server_seq"] = o.server_seq
            if echo:
                item["effective"] = echo
            if o.flags:
                item["flags"] = list(o.flags)
            if o.error is not None:
                item["error"] = o.error
            items.append(item)
            continue
        final.append(ItemResult.model_construct(client_seq=m.client_seq, mutation_id=m.mutation_id, status=o.status,
                                                server_seq=o.server_seq, effective=echo, flags=list(o.flags), error=o.error))
    if plain:
        return {"server_epoch": epoch, "server_time": iso(utc_now(clock)), "device_last_client_seq": last,
                "server_seq_high": high, "results": items}
    return PushResponse(server_epoch=epoch, server_time=iso(utc_now(clock)), device_last_client_seq=last,
                        server_seq_high=high, results=final)


@dataclass(frozen=True)
class EncodedPage:
    """A pull page already encoded as JSON (protocol 2 on PostgreSQL: each change's JSON written by
    the database, so a page costs no Python work per record)."""

    body: bytes


def pull(engine: Engine, device_id: str, since: int, limit: int, epoch: str | None, headers: ClientHeaders,
         encode_in_db: bool | None = None, applied: int | None = None, *, clock: Clock) -> PullResponse | EncodedPage:
    """One page of changes after ``since`` (SYNC.md 3.5): each record once, in its current state.

    ``encode_in_db`` (default: on PostgreSQL for protocol 2): PostgreSQL writes each change's JSON and
    the page goes out as bytes (``EncodedPage``); otherwise a ``PullResponse`` is built here. Both carry
    the same changes (``tests/server/test_pull_pages.py`` compares them)."""
    limit = max(1, min(limit, MAX_PULL))
    with Session(engine, expire_on_commit=False) as session, session.begin():
        meta = server_meta(session)
        device = session.get(Device, device_id)
        if device is None:
            raise ApiError(401, "unknown_device", "This server does not know the station: enrol it again")
        if device.revoked_at is not None:
            raise ApiError(403, "device_revoked", "This station's access was revoked: contact IT (its records are kept)")
        check_schema(meta, headers, pulling=True)
        is_pg = session.get_bind().dialect.name == "postgresql"
        in_db = is_pg and (headers.protocol >= 2 if encode_in_db is None else encode_in_db)
        # read BEFORE the page (each statement sees the commits made by its start): every change of
        # this ward and the trust up to ``scope_high`` is in the page's snapshot too
        high, scope_high = _highs(session, device.ward_id)
        if epoch is not None and epoch != meta.epoch:
            raise ApiError(410, "epoch_changed", "The server was restored from a backup: pull everything again from 0")
        if 0 < since < meta.min_retained_seq:  # since=0 is the full re-pull a 410 asks for
            raise ApiError(410, "cursor_too_old", f"Changes before {meta.min_retained_seq} were purged: pull everything again from 0")
        if since > high:
            raise ApiError(410, "cursor_ahead", "The station has seen changes this server does not hold (server restored?): "
                           "pull everything again from 0")
        # Protocol 2 skips the station's own changes (``echo_of``) unless it pulls from 0 (a full
        # re-pull after a restore must bring back every record as the server holds it).
        skip_own = headers.protocol >= 2 and since > 0
        if is_pg and since < scope_high:
            _plan_settings(session, walks_records(device, skip_own))
        rows = _page_rows(session, device, since, limit, skip_own)
        has_more = len(rows) > limit
        rows = rows[:limit]
        next_since = rows[-1][0] if rows else since
        if skip_own and not has_more:
            # the station's own changes after the last row are not sent, but passed: every change of
            # its ward and the trust up to their highest seq (read before the page) committed before
            # the page was read (within those streams seq order is commit order; another ward's higher seq
            # may commit before a lower one of this ward, so it is never the cursor)
            next_since = max(next_since, scope_high)
        # Each record once, in its current state, placed where it first changed in this page (a record
        # is created before anything that refers to it, so the page never has a red flag before its shift).
        first: dict[tuple[str, str], int] = {}
        for seq, entity, entity_id in rows:
            first.setdefault((entity, entity_id), seq)
        fetched = _records(session, list(first.items()), in_db, is_pg)
        ahead = _referenced_ahead(session, device, fetched, next_since, skip_own, in_db, is_pg)
        # what the station has applied: the cursor it asks from (a page it fetched ahead may yet be lost),
        # or, when it asks for a page ahead of the one it is applying, the cursor it says it has applied
        pulled = since if applied is None else min(since, applied)
        now = utc_now(clock)
        seen = device.last_seen_at
        if pulled > device.last_pull_seq or seen is None or abs(now - (seen if seen.tzinfo else seen.replace(tzinfo=UTC))) >= SEEN_EVERY:
            # a poll that moves no cursor updates the device row at most once a minute: not a write and
            # a durable commit for every station's poll every few seconds
            device.last_pull_seq = max(device.last_pull_seq, pulled)
            device.last_seen_at = now
            session.add(device)
        # what the page refers to that would otherwise come only in a later page, then the page's records
        page = [*ahead.values(), *(fetched[key] for key in first if key in fetched)]
        if in_db:
            return EncodedPage(orjson.dumps({
                "server_epoch": meta.epoch, "min_retained_seq": meta.min_retained_seq, "server_time": iso(utc_now(clock)),
                "changes": orjson.Fragment(b"[" + b",".join(r.encoded or b"" for r in page) + b"]"),
                "next_since": next_since, "has_more": has_more}))
        changes = [_change(r, headers.protocol) for r in page]
        return PullResponse(server_epoch=meta.epoch, min_retained_seq=meta.min_retained_seq, server_time=iso(utc_now(clock)),
                            changes=changes, next_since=next_since, has_more=has_more)


def _plan_settings(session: Session, records: bool) -> None:
    """PostgreSQL settings for the rest of the pull's transaction (one statement, ``set_config`` local).

    ``jit = off``: the page query's estimated cost grows with the rows after the cursor (the planner
    cannot know how few of them the once-per-record test keeps), so far behind the head it passed
    ``jit_above_cost`` and, from cursor 0 at 20,000 shifts, the inlining and optimising thresholds
    too: PostgreSQL spent ~1 s compiling a query that ran in 0.24 s, and 50-150 ms on each of the
    next pages, which made a pull grow faster than the ward (issue 13: 14x for 10x the shifts). Every
    statement of a pull is a short index walk; JIT never pays for itself here.

    ``enable_bitmapscan = off`` when the page walks the records (``record_rows_query``): with
    statistics that do not know the ward yet (a new ward, right after a restore) PostgreSQL expected
    few rows after the cursor and read them all by a bitmap, checked each against the change log and
    sorted them, for every page; without bitmaps the ordered range of the walked index (since server
    migration 0019 ``ix_change_log_ward_stream``) stopping at the page's size is the cheapest plan whatever the statistics
    (``tests/server/test_pull_plan.py``, which runs the query with the same setting)."""
    bitmaps = ", set_config('enable_bitmapscan', 'off', true)" if records else ""
    session.execute(sa_text(f"SELECT set_config('jit', 'off', true){bitmaps}"))


#: serve a pull that skips none of the station's own changes from the records themselves
#: (``record_rows_query``); off only in tests that compare it with the change-log walk
WALK_RECORDS = True


def walks_records(device: Device, skip_own: bool) -> bool:
    """Whether this page is read from the records (``record_rows_query``) rather than the change log
    (``page_rows_query``): when the station is sent every record whose latest change is after its
    cursor, which both give alike: a pull that skips none of the station's own changes (from cursor
    0, protocol 1), or a station that has never pushed (no change is its own: a new station's first
    sync, page after page)."""
    return WALK_RECORDS and (not skip_own or device.last_client_seq == 0)


def _page_rows(session: Session, device: Device, since: int, limit: int, skip_own: bool) -> list[Any]:
    """The first ``limit + 1`` change rows after ``since`` this station is sent, in seq order."""
    q = record_rows_query() if walks_records(device, skip_own) else page_rows_query(skip_own)
    return list(session.execute(q, page_rows_params(device.ward_id, device.device_id, since, limit)).all())


@functools.cache
def record_rows_query() -> Any:
    """The rows of ``page_rows_query`` without its own-change rule: each record of the ward and the trust
    whose latest change (``last_seq``) is after the cursor, at that change, in seq order, when that change
    is in the change log in the record's stream; its parameters: ``page_rows_params``.

    The change-log walk sends a change only when no later change of its record follows in the same
    stream, i.e. each record once at its ``last_seq``. Here each stream is one range of
    ``ix_change_log_ward_stream`` stopping at ``limit + 1`` rows that are their record's latest (one
    primary-key lookup of the record each; a scalar subquery, which PostgreSQL never turns into a join
    over the whole table, ``tests/server/test_pull_plan.py``). From 0014 to 0019 this walked the records
    by ``(ward_id, last_seq)``; that index made every edit of a record a non-HOT update, so it went
    (server migration 0019), and the change log holds about one row per record instead: a push deletes
    the row its change supersedes when no station is then sent it (``stream.drop_unsent``), the
    nightly purge the others."""
    rec = EntityRecord.__table__.alias("r")  # type: ignore[attr-defined]
    log = ChangeLog.__table__.alias("l")  # type: ignore[attr-defined]
    ward_id = bindparam("ward_id", type_=UuidText)
    since, n = bindparam("since", type_=BigInteger), bindparam("n", type_=Integer)
    latest = select(literal_column("1")).select_from(rec).where(
        rec.c.entity == log.c.entity, rec.c.id == log.c.entity_id, rec.c.last_seq == log.c.seq,
        rec.c.ward_id.is_not_distinct_from(log.c.ward_id)).scalar_subquery()
    parts = []
    for mine in (log.c.ward_id == ward_id, log.c.ward_id.is_(None)):
        q = select(log.c.seq, log.c.entity, log.c.entity_id).where(
            mine, _stream(log) > since, log.c.entity.notin_(sorted(RESTRICTED_ENTITIES)), latest.is_not(None))
        parts.append(select(q.order_by(_stream(log)).limit(n).subquery()))
    both = union_all(*parts).subquery()
    return select(both).order_by(both.c.seq).limit(n)


def page_rows_params(ward_id: str, device_id: str, since: int, limit: int) -> dict[str, Any]:
    """The values of ``page_rows_query``'s parameters."""
    return {"ward_id": ward_id, "device_id": device_id, "since": since, "n": limit + 1}


@functools.cache
def page_rows_query(skip_own: bool) -> Any:
    """The query of ``_page_rows``, built once (a poll at the head spent more time building it than
    PostgreSQL spends answering it); its parameters: ``page_rows_params``.

    Two index range scans, one for the ward's rows and one for the trust-wide rows, each stopping
    at ``limit + 1`` rows, merged: a poll costs its own ward's changes, never a walk over other
    wards' rows. A row is left out when a LATER row of the same record will be sent (the record's
    ``last_seq`` row, in the same stream, not one of this station's own echoes): that row brings the
    record's current state, which includes this change, so a record changed many times is sent once
    (a new station pulling a ward whose shifts were each created and edited downloads each shift
    once, not twice).

    Written so that index ranges are the only plan, whatever PostgreSQL's statistics (issue 13, at
    trust size; ``tests/server/test_pull_plan.py``): each range is on ``_stream`` (``seq + 0``), which
    only ``ix_change_log_ward_stream`` holds, so the primary key cannot serve it (with statistics
    taken before the latest pushes, or as a generic plan, PostgreSQL walked the primary key from the
    cursor through every other ward's newer rows); and the once-per-record test is a scalar
    subquery, run for each row the range reads as two primary-key lookups (the record's
    ``last_seq``, then that change), which PostgreSQL never turns into a join over the whole change
    log (a ``NOT EXISTS`` became a hash anti-join reading all of it for a pull from 0)."""
    c = ChangeLog.__table__.alias("c")  # type: ignore[attr-defined]
    later = ChangeLog.__table__.alias("later")  # type: ignore[attr-defined]
    rec = EntityRecord.__table__.alias("rec")  # type: ignore[attr-defined]
    ward_id, device_id = bindparam("ward_id", type_=UuidText), bindparam("device_id", type_=UuidText)  # uuid (0015b, 0018)
    since, n = bindparam("since", type_=BigInteger), bindparam("n", type_=Integer)
    # the seq of the record's latest change when that change comes later in the same stream and is sent
    # to this station (NULL: this row is the one that brings the record). The stream is compared with
    # IS NOT DISTINCT FROM, which no index serves: that change is found by its seq alone, never by a
    # scan of the stream's rows.
    superseding = select(later.c.seq).select_from(rec.join(later, later.c.seq == rec.c.last_seq)).where(
        rec.c.entity == c.c.entity, rec.c.id == c.c.entity_id, rec.c.last_seq > c.c.seq,
        later.c.entity == c.c.entity, later.c.entity_id == c.c.entity_id, later.c.ward_id.is_not_distinct_from(c.c.ward_id))
    if skip_own:
        superseding = superseding.where(or_(later.c.echo_of.is_(None), later.c.echo_of != device_id))
    parts = []
    for mine in (c.c.ward_id == ward_id, c.c.ward_id.is_(None)):
        q = select(c.c.seq, c.c.entity, c.c.entity_id).where(
            mine, _stream(c) > since, c.c.entity.notin_(sorted(RESTRICTED_ENTITIES)),  # never to a station
            superseding.scalar_subquery().is_(None))
        if skip_own:
            q = q.where(or_(c.c.echo_of.is_(None), c.c.echo_of != device_id))
        parts.append(select(q.order_by(_stream(c)).limit(n).subquery()))
    both = union_all(*parts).subquery()
    return select(both).order_by(both.c.seq).limit(n)


def _stream(log: Any) -> Any:
    """``models.WARD_STREAM_SQL`` on ``log`` (a change_log alias): the expression the ward's stream is
    indexed by, the 0 written as is (a bound parameter would not match the index)."""
    return log.c.seq + literal_column("0")


@dataclass
class _Pulled:
    """One record of a page: its key, the seq it is sent at, what it refers to, and either its JSON
    (written by PostgreSQL) or its row."""

    entity: str
    id: str
    seq: int
    refs: dict[str, str]
    encoded: bytes | None = None
    row: Any = None


#: the fields that hold another record's id (``Ref.field`` of every schema), read with each record
_REF_FIELDS: tuple[str, ...] = tuple(sorted({ref.field for s in SCHEMAS.values() for ref in s.references}))

#: one change's parts as protocol 2 sends them, read from PostgreSQL as text (no jsonb decoded into
#: Python objects): ``row`` without the tombstone flag, and the stored field versions' text (packed since
#: server migration 0021), which ``_encode`` turns into ``compact_versions`` (grouping them in SQL, ``jsonb_each``
#: and an aggregate per record, cost PostgreSQL more than the whole rest of the page)
_CHANGE_PARTS = ("(CASE WHEN jsonb_typeof(r.data) = 'object' THEN r.data - 'deleted' ELSE '{}'::jsonb END)::text,"
                 " r.field_meta::text,"  # json (0015b), read in either form by ``field_versions``
                 " r.deleted, r.needs_review")


def _encode(seq: int, entity: str, entity_id: str, ward_id: str | None, row_text: str, meta_text: str, deleted: bool,
            needs_review: bool) -> bytes:
    """One change as protocol 2 sends it (what ``model_dump(exclude_defaults=True)`` of ``_change`` gives):
    the row spliced in as PostgreSQL wrote it, the versions by token in the order of the record's
    ``field_meta``, ``deleted`` / ``needs_review`` only when true.

    Stored versions neither JSON reader takes, or holding text orjson cannot write (a lone surrogate), never stop
    the page: the record goes without the versions it cannot send (logged), as one it has no versions for."""
    versions = compact_versions(field_versions.loads(meta_text, f"{entity} {entity_id}"))
    change: dict[str, Any] = {"seq": seq, "entity": entity, "id": entity_id, "ward_id": ward_id,
                              "row": orjson.Fragment(row_text), "versions": versions}
    if deleted:
        change["deleted"] = True
    if needs_review:
        change["needs_review"] = True
    try:
        return orjson.dumps(change)
    except TypeError:  # orjson.JSONEncodeError: a version's text is not valid Unicode
        change["versions"] = sendable_versions(versions, f"{entity} {entity_id}")
        return orjson.dumps(change)


def _pg_array(values: list[str]) -> str:
    """A PostgreSQL array literal of text values (one parameter; psycopg's list adapter costs ~5 ms a
    thousand values)."""
    return "{" + ",".join('"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def records_sql(in_db: bool) -> str:
    """``_records``' statement on PostgreSQL (parameters ``ents``, ``ids``, ``seqs``: array literals)."""
    refs = ", ".join(f"r.data->>'{f}' AS ref_{i}" for i, f in enumerate(_REF_FIELDS))
    what = _CHANGE_PARTS if in_db else "r.data, r.field_meta, r.deleted, r.needs_review"
    return (f"SELECT r.entity, r.id::text, k.seq, r.ward_id::text, {refs}, {what} FROM unnest(CAST(:ents AS text[]),"
            " CAST(:ids AS uuid[]), CAST(:seqs AS bigint[])) AS k(entity, id, seq)"  # uuid (migration 0018)
            " CROSS JOIN LATERAL (SELECT * FROM entity_record e WHERE e.entity = k.entity AND e.id = k.id OFFSET 0) AS r")


def _records(session: Session, keyed: list[tuple[tuple[str, str], int]], in_db: bool, is_pg: bool) -> dict[tuple[str, str], _Pulled]:
    """The current state of each ``(entity, id)`` with the seq it is sent at: one query (on PostgreSQL the keys
    ``unnest``ed, each looked up by the primary key in a LATERAL subquery, ``OFFSET 0`` keeping it from being
    flattened into a join: a nested loop of probes by the query's shape. A row-value IN list of 1,000 pairs was
    planned as a scan of the whole table, and a join to the keys as a hash of it while the table had no statistics,
    as during a burst: i13-growth8, ``apply._load_sql``)."""
    if not keyed:
        return {}
    out: dict[tuple[str, str], _Pulled] = {}
    if is_pg:
        result = session.execute(sa_text(records_sql(in_db)), {"ents": _pg_array([k[0] for k, _s in keyed]),
                                                               "ids": _pg_array([k[1] for k, _s in keyed]),
                                                               "seqs": "{" + ",".join(str(int(s)) for _k, s in keyed) + "}"})
    else:
        seqs = dict(keyed)
        table = EntityRecord.__table__  # type: ignore[attr-defined]
        result = session.execute(select(table).where(tuple_(table.c.entity, table.c.id).in_(list(seqs))))
    n = len(_REF_FIELDS)
    for r in result:
        if is_pg:
            entity, entity_id, seq, ward_id = r[0], r[1], int(r[2]), r[3]
            ref_values = r[4:4 + n]
            rest = r[4 + n:]
        else:
            m = r._mapping
            entity, entity_id, ward_id = m["entity"], m["id"], m["ward_id"]
            seq = seqs[(entity, entity_id)]
            data = m["data"] if isinstance(m["data"], dict) else {}
            ref_values = tuple(data.get(f) for f in _REF_FIELDS)
            rest = (m["data"], m["field_meta"], m["deleted"], m["needs_review"])
        p = _Pulled(entity, entity_id, seq, {f: v for f, v in zip(_REF_FIELDS, ref_values, strict=True) if isinstance(v, str)})
        if in_db:
            p.encoded = _encode(seq, entity, entity_id, ward_id, *rest)
        else:
            p.row = (ward_id, *rest)
        out[(entity, entity_id)] = p
    return out


def _referenced_ahead(session: Session, device: Device, page: dict[tuple[str, str], _Pulled], next_since: int,
                      skip_own: bool, in_db: bool, is_pg: bool) -> dict[tuple[str, str], _Pulled]:
    """Records the page refers to whose only row left to send lies beyond the page (``_page_rows``
    sends a record once, at its latest change: a shift edited after its red flag was raised comes
    after the red flag). They are sent in this page too (and again at their own place), so a station
    never sets aside a record whose reference is only late, not missing."""
    found: dict[tuple[str, str], _Pulled] = {}
    todo = page
    for _round in range(8):  # a reference chain is short: red flag -> shift -> staff -> ward -> trust
        wanted: set[tuple[str, str]] = set()
        for (entity, entity_id), p in todo.items():
            schema = SCHEMAS.get(entity)
            for ref in schema.references if schema is not None else ():
                target = entity_id if ref.field == schema.key and schema.key != "id" else p.refs.get(ref.field)  # type: ignore[union-attr]
                if target is not None and canonical_uuid(target):  # no record has another form (migration 0018: uuid)
                    key = (ref.target, target)
                    if key not in page and key not in found:
                        wanted.add(key)
        if not wanted:
            break
        rec = EntityRecord.__table__  # type: ignore[attr-defined]
        log = ChangeLog.__table__  # type: ignore[attr-defined]
        sent_later = select(log.c.seq).where(log.c.seq == rec.c.last_seq)
        if skip_own:  # the station holds what its own echo brought
            sent_later = sent_later.where(or_(log.c.echo_of.is_(None), log.c.echo_of != device.device_id))
        # each column against its list (an index scan on the primary key; a row-value IN list of many
        # pairs is planned as a scan of the whole table), the pairs themselves checked below
        q = select(rec.c.entity, rec.c.id, rec.c.last_seq).where(
            rec.c.entity.in_(sorted({e for e, _i in wanted})), rec.c.id.in_(sorted({i for _e, i in wanted})),
            rec.c.last_seq > next_since,
            or_(rec.c.ward_id == device.ward_id, rec.c.ward_id.is_(None)), rec.c.entity.notin_(sorted(RESTRICTED_ENTITIES)),
            sent_later.exists())
        ahead = [((e, i), int(s)) for e, i, s in session.execute(q).all() if (e, i) in wanted]
        todo = _records(session, ahead, in_db, is_pg)
        found.update(todo)
    return found


def _change(p: _Pulled, protocol_version: int) -> Change:
    """The server's own row as a protocol ``Change`` (constructed, not validated again: 1,000 a page)."""
    ward_id, data, fmeta, deleted, needs_review = p.row
    row = {k: v for k, v in (data or {}).items() if k != "deleted"}
    if protocol_version >= 2:
        versions = sendable_versions(compact_versions(fmeta), f"{p.entity} {p.id}")
        return Change.model_construct(seq=p.seq, entity=p.entity, id=p.id, ward_id=ward_id, deleted=bool(deleted), row=row,
                                      field_meta={}, needs_review=bool(needs_review), versions=versions)
    meta = field_versions.unpack(fmeta)  # protocol 1: ``{field: version}`` as before (packed since migration 0021)
    try:
        orjson.dumps(meta)
    except TypeError:  # a version's text is not valid Unicode: the record goes without the versions it cannot send
        field_versions.log.warning("field versions of %s %s hold text that cannot be sent; sent without them", p.entity, p.id)
        meta = {f: v for f, v in meta.items() if _sendable(v)}
    return Change.model_construct(seq=p.seq, entity=p.entity, id=p.id, ward_id=ward_id, deleted=bool(deleted), row=row,
                                  field_meta=meta, needs_review=bool(needs_review), versions=None)


@functools.cache
def _highs_query() -> Any:
    log = ChangeLog.__table__  # type: ignore[attr-defined]
    ward_id = bindparam("ward_id", type_=UuidText)
    return select(select(func.max(log.c.seq)).scalar_subquery(),
                  select(func.max(_stream(log))).where(log.c.ward_id == ward_id).scalar_subquery(),
                  select(func.max(_stream(log))).where(log.c.ward_id.is_(None)).scalar_subquery())


def _highs(session: Session, ward_id: str) -> tuple[int, int]:
    """The highest seq of the stream, and of this ward's and the trust's changes: one statement of
    three index lookups (the ward's and the trust's on the stream index, which the primary key cannot
    stand in for, see ``page_rows_query``)."""
    row = session.execute(_highs_query(), {"ward_id": ward_id}).one()
    return int(row[0] or 0), max(int(row[1] or 0), int(row[2] or 0))


def compact_versions(stored: Any) -> list[tuple[str, str, list[str]]]:
    """A record's stored field versions (packed, server migration 0021, or the older ``{field: {tok, hlc,
    device_id, seq}}``) as protocol 2 sends them: what a station needs (the token to name as its base, the
    clock), each token once with the fields it holds now (``field_versions.wire_versions``)."""
    return field_versions.wire_versions(stored)


def _sendable(value: Any) -> bool:
    try:
        orjson.dumps(value)
    except TypeError:
        return False
    return True


def sendable_versions(versions: list[tuple[str, str, list[str]]], where: str) -> list[tuple[str, str, list[str]]]:
    """``versions`` without those orjson cannot write (text that is not valid Unicode: a lone surrogate planted in
    the database), logged: the record is still sent, as one without versions for those fields."""
    if _sendable(versions):  # as a rule: one check of the whole list
        return versions
    kept = [v for v in versions if _sendable(v)]
    if len(kept) != len(versions):
        field_versions.log.warning("field versions of %s hold text that cannot be sent; sent without them", where)
    return kept
