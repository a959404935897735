"""meetings: a version for optimistic locking, so two people editing one
meeting's form do not silently overwrite each other (core/versioning.py)

Revision ID: core_0032_meeting_versions
Revises: core_0031_enterprise_grams
Create Date: 2026-12-07 19:15:00

"""
import sqlalchemy as sa
from alembic import op

revision = "core_0032_meeting_versions"
down_revision = "core_0031_enterprise_grams"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meeting") as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("meeting") as batch_op:
        batch_op.drop_column("version")
