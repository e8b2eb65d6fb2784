"""Privacy: withdrawal, retention, unsubscribing and erasure

Revision ID: 0007_privacy
Revises: 0006_integrity
Create Date: 2026-11-22 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_privacy'
down_revision = '0006_integrity'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('update_emails_sent', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('unsubscribed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_check_constraint(op.f('ck_signatures_update_emails_sent_not_negative'), 'update_emails_sent >= 0')
        batch_op.create_index('ix_signatures_canonical_email', ['canonical_email'], unique=False)

    with op.batch_alter_table('consultation_responses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_consultation_responses_canonical_email', ['canonical_email'], unique=False)

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('response_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_response_id'), ['response_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_response_id_consultation_responses'), 'consultation_responses', ['response_id'],
            ['id'], ondelete='SET NULL'
        )


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_response_id_consultation_responses'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_response_id'))
        batch_op.drop_column('response_id')

    with op.batch_alter_table('consultation_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_consultation_responses_canonical_email')
        batch_op.drop_column('anonymised_at')

    with op.batch_alter_table('signatures', schema=None) as batch_op:
        batch_op.drop_index('ix_signatures_canonical_email')
        batch_op.drop_constraint(op.f('ck_signatures_update_emails_sent_not_negative'), type_='check')
        batch_op.drop_column('anonymised_at')
        batch_op.drop_column('unsubscribed_at')
        batch_op.drop_column('update_emails_sent')
