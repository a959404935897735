"""notices outside the browser: SMS, email, outbound webhooks (core/notices)

``notice_template``: an administrator's text for an event, channel and language;
``notice_preference``: the channels a user or portal account chose per kind of notice;
``notice_message``: the delivery log, one message per recipient and channel;
``notice_webhook`` and ``notice_webhook_delivery``: outside systems and each post to them;
``user_account.phone_encrypted``/``email_encrypted``: where a staff user's notices go;
``ticket.referral_number``: a 12345 referral's own number.

Revision ID: core_0024_notices
Revises: core_0023_enterprise_search
Create Date: 2026-12-07 06:26:30

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0024_notices'
down_revision = 'core_0023_enterprise_search'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notice_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.String(length=2000), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_notice_template_changed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_template')),
    sa.UniqueConstraint('event', 'channel', 'locale', name='uq_notice_template_event')
    )
    op.create_table('notice_webhook',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('events', sa.JSON(), nullable=False),
    sa.Column('secret_encrypted', sa.String(length=255), nullable=False),
    sa.Column('hotline', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_notice_webhook_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_webhook'))
    )
    op.create_table('notice_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('recipient_kind', sa.String(length=10), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('address_masked', sa.String(length=120), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('locale', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('text', sa.String(length=2000), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', sa.DateTime(), nullable=True),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('gateway_status', sa.String(length=100), nullable=False),
    sa.Column('gateway_reference', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_notice_message_ticket_id_ticket'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_message'))
    )
    with op.batch_alter_table('notice_message', schema=None) as batch_op:
        batch_op.create_index('ix_notice_message_recipient', ['recipient_kind', 'recipient_id', 'created_at'], unique=False)
        batch_op.create_index('ix_notice_message_status_due', ['status', 'not_before'], unique=False)
        batch_op.create_index('ix_notice_message_ticket', ['ticket_id'], unique=False)

    op.create_table('notice_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('channels', sa.String(length=40), nullable=False),
    sa.Column('digest', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['portal_account.id'], name=op.f('fk_notice_preference_account_id_portal_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notice_preference_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_preference')),
    sa.UniqueConstraint('user_id', 'account_id', 'kind', name='uq_notice_preference_owner_kind')
    )
    with op.batch_alter_table('notice_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_preference_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notice_preference_user_id'), ['user_id'], unique=False)

    op.create_table('notice_webhook_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('endpoint_id', sa.Integer(), nullable=False),
    sa.Column('event', sa.String(length=40), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('not_before', sa.DateTime(), nullable=True),
    sa.Column('claimed_by', sa.String(length=120), nullable=True),
    sa.Column('claimed_at', sa.DateTime(), nullable=True),
    sa.Column('response_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.String(length=300), nullable=False),
    sa.Column('replay_of_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('delivered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['notice_webhook.id'], name=op.f('fk_notice_webhook_delivery_endpoint_id_notice_webhook'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['replay_of_id'], ['notice_webhook_delivery.id'], name=op.f('fk_notice_webhook_delivery_replay_of_id_notice_webhook_delivery'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_notice_webhook_delivery_ticket_id_ticket'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_webhook_delivery'))
    )
    with op.batch_alter_table('notice_webhook_delivery', schema=None) as batch_op:
        batch_op.create_index('ix_notice_webhook_delivery_endpoint', ['endpoint_id', 'id'], unique=False)
        batch_op.create_index('ix_notice_webhook_delivery_status_due', ['status', 'not_before'], unique=False)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('referral_number', sa.String(length=40), server_default='', nullable=False))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_encrypted', sa.String(length=255), server_default='', nullable=False))
        batch_op.add_column(sa.Column('email_encrypted', sa.String(length=255), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('email_encrypted')
        batch_op.drop_column('phone_encrypted')

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('referral_number')

    with op.batch_alter_table('notice_webhook_delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_webhook_delivery_status_due')
        batch_op.drop_index('ix_notice_webhook_delivery_endpoint')

    op.drop_table('notice_webhook_delivery')
    with op.batch_alter_table('notice_preference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_preference_user_id'))
        batch_op.drop_index(batch_op.f('ix_notice_preference_account_id'))

    op.drop_table('notice_preference')
    with op.batch_alter_table('notice_message', schema=None) as batch_op:
        batch_op.drop_index('ix_notice_message_ticket')
        batch_op.drop_index('ix_notice_message_status_due')
        batch_op.drop_index('ix_notice_message_recipient')

    op.drop_table('notice_message')
    op.drop_table('notice_webhook')
    op.drop_table('notice_template')
