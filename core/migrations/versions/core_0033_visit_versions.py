"""liaison visits: a version for optimistic locking, now that a visit's record
can be corrected from its page (core/liaison/visits.py ``update``)

Revision ID: core_0033_visit_versions
Revises: core_0032_meeting_versions
Create Date: 2026-12-07 19:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "core_0033_visit_versions"
down_revision = "core_0032_meeting_versions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("liaison_visit") as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade():
    with op.batch_alter_table("liaison_visit") as batch_op:
        batch_op.drop_column("version")
