"""Print centre: bed board, named nurses, ward board details, trust contacts, who is on duty.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 23:25:46.787960
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('trust_contacts',
    sa.Column('trust_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pals_phone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pals_email', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pals_location', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('pals_hours', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('complaints_phone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('complaints_email', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('complaints_address', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('complaints_web_page', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('commissioner', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('advocacy_provider', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('advocacy_phone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('advocacy_web', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('healthwatch_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('healthwatch_phone', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('healthwatch_web', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('details_checked_on', sa.Date(), nullable=True),
    sa.Column('uniform_key', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('field_meta', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], name=op.f('fk_trust_contacts_trust_id_trust')),
    sa.PrimaryKeyConstraint('trust_id', name=op.f('pk_trust_contacts'))
    )
    op.create_table('bed',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ward_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('label', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('occupied', sa.Boolean(), nullable=False),
    sa.Column('preferred_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('consultant', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('expected_discharge', sa.Date(), nullable=True),
    sa.Column('instructions', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('field_meta', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_bed_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bed')),
    sa.UniqueConstraint('ward_id', 'label', name=op.f('uq_bed_ward_id'))
    )
    with op.batch_alter_table('bed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bed_ward_id'), ['ward_id'], unique=False)

    op.create_table('ward_board',
    sa.Column('ward_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ward_manager', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('matron', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('field_meta', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_ward_board_ward_id_ward')),
    sa.PrimaryKeyConstraint('ward_id', name=op.f('pk_ward_board'))
    )
    op.create_table('bed_nurse',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ward_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('bed_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('shift_date', sa.Date(), nullable=False),
    sa.Column('shift_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('field_meta', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['bed_id'], ['bed.id'], name=op.f('fk_bed_nurse_bed_id_bed')),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_bed_nurse_staff_id_staff')),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_bed_nurse_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bed_nurse')),
    sa.UniqueConstraint('bed_id', 'shift_date', 'shift_code', name=op.f('uq_bed_nurse_bed_id'))
    )
    with op.batch_alter_table('bed_nurse', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bed_nurse_bed_id'), ['bed_id'], unique=False)

    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.add_column(sa.Column('on_duty', sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default='[]'))



def downgrade() -> None:
    with op.batch_alter_table('shift', schema=None) as batch_op:
        batch_op.drop_column('on_duty')

    with op.batch_alter_table('bed_nurse', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bed_nurse_bed_id'))

    op.drop_table('bed_nurse')
    op.drop_table('ward_board')
    with op.batch_alter_table('bed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bed_ward_id'))

    op.drop_table('bed')
    op.drop_table('trust_contacts')
