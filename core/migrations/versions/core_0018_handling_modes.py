"""handling modes: the deadline set at dispatch (限期办), the last rework, the mode as a breakdown of the counts

``ticket.deadline_set_on``: the day a dispatcher set as the final deadline (None:
counted by class). ``ticket.reworked_at``: when the ticket was last sent back for
rework, from which its final deadline counts afresh; filled from the timeline
for the tickets reopened so far (a dissatisfied rating's ``reopened`` entry).

The running counts (``ticket_stat_day``, ``ticket_stat_month``) gain the
breakdown ``handling_mode``: its rows are filled from the tickets, by the same
rules as the other breakdowns (core.tickets.stats.contribution), so the new
breakdown agrees with the others from the start.

Revision ID: core_0018_handling_modes
Revises: core_0018_ticket_merging
Create Date: 2026-12-08 00:00:00

"""
from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "core_0018_handling_modes"
down_revision = "core_0018_ticket_merging"
branch_labels = None
depends_on = None

COUNTERS = ("received", "closed", "closed_on_time", "rated", "satisfied", "overdue")
CHINA = timedelta(hours=8)   # registration times are stored in UTC; China keeps no summer time
DIMENSION = "handling_mode"
BATCH = 500


def _counts_table(name):
    return sa.table(name, sa.column("bucket", sa.Date), sa.column("unit_id", sa.Integer),
                    sa.column("dimension", sa.String), sa.column("value", sa.String),
                    *[sa.column(counter, sa.Integer) for counter in COUNTERS])


def upgrade():
    op.add_column("ticket", sa.Column("deadline_set_on", sa.Date(), nullable=True))
    op.add_column("ticket", sa.Column("reworked_at", sa.DateTime(), nullable=True))
    bind = op.get_bind()
    bind.execute(sa.text(
        "UPDATE ticket SET reworked_at = (SELECT max(e.at) FROM ticket_event e WHERE e.ticket_id = ticket.id "
        "AND e.kind = 'reopened') WHERE rework_count > 0"))

    # Written out rather than imported, so that this step keeps meaning what it meant when it was written.
    day_table, month_table = _counts_table("ticket_stat_day"), _counts_table("ticket_stat_month")
    rows = {day_table: defaultdict(lambda: [0] * len(COUNTERS)),
            month_table: defaultdict(lambda: [0] * len(COUNTERS))}
    tickets = bind.execute(sa.text(
        "SELECT registered_at, handling_unit_id, registering_unit_id, handling_mode, status, closed_on_time, "
        "rating, overdue FROM ticket").columns(registered_at=sa.DateTime))
    for at, handling, registering, mode, status, on_time, rating, overdue in tickets:
        day = (at + CHINA).date()
        closed, rated = status in ("closed", "rated"), status == "rated"
        counts = (1, int(closed), int(closed and bool(on_time)), int(rated),
                  int(rated and rating in ("satisfied", "basic")), int(bool(overdue)))
        for table, bucket in ((day_table, day), (month_table, day.replace(day=1))):
            acc = rows[table][(bucket, handling or registering, mode)]
            for i, n in enumerate(counts):
                acc[i] += n
    for table, found in rows.items():
        values = [{"bucket": bucket, "dimension": DIMENSION, "unit_id": unit_id, "value": mode,
                   **dict(zip(COUNTERS, counts))} for (bucket, unit_id, mode), counts in sorted(found.items())]
        for start in range(0, len(values), BATCH):
            op.bulk_insert(table, values[start:start + BATCH])


def downgrade():
    for name in ("ticket_stat_day", "ticket_stat_month"):
        op.execute(sa.text(f"DELETE FROM {name} WHERE dimension = :d").bindparams(d=DIMENSION))
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35 and later too): recreating the table in
    # batch mode would drop the old one, and SQLite would cascade that to the tickets' events.
    op.drop_column("ticket", "reworked_at")
    op.drop_column("ticket", "deadline_set_on")
