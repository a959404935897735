"""Duplicates at intake (重复诉求): the tickets a new demand may repeat.

Beside the intake form the desk sees the open and the recently closed tickets
(closed within ``RECENT_DAYS``) of the chosen enterprise and, once a category is
chosen, those of the same category in the enterprise's district (属地) from other
enterprises: the same matter reported a second time, or by a neighbour. The
same lists serve a ticket already registered (its page's merge step and the
JSON API), without the ticket itself.

Every list is scoped (``services.visible``) and bounded (``PANEL_LIMIT`` rows),
and reads the same few index entries whatever the history:

- the enterprise's tickets through ``ix_ticket_enterprise`` (enterprise, id),
  newest first: an enterprise has a handful;
- the category's open tickets through ``ix_ticket_category_closed`` (category,
  closed_at, id, status, enterprise): an open ticket has no ``closed_at``, so they
  are one range of the index in id order, read newest first from the index alone
  and stopped after ``PANEL_LIMIT`` whose enterprise lies in the district;
- the category's recently closed tickets through the same index, from the
  latest closing back to ``RECENT_DAYS`` ago, stopped likewise.

Rows are plain values (``Candidate``), not ORM objects: the panel needs a number,
a status, a date, the first words of the description and a link.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select

from core import clock
from core.extensions import db
from core.registry import services as registry
from core.registry.models import Enterprise
from core.tickets import deadlines, services
from core.tickets.models import Ticket
from core.tickets.vocabulary import OPEN_STATUSES, STATUSES

RECENT_DAYS = 30        # a ticket closed within this many days still shows as a possible duplicate
PANEL_LIMIT = 10        # rows in each list
SHORT_DESCRIPTION = 60  # characters of the description shown
CLOSED_STATUSES = ("closed", "rated")


@dataclass(frozen=True)
class Candidate:
    """A ticket shown as a possible duplicate."""

    id: int
    number: str
    status: str
    category: str
    registered_at: datetime
    closed_at: datetime | None
    description: str            # the first SHORT_DESCRIPTION characters, "…" when cut
    enterprise_id: int
    enterprise_name: str

    @property
    def status_label(self) -> str:
        return str(STATUSES.get(self.status, self.status))

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def registered_on(self) -> str:
        return deadlines.local_date(self.registered_at).isoformat()


@dataclass
class Duplicates:
    """The possible duplicates of a demand of ``enterprise``."""

    enterprise: Enterprise
    category: str = ""
    same_enterprise: list[Candidate] = field(default_factory=list)
    same_place: list[Candidate] = field(default_factory=list)   # same category and district, other enterprises

    @property
    def district(self) -> str:
        return self.enterprise.district or ""

    @property
    def empty(self) -> bool:
        return not (self.same_enterprise or self.same_place)


def recent_cutoff(now: datetime | None = None) -> datetime:
    """Tickets closed at or after this time are still "recent"."""
    return (now or clock.now()) - timedelta(days=RECENT_DAYS)


def open_or_recent(now: datetime | None = None):
    """Open, or closed (or rated) within ``RECENT_DAYS``."""
    return or_(Ticket.status.in_(OPEN_STATUSES),
               and_(Ticket.status.in_(CLOSED_STATUSES), Ticket.closed_at >= recent_cutoff(now)))


_COLUMNS = (Ticket.id, Ticket.year, Ticket.seq, Ticket.status, Ticket.category, Ticket.registered_at,
            Ticket.closed_at, func.substr(Ticket.description, 1, SHORT_DESCRIPTION + 1), Ticket.enterprise_id,
            Enterprise.name)


def _candidates(stmt) -> list[Candidate]:
    found = []
    for ticket_id, year, seq, status, category, registered_at, closed_at, text, enterprise_id, name in \
            db.session.execute(stmt):
        text = " ".join((text or "").split())
        if len(text) > SHORT_DESCRIPTION:
            text = text[:SHORT_DESCRIPTION] + "…"
        found.append(Candidate(ticket_id, f"{year}-{seq:06d}", status, category, registered_at, closed_at, text,
                               enterprise_id, name))
    return found


def _of_enterprise(actor, enterprise_id: int, exclude_id, now, limit) -> list[Candidate]:
    stmt = (select(*_COLUMNS).join(Enterprise, Enterprise.id == Ticket.enterprise_id)
            .where(Ticket.enterprise_id == enterprise_id, open_or_recent(now), services.visible(actor))
            .order_by(Ticket.id.desc()).limit(limit))
    if exclude_id is not None:
        stmt = stmt.where(Ticket.id != exclude_id)
    return _candidates(stmt)


def _of_place(actor, enterprise, category: str, now, limit) -> list[Candidate]:
    """Open tickets of the category in the district (newest first), then those
    closed within RECENT_DAYS (latest closed first), of other enterprises."""
    def place(stmt):
        return (stmt.join(Enterprise, Enterprise.id == Ticket.enterprise_id)
                .where(Ticket.category == category, Enterprise.district == enterprise.district,
                       Ticket.enterprise_id != enterprise.id, services.visible(actor)))

    # closed_at IS NULL: the open tickets' range of ix_ticket_category_closed (the
    # statuses are checked too, from the same index entries).
    open_ = place(select(*_COLUMNS)).where(Ticket.closed_at.is_(None), Ticket.status.in_(OPEN_STATUSES))
    recent = place(select(*_COLUMNS)).where(Ticket.closed_at >= recent_cutoff(now), Ticket.status.in_(CLOSED_STATUSES))
    # Both are read (the same statements whatever the rows); the open ones come first.
    found = _candidates(open_.order_by(Ticket.id.desc()).limit(limit))
    found += _candidates(recent.order_by(Ticket.closed_at.desc(), Ticket.id.desc()).limit(limit))
    return found[:limit]


def find(actor, enterprise, category: str = "", exclude_id: int | None = None,
         limit: int = PANEL_LIMIT) -> Duplicates:
    """The possible duplicates of a demand of ``enterprise`` (already checked to be
    in the actor's scope) in ``category`` (none: the enterprise's own tickets only)."""
    actor.require("ticket.read")
    now = clock.now()
    category = (category or "").strip()[:64]
    result = Duplicates(enterprise=enterprise, category=category)
    result.same_enterprise = _of_enterprise(actor, enterprise.id, exclude_id, now, limit)
    if category and enterprise.district:
        result.same_place = _of_place(actor, enterprise, category, now, limit)
    return result


def for_intake(actor, enterprise_id: int, category: str = "") -> Duplicates:
    """Beside the intake form: the chosen enterprise's open and recent tickets, and
    the category's in its district. NotFound for an enterprise outside the scope."""
    return find(actor, registry.get(actor, enterprise_id), category)


def for_ticket(actor, ticket_id: int) -> Duplicates:
    """The possible duplicates of a registered ticket: its enterprise's other open
    and recent tickets, and its category's in the enterprise's district."""
    ticket = services.get(actor, ticket_id)
    return find(actor, ticket.enterprise, ticket.category, exclude_id=ticket.id)
