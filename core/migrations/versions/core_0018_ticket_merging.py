"""duplicates and merging: the merges of tickets, and the index the intake's duplicate panel reads

``ticket_merge``: one row per ticket merged into another of its enterprise (the
survivor). ``ix_ticket_category_closed``: a category's open tickets (no
``closed_at``) in id order and its recently closed ones, with the status and
the enterprise, so the panel reads the index alone until the district matches.

Revision ID: core_0018_ticket_merging
Revises: core_0018_routing
Create Date: 2026-12-07 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0018_ticket_merging'
down_revision = 'core_0018_routing'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket_merge',
    sa.Column('ticket_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('into_id', sa.Integer(), nullable=False),
    sa.Column('merged_at', sa.DateTime(), nullable=False),
    sa.Column('merged_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['into_id'], ['ticket.id'], name=op.f('fk_ticket_merge_into_id_ticket')),
    sa.ForeignKeyConstraint(['merged_by_id'], ['user_account.id'],
                            name=op.f('fk_ticket_merge_merged_by_id_user_account')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_merge_ticket_id_ticket'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_ticket_merge'))
    )
    with op.batch_alter_table('ticket_merge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_merge_into_id'), ['into_id'], unique=False)
    # recreate='never': rebuilding the ticket table on SQLite would delete its timeline
    # (ON DELETE CASCADE) while foreign keys are enforced.
    with op.batch_alter_table('ticket', schema=None, recreate='never') as batch_op:
        batch_op.create_index('ix_ticket_category_closed', ['category', 'closed_at', 'id', 'status', 'enterprise_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None, recreate='never') as batch_op:
        batch_op.drop_index('ix_ticket_category_closed')
    with op.batch_alter_table('ticket_merge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_merge_into_id'))
    op.drop_table('ticket_merge')
