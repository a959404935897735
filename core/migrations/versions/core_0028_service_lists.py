"""the positive service list (点单式服务) and the negative list of conduct (负面清单)

``service_offer``: a service an enterprise can order from a unit, the category its
ticket takes and its 办理时限 in working days; ``service_order``: the ticket an order
became; ``conduct_rule``: an entry of the negative list; ``ticket_conduct_tag``: a
complaint or 作风问题 ticket tagged against an entry (core/service_lists/).

Revision ID: core_0028_service_lists
Revises: core_0027_liaison_visits
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0028_service_lists'
down_revision = "core_0027_liaison_visits"
branch_labels = None
depends_on = None


def _kept_by():
    return [sa.Column('created_by_id', sa.Integer(), nullable=True),
            sa.Column('created_at', sa.DateTime(), nullable=False),
            sa.Column('changed_by_id', sa.Integer(), nullable=True),
            sa.Column('changed_at', sa.DateTime(), nullable=False)]


def _kept_by_keys(table):
    return [sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                    name=op.f(f'fk_{table}_created_by_id_user_account')),
            sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'],
                                    name=op.f(f'fk_{table}_changed_by_id_user_account'))]


def upgrade():
    op.create_table('service_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=200), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    *_kept_by(),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_service_offer_unit_id_unit')),
    *_kept_by_keys('service_offer'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_offer'))
    )
    op.create_index('ix_service_offer_active', 'service_offer', ['active', 'sort_order', 'id'], unique=False)
    op.create_table('service_order',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('ordered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['service_offer.id'], name=op.f('fk_service_order_offer_id_service_offer')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_service_order_ticket_id_ticket'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_service_order'))
    )
    op.create_index('ix_service_order_offer', 'service_order', ['offer_id', 'ticket_id'], unique=False)
    op.create_table('conduct_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    *_kept_by(),
    *_kept_by_keys('conduct_rule'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conduct_rule')),
    sa.UniqueConstraint('code', name=op.f('uq_conduct_rule_code'))
    )
    op.create_table('ticket_conduct_tag',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('rule_id', sa.Integer(), nullable=False),
    sa.Column('tagged_by_id', sa.Integer(), nullable=True),
    sa.Column('tagged_at', sa.DateTime(), nullable=False),
    sa.Column('registered_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['rule_id'], ['conduct_rule.id'], name=op.f('fk_ticket_conduct_tag_rule_id_conduct_rule')),
    sa.ForeignKeyConstraint(['tagged_by_id'], ['user_account.id'],
                            name=op.f('fk_ticket_conduct_tag_tagged_by_id_user_account')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_conduct_tag_ticket_id_ticket'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'rule_id', name=op.f('pk_ticket_conduct_tag'))
    )
    op.create_index('ix_ticket_conduct_tag_period', 'ticket_conduct_tag', ['registered_at', 'rule_id', 'ticket_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_ticket_conduct_tag_period', table_name='ticket_conduct_tag')
    op.drop_table('ticket_conduct_tag')
    op.drop_table('conduct_rule')
    op.drop_index('ix_service_order_offer', table_name='service_order')
    op.drop_table('service_order')
    op.drop_index('ix_service_offer_active', table_name='service_offer')
    op.drop_table('service_offer')
