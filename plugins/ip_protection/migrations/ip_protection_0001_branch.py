"""ip_protection: the start of the plugin's own migration branch

Revision ID: ip_protection_0001
Depends on: core_0001
"""

revision = "ip_protection_0001"
down_revision = None
branch_labels = ("ip_protection",)
depends_on = "core_0001"


def upgrade():
    pass


def downgrade():
    pass
