"""Ticket numbers: a serial per year, unique and without gaps.

The year's counter row is incremented in the transaction that inserts the
ticket. On PostgreSQL the UPDATE locks that row until the transaction ends; on
SQLite every transaction takes the write lock at BEGIN (core/database.py). Either
way two desks registering at the same moment get consecutive numbers.
"""
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.extensions import db
from core.tickets.models import TicketSequence


def next_serial(year: int) -> int:
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(TicketSequence).values(year=year, last=0).on_conflict_do_nothing())
    return db.session.execute(
        update(TicketSequence).where(TicketSequence.year == year)
        .values(last=TicketSequence.last + 1).returning(TicketSequence.last)
    ).scalar_one()
