"""project_officer: the start of the plugin's own migration branch

Revision ID: project_officer_0001
Depends on: core_0001
"""

revision = "project_officer_0001"
down_revision = None
branch_labels = ("project_officer",)
depends_on = "core_0001"


def upgrade():
    pass


def downgrade():
    pass
