"""document batch items claimed by the run that issues them

Revision ID: core_0014
Revises: core_0012
Create Date: 2026-12-05 09:00:00

The job queue delivers a job at least once (a job whose worker died runs
again), so a batch item is taken by one conditional UPDATE before it is
issued: ``claimed_by`` names the process (core/jobqueue/owners.py) and
``claimed_at`` when; the item's status is ``issuing`` meanwhile. A claim whose
owner is gone may be taken over (core/jobqueue/claims.py).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0014'
down_revision = 'core_0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('document_batch_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))


def downgrade():
    # An item being issued goes back to waiting: the next run takes it again.
    op.execute("UPDATE document_batch_item SET status = 'pending' WHERE status = 'issuing'")
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), as core_0009 does.
    op.drop_column('document_batch_item', 'claimed_at')
    op.drop_column('document_batch_item', 'claimed_by')
