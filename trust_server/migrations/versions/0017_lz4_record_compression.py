"""A record's JSON compressed with lz4 where PostgreSQL has it (issue 13, i13-push4: a push's PostgreSQL time).

Since migration 0013 a shift's ``entity_record`` row is stored compressed whole (``toast_tuple_target =
128``, storage ``MAIN``): every record a push creates or edits is compressed again by PostgreSQL, with
pglz, the default. lz4 compressed 2,000 shifts to the same size (``data`` 293 B against 283, ``field_meta``,
then jsonb, 404 B against 406) in about a third less of the database's time for an edit's ``data || patch``
(0.46-0.49 s against 0.64-0.85 s at load ~11; ``benchmarks/RESULTS.md``, "Issue 13 (push, i13-push4)").
Only the column setting changes: rows written before keep pglz and read as ever; each is recompressed
with lz4 when next written. A PostgreSQL built without lz4 keeps pglz
(nothing to do); SQLite has no such setting.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 03:40:00
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = '0017'
down_revision: str | None = '0016'  # after i13-clock4's 0016, which landed first
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("data", "field_meta")


def _has_lz4() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    found = bind.execute(text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")).scalar()
    return bool(found)


def upgrade() -> None:
    if _has_lz4():
        op.execute("ALTER TABLE entity_record " + ", ".join(f"ALTER COLUMN {c} SET COMPRESSION lz4" for c in _COLUMNS))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE entity_record " + ", ".join(f"ALTER COLUMN {c} SET COMPRESSION DEFAULT" for c in _COLUMNS))
