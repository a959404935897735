"""enterprises' own profile changes from the portal (core/registry/profile_changes.py)

``enterprise_profile_change``: what an enterprise's account manager states about
its contacts, address, legal representative, district and industry, pending until
the desk accepts it into the registry or refuses it; one pending per enterprise;
``enterprise_profile_change_contact``: the proposed contacts, phones encrypted.

Revision ID: core_0026_profile_changes
Revises: core_0025_search_grams
Create Date: 2026-12-07 11:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0026_profile_changes'
down_revision = "core_0025_search_grams"
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade():
    op.create_table('enterprise_profile_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('legal_representative', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('district', sa.String(length=50), nullable=False),
    sa.Column('industry', sa.String(length=50), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['portal_account.id'], name=op.f('fk_enterprise_profile_change_account_id_portal_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_enterprise_profile_change_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_enterprise_profile_change_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_profile_change'))
    )
    with op.batch_alter_table('enterprise_profile_change', schema=None) as batch_op:
        batch_op.create_index('ix_enterprise_profile_change_enterprise', ['enterprise_id', 'id'], unique=False)
        batch_op.create_index('ix_enterprise_profile_change_status', ['status', 'id'], unique=False)
    op.create_index('uq_enterprise_profile_change_pending', 'enterprise_profile_change', ['enterprise_id'],
                    unique=True, sqlite_where=PENDING, postgresql_where=PENDING)

    op.create_table('enterprise_profile_change_contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('phone_encrypted', sa.String(length=255), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['enterprise_profile_change.id'], name=op.f('fk_enterprise_profile_change_contact_change_id_enterprise_profile_change'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enterprise_profile_change_contact'))
    )
    with op.batch_alter_table('enterprise_profile_change_contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprise_profile_change_contact_change_id'), ['change_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprise_profile_change_contact_phone_hash'), ['phone_hash'], unique=False)


def downgrade():
    with op.batch_alter_table('enterprise_profile_change_contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprise_profile_change_contact_phone_hash'))
        batch_op.drop_index(batch_op.f('ix_enterprise_profile_change_contact_change_id'))

    op.drop_table('enterprise_profile_change_contact')
    op.drop_index('uq_enterprise_profile_change_pending', table_name='enterprise_profile_change')
    with op.batch_alter_table('enterprise_profile_change', schema=None) as batch_op:
        batch_op.drop_index('ix_enterprise_profile_change_status')
        batch_op.drop_index('ix_enterprise_profile_change_enterprise')

    op.drop_table('enterprise_profile_change')
