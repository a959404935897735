"""enterprise search and filter-list indexes

The name-order index also covers the columns that the search box and the unit
scope test, so a search reads the index alone. Two indexes serve the district
and industry filter lists of users who see only some units.

Revision ID: core_0002
Revises: core_0001
"""
from alembic import op

revision = "core_0002"
down_revision = "core_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("enterprise") as batch_op:
        batch_op.drop_index("ix_enterprise_sort_name")
        batch_op.create_index("ix_enterprise_sort_name",
                              ["name_pinyin", "id", "unit_id", "name", "name_initials", "credit_code"])
        batch_op.create_index("ix_enterprise_unit_district", ["unit_id", "district"])
        batch_op.create_index("ix_enterprise_unit_industry", ["unit_id", "industry"])


def downgrade():
    with op.batch_alter_table("enterprise") as batch_op:
        batch_op.drop_index("ix_enterprise_unit_industry")
        batch_op.drop_index("ix_enterprise_unit_district")
        batch_op.drop_index("ix_enterprise_sort_name")
        batch_op.create_index("ix_enterprise_sort_name", ["name_pinyin", "id"])
