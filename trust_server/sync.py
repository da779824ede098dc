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

import hashlib
import random
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from sqlalchemy import Engine, any_, bindparam, func, or_, select, tuple_, union_all
from sqlalchemy import text as sa_text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col

from hardtruths_desktop.domain.clock import SYSTEM_CLOCK, Clock, iso_utc
from hardtruths_desktop.domain.clock import utc_now as clock_utc_now
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
from trust_server.apply import Author, Batch, Incoming, raw_json
from trust_server.db import server_meta
from trust_server.errors import ApiError
from trust_server.models import ChangeLog, Device, EntityRecord, ReceivedMutation, ServerMeta

MAX_PULL = 1000
CANONICAL_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
PUSH_ATTEMPTS = 5
BACKOFF_S = 0.05  # full jitter: sleep random(0, BACKOFF_S * 2**attempt) between attempts


#: The server's clock: the domain's one clock (``domain/clock.py``); tests may pin it.
CLOCK: Clock = SYSTEM_CLOCK
iso = iso_utc


def utc_now() -> datetime:
    return clock_utc_now(CLOCK)


@dataclass(frozen=True)
class ClientHeaders:
    """What the station says about itself in request headers (all optional)."""

    schema: int | None = None
    app_version: str | None = None
    pending: int | None = None
    oldest_pending_s: int | None = None
    client_time: datetime | None = None
    protocol: int = 1  # ``Sync-Protocol``: 2 = own changes skipped, compact field versions (protocol.py)

    @classmethod
    def parse(cls, schema: str | None, app: str | None, pending: str | None, date_header: str | None,
              protocol: str | None = None) -> ClientHeaders:
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
        return cls(schema_v, app_v or None, count, oldest, client_time, proto)


def check_schema(meta: ServerMeta, headers: ClientHeaders, pulling: bool) -> None:
    if headers.schema is None:
        return
    if headers.schema > meta.schema_max:
        raise ApiError(409, "schema_too_new", f"This station's data is version {headers.schema}; the server reads up to "
                       f"{meta.schema_max}. Keep working: it will sync when the server is upgraded.")
    if pulling and headers.schema < meta.schema_min:
        raise ApiError(426, "client_too_old", "This station needs updating before it can receive changes; "
                       "its records still upload.", upload_allowed=True)


def meta_response(session: Session) -> MetaResponse:
    meta = server_meta(session)
    return MetaResponse(server_epoch=meta.epoch, server_time=iso(utc_now()), schema_min=meta.schema_min,
                        schema_max=meta.schema_max)


def _payload_sha(m: Mutation) -> bytes:
    """The mutation's content hash, over the same bytes every server has hashed (``raw_json``)."""
    body = {"entity": m.entity, "entity_id": m.entity_id, "op": m.op, "payload": m.payload, "base": m.base}
    return hashlib.sha256(raw_json(body).encode()).digest()


def _structure(req: PushRequest) -> None:
    """Batch-level checks: a failure here is 422 ``batch_malformed`` (the station bisects)."""
    for prev, m in zip(req.mutations, req.mutations[1:], strict=False):
        if m.client_seq != prev.client_seq + 1:
            raise ApiError(422, "batch_malformed", f"Mutations must be in client_seq order without gaps ({prev.client_seq} then {m.client_seq})")
    for m in req.mutations:
        for label, value in (("mutation_id", m.mutation_id), ("entity_id", m.entity_id)):
            try:
                uuid.UUID(value)
            except ValueError:
                raise ApiError(422, "batch_malformed", f"client_seq {m.client_seq}: {label} is not a UUID") from None
        if not CANONICAL_UUID.fullmatch(m.mutation_id):
            # kept as a PostgreSQL uuid (server migration 0009), which reads only this form ("----" and 32
            # hex digits is a UUID to Python, not to PostgreSQL): refused here, never a 500 at the insert
            raise ApiError(422, "batch_malformed", f"client_seq {m.client_seq}: mutation_id is not a UUID in its usual form")
        if any("\x00" in s for s in (m.recorded_by, m.wall_time, m.entity)) or any("\x00" in v for v in m.base.values()):
            raise ApiError(422, "batch_malformed", f"client_seq {m.client_seq}: contains a NUL character")


