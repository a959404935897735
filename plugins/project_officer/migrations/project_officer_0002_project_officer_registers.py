"""project_officer registers

Revision ID: project_officer_0002
Revises: project_officer_0001

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'project_officer_0002'
down_revision = 'project_officer_0001'
branch_labels = None
depends_on = "core_0005"   # the ticket and document tables its records point at


def upgrade():
    op.create_table('project_officer_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('responsible_unit_id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_project_officer_rule_changed_by_id_user_account')),
    sa.ForeignKeyConstraint(['leader_id'], ['user_account.id'], name=op.f('fk_project_officer_rule_leader_id_user_account')),
    sa.ForeignKeyConstraint(['responsible_unit_id'], ['unit.id'], name=op.f('fk_project_officer_rule_responsible_unit_id_unit')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_project_officer_rule_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_officer_rule')),
    sa.UniqueConstraint('unit_id', 'level', name=op.f('uq_project_officer_rule_unit_id'))
    )
    with op.batch_alter_table('project_officer_rule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_officer_rule_unit_id'), ['unit_id'], unique=False)

    op.create_table('project_officer_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('investment', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('visit_interval_months', sa.Integer(), nullable=False),
    sa.Column('dossier_document_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_project_officer_project_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['dossier_document_id'], ['document.id'], name=op.f('fk_project_officer_project_dossier_document_id_document')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_project_officer_project_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['leader_id'], ['user_account.id'], name=op.f('fk_project_officer_project_leader_id_user_account')),
    sa.ForeignKeyConstraint(['officer_id'], ['user_account.id'], name=op.f('fk_project_officer_project_officer_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_project_officer_project_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_officer_project'))
    )
    with op.batch_alter_table('project_officer_project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_officer_project_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_officer_project_leader_id'), ['leader_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_officer_project_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_officer_project_unit_id'), ['unit_id'], unique=False)

    op.create_table('project_officer_handover',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('post', sa.String(length=10), nullable=False),
    sa.Column('from_user_id', sa.Integer(), nullable=True),
    sa.Column('to_user_id', sa.Integer(), nullable=False),
    sa.Column('handed_on', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['from_user_id'], ['user_account.id'], name=op.f('fk_project_officer_handover_from_user_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project_officer_project.id'], name=op.f('fk_project_officer_handover_project_id_project_officer_project')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_project_officer_handover_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['to_user_id'], ['user_account.id'], name=op.f('fk_project_officer_handover_to_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_officer_handover'))
    )
    with op.batch_alter_table('project_officer_handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_officer_handover_project_id'), ['project_id'], unique=False)

    op.create_table('project_officer_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('participants', sa.String(length=500), nullable=False),
    sa.Column('topics', sa.Text(), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project_officer_project.id'], name=op.f('fk_project_officer_meeting_project_id_project_officer_project')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_project_officer_meeting_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_officer_meeting'))
    )
    with op.batch_alter_table('project_officer_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_officer_meeting_project_id'), ['project_id'], unique=False)

    op.create_table('project_officer_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('phone', sa.String(length=255), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=True),
    sa.Column('added_on', sa.Date(), nullable=False),
    sa.Column('left_on', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['project_id'], ['project_officer_project.id'], name=op.f('fk_project_officer_member_project_id_project_officer_project')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_project_officer_member_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_officer_member'))
    )
    with op.batch_alter_table('project_officer_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_officer_member_phone_hash'), ['phone_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_officer_member_project_id'), ['project_id'], unique=False)

    op.create_table('project_officer_plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('sections', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'], name=op.f('fk_project_officer_plan_version_approved_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_project_officer_plan_version_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['project_id'], ['project_officer_project.id'], name=op.f('fk_project_officer_plan_version_project_id_project_officer_project')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_officer_plan_version')),
    sa.UniqueConstraint('project_id', 'number', name=op.f('uq_project_officer_plan_version_project_id'))
    )
    with op.batch_alter_table('project_officer_plan_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_officer_plan_version_project_id'), ['project_id'], unique=False)

    op.create_table('project_officer_risk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('risk_type', sa.String(length=24), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('found_on', sa.Date(), nullable=False),
    sa.Column('responsible_unit_id', sa.Integer(), nullable=False),
    sa.Column('responsible_leader_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project_officer_project.id'], name=op.f('fk_project_officer_risk_project_id_project_officer_project')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_project_officer_risk_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['responsible_leader_id'], ['user_account.id'], name=op.f('fk_project_officer_risk_responsible_leader_id_user_account')),
    sa.ForeignKeyConstraint(['responsible_unit_id'], ['unit.id'], name=op.f('fk_project_officer_risk_responsible_unit_id_unit')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_project_officer_risk_ticket_id_ticket')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_officer_risk'))
    )
    with op.batch_alter_table('project_officer_risk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_officer_risk_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_officer_risk_responsible_unit_id'), ['responsible_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_project_officer_risk_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('project_officer_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('visitors', sa.String(length=300), nullable=False),
    sa.Column('raised', sa.Text(), nullable=False),
    sa.Column('actions', sa.Text(), nullable=False),
    sa.Column('follow_up', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['project_id'], ['project_officer_project.id'], name=op.f('fk_project_officer_visit_project_id_project_officer_project')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_project_officer_visit_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_officer_visit'))
    )
    with op.batch_alter_table('project_officer_visit', schema=None) as batch_op:
        batch_op.create_index('ix_project_officer_visit_project_day', ['project_id', 'visited_on'], unique=False)

    op.create_table('project_officer_risk_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('risk_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('acted_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_project_officer_risk_action_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['risk_id'], ['project_officer_risk.id'], name=op.f('fk_project_officer_risk_action_risk_id_project_officer_risk')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_officer_risk_action'))
    )
    with op.batch_alter_table('project_officer_risk_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_officer_risk_action_risk_id'), ['risk_id'], unique=False)



def downgrade():
    with op.batch_alter_table('project_officer_risk_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_officer_risk_action_risk_id'))

    op.drop_table('project_officer_risk_action')
    with op.batch_alter_table('project_officer_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_project_officer_visit_project_day')

    op.drop_table('project_officer_visit')
    with op.batch_alter_table('project_officer_risk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_officer_risk_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_project_officer_risk_responsible_unit_id'))
        batch_op.drop_index(batch_op.f('ix_project_officer_risk_project_id'))

    op.drop_table('project_officer_risk')
    with op.batch_alter_table('project_officer_plan_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_officer_plan_version_project_id'))

    op.drop_table('project_officer_plan_version')
    with op.batch_alter_table('project_officer_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_officer_member_project_id'))
        batch_op.drop_index(batch_op.f('ix_project_officer_member_phone_hash'))

    op.drop_table('project_officer_member')
    with op.batch_alter_table('project_officer_meeting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_officer_meeting_project_id'))

    op.drop_table('project_officer_meeting')
    with op.batch_alter_table('project_officer_handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_officer_handover_project_id'))

    op.drop_table('project_officer_handover')
    with op.batch_alter_table('project_officer_project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_officer_project_unit_id'))
        batch_op.drop_index(batch_op.f('ix_project_officer_project_officer_id'))
        batch_op.drop_index(batch_op.f('ix_project_officer_project_leader_id'))
        batch_op.drop_index(batch_op.f('ix_project_officer_project_enterprise_id'))

    op.drop_table('project_officer_project')
    with op.batch_alter_table('project_officer_rule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_officer_rule_unit_id'))

    op.drop_table('project_officer_rule')
