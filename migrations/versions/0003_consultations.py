"""Consultations, responses and wording corrections

Revision ID: 0003_consultations
Revises: 0002_signing
Create Date: 2026-11-21 07:10:43.370014

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_consultations'
down_revision = '0002_signing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consultations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('petition_id', sa.Integer(), nullable=True),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('intro_markdown', sa.Text(), nullable=False),
    sa.Column('intro_html', sa.Text(), nullable=False),
    sa.Column('definition', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('previous_version_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state = 'draft' OR opened_at IS NOT NULL", name=op.f('ck_consultations_opened_has_time')),
    sa.CheckConstraint("state IN ('draft', 'open', 'closed', 'archived')", name=op.f('ck_consultations_state_known')),
    sa.CheckConstraint("state NOT IN ('closed', 'archived') OR closed_at IS NOT NULL", name=op.f('ck_consultations_closed_has_time')),
    sa.CheckConstraint('length(title) > 0 AND length(slug) > 0', name=op.f('ck_consultations_text_not_empty')),
    sa.CheckConstraint('opens_at IS NULL OR closes_at IS NULL OR closes_at > opens_at', name=op.f('ck_consultations_closes_after_opening')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_consultations_version_positive')),
    sa.ForeignKeyConstraint(['created_by_id'], ['organisers.id'], name=op.f('fk_consultations_created_by_id_organisers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_consultations_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['petition_id'], ['petitions.id'], name=op.f('fk_consultations_petition_id_petitions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['previous_version_id'], ['consultations.id'], name=op.f('fk_consultations_previous_version_id_consultations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations')),
    sa.UniqueConstraint('slug', name=op.f('uq_consultations_slug'))
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultations_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultations_petition_id'), ['petition_id'], unique=False)

    op.create_table('consultation_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('canonical_email', sa.String(length=254), nullable=False),
    sa.Column('nonce', sa.String(length=24), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('working', sa.Text(), nullable=False),
    sa.Column('answers', sa.Text(), nullable=True),
    sa.Column('consent', sa.String(length=16), nullable=True),
    sa.Column('postcode', sa.String(length=8), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('emails_sent', sa.Integer(), nullable=False),
    sa.Column('last_emailed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(state = 'submitted') = (answers IS NOT NULL AND consent IS NOT NULL AND submitted_at IS NOT NULL)", name=op.f('ck_consultation_responses_submitted_is_complete')),
    sa.CheckConstraint("consent IS NULL OR consent IN ('named', 'anonymous', 'none')", name=op.f('ck_consultation_responses_consent_known')),
    sa.CheckConstraint("state = 'draft' OR verified_at IS NOT NULL", name=op.f('ck_consultation_responses_submitted_was_verified')),
    sa.CheckConstraint("state IN ('draft', 'submitted')", name=op.f('ck_consultation_responses_state_known')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_responses_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_responses')),
    sa.UniqueConstraint('consultation_id', 'canonical_email', name=op.f('uq_consultation_responses_consultation_id_canonical_email'))
    )
    with op.batch_alter_table('consultation_responses', schema=None) as batch_op:
        batch_op.create_index('ix_consultation_responses_consultation_id_state', ['consultation_id', 'state'], unique=False)

    op.create_table('consultation_wording_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('path', sa.String(length=200), nullable=False),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('after', sa.Text(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['organisers.id'], name=op.f('fk_consultation_wording_changes_changed_by_id_organisers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_wording_changes_consultation_id_consultations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_wording_changes'))
    )
    with op.batch_alter_table('consultation_wording_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_wording_changes_consultation_id'), ['consultation_id'], unique=False)



def downgrade():
    with op.batch_alter_table('consultation_wording_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_wording_changes_consultation_id'))

    op.drop_table('consultation_wording_changes')
    with op.batch_alter_table('consultation_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_consultation_responses_consultation_id_state')

    op.drop_table('consultation_responses')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultations_petition_id'))
        batch_op.drop_index(batch_op.f('ix_consultations_organisation_id'))

    op.drop_table('consultations')
