"""The ward station's sync engine: enrol, then push the outbox and pull the ward's changes.

One cycle (``sync_once``) = push until the outbox is empty (or an error), then pull until the
server has nothing more (SYNC.md 3.4-3.5); every status code is handled as SYNC.md's table says,
and nothing queued is ever dropped (P4). The engine is synchronous and Qt-free: the GUI runs it in
its network pool, the CLI calls it directly. A file lock beside the database makes sure only one
engine on the PC pushes at a time (two app instances under fast user switching).
"""

from __future__ import annotations

import gzip
import json
import logging
import platform
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
import pydantic

from hardtruths_desktop import __version__
from hardtruths_desktop.domain.clock import utc_now, wall_ms
from hardtruths_desktop.domain.enrolment import FORCE_CLI, check_ca_bundle_text, check_enrolment
from hardtruths_desktop.domain.hlc import Hlc
from hardtruths_desktop.domain.server_address import check_server_url
from hardtruths_desktop.domain.validation import ValidationError, check_ward_code, is_valid_unicode, printable
from hardtruths_desktop.files import file_lock
from hardtruths_desktop.store import migrate, sync_store
from hardtruths_desktop.store.session import Store, iso_utc
from hardtruths_desktop.sync import protocol
from hardtruths_desktop.sync.credentials import CredentialStore, CredentialsUnavailable, default_credentials
from hardtruths_desktop.sync.fingerprint import fingerprint

log = logging.getLogger(__name__)
_T = TypeVar("_T")
MIN_BATCH = 5  # the smallest push batch on a bad link
MAX_TIMEOUTS_PER_CYCLE = 4
PLACEHOLDER_NS = uuid.UUID("6f1c1f0e-3c55-4b0a-9a43-3f1f3d4e9b21")  # placeholders for changes held on this PC

BATCH = 500  # protocol.MAX_BATCH: about 200 KB of JSON before gzip for shift edits (SYNC.md 3.4 says 256 KB)
#: a backlog's first batch, pushed pipelined, is this part of a full one (``SyncEngine._push_batches``)
FIRST_BATCH_PART = 5
PULL_PAGE = 1000  # the server's MAX_PULL
TIMEOUT_S = 30.0


