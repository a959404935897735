"""held uploads: the files of a form that failed, kept for its next submit

Revision ID: core_0019_held_uploads
Revises: core_0019_reply_phrases
Create Date: 2026-12-06 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0019_held_uploads'
down_revision = 'core_0019_reply_phrases'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('held_upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_held_upload')),
    sa.UniqueConstraint('token', name=op.f('uq_held_upload_token'))
    )
    with op.batch_alter_table('held_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_upload_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_held_upload_owner'), ['owner'], unique=False)


def downgrade():
    with op.batch_alter_table('held_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_upload_owner'))
        batch_op.drop_index(batch_op.f('ix_held_upload_created_at'))
    op.drop_table('held_upload')
