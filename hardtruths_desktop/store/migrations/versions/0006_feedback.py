"""Bedside feedback: Friends and Family Test responses and their amendments; "You said, we did".

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feedback",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("ward_id", sa.String(), nullable=False),
        sa.Column("response_date", sa.Date(), nullable=False),
        sa.Column("question", sa.String(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("comment_good", sa.String(), nullable=False),
        sa.Column("comment_better", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("findings", sa.String(), nullable=False),
        sa.Column("amends_id", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("amended_by", sa.String(), nullable=False),
        sa.Column("field_meta", sa.String(), nullable=False),
        sa.CheckConstraint(
            "status IN ('published','held','approved','redacted','withdrawn','corrected')", name=op.f("ck_feedback_status")
        ),
        sa.ForeignKeyConstraint(["amends_id"], ["feedback.id"], name=op.f("fk_feedback_amends_id_feedback")),
        sa.ForeignKeyConstraint(["ward_id"], ["ward.id"], name=op.f("fk_feedback_ward_id_ward")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index("ix_feedback_ward_day", "feedback", ["ward_id", "response_date", "answer"], unique=False)
    op.create_index("ix_feedback_held", "feedback", ["ward_id"], unique=False,
                    sqlite_where=sa.text("status = 'held' AND amends_id IS NULL"))
    op.create_index(op.f("ix_feedback_amends_id"), "feedback", ["amends_id"], unique=False)
    op.create_table(
        "you_said_we_did",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("ward_id", sa.String(), nullable=False),
        sa.Column("month", sa.String(), nullable=False),
        sa.Column("you_said", sa.String(), nullable=False),
        sa.Column("we_did", sa.String(), nullable=False),
        sa.Column("feedback_id", sa.String(), nullable=True),
        sa.Column("written_by", sa.String(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("field_meta", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["feedback_id"], ["feedback.id"], name=op.f("fk_you_said_we_did_feedback_id_feedback")),
        sa.ForeignKeyConstraint(["ward_id"], ["ward.id"], name=op.f("fk_you_said_we_did_ward_id_ward")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_you_said_we_did")),
    )
    op.create_index("ix_you_said_we_did_ward_month", "you_said_we_did", ["ward_id", "month"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_you_said_we_did_ward_month", table_name="you_said_we_did")
    op.drop_table("you_said_we_did")
    op.drop_index(op.f("ix_feedback_amends_id"), table_name="feedback")
    op.drop_index("ix_feedback_held", table_name="feedback")
    op.drop_index("ix_feedback_ward_day", table_name="feedback")
    op.drop_table("feedback")
