"""exit_entry: an appointment can be cancelled (by the enterprise or the desk)

Revision ID: exit_entry_0004
Revises: exit_entry_0003

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'exit_entry_0004'
down_revision = 'exit_entry_0003'
branch_labels = None
depends_on = None

LIVE = sa.text("status = 'booked'")


def upgrade():
    with op.batch_alter_table('exit_entry_appointment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='booked', nullable=False))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by_enterprise', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('cancel_reason', sa.String(length=200), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_exit_entry_appointment_cancelled_by_id_user_account'),
                                    'user_account', ['cancelled_by_id'], ['id'])
        batch_op.drop_constraint('uq_exit_entry_appointment_slot_id', type_='unique')
    op.create_index('uq_exit_entry_appointment_slot_booked', 'exit_entry_appointment', ['slot_id', 'enterprise_id'],
                    unique=True, sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade():
    op.drop_index('uq_exit_entry_appointment_slot_booked', table_name='exit_entry_appointment')
    op.execute("DELETE FROM exit_entry_appointment WHERE status = 'cancelled'")
    with op.batch_alter_table('exit_entry_appointment', schema=None) as batch_op:
        batch_op.create_unique_constraint('uq_exit_entry_appointment_slot_id', ['slot_id', 'enterprise_id'])
        batch_op.drop_constraint(batch_op.f('fk_exit_entry_appointment_cancelled_by_id_user_account'),
                                 type_='foreignkey')
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_by_enterprise')
        batch_op.drop_column('cancelled_by_id')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('status')
