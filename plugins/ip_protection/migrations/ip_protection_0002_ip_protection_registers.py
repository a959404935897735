"""ip_protection: officers, consultations and their messages and files, the FAQ, health checks, cases and evidence, regional brands, outreach

Revision ID: ip_protection_0002
Revises: ip_protection_0001
Create Date: 2026-11-30 05:46:57.118349

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ip_protection_0002'
down_revision = 'ip_protection_0001'
branch_labels = None
depends_on = "core_0003"   # ip_protection_case.ticket_id refers to the ticket table


def upgrade():
    op.create_table('ip_protection_brand',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('industry', sa.String(length=50), nullable=False),
    sa.Column('association', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('registration_number', sa.String(length=20), nullable=True),
    sa.Column('classes', sa.JSON(), nullable=False),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_ip_protection_brand_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_brand')),
    sa.UniqueConstraint('registration_number', name=op.f('uq_ip_protection_brand_registration_number'))
    )
    with op.batch_alter_table('ip_protection_brand', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_brand_unit_id'), ['unit_id'], unique=False)

    op.create_table('ip_protection_officer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('designated_by_id', sa.Integer(), nullable=True),
    sa.Column('designated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['designated_by_id'], ['user_account.id'], name=op.f('fk_ip_protection_officer_designated_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_ip_protection_officer_unit_id_unit')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_ip_protection_officer_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_officer')),
    sa.UniqueConstraint('unit_id', 'user_id', name=op.f('uq_ip_protection_officer_unit_id'))
    )
    with op.batch_alter_table('ip_protection_officer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_officer_unit_id'), ['unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_protection_officer_user_id'), ['user_id'], unique=False)

    op.create_table('ip_protection_outreach',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('topic', sa.String(length=200), nullable=False),
    sa.Column('audience', sa.String(length=200), nullable=False),
    sa.Column('attendance', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_ip_protection_outreach_recorded_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_ip_protection_outreach_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_outreach'))
    )
    with op.batch_alter_table('ip_protection_outreach', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_outreach_unit_id'), ['unit_id'], unique=False)

    op.create_table('ip_protection_brand_member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brand_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['brand_id'], ['ip_protection_brand.id'], name=op.f('fk_ip_protection_brand_member_brand_id_ip_protection_brand'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_ip_protection_brand_member_enterprise_id_enterprise')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_brand_member')),
    sa.UniqueConstraint('brand_id', 'enterprise_id', name=op.f('uq_ip_protection_brand_member_brand_id'))
    )
    with op.batch_alter_table('ip_protection_brand_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_brand_member_brand_id'), ['brand_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_protection_brand_member_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('ip_protection_check',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('checked_on', sa.Date(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=True),
    sa.Column('overall', sa.Integer(), nullable=False),
    sa.Column('trademark_count', sa.Integer(), nullable=False),
    sa.Column('trademark_classes', sa.JSON(), nullable=False),
    sa.Column('patents', sa.JSON(), nullable=False),
    sa.Column('findings', sa.Text(), nullable=False),
    sa.Column('recommendations', sa.Text(), nullable=False),
    sa.Column('follow_up_on', sa.Date(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_ip_protection_check_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['officer_id'], ['user_account.id'], name=op.f('fk_ip_protection_check_officer_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_ip_protection_check_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_check'))
    )
    with op.batch_alter_table('ip_protection_check', schema=None) as batch_op:
        batch_op.create_index('ix_ip_protection_check_enterprise_day', ['enterprise_id', 'checked_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_protection_check_unit_id'), ['unit_id'], unique=False)

    op.create_table('ip_protection_consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('registered_unit_id', sa.Integer(), nullable=True),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('contact_name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('registered_at', sa.DateTime(), nullable=False),
    sa.Column('first_answer_due_at', sa.DateTime(), nullable=False),
    sa.Column('first_answer_at', sa.DateTime(), nullable=True),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('submission_key', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_ip_protection_consultation_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['officer_id'], ['user_account.id'], name=op.f('fk_ip_protection_consultation_officer_id_user_account')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_ip_protection_consultation_registered_by_id_user_account')),
    sa.ForeignKeyConstraint(['registered_unit_id'], ['unit.id'], name=op.f('fk_ip_protection_consultation_registered_unit_id_unit')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_ip_protection_consultation_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_consultation')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_ip_protection_consultation_submission_key'))
    )
    with op.batch_alter_table('ip_protection_consultation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_consultation_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index('ix_ip_protection_consultation_officer_status', ['officer_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_protection_consultation_registered_unit_id'), ['registered_unit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_protection_consultation_unit_id'), ['unit_id'], unique=False)

    op.create_table('ip_protection_outreach_enterprise',
    sa.Column('outreach_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_ip_protection_outreach_enterprise_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['outreach_id'], ['ip_protection_outreach.id'], name=op.f('fk_ip_protection_outreach_enterprise_outreach_id_ip_protection_outreach'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('outreach_id', 'enterprise_id', name=op.f('pk_ip_protection_outreach_enterprise'))
    )
    with op.batch_alter_table('ip_protection_outreach_enterprise', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_outreach_enterprise_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('ip_protection_outreach_officer',
    sa.Column('outreach_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['outreach_id'], ['ip_protection_outreach.id'], name=op.f('fk_ip_protection_outreach_officer_outreach_id_ip_protection_outreach'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_ip_protection_outreach_officer_user_id_user_account')),
    sa.PrimaryKeyConstraint('outreach_id', 'user_id', name=op.f('pk_ip_protection_outreach_officer'))
    )
    with op.batch_alter_table('ip_protection_outreach_officer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_outreach_officer_user_id'), ['user_id'], unique=False)

    op.create_table('ip_protection_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('rights', sa.String(length=500), nullable=False),
    sa.Column('infringer', sa.String(length=200), nullable=False),
    sa.Column('infringer_details', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reported_by_id', sa.Integer(), nullable=True),
    sa.Column('reported_at', sa.DateTime(), nullable=False),
    sa.Column('closed_at', sa.DateTime(), nullable=True),
    sa.Column('submission_key', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_ip_protection_case_enterprise_id_enterprise')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['user_account.id'], name=op.f('fk_ip_protection_case_reported_by_id_user_account')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ip_protection_case_ticket_id_ticket')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_ip_protection_case_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_case')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_ip_protection_case_submission_key')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_ip_protection_case_ticket_id'))
    )
    with op.batch_alter_table('ip_protection_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_case_enterprise_id'), ['enterprise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_protection_case_unit_id'), ['unit_id'], unique=False)

    op.create_table('ip_protection_check_area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['check_id'], ['ip_protection_check.id'], name=op.f('fk_ip_protection_check_area_check_id_ip_protection_check'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_check_area')),
    sa.UniqueConstraint('check_id', 'area', name=op.f('uq_ip_protection_check_area_check_id'))
    )
    with op.batch_alter_table('ip_protection_check_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_check_area_check_id'), ['check_id'], unique=False)

    op.create_table('ip_protection_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=12), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('written_at', sa.DateTime(), nullable=False),
    sa.Column('publishable', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_ip_protection_message_author_id_user_account')),
    sa.ForeignKeyConstraint(['consultation_id'], ['ip_protection_consultation.id'], name=op.f('fk_ip_protection_message_consultation_id_ip_protection_consultation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_message'))
    )
    with op.batch_alter_table('ip_protection_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_message_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('ip_protection_brand_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('brand_id', sa.Integer(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['brand_id'], ['ip_protection_brand.id'], name=op.f('fk_ip_protection_brand_alert_brand_id_ip_protection_brand'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_id'], ['ip_protection_case.id'], name=op.f('fk_ip_protection_brand_alert_case_id_ip_protection_case')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_ip_protection_brand_alert_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_brand_alert'))
    )
    with op.batch_alter_table('ip_protection_brand_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_brand_alert_brand_id'), ['brand_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_protection_brand_alert_case_id'), ['case_id'], unique=False)

    op.create_table('ip_protection_case_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_ip_protection_case_event_by_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['ip_protection_case.id'], name=op.f('fk_ip_protection_case_event_case_id_ip_protection_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_case_event'))
    )
    with op.batch_alter_table('ip_protection_case_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_case_event_case_id'), ['case_id'], unique=False)

    op.create_table('ip_protection_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_ip_protection_evidence_added_by_id_user_account')),
    sa.ForeignKeyConstraint(['case_id'], ['ip_protection_case.id'], name=op.f('fk_ip_protection_evidence_case_id_ip_protection_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_evidence'))
    )
    with op.batch_alter_table('ip_protection_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_evidence_case_id'), ['case_id'], unique=False)

    op.create_table('ip_protection_faq',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('topic', sa.String(length=20), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['consultation_id'], ['ip_protection_consultation.id'], name=op.f('fk_ip_protection_faq_consultation_id_ip_protection_consultation')),
    sa.ForeignKeyConstraint(['message_id'], ['ip_protection_message.id'], name=op.f('fk_ip_protection_faq_message_id_ip_protection_message')),
    sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'], name=op.f('fk_ip_protection_faq_published_by_id_user_account')),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], name=op.f('fk_ip_protection_faq_unit_id_unit')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_faq')),
    sa.UniqueConstraint('message_id', name=op.f('uq_ip_protection_faq_message_id'))
    )
    with op.batch_alter_table('ip_protection_faq', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_faq_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ip_protection_faq_unit_id'), ['unit_id'], unique=False)

    op.create_table('ip_protection_message_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['ip_protection_message.id'], name=op.f('fk_ip_protection_message_file_message_id_ip_protection_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ip_protection_message_file'))
    )
    with op.batch_alter_table('ip_protection_message_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ip_protection_message_file_message_id'), ['message_id'], unique=False)



def downgrade():
    with op.batch_alter_table('ip_protection_message_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_message_file_message_id'))

    op.drop_table('ip_protection_message_file')
    with op.batch_alter_table('ip_protection_faq', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_faq_unit_id'))
        batch_op.drop_index(batch_op.f('ix_ip_protection_faq_consultation_id'))

    op.drop_table('ip_protection_faq')
    with op.batch_alter_table('ip_protection_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_evidence_case_id'))

    op.drop_table('ip_protection_evidence')
    with op.batch_alter_table('ip_protection_case_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_case_event_case_id'))

    op.drop_table('ip_protection_case_event')
    with op.batch_alter_table('ip_protection_brand_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_brand_alert_case_id'))
        batch_op.drop_index(batch_op.f('ix_ip_protection_brand_alert_brand_id'))

    op.drop_table('ip_protection_brand_alert')
    with op.batch_alter_table('ip_protection_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_message_consultation_id'))

    op.drop_table('ip_protection_message')
    with op.batch_alter_table('ip_protection_check_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_check_area_check_id'))

    op.drop_table('ip_protection_check_area')
    with op.batch_alter_table('ip_protection_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_case_unit_id'))
        batch_op.drop_index(batch_op.f('ix_ip_protection_case_enterprise_id'))

    op.drop_table('ip_protection_case')
    with op.batch_alter_table('ip_protection_outreach_officer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_outreach_officer_user_id'))

    op.drop_table('ip_protection_outreach_officer')
    with op.batch_alter_table('ip_protection_outreach_enterprise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_outreach_enterprise_enterprise_id'))

    op.drop_table('ip_protection_outreach_enterprise')
    with op.batch_alter_table('ip_protection_consultation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_consultation_unit_id'))
        batch_op.drop_index(batch_op.f('ix_ip_protection_consultation_registered_unit_id'))
        batch_op.drop_index('ix_ip_protection_consultation_officer_status')
        batch_op.drop_index(batch_op.f('ix_ip_protection_consultation_enterprise_id'))

    op.drop_table('ip_protection_consultation')
    with op.batch_alter_table('ip_protection_check', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_check_unit_id'))
        batch_op.drop_index('ix_ip_protection_check_enterprise_day')

    op.drop_table('ip_protection_check')
    with op.batch_alter_table('ip_protection_brand_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_brand_member_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_ip_protection_brand_member_brand_id'))

    op.drop_table('ip_protection_brand_member')
    with op.batch_alter_table('ip_protection_outreach', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_outreach_unit_id'))

    op.drop_table('ip_protection_outreach')
    with op.batch_alter_table('ip_protection_officer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_officer_user_id'))
        batch_op.drop_index(batch_op.f('ix_ip_protection_officer_unit_id'))

    op.drop_table('ip_protection_officer')
    with op.batch_alter_table('ip_protection_brand', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ip_protection_brand_unit_id'))

    op.drop_table('ip_protection_brand')
