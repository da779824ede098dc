"""The space a burst of edits frees, made reusable within the burst (issue 13: server bytes per shift).

An edit of a record writes a new version of its ``entity_record`` row and, where no station is sent the
row it supersedes, deletes that ``change_log`` row (``stream.drop_unsent``). PostgreSQL frees the old
versions' space only when VACUUM marks it free; until then every new version goes to fresh pages at the
end of the file. Autovacuum looks at a database once a minute (``autovacuum_naptime``) and waits for a
fifth of the table to be dead, so a burst (a station back from a week offline, 20,000 edits pushed in a
few seconds) doubles ``entity_record``'s heap: measured with ``benchmarks/bench_size.py``, 1,266 B a shift
for 669 B of live rows, the old half free but kept in the file until new rows fill it.

So each server process counts the records its pushes UPDATED (a create frees nothing) and, every
``RECLAIM_EVERY`` of them, runs in a background thread, on its own connection::

    VACUUM (TRUNCATE OFF, SKIP_LOCKED) entity_record, change_log

which marks the committed old versions' space free, so the next pushes' new versions fill it instead of
growing the file. It is what autovacuum would do, sooner and smaller:

* it reads only the pages written since the last VACUUM (the visibility map skips the rest), so its work
  follows the edits, not the table's size. Its index passes are PostgreSQL's default (``INDEX_CLEANUP AUTO``,
  14+): skipped while under 2% of the pages hold dead line pointers, run once more do. They are never turned
  off (review of i13-burst8): each of these VACUUMs resets the dead-row count autovacuum starts from, so with
  them off no index pass would ever run while edits kept coming (dead line pointers and index entries piling
  up, pages never all-visible again, every later VACUUM rescanning them);
* its lock is ``SHARE UPDATE EXCLUSIVE`` (as autovacuum's), which no push, pull or admin command takes or
  waits for; ``SKIP_LOCKED`` skips a table another VACUUM holds (autovacuum, another server process) rather
  than wait; ``TRUNCATE OFF`` never takes the ``ACCESS EXCLUSIVE`` lock that trimming the file's end needs;
* one at a time in a process, at most ``TIMEOUT`` long (an upgrade's ALTER TABLE waits for a running VACUUM,
  and pushes queue behind that ALTER); a failure (a lost connection, the timeout) is logged, and so is each
  table PostgreSQL skipped with a WARNING (another VACUUM holds it; a role that does not own it), and the next
  one is tried ``RECLAIM_EVERY`` updates later: it never touches a push.

SQLite (a test or single-ward server): nothing (no MVCC versions to free). ``HARDTRUTHS_SERVER_RECLAIM_EVERY``
(``Settings.reclaim_every``, default ``RECLAIM_EVERY``) sets the count; 0 turns it off.
"""

from __future__ import annotations

import logging
import threading
import weakref
from typing import Any

from sqlalchemy import Engine

log = logging.getLogger(__name__)

#: records updated (in this process) between two VACUUMs, by default; the burst's heap carries about this many
#: old versions more than its live rows (~670 B each for a shift), the VACUUMs' count goes as edits / this
RECLAIM_EVERY = 1000
#: ``Session.info`` key under which a push leaves the number of records it updated (``sync._push_tx``)
UPDATED = "reclaim_updated"
SQL = "VACUUM (TRUNCATE OFF, SKIP_LOCKED) entity_record, change_log"
#: the longest one VACUUM may run (``statement_timeout``)
TIMEOUT = "120s"


class Reclaimer:
    """One engine's count of updated records since its last VACUUM, and the VACUUM thread (one at a time)."""

    def __init__(self, engine: Engine, every: int = RECLAIM_EVERY) -> None:
        self._engine = weakref.ref(engine)
        self.every = every  # 0: never
        self._lock = threading.Lock()
        self.pending = 0
        self.running: threading.Thread | None = None
        self.runs = 0  # VACUUMs finished (tests, benchmarks)

    def note(self, updated: int) -> threading.Thread | None:
        """Count ``updated`` records (a committed push's); start a VACUUM when ``every`` have been counted and
        none is running. Returns the thread started, if any."""
        every = self.every
        if updated <= 0 or every <= 0:
            return None
        with self._lock:
            self.pending += updated
            if self.pending < every or (self.running is not None and self.running.is_alive()):
                return None
            self.pending = 0
            thread = self.running = threading.Thread(target=self._vacuum, name="hardtruths-reclaim", daemon=True)
        thread.start()
        return thread

    def _vacuum(self) -> None:
        engine = self._engine()
        if engine is None:
            return
        try:
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                driver = conn.connection.driver_connection
                assert driver is not None
                driver.add_notice_handler(_log_warning)  # a table skipped is a WARNING, not an error
                try:
                    conn.exec_driver_sql(f"SET statement_timeout = '{TIMEOUT}'")
                    conn.exec_driver_sql(SQL)
                finally:
                    driver.remove_notice_handler(_log_warning)
                    conn.exec_driver_sql("RESET statement_timeout")  # the connection goes back to the pool
            self.runs += 1
        except Exception:  # a VACUUM that could not run is retried later; never a push's error
            log.warning("VACUUM of entity_record and change_log after a burst of edits failed", exc_info=True)


def _log_warning(diag: Any) -> None:
    if diag.severity_nonlocalized == "WARNING":
        log.warning("VACUUM after a burst of edits: %s", diag.message_primary)


_BY_ENGINE: weakref.WeakKeyDictionary[Engine, Reclaimer] = weakref.WeakKeyDictionary()
_BY_ENGINE_LOCK = threading.Lock()


def reclaimer(engine: Engine) -> Reclaimer | None:
    """The engine's ``Reclaimer`` (PostgreSQL), or None (SQLite)."""
    if engine.dialect.name != "postgresql":
        return None
    with _BY_ENGINE_LOCK:
        found = _BY_ENGINE.get(engine)
        if found is None:
            found = _BY_ENGINE[engine] = Reclaimer(engine)
        return found


def configure(engine: Engine, every: int) -> None:
    """``Settings.reclaim_every`` for the app's engine (``create_app``)."""
    found = reclaimer(engine)
    if found is not None:
        found.every = every


def after_push(engine: Engine, updated: int) -> None:
    """A push committed, having updated ``updated`` records."""
    if updated > 0:
        found = reclaimer(engine)
        if found is not None:
            found.note(updated)