class SyncError(Exception):
    """A sync cycle that could not finish. ``retryable`` errors are retried with backoff;
    the others need a person (re-enrol, contact IT, update the app)."""

    def __init__(self, code: str, message: str, retryable: bool = True, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass
class SyncResult:
    ok: bool
    pushed: int = 0
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0
    pulled: int = 0
    pending: int = 0
    rejected_total: int = 0
    #: changes of wards this PC is not enrolled for: kept here, not sent, not refusals
    held: int = 0
    held_total: int = 0
    held_wards: list[str] = field(default_factory=list)
    set_aside: int = 0  # pulled records this cycle that this station cannot store (kept, under Review)
    set_aside_total: int = 0
    #: changes this station could no longer send to a server restored from an older backup (SYNC.md 3.9)
    gaps_declared: int = 0
    error: str | None = None
    message: str = ""
    retryable: bool = True
    retry_after: float | None = None
    flags: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class EnrolResult:
    device_id: str
    ward_code: str
    ward_has_setup: bool


def ssl_context(ca_bundle: str | None) -> ssl.SSLContext:
    """TLS verified against the OS trust store (truststore), plus a trust's own CA bundle if set.
    Verification is never switched off."""
    import truststore

    ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    if ca_bundle:
        ctx.load_verify_locations(cafile=ca_bundle)
    return ctx


@lru_cache(maxsize=8)
def _cached_context(ca_bundle: str | None, _stamp: tuple[int, int] | None) -> ssl.SSLContext:
    return ssl_context(ca_bundle) if _stamp != (-1, -1) else ssl.create_default_context()


def client_verify(base_url: str, ca_bundle: str | None) -> ssl.SSLContext:
    """The TLS context for a client of ``base_url``: ``ssl_context`` for https, built once per process
    (and again when the CA bundle file changes), not on every sync cycle (loading a trust store costs
    about 0.1 s); for plain http (this PC's own server) a default context, unused, built once too."""
    if not base_url.startswith("https:"):
        return _cached_context(None, (-1, -1))
    stamp = None
    if ca_bundle:
        try:
            st = Path(ca_bundle).stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
    return _cached_context(ca_bundle, stamp)


ClientFactory = Callable[[str, str | None], httpx.Client]


def default_client(base_url: str, ca_bundle: str | None) -> httpx.Client:
    return httpx.Client(base_url=base_url, verify=client_verify(base_url, ca_bundle), timeout=TIMEOUT_S, trust_env=True)


MAX_CA_BUNDLE_BYTES = 10 * 1024 * 1024


def _load_ca_bundle(path: str) -> None:
    """The certificates in it can be used (as the HTTPS client will)."""
    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise ValidationError.single("ca_bundle", f"{path}: its certificate cannot be read ({reason}); ask IT for the "
                                     "trust's CA bundle again") from None


def _read_ca_bundle(path: str) -> str:
    """The CA bundle's text (I/O here; the rule is ``domain.enrolment.check_ca_bundle_text``)."""
    p = Path(path)
    if not p.is_file():
        raise ValidationError.single("ca_bundle", f"No CA bundle file at {path}")
    try:
        with p.open("rb") as f:
            data = f.read(MAX_CA_BUNDLE_BYTES + 1)
    except OSError as e:
        raise ValidationError.single("ca_bundle", f"Cannot read the CA bundle {path}: {e.strerror or e}") from None
    if len(data) > MAX_CA_BUNDLE_BYTES:
        raise ValidationError.single("ca_bundle", f"{path} is too big to be a CA bundle (over 10 MB)")
    return data.decode("latin-1")


def clock_offset(server_ms: int, sent_ms: int, answered_ms: int) -> int:
    """How far the PC's clock is behind the server's (SYNC.md 3.7), from a request sent at ``sent_ms``
    and answered at ``answered_ms`` (PC clock) carrying the server's time ``server_ms``.

    The server read its clock somewhere inside the round trip, so the estimate is only good to half of
    it (plus the stamp's millisecond). A difference within that is not one we can see: the PC's clock
    is kept as it is (0), so two well-set clocks order edits by when they were made, not by the
    network's jitter (two stations of one ward had edits 7 ms apart ordered backwards under load)."""
    half_rtt = max(0, answered_ms - sent_ms) // 2
    offset = server_ms - (sent_ms + half_rtt)
    return 0 if abs(offset) <= half_rtt + 1 else offset


class SyncEngine:
    def __init__(
        self,
        store: Store,
        credentials: CredentialStore | None = None,
        client_factory: ClientFactory = default_client,
        batch_size: int = BATCH,
        allow_insecure_http: bool = False,
    ) -> None:
        self.store = store
        self.allow_insecure_http = allow_insecure_http  # plain http:// to a host other than this PC
        self.credentials = credentials or default_credentials()
        self.client_factory = client_factory
        self.batch_size = batch_size
        self.max_batch = batch_size
        self._saving: Future[None] | None = None  # a push batch's verdicts being saved (``_push_all``)
        #: the server said it takes a push sent before the one before it is answered (``protocol.HEADER_PIPELINE``,
        #: learnt from its answers; a server that stops saying so is sent one batch at a time again)
        self._pipeline_ok = False
        #: the next push batch sent while the one before is on its way (``_push_batches``)
        #: the batch sent ahead: its wire batch, its answer, and whether it has left (set as its request goes)
        self._ahead: tuple[Future[_WireBatch], Future[httpx.Response | None], threading.Event] | None = None
        #: which PC this is (None: ask the OS); tests give two "PCs" on one machine different ids
        self.machine: str | None = None
        self.clock = store.clock  # the store's clock: HLC, offsets, ages and stamps agree
        self._token: str | None = None
        self._token_expires = 0.0
        self._offset_ms: int | None = None  # the server clock offset measured in this cycle, saved at its end
        self._sent_ms = self._answered_ms = 0  # the last request's send and answer times (wall_ms)
        #: the pull's first page, asked for as the push's last answer came (``_ask_first_page``): its cursor and answer
        self._first_page: tuple[int, Future[tuple[httpx.Response, int, int]]] | None = None
        #: the store's WAL was copied into its file while that page was on its way (``finish_cycle`` need not)
        self._checkpointed = False

    # --- enrolment -------------------------------------------------------------------------------

    def enrol(self, server_url: str, code: str, ward_code: str | None = None, ca_bundle: str | None = None,
              force: bool = False, force_hint: str = FORCE_CLI) -> EnrolResult:
        """``force``: enrol even though the station is enrolled with another server already.
        Every problem with the input is reported at once (``domain.enrolment``), before any network."""
        previous = sync_store.sync_info(self.store)
        errors: dict[str, str] = {}
        try:
            checked = check_enrolment(server_url, code, ca_bundle=ca_bundle, force=force,
                                      enrolled_with=previous.server_url if previous.device_id else None,
                                      allow_insecure_http=self.allow_insecure_http, force_hint=force_hint)
        except ValidationError as e:
            errors.update(e.errors)
        bundle = (ca_bundle or "").strip()
        if bundle and "ca_bundle" not in errors:
            try:
                check_ca_bundle_text(bundle, _read_ca_bundle(bundle))
                _load_ca_bundle(bundle)
            except ValidationError as e:
                errors.update(e.errors)
        if errors:
            raise ValidationError(errors)
        url, code, ca_bundle = checked.server_url, checked.code, checked.ca_bundle
        try:  # before the code is spent: a PC that cannot keep the secret must not use it up
            self.credentials.check()
        except CredentialsUnavailable as e:
            raise SyncError("no_keyring", f"{e}. Nothing was sent; the enrolment code is still unused.", False) from e
        # The enrolment code names its ward (SYNC.md decision 7): --ward is only a cross-check.
        if ward_code is not None:
            ward_code = check_ward_code(ward_code, "ward")
        info = sync_store.sync_info(self.store)
        first_pending = self._first_pending_seq()
        # SYNC.md 3.9: start_seq = the lowest client_seq still unacknowledged (the next one when all
        # are acked); the server expects exactly that seq next (last_client_seq = start_seq - 1).
        start_seq = first_pending if first_pending else sync_store.acked_through(self.store) + 1
        body = protocol.EnrolRequest(
            code=code, ward_code=ward_code, device_name=platform.node()[:80], device_incarnation=info.device_incarnation,
            app_version=__version__, schema_version=migrate.SCHEMA_VERSION, start_seq=start_seq,
        )
        with self.client_factory(url, ca_bundle) as client:
            try:
                r = client.post("/v1/enrol", json=body.model_dump(), headers=self._headers())
            except httpx.HTTPError as e:
                raise SyncError("offline", f"Could not reach the trust server at {url}: {e}") from e
            if r.status_code != 200:
                raise SyncError(_error_code(r), _error_message(r, "Enrolment was refused"), retryable=False)
            resp = protocol.EnrolResponse.model_validate(r.json())
        try:
            self.credentials.set(resp.device_id, resp.device_secret)
        except CredentialsUnavailable as e:  # the keyring refused after all: this code is spent, ask for another
            raise SyncError("no_keyring", f"{e}. The enrolment code was used: ask IT for a new one.", False) from e
        sync_store.update_sync_state(
            self.store, device_id=resp.device_id, server_url=url, ca_bundle=ca_bundle, ward_code=resp.ward_code,
            server_epoch=resp.server_epoch, sync_status="enrolled", last_error=None, pull_cursor=0,
            machine_fingerprint=fingerprint(self.store.path, self.machine),
        )
        self._token = None
        sync_store.release_held(self.store, resp.ward_id)  # changes kept for this ward while it was not connected
        return EnrolResult(resp.device_id, resp.ward_code, resp.ward_has_setup)

    def _first_pending_seq(self) -> int | None:
        rows = sync_store.pending(self.store, 1)
        return int(rows[0]["client_seq"]) if rows else None

    # --- one cycle ---------------------------------------------------------------------------------

    def sync_once(self) -> SyncResult:
        """Push everything pending, then pull everything new. Never raises for network trouble:
        the result says what happened, and the sync state on the store records it."""
        info = sync_store.sync_info(self.store)
        result = SyncResult(ok=False)
        self._offset_ms = None
        self._first_page, self._checkpointed = None, False
        if not info.device_id or not info.server_url:
            result.error, result.message, result.retryable = "not_enrolled", "This station is not enrolled with the trust server yet", False
            self._finish(result, None)
            return result
        try:
            check_server_url(info.server_url, self.allow_insecure_http)
        except ValidationError as e:
            result.error, result.message, result.retryable = "insecure_http", str(e), False
            self._finish(result, None)
            return result
        with file_lock(self.store.path.with_suffix(".sync.lock"), wait=False) as got:  # one pusher per PC
            if not got:
                result.error, result.message = "busy", "Another copy of the ward station is syncing right now"
                return result
            if self._moved(info):  # SYNC.md 3.9: a copied or restored file must not push as the original
                result.error, result.retryable = "device_forked", False
                result.message = ("This station's database was copied or restored from another PC or folder: IT must enrol it "
                                  "again (nothing waiting here is lost; it is sent after enrolment)")
                self._finish(result, None)
                return result
            started = iso_utc(utc_now(self.clock))
            try:
                with self.client_factory(info.server_url, info.ca_bundle) as client, \
                        ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull-first") as first_page:
                    self._push_all(client, result, first_page)
                    self._pull_all(client, result)
                result.ok = True
                pruned = sync_store.janitor(self.store, self._offset_ms)  # acked rows older than the 30-day retention window
                # the WAL copied while the pull's first page was on its way; written since: the pull's pages (records
                # applied or set aside, each kept whole), the pruning
                self._checkpointed = self._checkpointed and not result.pulled and not result.set_aside and not pruned
                if not result.pushed:  # a cycle with nothing to send (the loop's next poll): off the push's time
                    self._archive()
            except SyncError as e:
                result.error, result.message, result.retryable, result.retry_after = e.code, e.message, e.retryable, e.retry_after
            except httpx.HTTPError as e:
                result.error, result.message = "offline", f"Trust server not reachable: {type(e).__name__}"
            except Exception as e:  # an unexpected error must never lose the queue: log, report, retry later
                log.exception("sync failed unexpectedly")
                result.error, result.message = "unexpected", f"Sync stopped by an unexpected error ({type(e).__name__}); it will retry"
            self._finish(result, started)
        return result

    def _archive(self) -> None:
        """Acknowledged changes into compressed batches (issue 13, station migration 0014): housekeeping,
        so a failure is logged and the cycle stays a success (the rows stay in the outbox, whole)."""
        try:
            sync_store.archive_acked(self.store)
        except Exception:
            log.exception("archiving acknowledged changes failed; they stay in the outbox as sent")
        try:  # the pages archiving and the janitor freed, back to the file system (station migration 0015)
            sync_store.release_free_pages(self.store)
        except Exception:
            log.exception("giving free pages back failed; the file keeps them for later saves")

    def _moved(self, info: sync_store.SyncInfo) -> bool:
        here = fingerprint(self.store.path, self.machine)
        if info.machine_fingerprint is None:  # enrolled before fingerprints were kept: this is home
            sync_store.update_sync_state(self.store, machine_fingerprint=here)
            return False
        return info.machine_fingerprint != here

    def _finish(self, result: SyncResult, started: str | None) -> None:
        """Count what is left and save the cycle's sync state: once per cycle (``sync_store.finish_cycle``)."""
        n, _oldest, rejected, _review = sync_store.counts(self.store)
        result.pending, result.rejected_total = n, rejected
        held_by_ward = sync_store.held_by_ward(self.store)
        result.held_total, result.held_wards = sum(held_by_ward.values()), sorted(held_by_ward)
        result.set_aside_total = sync_store.set_aside_count(self.store)
        if result.ok:
            if n:  # the cycle ended cleanly yet something is still pending: say so
                result.ok = False
                result.error, result.message = "pending", f"{n} change(s) still waiting"
            status = "ok" if result.ok else "pending"
            sync_store.finish_cycle(self.store, sync_status=status, last_error=None, last_attempt=started,
                                    server_offset_ms=self._offset_ms, failed=False, copy_wal=not self._checkpointed)
        else:
            status = {"revoked": "revoked", "device_revoked": "revoked", "not_enrolled": "not_enrolled",
                      "unknown_device": "needs_enrolment", "device_forked": "needs_enrolment",
                      "client_too_old": "update_needed"}.get(result.error or "", "offline")
            sync_store.finish_cycle(self.store, sync_status=status, last_error=result.message, last_attempt=started,
                                    server_offset_ms=self._offset_ms, failed=result.error != "not_enrolled")

    # --- HTTP helpers ----------------------------------------------------------------------------

    def _headers(self, pending: tuple[int, str | None] | None = None) -> dict[str, str]:
        h = {protocol.HEADER_PROTOCOL: str(protocol.PROTOCOL_VERSION), protocol.HEADER_SCHEMA: str(migrate.SCHEMA_VERSION),
             protocol.HEADER_APP: __version__}
        if pending is not None:
            n, oldest = pending
            age = 0
            if oldest:
                age = max(0, int((utc_now(self.clock) - datetime.fromisoformat(oldest.replace("Z", "+00:00"))).total_seconds()))
            h[protocol.HEADER_PENDING] = f"{n};oldest={age}"
        return h

    def _auth(self, client: httpx.Client, refresh: bool = False) -> dict[str, str]:
        if refresh or self._token is None or time.monotonic() > self._token_expires:
            info = sync_store.sync_info(self.store)
            assert info.device_id is not None
            try:
                secret = self.credentials.get(info.device_id)
            except CredentialsUnavailable as e:
                raise SyncError("no_keyring", f"{e}. Nothing recorded here is lost.", False) from e
            if secret is None:
                raise SyncError("needs_enrolment", "The device secret is missing from this PC's keyring: enrol the station again", False)
            r = client.post("/v1/token", json={"device_id": info.device_id, "device_secret": secret}, headers=self._headers())
            if r.status_code == 403 and _error_code(r) == "device_revoked":
                raise SyncError("revoked", "This station has been revoked by the trust: contact IT. Nothing recorded here is lost.", False)
            if r.status_code in (401, 404) and _error_code(r).startswith(("unknown", "invalid")):
                raise SyncError("unknown_device", "The trust server does not know this station any more: enrol it again", False)
            self._check_common(r)
            tok = protocol.TokenResponse.model_validate(r.json())
            self._token = tok.access_token
            self._token_expires = time.monotonic() + max(5, tok.expires_in - 30)
        return {"Authorization": f"Bearer {self._token}"}

    def _request(self, client: httpx.Client, method: str, url: str, *, learn_offset: bool = True, **kw: Any) -> httpx.Response:
        """``learn_offset=False``: the caller parses the body and hands its ``server_time`` to
        ``_server_time_seen`` (a pull page is not parsed twice)."""
        headers = kw.pop("headers", {})
        t0 = self._sent_ms = wall_ms(self.clock)
        r = client.request(method, url, headers={**headers, **self._auth(client)}, **kw)
        if r.status_code == 401:  # expired or lost token: refresh once, then retry
            r = client.request(method, url, headers={**headers, **self._auth(client, refresh=True)}, **kw)
            if r.status_code == 401:
                if _error_code(r) in ("unknown_device", "invalid_token", "token_expired", "invalid_credentials"):
                    raise SyncError("unknown_device",
                                    _error_message(r, "The trust server no longer accepts this station: enrol it again"), False)
                raise SyncError("offline", "Something between here and the trust server asked for a login; retrying", True)
        self._answered_ms = wall_ms(self.clock)
        if learn_offset:
            self._learn_offset(r, t0)
        return r

    def _learn_offset(self, r: httpx.Response, t0: int) -> None:
        try:
            server_time = r.json().get("server_time") if r.headers.get("content-type", "").startswith("application/json") else None
        except ValueError:
            server_time = None
        if not server_time:
            return
        self._server_time_seen(str(server_time), t0, wall_ms(self.clock))

    def _server_time_seen(self, server_time: str, t0: int | None = None, t1: int | None = None) -> None:
        """The server's clock as an answer reported it (by default the last request's)."""
        t0 = self._sent_ms if t0 is None else t0
        t1 = self._answered_ms if t1 is None else t1
        server_ms = int(datetime.fromisoformat(server_time.replace("Z", "+00:00")).timestamp() * 1000)
        self._offset_ms = clock_offset(server_ms, t0, t1)  # saved once, when the cycle ends

    def _check_common(self, r: httpx.Response) -> None:
        if r.status_code == 403 and _error_code(r) == "device_revoked":
            raise SyncError("revoked", "This station has been revoked by the trust: contact IT. Nothing recorded here is lost.", False)
        if r.status_code == 403 and not _error_code(r).startswith(("wrong_", "enrolment_")):
            # a 403 without our error code comes from a proxy or captive portal, not the trust server
            raise SyncError("offline", "The network refused the connection (a proxy or sign-in page?); retrying", True)
        if r.status_code == 426:
            raise SyncError("client_too_old", _error_message(r, "This version is too old for the trust server: please update"), False)
        if r.status_code == 429 or r.status_code >= 500:
            raise SyncError("server_busy", f"The trust server is busy ({r.status_code}); retrying", True, _retry_after(r))
        if r.status_code >= 400 and r.status_code not in (409, 410, 413):
            raise SyncError(_error_code(r), _error_message(r, f"The trust server refused the request ({r.status_code})"), False)

    # --- push -------------------------------------------------------------------------------------

    def _push_all(self, client: httpx.Client, result: SyncResult, first_page: ThreadPoolExecutor | None = None) -> None:
        """Push every pending change, batch after batch. A batch's verdicts are saved while the next
        batch is on its way (issue 13: a push of a backlog no longer waits for its own disk writes);
        they are always saved before the next answer is looked at, and before this returns or raises.
        ``first_page``: once the last batch is answered, the pull's first page is asked for on it while the
        last verdicts are saved and the store's WAL is copied into its file (``_pull_all`` takes the answer)."""
        hooks = client.event_hooks
        hooks["request"] = [*hooks.get("request", []), _on_send]
        client.event_hooks = hooks
        # two senders: the batch sent ahead goes as soon as the batch before it becomes the one being answered,
        # while that one's request is still on its way on the other sender (issue 13, i13-http6: with one, batch
        # k+2 left only when batch k+1 was answered, so the server read and checked it after applying k+1
        # instead of while; still at most two of this station's pushes at the server, as it allows). Two
        # recorder threads: the next batch is read and written while the verdicts before are saved, not after
        # (one verdict save at a time still: each is settled before the next is submitted)
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="push-verdicts") as recorder, \
                ThreadPoolExecutor(max_workers=2, thread_name_prefix="push-ahead") as sender:
            try:
                self._push_batches(client, result, recorder, sender, first_page)
            except BaseException:
                self._drop_ahead()  # answered (and dropped) before anything else is sent: it goes again next cycle
                self._settle_verdicts(quiet=True)  # saved (or logged) before the error goes up
                raise
            finally:
                hooks = client.event_hooks
                hooks["request"] = [h for h in hooks.get("request", []) if h is not _on_send]
                client.event_hooks = hooks
            self._drop_ahead()
            if first_page is not None and result.pushed and self._first_page is None:
                self._first_page = self._ask_first_page(client, first_page)
            self._settle_verdicts()
            if self._first_page is not None:
                # the push's writes copied from the WAL into the file now, while the page is on its way, rather
                # than by ``finish_cycle`` after it (issue 13, i13-http6: ~20 ms of 2,000 changes' verdicts)
                sync_store.checkpoint(self.store)
                self._checkpointed = True

    def _ask_first_page(self, client: httpx.Client,
                        pool: ThreadPoolExecutor) -> tuple[int, Future[tuple[httpx.Response, int, int]]] | None:
        """The pull's first page asked for now, on ``pool`` (issue 13, i13-http6): every batch is answered, so
        the server holds this cycle's changes; the answer is only read, and the page applied, once the
        verdicts are saved (``_pull_all``, which asks again if the cursor moved meanwhile or the token did
        not do). None when it cannot be asked for now (the pull asks, and meets the trouble, itself)."""
        try:
            cursor = sync_store.sync_info(self.store).pull_cursor
            return cursor, pool.submit(self._fetch_page, client, cursor, cursor, self._auth(client))
        except Exception:
            log.debug("asking for the first pull page early failed; the pull asks for it", exc_info=True)
            return None

    def _drop_ahead(self) -> None:
        """Wait for the batch sent ahead, if any, and drop its answer: so the server holds no push of this
        station when the next is sent. The server refused it whole (nothing applied), or applied it and
        answers it again (``duplicate``, its recorded verdicts) when it is sent again."""
        ahead, self._ahead = self._ahead, None
        if ahead is None:
            return
        try:
            ahead[1].result()
        except Exception:
            log.debug("a push batch sent ahead failed; it is sent again in order", exc_info=True)

    def _send_ahead(self, client: httpx.Client, following: Future[_WireBatch], headers: dict[str, str],
                    before: threading.Event, left: threading.Event) -> httpx.Response | None:
        """The next batch, marked ``Push-Pipelined``, sent as soon as it is written and the batch before it has
        gone (``before``: so the two leave, and reach the server, in order), on the sender thread. ``left`` is
        set as its request goes (or once it will not go): the batch sent ahead after it waits for that, not for
        this one being taken as the batch being answered (reviewer: with two senders it could still be
        waiting here). None: nothing to send, or it could not be sent (it goes again in order)."""
        try:
            try:
                wire = following.result()
            except Exception:
                return None
            if not wire.batch or not before.wait(PUSH_AHEAD_WAIT_S):
                return None
            try:
                return client.post("/v1/sync/push", content=wire.body, headers=headers, extensions={_SENT: left.set})
            except httpx.HTTPError:
                return None
        finally:
            left.set()

    def _first_batch_size(self, batch_size: int) -> int:
        """The size of a cycle's first batch when it is smaller than ``batch_size`` (``FIRST_BATCH_PART``): only for a
        server that takes a batch ahead, at full size (not while the batch is halved on a bad link), and where a
        part is no smaller than ``MIN_BATCH``; else 0 (the first batch is a full one)."""
        part = batch_size // FIRST_BATCH_PART
        return part if self._pipeline_ok and batch_size >= self.max_batch and part >= MIN_BATCH else 0

    def _take_ahead(self, ready: Future[_WireBatch] | None,
                    wire: _WireBatch | None) -> tuple[Future[httpx.Response | None], threading.Event] | None:
        """The answer on its way for ``wire`` when it is the batch that was sent ahead, with the event set once
        it has left; any other batch sent ahead is answered and dropped."""
        ahead = self._ahead
        if ahead is None or wire is None or ahead[0] is not ready:
            self._drop_ahead()
            return None
        self._ahead = None
        return ahead[1], ahead[2]

    def _push_answer(self, client: httpx.Client, raw: bytes, headers: dict[str, str],
                     early: Future[httpx.Response | None] | None, sent: threading.Event) -> httpx.Response:
        """This batch's answer: the one to its sending ahead (``early``) when the server applied it (200);
        otherwise (not sent ahead; refused whole: it came before the batch it follows, waited too long, or the
        server does not take it; lost) it is sent now, once anything sent ahead of IT is answered and dropped."""
        if early is not None:
            try:
                r = early.result()
            except Exception:
                r = None
            if r is not None and r.status_code == 200:
                return r
            self._drop_ahead()
        try:
            return self._request(client, "POST", "/v1/sync/push", content=raw, headers=headers, extensions={_SENT: sent.set})
        finally:
            sent.set()  # whatever happened to it, a batch sent ahead of it no longer waits

    def _settle_verdicts(self, quiet: bool = False) -> None:
        """Wait for the verdicts being saved in the background, raising what saving them raised."""
        saving, self._saving = self._saving, None
        if saving is None:
            return
        try:
            saving.result()
        except Exception:
            if not quiet:
                raise
            log.exception("saving the server's verdicts failed (they are asked for again next time)")

    def _push_batches(self, client: httpx.Client, result: SyncResult, recorder: ThreadPoolExecutor,
                      sender: ThreadPoolExecutor, first_page: ThreadPoolExecutor | None = None) -> None:
        batch_size = self.batch_size
        recoveries = timeouts = 0
        waiting: int | None = None  # pending changes for the Client-Pending header: counted once a cycle
        after = 0  # the last change of the batch whose verdicts are being saved (0: none are)
        ready: Future[_WireBatch] | None = None  # the next batch, built while the one before was on its way
        # a batch is sent ahead only while pushes go through whole at full size: not while a refused batch is
        # halved (413, an unreadable change) or the server's place is found again (409), where the batch sent
        # ahead would always come before the one it follows and wait out the server's retry (reviewer)
        steady = True
        built: dict[tuple[int, int], Future[_WireBatch]] = {}  # the batch after the next, built ahead (``_next_wire``)
        copied = False  # the WAL's copy into the file started while the first batch is at the server
        # the first batch of a cycle pushed pipelined is a fifth of a full one (issue 13): the server applies a batch
        # sent ahead while the one before it is in its transaction, so until the first is applied nothing overlaps;
        # small, it is applied at once and the full batch sent ahead of it is merged meanwhile
        first = self._first_batch_size(batch_size)
        while True:
            size, first = first or batch_size, 0
            wire = self._prepared(ready, size, after)
            taken = self._take_ahead(ready, wire) if self._ahead is not None else None
            early = taken[0] if taken is not None else None
            ready = None
            if wire is None:
                wire = self._wire_batch(size, after)
            batch, held, raw = wire.batch, wire.held, wire.body
            if not batch:
                return
            self._first_page = None  # asked for before this batch: asked again once it is answered (``_push_all``)
            if waiting is None or waiting < len(batch):
                waiting = sync_store.pending_count(self.store)
            oldest = batch[0]["wall_time"]  # the first pending change is the oldest (the outbox is in saving order)
            headers = {**self._headers((waiting, oldest)), "Content-Encoding": "gzip", "Content-Type": "application/json"}
            if self._pipeline_ok:  # every batch marked: one sent in order never finds its own follower in its way
                headers[protocol.HEADER_PIPELINED] = "1"
            full = len(batch) >= size
            ahead_ok = full and self._pipeline_ok and steady and batch_size >= self.max_batch
            auth = self._auth(client) if ahead_ok else {}  # before the next batch is started: nothing raises between
            # this batch has left (the hook ``_on_send``); sent ahead, when its own sending has sent it
            sent = taken[1] if taken is not None else threading.Event()
            # the batch after this one is read and written while this one is on its way (issue 13); used only
            # if this one is answered whole (any other answer sends, halves or re-reads from the outbox again).
            # Not built ahead: started once this one has LEFT (``sent``, set by the hook or when sending ends)
            following = self._next_wire(recorder, built, batch_size, int(batch[-1]["client_seq"]), sent) if full else None
            if following is not None and ahead_ok:
                # ... and sent as soon as it is written (issue 13, i13-push5): the server reads and checks it while
                # this one is applied, then applies it after this one (the answer is used only if this one's is whole)
                left = threading.Event()
                self._ahead = (following, sender.submit(self._send_ahead, client, following, {**headers, **auth}, sent, left),
                               left)
            if first_page is not None and not copied:
                # what was saved before this cycle copied from the WAL into the file while the first batch is at the
                # server (issue 13, i13-station7: a PASSIVE checkpoint on the recorder's other thread, once that batch
                # has left; it never blocks a writer), so the copy at the push's end has only the push's own writes
                copied = True
                recorder.submit(_once_set, sent, sync_store.checkpoint, self.store)
            try:
                r = self._push_answer(client, raw, headers, early, sent)
                if r.status_code == 200 and first_page is not None and self._first_page is None and _nothing_after(following):
                    # the last batch answered: the pull's first page asked for at once, before its answer is read and
                    # its verdicts saved (issue 13, i13-station7; dropped and asked again if another batch goes after all)
                    self._first_page = self._ask_first_page(client, first_page)
            except httpx.TimeoutException:
                self._drop_ahead()
                # a slow or lossy link (SYNC.md 4.2 #24): send less at a time, in this cycle and the
                # next ones, so every cycle gets something through; a batch the server did apply
                # before the answer was lost comes back "duplicate"
                self._settle_verdicts()
                after = 0
                timeouts += 1
                if timeouts > MAX_TIMEOUTS_PER_CYCLE or len(batch) <= MIN_BATCH:
                    raise
                batch_size = self.batch_size = max(MIN_BATCH, len(batch) // 2)
                continue
            if r.status_code != 200:
                self._drop_ahead()  # the batch sent ahead is answered before this answer is acted on
                steady = False
            else:
                self._pipeline_ok = r.headers.get(protocol.HEADER_PIPELINE) == "1"
            self._settle_verdicts()  # the previous batch's verdicts are saved before this answer is read
            after = 0
            if r.status_code == 200:
                if self.batch_size < self.max_batch:  # the link carried a batch: grow back gently
                    self.batch_size = min(self.max_batch, self.batch_size + max(1, self.batch_size // 4))
                server_time, results = read_push_answer(r.content) or push_answer_of(r)
                waiting = max(0, waiting - len(results))
                answered = {x["client_seq"] for x in results}
                verdicts = [x for x in results if x["client_seq"] not in held] if held else results
                held_answered = {seq: held[seq] for seq in answered & held.keys()}
                if len(results) == len(batch) and answered == {m["client_seq"] for m in batch}:
                    # every change of the batch answered: saved while the next batch (after it) is sent
                    self._saving = recorder.submit(sync_store.record_results, self.store, verdicts, server_time,
                                                   held=held_answered)
                    after = int(batch[-1]["client_seq"])
                    ready = following
                    steady = True
                else:
                    self._drop_ahead()
                    steady = False
                    sync_store.record_results(self.store, verdicts, server_time, held=held_answered)
                for x in results:
                    if x["client_seq"] in held:  # a placeholder: the change itself waits on this PC, not a refusal
                        result.held += 1
                        continue
                    result.pushed += 1
                    if x["status"] == "applied":
                        result.applied += 1
                    elif x["status"] == "duplicate":
                        result.duplicates += 1
                    else:
                        result.rejected += 1
                    result.flags.extend(x["flags"])
                if not results:
                    raise SyncError("no_progress", "The trust server accepted nothing from the batch; will retry")
                continue
            if r.status_code == 413 and batch_size > 1:
                batch_size = max(1, min(batch_size, len(batch)) // 2)  # half what was refused (a small first batch too)
                continue
            if r.status_code == 422 and _error_code(r) == "batch_malformed":
                if len(batch) > 1:  # bisect: halve until the one unreadable change is alone
                    batch_size = max(1, len(batch) // 2)
                    continue
                self._quarantine_poison(client, batch[0], _error_message(r, "unreadable"))
                continue
            if r.status_code == 409:
                code = _error_code(r)
                recoveries += 1
                if recoveries > 5:
                    raise SyncError(code, "The trust server and this station disagree about what was sent; will retry")
                if code in ("expected_seq", "epoch_changed"):
                    if code == "epoch_changed":
                        self._recover_epoch(client)
                    expected = r.json().get("expected_seq")
                    if isinstance(expected, int):
                        # the server lacks rows we thought it had (a restore): send them again ...
                        sync_store.requeue_recent_acked(self.store, from_seq=expected)
                        first_held = sync_store.oldest_pending(self.store, expected)
                        if first_held is not None and first_held[0] > expected:
                            # ... but some were pruned here after the retention window: say so, never stall
                            result.gaps_declared += self._declare_gap(client, expected, first_held[0] - 1, first_held[1])
                    continue
                if code == "request_outstanding":
                    raise SyncError(code, "A previous upload is still being processed; retrying shortly", True, _retry_after(r) or 2)
                if code == "device_forked":
                    raise SyncError("device_forked", "This station's database was copied or restored: IT must enrol it again "
                                    "(nothing waiting here is lost; it is sent after enrolment)", False)
                raise SyncError(code, _error_message(r, "The trust server refused the upload"))
            self._check_common(r)
            raise SyncError("unexpected_status", f"Unexpected answer from the trust server ({r.status_code})")

    def _next_wire(self, recorder: ThreadPoolExecutor, built: dict[tuple[int, int], Future[_WireBatch]], size: int,
                   after: int, gone: threading.Event) -> Future[_WireBatch]:
        """The batch of ``size`` after ``after`` being built on ``recorder``: the one started when the batch before
        it was built, if that is the one wanted, else started now. Once it is built (and full), the batch after IT
        is started too (issue 13, i13-http6): it is ready to go the moment this one becomes the batch being
        answered, instead of being read and written only then (20-60 ms that the server waited for it). Anything
        else built ahead is dropped (a changed size or place: read again from the outbox). One started now waits
        for ``gone`` (the batch before it has left, or will not): so the batch about to be sent, the first of a
        cycle above all, is not held up by its own follower being read and written on the other thread
        (issue 13, i13-station7: the two shared the GIL, and the first batch left 5-30 ms later)."""
        wanted = built.pop((size, after), None)
        built.clear()
        following = wanted or recorder.submit(_once_set, gone, self._wire_batch, size, after)

        def build_next(done: Future[_WireBatch]) -> None:
            try:
                wire = done.result()
                if len(wire.batch) >= size:
                    built[(size, int(wire.batch[-1]["client_seq"]))] = recorder.submit(
                        self._wire_batch, size, int(wire.batch[-1]["client_seq"]))
            except Exception:  # failed, or the push is over (the pool shut): built when it is wanted, as before
                log.debug("building a push batch ahead failed", exc_info=True)

        following.add_done_callback(build_next)
        return following

    def _wire_batch(self, size: int, after: int) -> _WireBatch:
        """Up to ``size`` pending changes numbered after ``after``, as the gzip body of one push."""
        batch = sync_store.pending_wire(self.store, size, after)
        if not batch:
            return _WireBatch(size, after, batch, {}, b"")
        info = sync_store.sync_info(self.store)
        held = sync_store.not_connected(self.store, batch, info.ward_code)
        head = {
            "device_id": info.device_id, "device_incarnation": info.device_incarnation, "server_epoch": info.server_epoch,
            "acked_through": sync_store.acked_through(self.store),
        }
        # the changes' stored JSON spliced in, not parsed and written again (issue 13)
        mutations = ",".join(sync_store.wire_json(self._placeholder(m, info) if m["client_seq"] in held else m) for m in batch)
        body = f'{json.dumps(head, separators=(",", ":"), ensure_ascii=False)[:-1]},"mutations":[{mutations}]}}'
        return _WireBatch(size, after, batch, held, gzip.compress(body.encode("utf-8"), compresslevel=6, mtime=0))

    @staticmethod
    def _prepared(ready: Future[_WireBatch] | None, size: int, after: int) -> _WireBatch | None:
        """The batch built ahead, if it is the one wanted now (same size, right after the answered one).
        Building it failed: None (it is built again here, and its error, if it recurs, goes up as before)."""
        if ready is None:
            return None
        try:
            wire = ready.result()
        except Exception:
            log.debug("building the next push batch ahead failed; building it again", exc_info=True)
            return None
        return wire if (wire.size, wire.after) == (size, after) else None

    def _declare_gap(self, client: httpx.Client, from_seq: int, to_seq: int, oldest_wall_time: str) -> int:
        """SYNC.md 3.9 ``gap_declared``: the server (restored from a backup older than this station's
        30 days of retained changes) asks for changes this station no longer holds. Declare the range:
        the server records it as an incident for IT (``hardtruths-server admin gaps``) and moves on,
        so the changes after it are not held up. Returns how many changes the gap covers."""
        info = sync_store.sync_info(self.store)
        body = {"device_id": info.device_id, "from_seq": from_seq, "to_seq": to_seq,
                "oldest_retained_wall_time": oldest_wall_time}
        r = self._request(client, "POST", "/v1/sync/gap", json=body, headers=self._headers())
        if r.status_code != 200:
            self._check_common(r)
            raise SyncError(_error_code(r) or "gap_refused", _error_message(r, "The trust server did not record the gap"))
        log.warning("declared to the trust server that changes %d-%d can no longer be sent (pruned after %s days)",
                    from_seq, to_seq, sync_store.ACKED_RETENTION.days)
        return to_seq - from_seq + 1

    def _placeholder(self, m: dict[str, Any], info: sync_store.SyncInfo) -> dict[str, Any]:
        """Stands in, on the wire, for a change of a ward this PC is not enrolled for (SYNC.md decision
        7): the sequence number must reach the server so later changes are not held up, but the
        other ward's data never leaves the PC. Its own mutation id (derived from the change's, so a
        placeholder sent again after a server restore is a duplicate, not a fork), so the real change
        can be sent under its own id once the PC is enrolled for that ward."""
        return {
            "client_seq": m["client_seq"], "mutation_id": str(uuid.uuid5(PLACEHOLDER_NS, str(m["mutation_id"]))), "entity": "void",
            "entity_id": "00000000-0000-0000-0000-000000000000", "op": "patch", "payload": {}, "base": {},
            "hlc": m["hlc"], "schema_version": m["schema_version"], "recorded_by": "station:not-connected", "wall_time": m["wall_time"],
        }

    def _quarantine_poison(self, client: httpx.Client, poison: dict[str, Any], why: str) -> None:
        """A change the server cannot even read (SYNC.md 4.2 #20). Its sequence number must still
        reach the server or every later change waits forever, so it is sent once as an empty
        "void" change the server refuses (which uses up the number); the original stays on this
        PC, marked rejected with the reason, for the review list. Nothing is dropped."""
        info = sync_store.sync_info(self.store)
        void = {
            "client_seq": poison["client_seq"], "mutation_id": poison["mutation_id"], "entity": "void",
            "entity_id": "00000000-0000-0000-0000-000000000000", "op": "patch", "payload": {}, "base": {},
            "hlc": str(Hlc(wall_ms(self.clock), 0, (info.device_id or info.device_incarnation)[:8])),
            "schema_version": migrate.SCHEMA_VERSION, "recorded_by": "station:quarantine", "wall_time": iso_utc(utc_now(self.clock)),
        }
        body = {"device_id": info.device_id, "device_incarnation": info.device_incarnation, "server_epoch": info.server_epoch,
                "acked_through": sync_store.acked_through(self.store), "mutations": [void]}
        r = self._request(client, "POST", "/v1/sync/push", json=body, headers=self._headers())
        self._check_common(r)
        if r.status_code != 200:
            raise SyncError(_error_code(r), _error_message(r, "The trust server refused a change it could not read"))
        resp = protocol.PushResponse.model_validate(r.json())
        results = [x.model_dump() | {"status": "rejected", "error": f"The trust server could not read this change ({why});"
                                     " it is kept on this PC"} for x in resp.results]
        sync_store.record_results(self.store, results, resp.server_time)
        log.error("quarantined unreadable change client_seq=%s: %s", poison["client_seq"], why)

    def _recover_epoch(self, client: httpx.Client) -> None:
        """Server restored from a backup (SYNC.md 3.9): re-push what we kept, re-pull everything."""
        r = self._request(client, "GET", "/v1/sync/meta", headers=self._headers())
        self._check_common(r)
        meta = protocol.MetaResponse.model_validate(r.json())
        again = sync_store.requeue_recent_acked(self.store)
        log.warning("server epoch changed to %s: re-sending %d retained changes and re-pulling", meta.server_epoch, again)
        sync_store.update_sync_state(self.store, server_epoch=meta.server_epoch, pull_cursor=0)

    # --- pull -------------------------------------------------------------------------------------

    def _pull_all(self, client: httpx.Client, result: SyncResult) -> None:
        """Pull pages until the server has no more. While a page is checked and applied, the next one is
        already being asked for (``since`` = this page's ``next_since``, known once it is parsed): the
        server builds page k+1 while this PC writes page k. Each page is still applied, with the cursor
        it moves to, in one transaction, in order; a page fetched ahead but not yet applied when the sync
        stops is simply asked for again next time. The request ahead names the cursor applied so far
        (``applied``): the server counts only that as pulled, so its purge never drops a deletion this
        station has not applied (an older server ignores it)."""
        resets = 0
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="pull-ahead") as pool:  # waits for a request in flight
            ahead, self._first_page = self._first_page, None  # the first page, when the push asked for it already
            while True:
                info = sync_store.sync_info(self.store)
                r = None
                fetched_ahead = False
                if ahead is not None:
                    since, fut = ahead
                    ahead = None
                    got, t0, t1 = fut.result()  # network errors surface here, as they would have from the request
                    if since == info.pull_cursor and got.status_code != 401:  # 401: asked again below, with a new token
                        r, self._sent_ms, self._answered_ms, fetched_ahead = got, t0, t1, True
                if r is None:
                    r = self._request(client, "GET", "/v1/sync/pull", params={"since": info.pull_cursor, "limit": PULL_PAGE},
                                      headers=self._headers(), learn_offset=False)
                if r.status_code == 410:
                    resets += 1
                    if resets > 2:
                        raise SyncError("cursor_gone", "The trust server cannot continue from this station's position; will retry")
                    sync_store.update_sync_state(self.store, pull_cursor=0)  # full, non-destructive re-pull
                    continue
                self._check_common(r)
                page = read_page(r.content)
                if page is None:  # anything the quick reading does not take: pydantic reads it, or refuses it, as always
                    try:
                        model = protocol.PullResponse.model_validate_json(r.content)
                    except pydantic.ValidationError:  # e.g. an escaped lone surrogate (a broken record, set aside below)
                        model = protocol.PullResponse.model_validate(r.json())
                    page = page_of(model)
                # answered and read, as ``_learn_offset`` (a page asked for ahead: when its answer came)
                self._server_time_seen(page.server_time, t1=self._answered_ms if fetched_ahead else wall_ms(self.clock))
                if info.server_epoch and page.server_epoch != info.server_epoch:
                    self._recover_epoch(client)
                    self._push_all(client, result)
                    continue
                if page.has_more:
                    ahead = (page.next_since, pool.submit(self._fetch_page, client, page.next_since, info.pull_cursor,
                                                          self._auth(client)))
                good, aside = split_storable(page.changes)
                result.pulled += sync_store.apply_changes(
                    self.store, good, page.next_since, page.server_epoch, page.server_time, set_aside=aside
                )
                result.set_aside += len(aside)  # with those the store itself could not take
                if not page.has_more:
                    return

    def _fetch_page(self, client: httpx.Client, since: int, applied: int, auth: dict[str, str]) -> tuple[httpx.Response, int, int]:
        """One pull page asked for ahead (on the pull's own thread): the answer and when it was sent and
        answered (``wall_ms``), for the server clock offset. Touches neither the store nor the engine.
        ``applied``: the cursor this station has applied (``since`` is the end of the page it is still
        applying), so the server never counts as pulled a page a crash may yet lose (its purge keeps
        what this station has not applied)."""
        t0 = wall_ms(self.clock)
        r = client.request("GET", "/v1/sync/pull", params={"since": since, "limit": PULL_PAGE, "applied": applied},
                           headers={**self._headers(), **auth})
        r.read()
        return r, t0, wall_ms(self.clock)


#: a request extension: called by ``_on_send`` when the request leaves (a push batch, for the one sent after it)
_SENT = "hardtruths_sent"
#: how long a batch to send ahead waits for the batch before it to leave (that one has failed otherwise)
PUSH_AHEAD_WAIT_S = 30.0


def _once_set(event: threading.Event, call: Callable[..., _T], *args: Any) -> _T:
    """``call(*args)`` once ``event`` is set (a push batch has left, or will not: at most ``PUSH_AHEAD_WAIT_S``)."""
    event.wait(PUSH_AHEAD_WAIT_S)
    return call(*args)


def _nothing_after(following: Future[_WireBatch] | None) -> bool:
    """Whether the batch just answered was the last one this push has to send: not a full batch (no batch is
    built after it), or the batch after it is built and empty."""
    if following is None:
        return True
    if not following.done() or following.exception() is not None:
        return False
    return not following.result().batch


def _on_send(request: httpx.Request) -> None:
    """httpx request hook of a push: says the request is leaving (its ``_SENT`` extension)."""
    said = request.extensions.get(_SENT)
    if callable(said):
        said()


@dataclass(frozen=True)
class _WireBatch:
    """One push batch as it goes on the wire: ``size`` and ``after`` as asked, the pending rows, the
    ones held on this PC (client_seq -> ward code) and the gzip body."""

    size: int
    after: int
    batch: list[dict[str, Any]]
    held: dict[int, str]
    body: bytes


@dataclass
class Page:
    """A pull page as the station uses it: the changes as plain dicts (``split_storable``'s input)."""

    server_epoch: str
    server_time: str
    next_since: int
    has_more: bool
    changes: list[dict[str, Any]]


def page_of(model: protocol.PullResponse) -> Page:
    """A page pydantic read, as the station uses it."""
    return Page(model.server_epoch, model.server_time, model.next_since, model.has_more, [
        # as model_dump(exclude={"versions"}) gave them, without a deep copy per record
        {"seq": c.seq, "entity": c.entity, "id": c.id, "ward_id": c.ward_id, "deleted": c.deleted,
         "row": dict(c.row), "field_meta": c.metas(), "needs_review": c.needs_review} for c in model.changes])


_PAGE_KEYS = frozenset(("server_epoch", "min_retained_seq", "server_time", "changes", "next_since", "has_more"))
_CHANGE_KEYS = frozenset(("seq", "entity", "id", "ward_id", "deleted", "row", "field_meta", "needs_review", "versions"))


#: 19 digits in a row: an integer that may not fit in 64 bits (or a long number in a text: read slowly, correctly).
#: Found by mapping every digit to ``0`` and every other byte to a space, then a substring search:
#: ~2 ms a page where the regular expression ``[0-9]{19}`` took ~27 ms (it tried a match at every digit)
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= c <= 0x39 else 0x20 for c in range(256))
_LONG_DIGITS = b"0" * 19


def has_long_digits(body: bytes) -> bool:
    """Whether ``body`` holds 19 digits in a row (what ``re.search(rb"[0-9]{19}", body)`` finds)."""
    return _LONG_DIGITS in body.translate(_DIGITS_AS_ZERO)


def read_page(body: bytes) -> Page | None:
    """A pull page read by orjson, with the types ``protocol.PullResponse`` requires checked here (a
    pydantic model per record cost ~20 ms a page of 1,000). None when anything is not exactly as a
    server writes it (a key too many, a number as text, a big integer, broken text): the caller reads
    such a page with pydantic, which takes it or refuses it as it always has."""
    if has_long_digits(body):
        return None  # orjson reads an integer beyond 64 bits as a float, silently: pydantic keeps it exact
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(raw) is not dict or raw.keys() != _PAGE_KEYS:
        return None
    epoch, server_time, next_since, has_more, changes = (raw["server_epoch"], raw["server_time"], raw["next_since"],
                                                         raw["has_more"], raw["changes"])
    if (type(epoch) is not str or type(server_time) is not str or type(next_since) is not int or type(has_more) is not bool
            or type(raw["min_retained_seq"]) is not int or type(changes) is not list):
        return None
    out: list[dict[str, Any]] = []
    for c in changes:
        if type(c) is not dict or not _CHANGE_KEYS.issuperset(c):
            return None
        seq, entity, entity_id, ward_id, row = c.get("seq"), c.get("entity"), c.get("id"), c.get("ward_id", 0), c.get("row")
        deleted, needs_review = c.get("deleted", False), c.get("needs_review", False)
        if (type(seq) is not int or type(entity) is not str or type(entity_id) is not str or type(row) is not dict
                or (ward_id is not None and type(ward_id) is not str) or type(deleted) is not bool or type(needs_review) is not bool):
            return None
        metas = c.get("field_meta", {})  # protocol 1's versions, field by field
        if type(metas) is not dict or any(type(m) is not dict for m in metas.values()):
            return None
        versions = c.get("versions")
        if versions is not None:
            if type(versions) is not list:
                return None
            metas = {}
            for v in versions:
                if type(v) is not list or len(v) != 3:
                    return None
                tok, hlc, fields = v
                if type(tok) is not str or type(hlc) is not str or type(fields) is not list:
                    return None
                version = {"tok": tok, "hlc": hlc}  # one dict per version, shared by its fields (read only)
                for f in fields:
                    if type(f) is not str:
                        return None
                    metas[f] = version
        out.append({"seq": seq, "entity": entity, "id": entity_id, "ward_id": ward_id, "deleted": deleted, "row": row,
                    "field_meta": metas, "needs_review": needs_review})
    return Page(epoch, server_time, next_since, has_more, out)


_ANSWER_KEYS = frozenset(("server_epoch", "server_time", "device_last_client_seq", "server_seq_high", "results"))
_ITEM_KEYS = frozenset(protocol.ItemResult.model_fields)
_VERDICTS = frozenset(("applied", "duplicate", "rejected"))  # ``protocol.Verdict``


def push_answer_of(r: httpx.Response) -> tuple[str, list[dict[str, Any]]]:
    """A push answer read by pydantic (``protocol.PushResponse``): its server time and each verdict as
    ``model_dump`` gives it. Raises what pydantic raises for an answer it does not take."""
    resp = protocol.PushResponse.model_validate(r.json())
    return resp.server_time, [x.model_dump() for x in resp.results]


def read_push_answer(body: bytes) -> tuple[str, list[dict[str, Any]]] | None:
    """A push answer read by orjson, with the types ``protocol.PushResponse`` requires checked here: the
    same server time and verdicts as ``push_answer_of`` (issue 13, i13-station7: pydantic took ~4 ms of CPU for
    a batch of 500, 0.5 ms here, on the push's critical path once the last batch is answered). None when anything is
    not exactly as a server writes it (a key too many, a number as text, a big integer, broken text): the
    caller reads such an answer with pydantic, which takes it or refuses it as it always has."""
    if has_long_digits(body):
        return None
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if type(raw) is not dict or raw.keys() != _ANSWER_KEYS:
        return None
    server_time, results = raw["server_time"], raw["results"]
    if (type(server_time) is not str or type(raw["server_epoch"]) is not str or type(results) is not list
            or type(raw["device_last_client_seq"]) is not int or type(raw["server_seq_high"]) is not int):
        return None
    out: list[dict[str, Any]] = []
    for x in results:
        if type(x) is not dict or not _ITEM_KEYS.issuperset(x):
            return None
        seq, mid, status = x.get("client_seq"), x.get("mutation_id"), x.get("status")
        server_seq, effective, flags, error = x.get("server_seq"), x.get("effective", {}), x.get("flags", []), x.get("error")
        if (type(seq) is not int or type(mid) is not str or type(status) is not str or status not in _VERDICTS
                or (server_seq is not None and type(server_seq) is not int) or type(effective) is not dict
                or type(flags) is not list or (error is not None and type(error) is not str)
                or any(type(f) is not str for f in flags)):
            return None
        out.append({"client_seq": seq, "mutation_id": mid, "status": status, "server_seq": server_seq,
                    "effective": effective, "flags": flags, "error": error})
    return server_time, out


def split_storable(changes: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], str]]]:
    """Pulled records this station can store, and those it must set aside with the reason: each is
    checked against its entity's schema (``protocol.SCHEMAS``), as the server checks what it accepts.
    Fields this version does not know are left for a later version; an unknown entity passes (the
    store skips it and it comes again after an upgrade)."""
    good: list[dict[str, Any]] = []
    aside: list[tuple[dict[str, Any], str]] = []
    for ch in changes:
        schema = protocol.SCHEMAS.get(ch["entity"])
        if schema is None:
            good.append(ch)
            continue
        try:
            if not isinstance(ch["id"], str) or len(ch["id"]) != 36 or not is_valid_unicode(ch["id"]):
                raise ValidationError.single("id", "Its id is not a record id")
            if not ch["deleted"]:
                row = ch["row"]
                known, bad_name = _row_shape(schema.name, tuple(row))
                schema.check_record(ch["id"], {k: row[k] for k in known})
                if bad_name:
                    raise ValidationError.single("row", "It has a field name this station cannot store")
        except ValidationError as e:
            aside.append((ch, printable(str(e), 300)))
            continue
        good.append(ch)
    return good, aside


