"""Feedback: ``feedback_head``, each response as it stands now (local only, derived).

The response folded with its newest amendment (by HLC, then id), one row per response, so the
results screen counts 13 months with one indexed GROUP BY instead of merging every amendment in
Python. The events in ``feedback`` are not touched (SYNC.md 3.6); the table is built here from
them, and the app keeps it up to date in the same transaction as every save, amendment and pulled
page (``store.feedback.refresh_heads``).

The fold below is a frozen copy of ``store.feedback.HEAD_SQL`` as of this revision (a migration
must not change meaning when the app's code moves on).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL = (
    "INSERT INTO feedback_head (response_id, ward_id, response_date, seq, answer, channel, comment_good, comment_better,"
    " status, original_status, findings, amendments, head_id)"
    " SELECT f.id, f.ward_id, f.response_date, f.rowid, COALESCE(h.answer, f.answer), f.channel,"
    " COALESCE(h.comment_good, f.comment_good), COALESCE(h.comment_better, f.comment_better),"
    " COALESCE(h.status, f.status), f.status, f.findings,"
    " (SELECT count(*) FROM feedback c WHERE c.amends_id = f.id), h.id"
    " FROM feedback f LEFT JOIN feedback h ON h.id = ("
    "   SELECT a.id FROM feedback a WHERE a.amends_id = f.id"
    "   ORDER BY coalesce(json_extract(a.field_meta, '$.amends_id.hlc'), '') DESC, a.id DESC LIMIT 1)"
    " WHERE f.amends_id IS NULL"
)


def upgrade() -> None:
    op.create_table(
        "feedback_head",
        sa.Column("response_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("ward_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("response_date", sa.Date(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("comment_good", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("comment_better", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("original_status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("findings", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("amendments", sa.Integer(), nullable=False),
        sa.Column("head_id", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.PrimaryKeyConstraint("response_id", name=op.f("pk_feedback_head")),
    )
    op.create_index("feedback_head_months", "feedback_head",
                    ["ward_id", "response_date", "status", "answer", "channel"], unique=False)
    op.create_index("feedback_head_held", "feedback_head", ["ward_id", "status", "response_date", "seq"], unique=False,
                    sqlite_where=sa.text("status = 'held'"))
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_index("feedback_head_held", table_name="feedback_head")
    op.drop_index("feedback_head_months", table_name="feedback_head")
    op.drop_table("feedback_head")
