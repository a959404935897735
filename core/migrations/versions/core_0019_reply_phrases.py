"""reply phrases (常用语): answers and notes kept per unit and category

``reply_phrase``: a phrase of a unit (its leaders keep it) for demands of one
category, or of any category when ``category`` is empty.

Revision ID: core_0019_reply_phrases
Revises: core_0018_handling_modes
Create Date: 2026-12-12 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0019_reply_phrases'
down_revision = 'core_0018_handling_modes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reply_phrase',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=50), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_reply_phrase_unit_id_unit')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_reply_phrase_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'],
                            name=op.f('fk_reply_phrase_changed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_phrase'))
    )
    op.create_index('ix_reply_phrase_unit_category', 'reply_phrase', ['unit_id', 'category'], unique=False)


def downgrade():
    op.drop_index('ix_reply_phrase_unit_category', table_name='reply_phrase')
    op.drop_table('reply_phrase')
