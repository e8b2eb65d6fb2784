"""Organisations, organisers and petitions

Revision ID: 0001_foundation
Revises: 
Create Date: 2026-11-21 06:19:13.137041

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001_foundation'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_organisations_name_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('name', name=op.f('uq_organisations_name'))
    )
    op.create_table('organisers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('session_nonce', sa.String(length=32), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role IN ('admin', 'organiser')", name=op.f('ck_organisers_role_known')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_organisers_email_lower_case')),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_organisers_name_not_empty')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisers_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisers')),
    sa.UniqueConstraint('email', name=op.f('uq_organisers_email'))
    )
    with op.batch_alter_table('organisers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisers_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('petitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('body_markdown', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('state_before_hidden', sa.String(length=16), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=True),
    sa.Column('signature_count', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(state = 'hidden') = (hidden_reason IS NOT NULL)", name=op.f('ck_petitions_hidden_has_reason')),
    sa.CheckConstraint("(state = 'hidden') = (state_before_hidden IS NOT NULL)", name=op.f('ck_petitions_hidden_remembers_state')),
    sa.CheckConstraint("state = 'draft' OR opened_at IS NOT NULL", name=op.f('ck_petitions_opened_has_time')),
    sa.CheckConstraint("state IN ('draft', 'open', 'closed', 'archived', 'hidden')", name=op.f('ck_petitions_state_known')),
    sa.CheckConstraint("state NOT IN ('closed', 'archived') OR closed_at IS NOT NULL", name=op.f('ck_petitions_closed_has_time')),
    sa.CheckConstraint("state_before_hidden IS NULL OR state_before_hidden IN ('draft', 'open', 'closed', 'archived', 'hidden')", name=op.f('ck_petitions_state_before_hidden_known')),
    sa.CheckConstraint('length(title) > 0 AND length(summary) > 0 AND length(slug) > 0', name=op.f('ck_petitions_text_not_empty')),
    sa.CheckConstraint('opens_at IS NULL OR closes_at IS NULL OR closes_at > opens_at', name=op.f('ck_petitions_closes_after_opening')),
    sa.CheckConstraint('signature_count >= 0', name=op.f('ck_petitions_signature_count_not_negative')),
    sa.CheckConstraint('target > 0 AND target <= 100000000', name=op.f('ck_petitions_target_in_range')),
    sa.ForeignKeyConstraint(['created_by_id'], ['organisers.id'], name=op.f('fk_petitions_created_by_id_organisers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_petitions_organisation_id_organisations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_petitions')),
    sa.UniqueConstraint('slug', name=op.f('uq_petitions_slug')),
    sa.UniqueConstraint('submission_id', name=op.f('uq_petitions_submission_id'))
    )
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_petitions_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_petitions_state_opens_at', ['state', 'opens_at'], unique=False)



def downgrade():
    with op.batch_alter_table('petitions', schema=None) as batch_op:
        batch_op.drop_index('ix_petitions_state_opens_at')
        batch_op.drop_index(batch_op.f('ix_petitions_organisation_id'))

    op.drop_table('petitions')
    with op.batch_alter_table('organisers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisers_organisation_id'))

    op.drop_table('organisers')
    op.drop_table('organisations')
