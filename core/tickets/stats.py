"""The running counts behind the dashboard (``ticket_stat``), bumped by every
transition in the same transaction, so figures never drift from the tickets."""
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.extensions import db
from core.tickets.deadlines import local_date
from core.tickets.models import TicketStat

COUNTERS = ("received", "closed", "closed_on_time", "rated", "satisfied", "overdue")


def bump(ticket, at, **counts) -> None:
    """Add ``counts`` (e.g. ``received=1``) to the row of the ticket's unit,
    category, class and channel on the Chinese day of ``at``."""
    values = {name: counts.get(name, 0) for name in COUNTERS}
    key = {"day": local_date(at), "unit_id": ticket.handling_unit_id or ticket.registering_unit_id,
           "category": ticket.category, "ticket_class": ticket.ticket_class, "channel": ticket.channel}
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(TicketStat).values(**key, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=list(key),
        set_={name: getattr(TicketStat, name) + stmt.excluded[name] for name in COUNTERS if values[name]}
        or {"received": TicketStat.received},
    )
    db.session.execute(stmt)