@lru_cache(maxsize=2048)  # bounded: field names come from the wire
def _row_shape(entity: str, names: tuple[Any, ...]) -> tuple[tuple[str, ...], bool]:
    """A pulled row's fields this version knows (checked), and whether any name is one this station
    cannot store (the rest are left for a later version): pulled records come in a handful of shapes."""
    schema = protocol.SCHEMAS[entity]
    known = tuple(k for k in names if isinstance(k, str) and schema.known_field(k))
    return known, any(not isinstance(k, str) or not protocol.FIELD_NAME.fullmatch(k) for k in names)


def _error_code(r: httpx.Response) -> str:
    try:
        body = r.json()
        detail = body.get("detail", body) if isinstance(body, dict) else {}
        if isinstance(detail, dict) and detail.get("error"):
            return str(detail["error"])
    except ValueError:
        pass
    return f"http_{r.status_code}"


def _error_message(r: httpx.Response, default: str) -> str:
    try:
        body = r.json()
        detail = body.get("detail", body) if isinstance(body, dict) else {}
        if isinstance(detail, dict) and detail.get("message"):
            return str(detail["message"])
    except ValueError:
        pass
    return default


def _retry_after(r: httpx.Response) -> float | None:
    value = r.headers.get("Retry-After")
    try:
        return float(value) if value else None
    except ValueError:
        return None