def _duplicate(rec: ReceivedMutation, m: Mutation) -> ItemResult:
    """The recorded verdict of a mutation already received. Applied => status ``duplicate``;
    rejected => status ``rejected`` again with the recorded error and a ``duplicate`` flag."""
    result: dict[str, Any] = dict(rec.result or {})
    flags = list(result.get("flags", []))
    if rec.status == "rejected":
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


def push(engine: Engine, device_id: str, req: PushRequest, headers: ClientHeaders) -> PushResponse:
    if req.device_id != device_id:
        raise ApiError(403, "wrong_device", "The push names a different device from the access token")
    _structure(req)
    for attempt in range(PUSH_ATTEMPTS):
        try:
            with Session(engine, expire_on_commit=False) as session, session.begin():
                return _push_tx(session, device_id, req, headers)
        except DBAPIError as e:
            if _is_lock_unavailable(e):
                raise ApiError(409, "request_outstanding", "Another push from this station is still being processed",
                               headers={"Retry-After": "1"}) from None
            if not _is_retryable(e):
                raise
            if attempt == PUSH_ATTEMPTS - 1:
                raise busy() from None
            time.sleep(random.uniform(0, BACKOFF_S * 2**attempt))
    raise AssertionError("unreachable")  # pragma: no cover


def _lock_keys(muts: list[Mutation], last: int) -> set[tuple[str, str]]:
    """Every record the new mutations write or refer to (a red flag's shift, a nurse in charge, the
    ward of a new record): locked together in one sorted load, so no push ever locks a record after
    another it already holds (two server processes cannot deadlock)."""
    keys: set[tuple[str, str]] = set()
    for m in muts:
        if m.client_seq <= last:
            continue
        keys.add((m.entity, m.entity_id.lower()))
        schema = SCHEMAS.get(m.entity)
        for ref in schema.references if schema is not None else ():
            target = m.payload.get(ref.field)
            if isinstance(target, str) and len(target) <= 36 and "\x00" not in target:
                keys.add((ref.target, target.lower()))
    return keys


def lock_device(session: Session, device_id: str) -> Device:
    q = select(Device).where(col(Device.device_id) == device_id)
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(nowait=True)
    device: Device | None = session.execute(q).scalar_one_or_none()
    if device is None:
        raise ApiError(401, "unknown_device", "This server does not know the station: enrol it again")
    if device.revoked_at is not None:
        raise ApiError(403, "device_revoked", "This station's access was revoked: contact IT (its records are kept)")
    return device


