"""exit_entry: appointments booked by the enterprise on the portal

Revision ID: exit_entry_0003
Revises: exit_entry_0002

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'exit_entry_0003'
down_revision = 'exit_entry_0002'
branch_labels = None
depends_on = "core_0011"     # the portal's accounts


def upgrade():
    with op.batch_alter_table('exit_entry_appointment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('portal_account_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('submission_key', sa.String(length=64), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_exit_entry_appointment_portal_account_id_portal_account'),
                                    'portal_account', ['portal_account_id'], ['id'])
        batch_op.create_unique_constraint(batch_op.f('uq_exit_entry_appointment_submission_key'),
                                          ['submission_key'])


def downgrade():
    with op.batch_alter_table('exit_entry_appointment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_exit_entry_appointment_submission_key'), type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_exit_entry_appointment_portal_account_id_portal_account'),
                                 type_='foreignkey')
        batch_op.drop_column('submission_key')
        batch_op.drop_column('portal_account_id')
