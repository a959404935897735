"""inspection: the start of the plugin's own migration branch

Revision ID: inspection_0001
Depends on: core_0001
"""

revision = "inspection_0001"
down_revision = None
branch_labels = ("inspection",)
depends_on = "core_0001"


def upgrade():
    pass


def downgrade():
    pass
