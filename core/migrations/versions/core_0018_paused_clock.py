"""the paused clock and the late sign-for

``ticket``: ``paused_at`` and ``pause_until`` of the running pause (暂停计时),
``paused_seconds`` of the ended ones, ``late_sign_fors``; the
status-and-deadlines index also covers ``paused_at`` (the queue counts read
it), and ``pause_until`` is indexed for the sweep. The running counts
(``ticket_stat_day``/``_month``) gain ``paused``, ``paused_seconds`` and
``signed_late``.

No ticket was paused before; a sign-for is known to have been late when the
ticket was signed for after its sign-for deadline (the last one: an earlier
round's is not kept), and the counts are given those tickets.

Revision ID: core_0018_paused_clock
Revises: core_0018_registers
"""
from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

revision = "core_0018_paused_clock"
down_revision = "core_0018_registers"
branch_labels = None
depends_on = None

CHINA = timedelta(hours=8)   # registration times are stored in UTC; China keeps no summer time
STAT_TABLES = ("ticket_stat_day", "ticket_stat_month")
OLD_INDEX = ["status", "overdue", "due_at", "progress_due_at", "registering_unit_id", "handling_unit_id",
             "enterprise_id"]


def upgrade():
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.add_column(sa.Column("paused_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("pause_until", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("paused_seconds", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("late_sign_fors", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_index("ix_ticket_status_deadlines")
        batch_op.create_index("ix_ticket_status_deadlines", OLD_INDEX + ["paused_at"])
        batch_op.create_index("ix_ticket_pause_until", ["pause_until"])
    for table in STAT_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("paused", sa.Integer(), nullable=False, server_default="0"))
            batch_op.add_column(sa.Column("paused_seconds", sa.BigInteger(), nullable=False, server_default="0"))
            batch_op.add_column(sa.Column("signed_late", sa.Integer(), nullable=False, server_default="0"))
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE ticket SET late_sign_fors = 1 WHERE signed_at IS NOT NULL "
                         "AND sign_due_at IS NOT NULL AND signed_at > sign_due_at"))
    _count_late_sign_fors(bind)


def _count_late_sign_fors(bind) -> None:
    """Add the late sign-fors to the rows the tickets already count in: by the
    rules of core.tickets.stats.contribution (the registration day in China,
    the unit holding the ticket), for every breakdown the tables hold — a
    breakdown named after a ticket column (category, ticket_class, channel …)
    takes that column's value, ``unit`` the empty value."""
    columns = {c["name"] for c in sa.inspect(bind).get_columns("ticket")}
    dimensions = sorted({d for table in STAT_TABLES
                         for (d,) in bind.execute(sa.text(f"SELECT DISTINCT dimension FROM {table}"))}
                        & (columns | {"unit"}))
    valued = [d for d in dimensions if d != "unit"]
    rows = bind.execute(sa.text(
        "SELECT registered_at, handling_unit_id, registering_unit_id, late_sign_fors"
        + "".join(f", {d}" for d in valued) + " FROM ticket WHERE late_sign_fors > 0")
        .columns(registered_at=sa.DateTime))
    deltas = {table: defaultdict(int) for table in STAT_TABLES}
    for at, handling, registering, late, *values in rows:
        day = (at + CHINA).date()
        by_dimension = dict(zip(valued, values), unit="")
        for table, bucket in (("ticket_stat_day", day), ("ticket_stat_month", day.replace(day=1))):
            for dimension in dimensions:
                deltas[table][(bucket, dimension, handling or registering, by_dimension[dimension] or "")] += late
    for table, found in deltas.items():
        if found:
            bind.execute(sa.text(f"UPDATE {table} SET signed_late = signed_late + :n WHERE dimension = :dimension "
                                 "AND bucket = :bucket AND unit_id = :unit AND value = :value")
                         .bindparams(sa.bindparam("bucket", type_=sa.Date)),
                         [{"n": n, "bucket": bucket, "dimension": dimension, "unit": unit, "value": value}
                          for (bucket, dimension, unit, value), n in sorted(found.items())])


def downgrade():
    for table in STAT_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("signed_late")
            batch_op.drop_column("paused_seconds")
            batch_op.drop_column("paused")
    with op.batch_alter_table("ticket") as batch_op:
        batch_op.drop_index("ix_ticket_pause_until")
        batch_op.drop_index("ix_ticket_status_deadlines")
        batch_op.create_index("ix_ticket_status_deadlines", OLD_INDEX)
        batch_op.drop_column("late_sign_fors")
        batch_op.drop_column("paused_seconds")
        batch_op.drop_column("pause_until")
        batch_op.drop_column("paused_at")
