"""The file gives back the pages archiving frees (issue 13: the recording station's file per shift).

Archiving acknowledged changes (0014) deletes their outbox rows; the pages they held stayed in the
file as free pages (~490 B a shift after a burst of 20,000 shifts with one edit each), reused by later
saves but never returned. From this revision the store is in SQLite's ``auto_vacuum = INCREMENTAL``
mode: the sync's idle cycle, after archiving, moves the last pages of the file into the free ones and
the next checkpoint shortens the file (``sync_store.release_free_pages``, a few pages per short
transaction: never inside a save or a push).

SQLite sets that mode only on an empty file or by rebuilding the whole file (``VACUUM``), and a VACUUM
cannot run inside a transaction, while an upgrade is one. So this revision's own step changes no
table: ``migrate.upgrade`` rebuilds the file right after the upgrade commits (still holding the
upgrade lock, before the app uses the store; ~0.3 s for a 20 MB store of 20,723 shifts), and a new
store is created in that mode (``migrate._run_alembic``). A store whose rebuild failed (a full disk)
works as before, in the old mode, and is tried again at its next upgrade.

Storage only: the wire schema stays 13 (``migrate.SCHEMA_VERSION``): no re-pull, no server change.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Nothing inside the upgrade's transaction: the file's mode changes after it commits (see above)."""


def downgrade() -> None:
    raise NotImplementedError("the station's store is never downgraded (a newer store is refused, not rewritten)")
