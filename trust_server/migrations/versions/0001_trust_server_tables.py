"""Trust server tables (SYNC.md 3.13; generic entity_record store).

Revision ID: 0001
Revises:
Create Date: 2026-11-25 23:35:02.952876
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('applied_mutation',
    sa.Column('mutation_id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('client_seq', sa.BigInteger(), nullable=False),
    sa.Column('payload_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=True),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('mutation_id', name=op.f('pk_applied_mutation')),
    sa.UniqueConstraint('device_id', 'client_seq', name=op.f('uq_applied_mutation_device_id'))
    )
    op.create_table('change_log',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('ward_id', sa.String(length=36), nullable=True),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_change_log'))
    )
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.create_index('ix_change_log_ward_seq', ['ward_id', 'seq'], unique=False)

    op.create_table('entity_record',
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('ward_id', sa.String(length=36), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('field_meta', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.Column('needs_review', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('entity', 'id', name=op.f('pk_entity_record'))
    )
    with op.batch_alter_table('entity_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_entity_record_ward_id'), ['ward_id'], unique=False)

    op.create_table('field_history',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_id', sa.String(length=36), nullable=False),
    sa.Column('field', sa.String(length=80), nullable=False),
    sa.Column('old_value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('new_value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('incoming_hlc', sa.String(length=40), nullable=False),
    sa.Column('stored_hlc', sa.String(length=40), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('mutation_id', sa.String(length=36), nullable=False),
    sa.Column('server_seq', sa.BigInteger(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("outcome IN ('applied','concurrent_won','concurrent_lost')", name=op.f('ck_field_history_outcome')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_field_history'))
    )
    with op.batch_alter_table('field_history', schema=None) as batch_op:
        batch_op.create_index('ix_field_history_record', ['entity', 'entity_id'], unique=False)

    op.create_table('mutation_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('mutation_id', sa.String(length=36), nullable=False),
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('raw', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mutation_log'))
    )
    with op.batch_alter_table('mutation_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mutation_log_mutation_id'), ['mutation_id'], unique=False)

    op.create_table('server_meta',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('epoch', sa.String(length=36), nullable=False),
    sa.Column('min_retained_seq', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('schema_min', sa.Integer(), nullable=False),
    sa.Column('schema_max', sa.Integer(), nullable=False),
    sa.Column('token_secret', sa.String(length=128), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_server_meta_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_server_meta'))
    )
    op.create_table('sync_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value', sa.BigInteger(), server_default='0', nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_sync_counter_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_counter'))
    )
    op.create_table('trust',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trust')),
    sa.UniqueConstraint('code', name=op.f('uq_trust_code'))
    )
    op.create_table('ward',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('trust_id', sa.String(length=36), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('site', sa.String(length=200), nullable=False),
    sa.Column('specialty', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['trust_id'], ['trust.id'], name=op.f('fk_ward_trust_id_trust')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ward')),
    sa.UniqueConstraint('code', name=op.f('uq_ward_code'))
    )
    op.create_table('device',
    sa.Column('device_id', sa.String(length=36), nullable=False),
    sa.Column('ward_id', sa.String(length=36), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('incarnation', sa.String(length=36), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('last_client_seq', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('last_pull_seq', sa.BigInteger(), server_default='0', nullable=False),
    sa.Column('enrolled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('app_version', sa.String(length=40), nullable=True),
    sa.Column('schema_version', sa.Integer(), nullable=True),
    sa.Column('clock_offset_ms', sa.BigInteger(), nullable=True),
    sa.Column('pending_reported', sa.Integer(), nullable=True),
    sa.Column('oldest_pending_s', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_device_ward_id_ward')),
    sa.PrimaryKeyConstraint('device_id', name=op.f('pk_device'))
    )
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_ward_id'), ['ward_id'], unique=False)

    op.create_table('enrolment_code',
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('ward_id', sa.String(length=36), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('device_id', sa.String(length=36), nullable=True),
    sa.ForeignKeyConstraint(['ward_id'], ['ward.id'], name=op.f('fk_enrolment_code_ward_id_ward')),
    sa.PrimaryKeyConstraint('code_hash', name=op.f('pk_enrolment_code'))
    )


def downgrade() -> None:
    op.drop_table('enrolment_code')
    with op.batch_alter_table('device', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_ward_id'))

    op.drop_table('device')
    op.drop_table('ward')
    op.drop_table('trust')
    op.drop_table('sync_counter')
    op.drop_table('server_meta')
    with op.batch_alter_table('mutation_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mutation_log_mutation_id'))

    op.drop_table('mutation_log')
    with op.batch_alter_table('field_history', schema=None) as batch_op:
        batch_op.drop_index('ix_field_history_record')

    op.drop_table('field_history')
    with op.batch_alter_table('entity_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_entity_record_ward_id'))

    op.drop_table('entity_record')
    with op.batch_alter_table('change_log', schema=None) as batch_op:
        batch_op.drop_index('ix_change_log_ward_seq')

    op.drop_table('change_log')
    op.drop_table('applied_mutation')
