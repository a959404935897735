"""The running counts behind the dashboard (``ticket_stat_day`` and
``ticket_stat_month``), kept up to date in the same transaction as the tickets.

A ticket counts in the period of the day it was registered (in China) and under
the unit that holds it now (the handling unit, else the registering one). What
it adds is a function of its state alone (``contribution``): it is received; it
is closed while it is closed or rated, and closed on time if it was; rated and
satisfied once rated; overdue while flagged overdue; 现场办 confirmed while the
enterprise's confirmation of its latest on-site result stands; paused once its
clock has been paused, with the length of its ended pauses; and its late
sign-fors. So a figure is always the
tickets behind it: a reopened ticket stops counting as closed, a dispatched one
moves from the centre to the station, and the counts never drift.

Rather than have every transition say what it changes, an ``after_flush``
listener compares each flushed ticket's state before and after and applies the
difference, so a change made anywhere (a service, the sweep, a script) is
counted, and one forgotten in a new transition cannot be.
"""
from collections import defaultdict
from sqlalchemy import event, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core.audit import chain
from core.extensions import db
from core.tickets.deadlines import local_date
from core.tickets.models import Ticket, TicketStatDay, TicketStatMonth

COUNTERS = ("received", "closed", "closed_on_time", "rated", "satisfied", "overdue", "onsite_confirmed", "paused",
            "paused_seconds", "signed_late")
DIMENSIONS = ("unit", "category", "ticket_class", "channel", "handling_mode")
CLOSED = ("closed", "rated")
MERGED = "merged"      # a duplicate merged into another ticket adds nothing
SATISFIED = ("satisfied", "basic")
# The ticket's fields that decide where it counts and what it adds.
FIELDS = ("registered_at", "handling_unit_id", "registering_unit_id", "category", "ticket_class", "channel",
          "handling_mode", "status", "closed_on_time", "rating", "overdue", "onsite_confirmed_at", "paused_at",
          "paused_seconds", "late_sign_fors")


def contribution(values: dict) -> tuple[tuple, tuple[int, ...]]:
    """(registration day, unit, category, class, channel, handling mode) and the
    counters that a ticket with these field values adds."""
    closed = values["status"] in CLOSED
    rated = values["status"] == "rated"
    key = (local_date(values["registered_at"]), values["handling_unit_id"] or values["registering_unit_id"],
           values["category"], values["ticket_class"], values["channel"], values["handling_mode"])
    if values["status"] == MERGED:  # the demand is counted once: as the ticket it was merged into
        return key, (0,) * len(COUNTERS)
    paused_seconds = values["paused_seconds"] or 0
    return key, (1, int(closed), int(closed and bool(values["closed_on_time"])), int(rated),
                 int(rated and values["rating"] in SATISFIED), int(bool(values["overdue"])),
                 int(values["onsite_confirmed_at"] is not None),
                 int(bool(paused_seconds) or values["paused_at"] is not None), paused_seconds,
                 values["late_sign_fors"] or 0)


def rows(deltas: dict) -> dict:
    """Spread per-ticket-key counters over the rows of both tables:
    {(table, bucket, dimension, unit, value): counters}."""
    spread = defaultdict(lambda: [0] * len(COUNTERS))
    for (day, unit_id, category, ticket_class, channel, mode), counts in deltas.items():
        for table, bucket in ((TicketStatDay, day), (TicketStatMonth, day.replace(day=1))):
            for dimension, value in zip(DIMENSIONS, ("", category, ticket_class, channel, mode)):
                acc = spread[(table, bucket, dimension, unit_id, value)]
                for i, n in enumerate(counts):
                    acc[i] += n
    return {key: counts for key, counts in spread.items() if any(counts)}


ROWS_PER_STATEMENT = 500   # 6,500 bound values: well under SQLite's limit of 32,766


def apply(connection, deltas: dict) -> None:
    """Add ``deltas`` ({ticket key: counters}) to the tables: an upsert per table
    (per 500 rows)."""
    by_table = {TicketStatDay: [], TicketStatMonth: []}
    # In one order everywhere, so that two transactions updating the same rows
    # on PostgreSQL wait for each other instead of deadlocking.
    for (table, bucket, dimension, unit_id, value), counts in sorted(
            rows(deltas).items(), key=lambda item: (item[0][0].__tablename__, *item[0][1:])):
        by_table[table].append({"bucket": bucket, "dimension": dimension, "unit_id": unit_id, "value": value,
                                **dict(zip(COUNTERS, counts))})
    insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert
    for table, values in by_table.items():
        for start in range(0, len(values), ROWS_PER_STATEMENT):
            stmt = insert(table).values(values[start:start + ROWS_PER_STATEMENT])
            stmt = stmt.on_conflict_do_update(
                index_elements=["dimension", "bucket", "unit_id", "value"],
                set_={name: getattr(table, name) + stmt.excluded[name] for name in COUNTERS})
            connection.execute(stmt)


def _before(ticket) -> dict:
    state = inspect(ticket)
    values = {}
    for name in FIELDS:
        history = state.attrs[name].history
        values[name] = history.deleted[0] if history.deleted else getattr(ticket, name)
    return values


@event.listens_for(Session, "after_flush")
def _count_changes(session, _context) -> None:
    deltas = defaultdict(lambda: [0] * len(COUNTERS))
    for ticket in list(session.new) + list(session.dirty):
        if not isinstance(ticket, Ticket):
            continue
        after = {name: getattr(ticket, name) for name in FIELDS}
        changes = [(after, 1)]
        if ticket not in session.new:
            before = _before(ticket)
            if before == after:
                continue
            changes.append((before, -1))
        for values, sign in changes:
            key, counts = contribution(values)
            acc = deltas[key]
            for i, n in enumerate(counts):
                acc[i] += sign * n
    deltas = {key: counts for key, counts in deltas.items() if any(counts)}
    if deltas:
        # Ticket changes are audited, and most flush their audit entry with the change,
        # taking the chain's lock before these rows; registering (and the sweep) flush the
        # ticket first. Take the lock here too, or two such transactions deadlock.
        chain.lock(session.connection())
        apply(session.connection(), deltas)


def recount(session=None) -> int:
    """Rebuild both tables from the tickets (after a bulk load, or to repair);
    returns the number of tickets counted. The caller commits."""
    session = session or db.session
    deltas = defaultdict(lambda: [0] * len(COUNTERS))
    columns = [getattr(Ticket, name) for name in FIELDS]
    total = 0
    for row in session.execute(select(*columns).execution_options(yield_per=5000)):
        key, counts = contribution(dict(zip(FIELDS, row)))
        acc = deltas[key]
        for i, n in enumerate(counts):
            acc[i] += n
        total += 1
    session.execute(TicketStatDay.__table__.delete())
    session.execute(TicketStatMonth.__table__.delete())
    apply(session.connection(), deltas)
    return total
