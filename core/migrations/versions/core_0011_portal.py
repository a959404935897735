"""the enterprise portal: its accounts, their sessions, the centre's public notices

Revision ID: core_0011
Revises: core_0010
Create Date: 2026-11-30 06:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0011'
down_revision = 'core_0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('portal_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_portal_notice_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_portal_notice_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_notice'))
    )
    with op.batch_alter_table('portal_notice', schema=None) as batch_op:
        batch_op.create_index('ix_portal_notice_published', ['published', 'published_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_notice_unit_id'), ['unit_id'], unique=False)

    op.create_table('portal_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('enterprise_name', sa.String(length=200), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone_encrypted', sa.String(length=255), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('is_manager', sa.Boolean(), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_login_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['added_by_id'], ['portal_account.id'], name=op.f('fk_portal_account_added_by_id_portal_account')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_portal_account_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_portal_account_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_portal_account_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_account'))
    )
    with op.batch_alter_table('portal_account', schema=None) as batch_op:
        batch_op.create_index('ix_portal_account_credit_code', ['credit_code', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_account_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_portal_account_phone_hash'), ['phone_hash'], unique=False)
        batch_op.create_index('ix_portal_account_unit_status', ['unit_id', 'status', 'id'], unique=False)

    op.create_table('portal_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=120), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('ended_reason', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['portal_account.id'], name=op.f('fk_portal_session_account_id_portal_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_session')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_portal_session_key_hash'))
    )
    with op.batch_alter_table('portal_session', schema=None) as batch_op:
        batch_op.create_index('ix_portal_session_account_ended', ['account_id', 'ended_at'], unique=False)



def downgrade():
    with op.batch_alter_table('portal_session', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_session_account_ended')

    op.drop_table('portal_session')
    with op.batch_alter_table('portal_account', schema=None) as batch_op:
        batch_op.drop_index('ix_portal_account_unit_status')
        batch_op.drop_index(batch_op.f('ix_portal_account_phone_hash'))
        batch_op.drop_index(batch_op.f('ix_portal_account_enterprise_id'))
        batch_op.drop_index('ix_portal_account_credit_code')

    op.drop_table('portal_account')
    with op.batch_alter_table('portal_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_portal_notice_unit_id'))
        batch_op.drop_index('ix_portal_notice_published')

    op.drop_table('portal_notice')
