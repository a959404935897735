"""inspection: a plan's inspection type (routine, seasonal, holiday, ad hoc, specialist); existing plans are routine

Revision ID: inspection_0003
Revises: inspection_0002

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'inspection_0003'
down_revision = 'inspection_0002'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inspection_plan', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inspection_type', sa.String(length=12), server_default='routine',
                                      nullable=False))
        batch_op.create_index(batch_op.f('ix_inspection_plan_inspection_type'), ['inspection_type'], unique=False)


def downgrade():
    with op.batch_alter_table('inspection_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inspection_plan_inspection_type'))
        batch_op.drop_column('inspection_type')
