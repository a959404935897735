"""routing by place and matter (属地属事): the routing rules kept by the centre's leaders

``routing_rule``: a demand category (optionally narrowed to a district and/or
an industry of the enterprise) and the unit (optionally the officer) it goes
to instead of the enterprise's own station; one rule per key in a unit tree.

Revision ID: core_0018_routing
Revises: core_0018_paused_clock
Create Date: 2026-12-10 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0018_routing'
down_revision = 'core_0018_paused_clock'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('routing_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('root_unit_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('district', sa.String(length=50), nullable=False),
    sa.Column('industry', sa.String(length=50), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['root_unit_id'], ['unit.id'], name=op.f('fk_routing_rule_root_unit_id_unit')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_routing_rule_unit_id_unit')),
    sa.ForeignKeyConstraint(['officer_id'], ['user_account.id'],
                            name=op.f('fk_routing_rule_officer_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_routing_rule_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'],
                            name=op.f('fk_routing_rule_changed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rule')),
    sa.UniqueConstraint('root_unit_id', 'category', 'district', 'industry',
                        name=op.f('uq_routing_rule_root_unit_id'))
    )
    op.create_index('ix_routing_rule_unit', 'routing_rule', ['unit_id'], unique=False)


def downgrade():
    op.drop_index('ix_routing_rule_unit', table_name='routing_rule')
    op.drop_table('routing_rule')
