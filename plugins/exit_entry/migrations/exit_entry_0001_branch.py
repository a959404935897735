"""exit_entry: the start of the plugin's own migration branch

Revision ID: exit_entry_0001
Depends on: core_0001
"""

revision = "exit_entry_0001"
down_revision = None
branch_labels = ("exit_entry",)
depends_on = "core_0001"


def upgrade():
    pass


def downgrade():
    pass
