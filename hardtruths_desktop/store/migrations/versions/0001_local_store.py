"""local store

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25 23:20:47.652830
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('station_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('actor_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('actor_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('changes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log')),
    sqlite_autoincrement=True
    )
    op.create_table('outbox',
    sa.Column('client_seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('mutation_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('entity_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('op', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('base', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('hlc', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('schema_version', sa.Integer(), nullable=False),
    sa.Column('recorded_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('wall_time', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('state', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('result', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('acked_seq', sa.Integer(), nullable=True),
    sa.Column('acked_at', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.CheckConstraint("op IN ('create','patch','delete','amend')", name=op.f('ck_outbox_op')),
    sa.CheckConstraint("state IN ('pending','acked','rejected')", name=op.f('ck_outbox_state')),
    sa.PrimaryKeyConstraint('client_seq', name=op.f('pk_outbox')),
    sa.UniqueConstraint('mutation_id', name=op.f('uq_outbox_mutation_id')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('outbox_pending', ['state', 'client_seq'], unique=False)

    op.create_table('sync_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('device_incarnation', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('station_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('home_ward_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('machine_fingerprint', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('server_epoch', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('pull_cursor', sa.Integer(), nullable=False),
    sa.Column('hlc_last', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('server_offset_ms', sa.Integer(), nullable=False),
    sa.Column('schema_version', sa.Integer(), nullable=False),
    sa.Column('last_push_ok', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('last_pull_ok', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.CheckConstraint('id = 1', name=op.f('ck_sync_state_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_state'))
    )
    op.create_table('trust',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('field_meta', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trust')),
    sa.UniqueConstraint('code', name=op.f('uq_trust_code'))
    )
    op.create_table('ward',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('trust_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('site', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('specialty', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('beds', sa.Integer(), nullable=False),
    sa.Column('field_meta', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], name=op.f('fk_ward_trust_id_trust')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ward')),
    sa.UniqueConstraint('code', name=op.f('uq_ward_code'))
    )
    op.create_table('establishment',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ward_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('shift_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_group', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('planned_heads', sa.Integer(), nullable=False),
    sa.Column('planned_hours', sa.Float(), nullable=False),
    sa.Column('field_meta', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_establishment_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_establishment')),
    sa.UniqueConstraint('ward_id', 'shift_code', 'staff_group', 'effective_from', name=op.f('uq_establishment_ward_id'))
    )
    with op.batch_alter_table('establishment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_establishment_ward_id'), ['ward_id'], unique=False)

    op.create_table('shift_pattern',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ward_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('start_time', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('end_time', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('field_meta', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.CheckConstraint("period IN ('day','night')", name=op.f('ck_shift_pattern_period')),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_shift_pattern_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift_pattern')),
    sa.UniqueConstraint('ward_id', 'code', name=op.f('uq_shift_pattern_ward_id'))
    )
    with op.batch_alter_table('shift_pattern', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shift_pattern_ward_id'), ['ward_id'], unique=False)

    op.create_table('staff',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ward_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('is_manager', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('field_meta', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_staff_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff'))
    )
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_ward_id'), ['ward_id'], unique=False)

    op.create_table('ward_day',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ward_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('patients_at_midnight', sa.Integer(), nullable=True),
    sa.Column('field_meta', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_ward_day_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ward_day')),
    sa.UniqueConstraint('ward_id', 'day', name=op.f('uq_ward_day_ward_id'))
    )
    op.create_table('shift',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('ward_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('shift_date', sa.Date(), nullable=False),
    sa.Column('shift_code', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('nurse_in_charge_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('notes', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('field_meta', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('server_seq', sa.Integer(), nullable=True),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['nurse_in_charge_id'], ['staff.id'], name=op.f('fk_shift_nurse_in_charge_id_staff')),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_shift_ward_id_ward')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shift')),
    sa.UniqueConstraint('ward_id', 'shift_date', 'shift_code', name=op.f('uq_shift_ward_id'))
    )
    op.create_table('shift_staffing',
    sa.Column('shift_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('staff_group', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('planned', sa.Integer(), nullable=False),
    sa.Column('actual', sa.Integer(), nullable=False),
    sa.Column('planned_hours', sa.Float(), nullable=False),
    sa.Column('actual_hours', sa.Float(), nullable=False),
    sa.Column('bank_agency', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['shift_id'], ['shift.id'], name=op.f('fk_shift_staffing_shift_id_shift')),
    sa.PrimaryKeyConstraint('shift_id', 'staff_group', name=op.f('pk_shift_staffing'))
    )



def downgrade() -> None:

    op.drop_table('shift_staffing')
    op.drop_table('shift')
    op.drop_table('ward_day')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_ward_id'))

    op.drop_table('staff')
    with op.batch_alter_table('shift_pattern', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shift_pattern_ward_id'))

    op.drop_table('shift_pattern')
    with op.batch_alter_table('establishment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_establishment_ward_id'))

    op.drop_table('establishment')
    op.drop_table('ward')
    op.drop_table('trust')
    op.drop_table('sync_state')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('outbox_pending')

    op.drop_table('outbox')
    op.drop_table('audit_log')