def _push_tx(session: Session, device_id: str, req: PushRequest, headers: ClientHeaders) -> PushResponse:
    meta = server_meta(session)
    device = lock_device(session, device_id)
    check_schema(meta, headers, pulling=False)
    if req.server_epoch is not None and req.server_epoch != meta.epoch:
        raise ApiError(409, "epoch_changed", "The server was restored from a backup: re-send retained changes, then pull everything")
    if req.acked_through > device.last_client_seq:
        raise ApiError(409, "epoch_changed", f"The server has lost changes it acknowledged (it holds up to "
                       f"{device.last_client_seq}, the station says {req.acked_through}): re-send them",
                       expected_seq=device.last_client_seq + 1)
    now = utc_now()
    last = device.last_client_seq
    muts = req.mutations
    if muts and muts[0].client_seq > last + 1:
        raise ApiError(409, "expected_seq", f"The server expects client_seq {last + 1} next", expected_seq=last + 1)
    # mutation ids compared in lower case: PostgreSQL keeps them as uuid (and reads them back so)
    by_seq: dict[int, ReceivedMutation] = {}
    by_mid: dict[str, ReceivedMutation] = {}
    if muts:
        for rec in session.execute(select(ReceivedMutation).where(
                col(ReceivedMutation.device_id) == device_id,
                col(ReceivedMutation.client_seq) >= muts[0].client_seq,
                col(ReceivedMutation.client_seq) <= muts[-1].client_seq)).scalars():
            by_seq[int(rec.client_seq or 0)] = rec
        mids = [m.mutation_id.lower() for m in muts]
        if session.get_bind().dialect.name == "postgresql":  # one array parameter, not 500 (each bound and converted)
            by_id = select(ReceivedMutation).where(col(ReceivedMutation.mutation_id) == any_(
                bindparam("mids", mids, type_=postgresql.ARRAY(postgresql.UUID(as_uuid=False)))))
        else:
            by_id = select(ReceivedMutation).where(col(ReceivedMutation.mutation_id).in_(mids))
        for rec in session.execute(by_id).scalars():
            by_mid[rec.mutation_id] = rec
    other_wards: dict[str, str] = {}
    others = {rec.device_id for rec in by_mid.values() if rec.device_id != device_id}
    if others:
        other_wards = {d: w for d, w in session.execute(
            select(col(Device.device_id), col(Device.ward_id)).where(col(Device.device_id).in_(others))).all()}

    def answered(rec: ReceivedMutation, m: Mutation) -> ItemResult:
        """The recorded verdict, only for the same change from this station (or a station of the same
        ward: a re-enrolled PC re-sending); anything else is a conflict."""
        same_ward = rec.device_id == device_id or other_wards.get(rec.device_id) == device.ward_id
        if rec.payload_sha256 != _payload_sha(m) or not same_ward:
            return _conflict(m)
        return _duplicate(rec, m)

    batch = Batch(session, Author(device_id, device.ward_id), now)
    batch.load(_lock_keys(muts, last))
    results: list[ItemResult | None] = []
    fresh: list[tuple[Mutation, Any]] = []  # (mutation, Outcome) received for the first time
    seen_in_batch: set[str] = set()
    for m in muts:
        if m.client_seq <= last:
            rec = by_seq.get(m.client_seq)
            if rec is not None and rec.mutation_id != m.mutation_id.lower():
                raise ApiError(409, "device_forked", f"client_seq {m.client_seq} was already used by another change: this "
                               "station's database was copied or restored; enrol it again as a new station")
            rec = rec or by_mid.get(m.mutation_id.lower())
            if rec is None:
                raise ApiError(409, "device_forked", f"client_seq {m.client_seq} is behind what this server holds for the "
                               "station and the change is unknown: enrol it again as a new station")
            results.append(answered(rec, m))
            continue
        if m.client_seq > last + 1:  # a hole inside the batch: never skip a station's change silently
            raise ApiError(409, "expected_seq", f"The server expects client_seq {last + 1} next", expected_seq=last + 1)
        last = m.client_seq
        mid = m.mutation_id.lower()
        known = by_mid.get(mid)
        if known is not None:
            results.append(answered(known, m))
            continue
        if mid in seen_in_batch:
            raise ApiError(422, "batch_malformed", f"client_seq {m.client_seq}: mutation_id repeated in the batch")
        seen_in_batch.add(mid)
        raw = raw_json(dict(m.__dict__))  # == m.model_dump(): flat fields, no extras (extra="forbid")
        outcome = batch.apply(Incoming(m.mutation_id, m.entity, m.entity_id, m.op, m.payload, m.base, m.hlc,
                                       m.recorded_by, raw, m.client_seq, _payload_sha(m)))
        fresh.append((m, outcome))
        results.append(None)
    batch.finish(sequence=False)  # mutations and verdicts written; their place in the pull stream comes last, below
    final: list[ItemResult] = []
    it = iter(fresh)
    for r in results:
        if r is not None:
            final.append(r)
            continue
        m, o = next(it)
        # built by the server from checked values: constructed, not validated again (2,000 a push)
        # protocol 2: a change applied as sent needs no echo of its values (the station has them)
        echo = {} if headers.protocol >= 2 and o.clean else dict(o.effective)
        final.append(ItemResult.model_construct(client_seq=m.client_seq, mutation_id=m.mutation_id, status=o.status,
                                                server_seq=o.server_seq, effective=echo, flags=list(o.flags), error=o.error))
    device.last_client_seq = last
    device.last_seen_at = now
    if headers.app_version:
        device.app_version = headers.app_version
    if headers.schema is not None:
        device.schema_version = headers.schema
    if headers.pending is not None:
        device.pending_reported = headers.pending
        device.oldest_pending_s = headers.oldest_pending_s
    if headers.client_time is not None:
        device.clock_offset_ms = int((now - headers.client_time).total_seconds() * 1000)
    session.add(device)
    high = batch.sequence()  # LAST: the stream locks are held only for this and the commit
    return PushResponse(server_epoch=meta.epoch, server_time=iso(utc_now()), device_last_client_seq=last,
                        server_seq_high=high, results=final)


