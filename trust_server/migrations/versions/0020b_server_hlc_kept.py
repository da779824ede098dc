"""The server's own HLC is kept in the database (``server_meta.server_hlc``), not only in memory.

The server stamps its own writes (trust IT's records, voids) with an HLC that was monotonic only within
one process: a restarted server (its clock a little behind the one before, or within the same
millisecond) or a second server process or the admin CLI could stamp a write LOWER than one of its own
already stored, and that later write then lost the merge to the earlier one. From this revision every
server HLC is issued above the kept one, read and advanced under that row's lock in the writing
transaction (``apply.server_hlc``; a push never asks for one, so no push pays for it).

Seeded here from what is stored: the highest HLC of the server's own field versions (device
``00000000-0000-0000-0000-000000000000``) in ``entity_record.field_meta``.

Revision ID: 0020b
Revises: 0020
Create Date: 2026-12-02 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020b'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SERVER_DEVICE_ID = "00000000-0000-0000-0000-000000000000"


def upgrade() -> None:
    with op.batch_alter_table("server_meta") as batch:
        batch.add_column(sa.Column("server_hlc", sa.String(40), nullable=False, server_default=""))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        top = ("SELECT max(e.value->>'hlc') FROM entity_record r, json_each(CASE WHEN json_typeof(r.field_meta) = 'object'"
               " THEN r.field_meta ELSE '{}'::json END) AS e WHERE e.value->>'device_id' = :dev")
    else:
        top = ("SELECT max(json_extract(e.value, '$.hlc')) FROM entity_record r, json_each(r.field_meta) AS e"
               " WHERE json_type(r.field_meta) = 'object' AND json_extract(e.value, '$.device_id') = :dev")
    stored = bind.execute(sa.text(top), {"dev": SERVER_DEVICE_ID}).scalar()
    if stored:
        bind.execute(sa.text("UPDATE server_meta SET server_hlc = :h"), {"h": str(stored)[:40]})


def downgrade() -> None:
    with op.batch_alter_table("server_meta") as batch:
        batch.drop_column("server_hlc")
