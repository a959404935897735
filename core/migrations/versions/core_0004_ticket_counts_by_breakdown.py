"""ticket counts per day and per month, one row per breakdown; queue index

``ticket_stat`` (one row per day × unit × category × class × channel) grew
with the tickets; the dashboard needs each breakdown on its own, so the counts
are now kept per unit and breakdown value, by day and by month, and count each
ticket in the period of its registration under the unit that holds it. The new
tables are filled from the tickets. An index on status and id serves the
queues, which list one status in order of id; the status-and-deadline index
grows to cover what the queue counts and the sweep read of the open tickets.

Revision ID: core_0004
Revises: core_0003
"""
from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "core_0004"
down_revision = "core_0003"
branch_labels = None
depends_on = None

COUNTERS = ("received", "closed", "closed_on_time", "rated", "satisfied", "overdue")
CHINA = timedelta(hours=8)   # registration times are stored in UTC; China keeps no summer time


def _create(name):
    return op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        *[sa.Column(counter, sa.Integer(), nullable=False) for counter in COUNTERS],
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f(f"fk_{name}_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("dimension", "bucket", "unit_id", "value", name=op.f(f"uq_{name}_dimension")),
    )


def upgrade():
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.create_index("ix_ticket_status_id", ["status", "id"])
        batch_op.drop_index("ix_ticket_status_due")
        batch_op.create_index("ix_ticket_status_deadlines", ["status", "overdue", "due_at", "progress_due_at",
                                                             "registering_unit_id", "handling_unit_id",
                                                             "enterprise_id"])
    day_table, month_table = _create("ticket_stat_day"), _create("ticket_stat_month")
    op.drop_table("ticket_stat")
    # The same rules as core.tickets.stats.contribution, written out so that
    # this step keeps meaning what it meant when it was written.
    rows = {day_table: defaultdict(lambda: [0] * 6), month_table: defaultdict(lambda: [0] * 6)}
    tickets = op.get_bind().execute(sa.text(
        "SELECT registered_at, handling_unit_id, registering_unit_id, category, ticket_class, channel, "
        "status, closed_on_time, rating, overdue FROM ticket").columns(registered_at=sa.DateTime))
    for at, handling, registering, category, ticket_class, channel, status, on_time, rating, overdue in tickets:
        day = (at + CHINA).date()
        closed, rated = status in ("closed", "rated"), status == "rated"
        counts = (1, int(closed), int(closed and bool(on_time)), int(rated),
                  int(rated and rating in ("satisfied", "basic")), int(bool(overdue)))
        for table, bucket in ((day_table, day), (month_table, day.replace(day=1))):
            for dimension, value in (("unit", ""), ("category", category), ("ticket_class", ticket_class),
                                     ("channel", channel)):
                acc = rows[table][(bucket, dimension, handling or registering, value)]
                for i, n in enumerate(counts):
                    acc[i] += n
    for table, found in rows.items():
        if found:
            op.bulk_insert(table, [{"bucket": bucket, "dimension": dimension, "unit_id": unit_id, "value": value,
                                    **dict(zip(COUNTERS, counts))}
                                   for (bucket, dimension, unit_id, value), counts in found.items()])


def downgrade():
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_index("ix_ticket_status_deadlines")
        batch_op.create_index("ix_ticket_status_due", ["status", "due_at"])
        batch_op.drop_index("ix_ticket_status_id")
    op.create_table(
        "ticket_stat",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("ticket_class", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        *[sa.Column(counter, sa.Integer(), nullable=False) for counter in COUNTERS],
        sa.ForeignKeyConstraint(["unit_id"], ["unit.id"], name=op.f("fk_ticket_stat_unit_id_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_stat")),
        sa.UniqueConstraint("day", "unit_id", "category", "ticket_class", "channel", name=op.f("uq_ticket_stat_day")),
    )
    op.drop_table("ticket_stat_month")
    op.drop_table("ticket_stat_day")
    # The old table's counts are not rebuilt: they followed other rules.
