"""risk_assessment: the start of the plugin's own migration branch

Revision ID: risk_assessment_0001
Depends on: core_0001
"""

revision = "risk_assessment_0001"
down_revision = None
branch_labels = ("risk_assessment",)
depends_on = "core_0001"


def upgrade():
    pass


def downgrade():
    pass