def pull(engine: Engine, device_id: str, since: int, limit: int, epoch: str | None, headers: ClientHeaders) -> PullResponse:
    limit = max(1, min(limit, MAX_PULL))
    with Session(engine, expire_on_commit=False) as session, session.begin():
        meta = server_meta(session)
        device = session.get(Device, device_id)
        if device is None:
            raise ApiError(401, "unknown_device", "This server does not know the station: enrol it again")
        if device.revoked_at is not None:
            raise ApiError(403, "device_revoked", "This station's access was revoked: contact IT (its records are kept)")
        check_schema(meta, headers, pulling=True)
        high = int(session.execute(select(func.max(ChangeLog.seq))).scalar_one_or_none() or 0)
        # read BEFORE the page (each statement sees the commits made by its start): every change of
        # this ward and the trust up to it is in the page's snapshot too
        scope_high = _scope_high(session, device.ward_id) if headers.protocol >= 2 and since > 0 else 0
        if epoch is not None and epoch != meta.epoch:
            raise ApiError(410, "epoch_changed", "The server was restored from a backup: pull everything again from 0")
        if 0 < since < meta.min_retained_seq:  # since=0 is the full re-pull a 410 asks for
            raise ApiError(410, "cursor_too_old", f"Changes before {meta.min_retained_seq} were purged: pull everything again from 0")
        if since > high:
            raise ApiError(410, "cursor_ahead", "The station has seen changes this server does not hold (server restored?): "
                           "pull everything again from 0")
        # Two index range scans on (ward_id, seq), one for the ward's rows and one for the trust-wide
        # rows, merged: a poll costs its own ward's changes, never a walk over other wards' rows.
        # Protocol 2 skips the station's own changes (``echo_of``) unless it pulls from 0 (a full
        # re-pull after a restore must bring back every record as the server holds it).
        skip_own = headers.protocol >= 2 and since > 0
        parts = []
        for in_scope in (col(ChangeLog.ward_id) == device.ward_id, col(ChangeLog.ward_id).is_(None)):
            q = select(col(ChangeLog.seq), col(ChangeLog.entity), col(ChangeLog.entity_id)).where(
                in_scope, col(ChangeLog.seq) > since, col(ChangeLog.entity).notin_(sorted(RESTRICTED_ENTITIES)))  # never to a station
            if skip_own:
                q = q.where(or_(col(ChangeLog.echo_of).is_(None), col(ChangeLog.echo_of) != device_id))
            parts.append(select(q.order_by(col(ChangeLog.seq)).limit(limit + 1).subquery()))
        both = union_all(*parts).subquery()
        rows = session.execute(select(both).order_by(both.c.seq).limit(limit + 1)).all()
        has_more = len(rows) > limit
        rows = rows[:limit]
        latest: dict[tuple[str, str], int] = {}
        first: dict[tuple[str, str], int] = {}
        for seq, entity, entity_id in rows:
            latest[(entity, entity_id)] = seq
            first.setdefault((entity, entity_id), seq)
        changes: list[Change] = []
        if latest:
            table = EntityRecord.__table__  # type: ignore[attr-defined]
            if session.get_bind().dialect.name == "postgresql":
                # one primary-key lookup per key (a row-value IN list of 1,000 pairs was planned as a scan
                # of the whole table: each page cost more as the trust's records grew)
                keys = sa_text("SELECT k.entity, k.id FROM unnest(CAST(:ents AS text[]), CAST(:ids AS text[])) AS k(entity, id)")
                wanted = keys.bindparams(ents=[e for e, _i in latest], ids=[i for _e, i in latest]).columns(
                    entity=table.c.entity.type, id=table.c.id.type).subquery()
                q = select(table).join(wanted, (table.c.entity == wanted.c.entity) & (table.c.id == wanted.c.id))
            else:
                q = select(table).where(tuple_(table.c.entity, table.c.id).in_(list(latest)))
            found = {(r["entity"], r["id"]): r for r in session.execute(q).mappings()}
            # Each record once, in its current state, placed where it FIRST changed in this window: a
            # record is always created before anything that refers to it, so a station applying the
            # page in order never meets a red flag before its shift (ordering by the latest change
            # would put a shift that was edited later after its own red flags).
            for key, seq in sorted(latest.items(), key=lambda kv: first[kv[0]]):
                r = found.get(key)
                if r is None:  # pragma: no cover - change_log rows always have a record
                    continue
                row = {k: v for k, v in (r["data"] or {}).items() if k != "deleted"}
                fmeta: dict[str, Any] = r["field_meta"] or {}
                # the server's own rows: constructed, not validated again (1,000 a page)
                if headers.protocol >= 2:
                    changes.append(Change.model_construct(seq=seq, entity=key[0], id=key[1], ward_id=r["ward_id"],
                                                          deleted=bool(r["deleted"]), row=row, field_meta={},
                                                          needs_review=bool(r["needs_review"]), versions=compact_versions(fmeta)))
                else:
                    changes.append(Change.model_construct(seq=seq, entity=key[0], id=key[1], ward_id=r["ward_id"],
                                                          deleted=bool(r["deleted"]), row=row, field_meta=fmeta,
                                                          needs_review=bool(r["needs_review"]), versions=None))
        next_since = rows[-1][0] if rows else since
        if skip_own and not has_more:
            # the station's own changes after the last row are not sent, but passed: every change of
            # its ward and the trust up to their highest seq (read before the page) committed before
            # the page was read (within those streams seq order is commit order; another ward's higher seq
            # may commit before a lower one of this ward, so it is never the cursor)
            next_since = max(next_since, scope_high)
        device.last_pull_seq = max(device.last_pull_seq, next_since)
        device.last_seen_at = utc_now()
        session.add(device)
        return PullResponse(server_epoch=meta.epoch, min_retained_seq=meta.min_retained_seq, server_time=iso(utc_now()),
                            changes=changes, next_since=next_since, has_more=has_more)



def _scope_high(session: Session, ward_id: str) -> int:
    """The highest seq of this ward's and the trust's changes (two index lookups)."""
    mine = select(func.max(ChangeLog.seq)).where(col(ChangeLog.ward_id) == ward_id).scalar_subquery()
    trust = select(func.max(ChangeLog.seq)).where(col(ChangeLog.ward_id).is_(None)).scalar_subquery()
    row = session.execute(select(mine, trust)).one()
    return max(int(row[0] or 0), int(row[1] or 0))


def compact_versions(meta: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """``{field: {tok, hlc, device_id, seq}}`` as protocol 2 sends it: what a station needs (the token
    to name as its base, the clock), each token once with the fields it holds."""
    by_tok: dict[tuple[str, str], list[str]] = {}
    for f, m in meta.items():
        if isinstance(m, dict) and isinstance(m.get("tok"), str):
            by_tok.setdefault((m["tok"], str(m.get("hlc") or "")), []).append(f)
    return [(tok, hlc, fields) for (tok, hlc), fields in by_tok.items()]
