"""the unfinished tickets of an enterprise read from a partial index

``ix_ticket_unfinished_enterprise`` (enterprise, id; on the tickets not rated
and not merged): the tickets of the enterprises a liaison officer serves are
read once per request from it for the queue counts and the next deadlines
(core.tickets.services.visible), not tested on every open ticket of the city.

Revision ID: core_0022_unfinished_enterprise
Revises: core_0021_enterprise_figures
Create Date: 2026-12-10 00:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "core_0022_unfinished_enterprise"
down_revision = "core_0021_enterprise_figures"
branch_labels = None
depends_on = None

UNFINISHED = "status NOT IN ('rated', 'merged')"


def upgrade():
    op.create_index("ix_ticket_unfinished_enterprise", "ticket", ["enterprise_id", "id"],
                    sqlite_where=sa.text(UNFINISHED), postgresql_where=sa.text(UNFINISHED))


def downgrade():
    op.drop_index("ix_ticket_unfinished_enterprise", table_name="ticket")
