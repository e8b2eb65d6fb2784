"""Signatures, count deltas, the outbox, organiser sessions and sign-in throttling

Revision ID: 0002_signing
Revises: 0001_foundation
Create Date: 2026-11-21 06:47:31.711329

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_signing'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_throttles',
    sa.Column('email_hash', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_login_throttles_failures_not_negative')),
    sa.PrimaryKeyConstraint('email_hash', name=op.f('pk_login_throttles'))
    )
    op.create_table('organiser_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_organiser_sessions_expires_after_creation')),
    sa.ForeignKeyConstraint(['organiser_id'], ['organisers.id'], name=op.f('fk_organiser_sessions_organiser_id_organisers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organiser_sessions'))
    )
    with op.batch_alter_table('organiser_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organiser_sessions_organiser_id'), ['organiser_id'], unique=False)

    op.create_table('signature_count_deltas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('delta', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('delta != 0', name=op.f('ck_signature_count_deltas_delta_not_zero')),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], name=op.f('fk_signature_count_deltas_petition_id_petitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signature_count_deltas'))
    )
    with op.batch_alter_table('signature_count_deltas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signature_count_deltas_petition_id'), ['petition_id'], unique=False)

    op.create_table('signatures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('petition_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('name_key', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('canonical_email', sa.String(length=254), nullable=False),
    sa.Column('household_slot', sa.Integer(), nullable=True),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('notify_progress', sa.Boolean(), nullable=False),
    sa.Column('share_name', sa.Boolean(), nullable=False),
    sa.Column('confirmation_nonce', sa.String(length=24), nullable=False),
    sa.Column('emails_sent', sa.Integer(), nullable=False),
    sa.Column('last_emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(state = 'confirmed') = (confirmed_at IS NOT NULL)", name=op.f('ck_signatures_confirmed_has_time')),
    sa.CheckConstraint("state IN ('pending', 'confirmed')", name=op.f('ck_signatures_state_known')),
    sa.CheckConstraint('(postcode IS NULL) != (country IS NULL)', name=op.f('ck_signatures_postcode_or_country')),
    sa.CheckConstraint('emails_sent >= 0', name=op.f('ck_signatures_emails_sent_not_negative')),
    sa.CheckConstraint('household_slot IS NULL OR household_slot IN (1, 2)', name=op.f('ck_signatures_household_slot_1_or_2')),
    sa.CheckConstraint("(state = 'confirmed') = (household_slot IS NOT NULL)", name=op.f('ck_signatures_confirmed_has_slot')),
    sa.CheckConstraint('length(name) > 0 AND length(name_key) > 0', name=op.f('ck_signatures_name_not_empty')),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], name=op.f('fk_signatures_petition_id_petitions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signatures')),
    sa.UniqueConstraint('petition_id', 'canonical_email', 'household_slot', name=op.f('uq_signatures_petition_id_canonical_email_household_slot')),
    sa.UniqueConstraint('petition_id', 'canonical_email', 'name_key', name=op.f('uq_signatures_petition_id_canonical_email_name_key'))
    )
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.create_index('ix_signatures_petition_id_state', ['petition_id', 'state'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('context', sa.Text(), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('signature_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sa.String(length=64), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status != 'sending' OR leased_until IS NOT NULL", name=op.f('ck_outbox_sending_is_leased')),
    sa.CheckConstraint("status != 'sent' OR sent_at IS NOT NULL", name=op.f('ck_outbox_sent_has_time')),
    sa.CheckConstraint("status IN ('queued', 'sending', 'sent', 'failed')", name=op.f('ck_outbox_status_known')),
    sa.CheckConstraint('attempts >= 0', name=op.f('ck_outbox_attempts_not_negative')),
    sa.ForeignKeyConstraint(['signature_id'], ['signatures.id'], name=op.f('fk_outbox_signature_id_signatures'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('message_id', name=op.f('uq_outbox_message_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_signature_id'), ['signature_id'], unique=False)
        batch_op.create_index('ix_outbox_status_next_attempt_at', ['status', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('organisers', schema=None) as batch_op:
        batch_op.drop_column('session_nonce')



def downgrade():
    with op.batch_alter_table('organisers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_nonce', sa.VARCHAR(length=32), nullable=False, server_default=''))

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_outbox_signature_id'))

    op.drop_table('outbox')
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_index('ix_signatures_petition_id_state')

    op.drop_table('signatures')
    with op.batch_alter_table('signature_count_deltas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_signature_count_deltas_petition_id'))

    op.drop_table('signature_count_deltas')
    with op.batch_alter_table('organiser_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organiser_sessions_organiser_id'))

    op.drop_table('organiser_sessions')
    op.drop_table('login_throttles')
