"""转盯办's follower, 现场办's visit records, 转交办's register of outside departments

``outside_department``: the register (per tree of units). ``ticket_visit``: the
on-site result that answered a ticket and its confirmation by the enterprise.
``ticket``: ``follower_id`` (盯办人), ``external_department_id`` (the register's
department beside the name kept as it was), ``onsite_confirmed_at``.
``ticket_stat_day`` / ``ticket_stat_month``: the running count ``onsite_confirmed``.

Revision ID: core_0018_follow_onsite
Revises: core_0017
Create Date: 2026-12-08 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0018_follow_onsite'
down_revision = 'core_0017'
branch_labels = None
depends_on = None

TICKET_REFERENCES = (  # column, referred table
    ('follower_id', 'user_account'),
    ('external_department_id', 'outside_department'),
)


def _add_reference(table, column, referred):
    """A nullable foreign-key column on an existing table. SQLite cannot add a
    constraint by ALTER, but takes it inline with the column (a batch copy would
    rebuild the ticket table, which the timeline refers to with ON DELETE CASCADE)."""
    name = f'fk_{table}_{column}_{referred}'
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(f'ALTER TABLE {table} ADD COLUMN {column} INTEGER CONSTRAINT {name} REFERENCES {referred} (id)')
    else:
        op.add_column(table, sa.Column(column, sa.Integer(), nullable=True))
        op.create_foreign_key(name, table, referred, [column], ['id'])


def upgrade():
    op.create_table('outside_department',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('contact_person', sa.String(length=50), nullable=False),
    sa.Column('office_phone', sa.String(length=40), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_outside_department_unit_id_unit')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_outside_department_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outside_department')),
    sa.UniqueConstraint('unit_id', 'name', name=op.f('uq_outside_department_unit_id'))
    )
    op.create_table('ticket_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('done', sa.Text(), nullable=False),
    sa.Column('result', sa.String(length=20), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(), nullable=True),
    sa.Column('confirmed_by', sa.String(length=12), nullable=False),
    sa.Column('portal_account_id', sa.Integer(), nullable=True),
    sa.Column('signer_name', sa.String(length=100), nullable=False),
    sa.Column('signature_recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_record_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_visit_ticket_id_ticket'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_ticket_visit_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['portal_account_id'], ['portal_account.id'],
                            name=op.f('fk_ticket_visit_portal_account_id_portal_account')),
    sa.ForeignKeyConstraint(['signature_recorded_by_id'], ['user_account.id'],
                            name=op.f('fk_ticket_visit_signature_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['signed_record_id'], ['ticket_attachment.id'],
                            name=op.f('fk_ticket_visit_signed_record_id_ticket_attachment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_visit'))
    )
    op.create_index(op.f('ix_ticket_visit_ticket_id'), 'ticket_visit', ['ticket_id'])
    for column, referred in TICKET_REFERENCES:
        _add_reference('ticket', column, referred)
    op.add_column('ticket', sa.Column('onsite_confirmed_at', sa.DateTime(), nullable=True))
    op.create_index('ix_ticket_follower', 'ticket', ['follower_id', 'id'],
                    sqlite_where=sa.text('follower_id IS NOT NULL'),
                    postgresql_where=sa.text('follower_id IS NOT NULL'))
    for table in ('ticket_stat_day', 'ticket_stat_month'):
        op.add_column(table, sa.Column('onsite_confirmed', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    for table in ('ticket_stat_month', 'ticket_stat_day'):
        op.drop_column(table, 'onsite_confirmed')
    op.drop_index('ix_ticket_follower', table_name='ticket')
    op.drop_column('ticket', 'onsite_confirmed_at')
    if op.get_bind().dialect.name == 'sqlite':
        # SQLite cannot drop a column a foreign key is declared on: the table is
        # rebuilt without them (foreign keys are off while migrating, see env.py).
        with op.batch_alter_table('ticket', recreate='always') as batch_op:
            for column, _referred in reversed(TICKET_REFERENCES):
                batch_op.drop_column(column)
    else:
        for column, referred in reversed(TICKET_REFERENCES):
            op.drop_constraint(f'fk_ticket_{column}_{referred}', 'ticket', type_='foreignkey')
            op.drop_column('ticket', column)
    op.drop_index(op.f('ix_ticket_visit_ticket_id'), table_name='ticket_visit')
    op.drop_table('ticket_visit')
    op.drop_table('outside_department')
