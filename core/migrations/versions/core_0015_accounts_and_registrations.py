"""system accounts for API tokens, registrations that tell only the desk, portal password history and second factor

``user_account.kind`` (person | system) and ``may_reveal`` (a system account's
explicit personal-data permission, granted by a leader); ``portal_account.flags``
(what registering found, for the desk) and one pending registration per
enterprise (a partial unique index); ``portal_password_history``,
``portal_totp`` and ``portal_recovery_code``.

Revision ID: core_0015
Revises: core_0014
Create Date: 2026-12-05 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0015'
down_revision = 'core_0014'
branch_labels = None
depends_on = None

PENDING = sa.text("status = 'pending'")


def upgrade():
    # Plain ALTER TABLE … ADD COLUMN: a batch copy would rebuild user_account, which every table refers to.
    op.add_column('user_account', sa.Column('kind', sa.String(length=10), nullable=False, server_default='person'))
    op.add_column('user_account', sa.Column('may_reveal', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('portal_account', sa.Column('flags', sa.JSON(), nullable=True))
    # Two registrations of one enterprise that waited together (a race the old code allowed): the
    # newer ones are refused, with the reason, before the index that forbids it is made.
    op.execute(sa.text(
        "UPDATE portal_account SET status = 'refused', "
        "decision_reason = '同一企业已有一份待核实的注册（系统升级时自动退回）' "
        "WHERE status = 'pending' AND id NOT IN "
        "(SELECT min(id) FROM portal_account WHERE status = 'pending' GROUP BY credit_code)"))
    op.create_index('uq_portal_account_pending_credit_code', 'portal_account', ['credit_code'], unique=True,
                    sqlite_where=PENDING, postgresql_where=PENDING)
    op.create_table('portal_password_history',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['portal_account.id'], name=op.f('fk_portal_password_history_account_id_portal_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_password_history'))
    )
    op.create_index(op.f('ix_portal_password_history_account_id'), 'portal_password_history', ['account_id'])
    op.create_table('portal_totp',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('secret_encrypted', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('last_step', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['portal_account.id'], name=op.f('fk_portal_totp_account_id_portal_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_portal_totp'))
    )
    op.create_table('portal_recovery_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['portal_account.id'], name=op.f('fk_portal_recovery_code_account_id_portal_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_recovery_code'))
    )
    op.create_index(op.f('ix_portal_recovery_code_account_id'), 'portal_recovery_code', ['account_id'])


def downgrade():
    op.drop_index(op.f('ix_portal_recovery_code_account_id'), table_name='portal_recovery_code')
    op.drop_table('portal_recovery_code')
    op.drop_table('portal_totp')
    op.drop_index(op.f('ix_portal_password_history_account_id'), table_name='portal_password_history')
    op.drop_table('portal_password_history')
    op.drop_index('uq_portal_account_pending_credit_code', table_name='portal_account')
    op.drop_column('portal_account', 'flags')
    # System accounts have no password; as people they could not log in either.
    op.drop_column('user_account', 'may_reveal')
    op.drop_column('user_account', 'kind')
