"""Red flags and staff sign-in credentials.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('staff_credential',
    sa.Column('staff_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pin_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('failed_attempts', sa.Integer(), nullable=False),
    sa.Column('locked_until', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('onetime_code_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('onetime_expires', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_credential_staff_id_staff')),
    sa.PrimaryKeyConstraint('staff_id', name=op.f('pk_staff_credential'))
    )
    op.create_table('red_flag',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ward_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('shift_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('flag_type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('raised_at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('raised_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('escalated_to', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('escalated_at', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('response', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('resolved_at', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('resolved_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('field_meta', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['shift_id'], ['shift.id'], name=op.f('fk_red_flag_shift_id_shift')),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_red_flag_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_red_flag'))
    )
    with op.batch_alter_table('red_flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_red_flag_shift_id'), ['shift_id'], unique=False)



def downgrade() -> None:
    op.drop_table("red_flag")
    op.drop_table("staff_credential")
