"""warning lists for a class of enterprises; risks keep their enterprise's industry and district

Revision ID: risk_assessment_0004
Revises: risk_assessment_0003

A warning list may be drawn for one industry in one district rather than from
one assessment: such a letter has no assessment nor enterprise, and names its
class. A risk keeps the industry and district its enterprise had when it was
recorded, so that a quarter's figures count it where the enterprise was then;
the risks recorded before take the enterprise's present ones.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'risk_assessment_0004'
down_revision = 'risk_assessment_0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('risk_assessment_letter', schema=None) as batch_op:
        batch_op.alter_column('assessment_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('enterprise_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('industry', sa.String(length=50), server_default='', nullable=False))
        batch_op.add_column(sa.Column('district', sa.String(length=50), server_default='', nullable=False))
    with op.batch_alter_table('risk_assessment_risk_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('industry', sa.String(length=50), server_default='', nullable=False))
        batch_op.add_column(sa.Column('district', sa.String(length=50), server_default='', nullable=False))
    op.execute("UPDATE risk_assessment_risk_item SET "
               "industry = (SELECT enterprise.industry FROM enterprise "
               "WHERE enterprise.id = risk_assessment_risk_item.enterprise_id), "
               "district = (SELECT enterprise.district FROM enterprise "
               "WHERE enterprise.id = risk_assessment_risk_item.enterprise_id)")


def downgrade():
    op.execute("DELETE FROM risk_assessment_response WHERE letter_id IN "
               "(SELECT id FROM risk_assessment_letter WHERE assessment_id IS NULL)")
    op.execute("DELETE FROM risk_assessment_letter_risk WHERE letter_id IN "
               "(SELECT id FROM risk_assessment_letter WHERE assessment_id IS NULL)")
    op.execute("DELETE FROM risk_assessment_letter WHERE assessment_id IS NULL")
    with op.batch_alter_table('risk_assessment_risk_item', schema=None) as batch_op:
        batch_op.drop_column('district')
        batch_op.drop_column('industry')
    with op.batch_alter_table('risk_assessment_letter', schema=None) as batch_op:
        batch_op.drop_column('district')
        batch_op.drop_column('industry')
        batch_op.alter_column('enterprise_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('assessment_id', existing_type=sa.Integer(), nullable=False)
