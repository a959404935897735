"""quarterly reports claimed by the run that builds them

Revision ID: risk_assessment_0003
Revises: risk_assessment_0002

The job queue delivers a job at least once, so the report job takes its report
with one conditional UPDATE (``claimed_by``: the process, ``claimed_at``: when)
before it builds it; a second delivery finds it taken, and a claim whose owner
died is taken over (core/jobqueue/claims.py).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'risk_assessment_0003'
down_revision = 'risk_assessment_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('risk_assessment_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', sa.DateTime(), nullable=True))


def downgrade():
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), as core's core_0009 does.
    op.drop_column('risk_assessment_report', 'claimed_at')
    op.drop_column('risk_assessment_report', 'claimed_by')
