"""meetings (座谈, 联席会议) and the demands raised there (core/meetings)

``meeting``: a symposium with enterprises or a joint meeting, organised by a unit, with its
minutes and the minutes' file; ``meeting_enterprise``, ``meeting_organisation`` and
``meeting_officer``: who took part; ``meeting_ticket``: the tickets (channel ``meeting``)
registered from the demands raised there.

Revision ID: core_0029_meetings
Revises: core_0028_service_lists
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0029_meetings'
down_revision = "core_0028_service_lists"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('minutes', sa.Text(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('file_stored', sa.String(length=80), nullable=False),
    sa.Column('file_type', sa.String(length=80), nullable=False),
    sa.Column('file_size', sa.Integer(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_meeting_unit_id_unit')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                            name=op.f('fk_meeting_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_meeting_submission_key'))
    )
    op.create_index('ix_meeting_unit_starts', 'meeting', ['unit_id', 'starts_at', 'id'], unique=False)
    op.create_index('ix_meeting_starts', 'meeting', ['starts_at', 'id'], unique=False)
    op.create_table('meeting_enterprise',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_enterprise_meeting_id_meeting'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'],
                            name=op.f('fk_meeting_enterprise_enterprise_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_enterprise'))
    )
    op.create_index('uq_meeting_enterprise', 'meeting_enterprise', ['meeting_id', 'enterprise_id'], unique=True)
    op.create_index('ix_meeting_enterprise_enterprise', 'meeting_enterprise', ['enterprise_id'], unique=False)
    op.create_table('meeting_organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'],
                            name=op.f('fk_meeting_organisation_meeting_id_meeting'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['department_id'], ['outside_department.id'],
                            name=op.f('fk_meeting_organisation_department_id_outside_department')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_organisation'))
    )
    op.create_index(op.f('ix_meeting_organisation_meeting_id'), 'meeting_organisation', ['meeting_id'], unique=False)
    op.create_table('meeting_officer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_officer_meeting_id_meeting'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_meeting_officer_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_officer'))
    )
    op.create_index(op.f('ix_meeting_officer_meeting_id'), 'meeting_officer', ['meeting_id'], unique=False)
    op.create_table('meeting_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_meeting_ticket_meeting_id_meeting'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_meeting_ticket_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meeting_ticket')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_meeting_ticket_ticket_id'))
    )
    op.create_index(op.f('ix_meeting_ticket_meeting_id'), 'meeting_ticket', ['meeting_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_meeting_ticket_meeting_id'), table_name='meeting_ticket')
    op.drop_table('meeting_ticket')
    op.drop_index(op.f('ix_meeting_officer_meeting_id'), table_name='meeting_officer')
    op.drop_table('meeting_officer')
    op.drop_index(op.f('ix_meeting_organisation_meeting_id'), table_name='meeting_organisation')
    op.drop_table('meeting_organisation')
    op.drop_index('ix_meeting_enterprise_enterprise', table_name='meeting_enterprise')
    op.drop_index('uq_meeting_enterprise', table_name='meeting_enterprise')
    op.drop_table('meeting_enterprise')
    op.drop_index('ix_meeting_starts', table_name='meeting')
    op.drop_index('ix_meeting_unit_starts', table_name='meeting')
    op.drop_table('meeting')
