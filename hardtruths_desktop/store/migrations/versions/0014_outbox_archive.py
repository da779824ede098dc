"""Acknowledged changes archived a batch at a time (issue 13: the recording station's bytes per shift).

The outbox kept every acknowledged change in its sending form for 30 days (SYNC.md decision 4, for
the re-send after a server restore): two rows, ~1,100 B, per shift with one edit, half the file.
From this revision the sync's janitor folds acknowledged rows (all but the newest few hundred, and
never one the review list reads) into ``outbox_archive``, one zlib-compressed row per batch of up
to 500, completing the audit rows that named them first (the audit trail reads whole without them).
A restore's re-send brings them back into ``outbox`` exactly as they were (``sync_store.unarchive``).

Storage only: nothing on the wire changes (the station's wire schema stays 13, ``migrate.SCHEMA_VERSION``;
no re-pull, no server upgrade needed). The upgrade only creates the table: rows already acknowledged
are archived by the next sync cycle's janitor, off the start and off the save path. ``IF NOT EXISTS``:
a store written at this revision and labelled older (a test does that) upgrades again cleanly.
An app older than this revision refuses the file (unknown revision): it would not see archived rows.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ARCHIVE_DDL = """CREATE TABLE IF NOT EXISTS outbox_archive (
	first_seq INTEGER NOT NULL,
	last_seq INTEGER NOT NULL,
	n_rows INTEGER NOT NULL,
	acked_to VARCHAR NOT NULL,
	body BLOB NOT NULL,
	PRIMARY KEY (first_seq)
)"""


def upgrade() -> None:
    op.get_bind().exec_driver_sql(ARCHIVE_DDL)


def downgrade() -> None:
    raise NotImplementedError("the station's store is never downgraded (a newer store is refused, not rewritten)")
