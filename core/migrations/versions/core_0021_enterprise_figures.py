"""the home page's enterprise figures read from an index

``ix_enterprise_unit_flags`` (unit, key enterprise, above designated size,
liaison officer): the four figures of a unit's enterprises on the home page
are counted from the index alone, never from the table's rows.

Revision ID: core_0021_enterprise_figures
Revises: core_0020_search
Create Date: 2026-12-09 00:00:00

"""
from alembic import op

revision = "core_0021_enterprise_figures"
down_revision = "core_0020_search"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_enterprise_unit_flags", "enterprise",
                    ["unit_id", "is_key", "above_scale", "liaison_officer_id"])


def downgrade():
    op.drop_index("ix_enterprise_unit_flags", table_name="enterprise")
