"""liaison visits (走访纳谏) and visit plans (core/liaison/)

``liaison_visit``: an officer's visit to an enterprise, what was heard and done;
``liaison_visit_photo``: its photos; ``liaison_visit_ticket``: the demands heard
on it and registered as tickets; ``liaison_visit_plan``: an officer's rule of
visits (every key enterprise they serve, or one enterprise, once a month,
quarter or half-year).

Revision ID: core_0027_liaison_visits
Revises: core_0026_profile_changes
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0027_liaison_visits'
down_revision = "core_0026_profile_changes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('liaison_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('visited_on', sa.Date(), nullable=False),
    sa.Column('heard', sa.Text(), nullable=False),
    sa.Column('done', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(), nullable=False),
    sa.Column('submission_key', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_liaison_visit_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['officer_id'], ['user_account.id'], name=op.f('fk_liaison_visit_officer_id_user_account')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_liaison_visit_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_visit')),
    sa.UniqueConstraint('submission_key', name=op.f('uq_liaison_visit_submission_key'))
    )
    with op.batch_alter_table('liaison_visit', schema=None) as batch_op:
        batch_op.create_index('ix_liaison_visit_enterprise', ['enterprise_id', 'visited_on', 'id'], unique=False)
        batch_op.create_index('ix_liaison_visit_officer', ['officer_id', 'visited_on', 'id'], unique=False)

    op.create_table('liaison_visit_photo',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['visit_id'], ['liaison_visit.id'], name=op.f('fk_liaison_visit_photo_visit_id_liaison_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_visit_photo'))
    )
    with op.batch_alter_table('liaison_visit_photo', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_liaison_visit_photo_visit_id'), ['visit_id'], unique=False)

    op.create_table('liaison_visit_ticket',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('visit_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_liaison_visit_ticket_ticket_id_ticket'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['visit_id'], ['liaison_visit.id'], name=op.f('fk_liaison_visit_ticket_visit_id_liaison_visit'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_visit_ticket')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_liaison_visit_ticket_ticket_id'))
    )
    with op.batch_alter_table('liaison_visit_ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_liaison_visit_ticket_visit_id'), ['visit_id'], unique=False)

    op.create_table('liaison_visit_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=True),
    sa.Column('interval', sa.String(length=10), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_liaison_visit_plan_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], name=op.f('fk_liaison_visit_plan_enterprise_id_enterprise'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['officer_id'], ['user_account.id'], name=op.f('fk_liaison_visit_plan_officer_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_liaison_visit_plan'))
    )
    with op.batch_alter_table('liaison_visit_plan', schema=None) as batch_op:
        batch_op.create_index('ix_liaison_visit_plan_officer', ['officer_id', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('liaison_visit_plan', schema=None) as batch_op:
        batch_op.drop_index('ix_liaison_visit_plan_officer')
    op.drop_table('liaison_visit_plan')
    with op.batch_alter_table('liaison_visit_ticket', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_liaison_visit_ticket_visit_id'))
    op.drop_table('liaison_visit_ticket')
    with op.batch_alter_table('liaison_visit_photo', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_liaison_visit_photo_visit_id'))
    op.drop_table('liaison_visit_photo')
    with op.batch_alter_table('liaison_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_liaison_visit_officer')
        batch_op.drop_index('ix_liaison_visit_enterprise')
    op.drop_table('liaison_visit')
