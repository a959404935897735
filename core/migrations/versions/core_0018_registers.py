"""the 挂牌督办 and 积案 registers, and the consultation of other units (专家会诊)

``supervision_entry`` (a ticket on the 挂牌督办 register: deadline, responsible
leader, weekly progress due, taken off; one open entry per ticket, a partial
unique index) with ``supervision_progress`` (its weekly notes);
``supervision_backlog_assignment`` (包案 of a long-unsolved ticket);
``ticket_consultation`` (one open per ticket) and
``ticket_consultation_invitation`` (the invited units and their opinions);
``ix_ticket_status_registered`` on ``ticket`` (status, registered_at,
rework_count, id), from which the 积案 register is read.

Revision ID: core_0018_registers
Revises: core_0018_follow_onsite
Create Date: 2026-12-06 03:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0018_registers'
down_revision = 'core_0018_follow_onsite'
branch_labels = None
depends_on = None

OPEN_ENTRY = sa.text("closed_at IS NULL")
OPEN_CONSULTATION = sa.text("status = 'open'")


def upgrade():
    op.create_table('supervision_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('listed_by_id', sa.Integer(), nullable=True),
    sa.Column('listed_at', sa.DateTime(), nullable=False),
    sa.Column('last_progress_at', sa.DateTime(), nullable=True),
    sa.Column('progress_due_at', sa.DateTime(), nullable=False),
    sa.Column('reminded_at', sa.DateTime(), nullable=True),
    sa.Column('deadline_notified_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('close_reason', sa.String(length=16), nullable=False),
    sa.Column('close_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_supervision_entry_ticket_id_ticket'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['responsible_id'], ['user_account.id'],
                            name=op.f('fk_supervision_entry_responsible_id_user_account')),
    sa.ForeignKeyConstraint(['listed_by_id'], ['user_account.id'],
                            name=op.f('fk_supervision_entry_listed_by_id_user_account')),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'],
                            name=op.f('fk_supervision_entry_closed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_entry'))
    )
    op.create_index(op.f('ix_supervision_entry_ticket_id'), 'supervision_entry', ['ticket_id'])
    op.create_index('ix_supervision_entry_open_progress', 'supervision_entry', ['closed_at', 'progress_due_at'])
    op.create_index('uq_supervision_entry_open_ticket', 'supervision_entry', ['ticket_id'], unique=True,
                    sqlite_where=OPEN_ENTRY, postgresql_where=OPEN_ENTRY)
    op.create_table('supervision_progress',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=100), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['supervision_entry.id'],
                            name=op.f('fk_supervision_progress_entry_id_supervision_entry'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'],
                            name=op.f('fk_supervision_progress_author_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_supervision_progress_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_progress'))
    )
    op.create_index('ix_supervision_progress_entry', 'supervision_progress', ['entry_id', 'id'])
    op.create_table('supervision_backlog_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('responsible_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('assigned_by_id', sa.Integer(), nullable=True),
    sa.Column('assigned_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'],
                            name=op.f('fk_supervision_backlog_assignment_ticket_id_ticket'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['responsible_id'], ['user_account.id'],
                            name=op.f('fk_supervision_backlog_assignment_responsible_id_user_account')),
    sa.ForeignKeyConstraint(['assigned_by_id'], ['user_account.id'],
                            name=op.f('fk_supervision_backlog_assignment_assigned_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_backlog_assignment'))
    )
    op.create_index('ix_supervision_backlog_assignment_ticket', 'supervision_backlog_assignment', ['ticket_id', 'id'])
    op.create_table('ticket_consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('due_at', sa.DateTime(), nullable=False),
    sa.Column('working_days', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('close_reason', sa.String(length=10), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_consultation_ticket_id_ticket'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_ticket_consultation_unit_id_unit')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'],
                            name=op.f('fk_ticket_consultation_opened_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_consultation'))
    )
    op.create_index(op.f('ix_ticket_consultation_ticket_id'), 'ticket_consultation', ['ticket_id'])
    op.create_index('ix_ticket_consultation_status_due', 'ticket_consultation', ['status', 'due_at'])
    op.create_index('uq_ticket_consultation_open_ticket', 'ticket_consultation', ['ticket_id'], unique=True,
                    sqlite_where=OPEN_CONSULTATION, postgresql_where=OPEN_CONSULTATION)
    op.create_table('ticket_consultation_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_by_name', sa.String(length=100), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['ticket_consultation.id'],
                            name=op.f('fk_ticket_consultation_invitation_consultation_id_ticket_consultation'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_ticket_consultation_invitation_unit_id_unit')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'],
                            name=op.f('fk_ticket_consultation_invitation_answered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_consultation_invitation')),
    sa.UniqueConstraint('consultation_id', 'unit_id', name=op.f('uq_ticket_consultation_invitation_consultation_id'))
    )
    op.create_index('ix_ticket_consultation_invitation_unit', 'ticket_consultation_invitation',
                    ['unit_id', 'status', 'consultation_id'])
    op.create_index('ix_ticket_status_registered', 'ticket', ['status', 'registered_at', 'rework_count', 'id'])


def downgrade():
    op.drop_index('ix_ticket_status_registered', table_name='ticket')
    op.drop_index('ix_ticket_consultation_invitation_unit', table_name='ticket_consultation_invitation')
    op.drop_table('ticket_consultation_invitation')
    op.drop_index('uq_ticket_consultation_open_ticket', table_name='ticket_consultation')
    op.drop_index('ix_ticket_consultation_status_due', table_name='ticket_consultation')
    op.drop_index(op.f('ix_ticket_consultation_ticket_id'), table_name='ticket_consultation')
    op.drop_table('ticket_consultation')
    op.drop_index('ix_supervision_backlog_assignment_ticket', table_name='supervision_backlog_assignment')
    op.drop_table('supervision_backlog_assignment')
    op.drop_index('ix_supervision_progress_entry', table_name='supervision_progress')
    op.drop_table('supervision_progress')
    op.drop_index('uq_supervision_entry_open_ticket', table_name='supervision_entry')
    op.drop_index('ix_supervision_entry_open_progress', table_name='supervision_entry')
    op.drop_index(op.f('ix_supervision_entry_ticket_id'), table_name='supervision_entry')
    op.drop_table('supervision_entry')
