"""积案: the register of long-unsolved tickets, for the leaders.

A ticket is on it while it is open (``OPEN_STATUSES``) and either was
registered more than ``BACKLOG_WORKING_DAYS`` working days ago (30 unless set;
the end of the n-th working day after the day of registration has passed, on
the Chinese calendar: ``core.tickets.deadlines.registered_before``) or has been
reopened for rework twice (``rework_count``). Nothing is stored to make the
list: it is one query on ``ix_ticket_status_registered`` (status, registered
at, rework count, id), which reads the open tickets' index entries only.

A leader takes a ticket up (包案): names themselves or another leader as
responsible, with a note; recorded as a ``BacklogAssignment``, on the ticket's
timeline and in the audit trail. A later take-up replaces the earlier one.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from core import clock, paging
from core.audit import services as audit
from core.errors import Forbidden, ValidationError
from core.extensions import db
from core.notifications.services import notify_users
from core.supervision import services as supervision
from core.supervision.models import BacklogAssignment
from core.text import clean_text
from core.tickets import deadlines
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketEvent
from core.tickets.vocabulary import OPEN_STATUSES

DEFAULT_WORKING_DAYS = 30
REOPENED_TIMES = 2
MAX_NOTE = 2000
# What the history summary counts, in this order.
SUMMARY_KINDS = ("dispatched", "returned", "escalated", "reopened", "extension_approved", "supervised", "listed",
                 "complaint", "info_requested", "overdue")


def working_days_setting() -> int:
    value = current_app.config.get("BACKLOG_WORKING_DAYS", DEFAULT_WORKING_DAYS)
    try:
        return max(1, min(int(value), 1000))
    except (TypeError, ValueError):
        return DEFAULT_WORKING_DAYS


@dataclass(frozen=True)
class Threshold:
    working_days: int
    registered_before: datetime   # naive UTC: registered before this, open beyond the working days


def threshold(now: datetime | None = None) -> Threshold:
    days = working_days_setting()
    return Threshold(days, deadlines.registered_before(now or clock.now(), days))


def condition(limit: Threshold):
    """The register's WHERE clause, on the columns of ``ix_ticket_status_registered``."""
    return and_(Ticket.status.in_(OPEN_STATUSES),
                or_(Ticket.registered_at < limit.registered_before, Ticket.rework_count >= REOPENED_TIMES))


def is_backlog(ticket, limit: Threshold | None = None) -> bool:
    limit = limit or threshold()
    return ticket.status in OPEN_STATUSES and (ticket.registered_at < limit.registered_before
                                               or (ticket.rework_count or 0) >= REOPENED_TIMES)


def reasons(ticket, limit: Threshold) -> list[str]:
    """Why the ticket is on the register: ``age``, ``reopened`` or both."""
    found = []
    if ticket.registered_at < limit.registered_before:
        found.append("age")
    if (ticket.rework_count or 0) >= REOPENED_TIMES:
        found.append("reopened")
    return found


def _select(actor, limit: Threshold):
    # A filter over the tickets the actor may read anyway: the page is the leaders' (and its
    # menu entry), and other systems read it through the API with a token's reading rights.
    actor.require(supervision.READ_PERMISSION)
    return select(Ticket).where(condition(limit), tickets.visible(actor))


def page(actor, cursor: str | None = None, limit: int = 20, now: datetime | None = None) -> paging.Page:
    """A page of the register in the actor's units' area, the oldest first (by
    registration, which is the order of the ids): keyset paging, ids first."""
    stmt = _select(actor, threshold(now))
    return paging.keyset(db.session, stmt, (Ticket.id,), lambda t: (t.id,), cursor, limit, id_column=Ticket.id)


def count(actor, now: datetime | None = None) -> int:
    stmt = _select(actor, threshold(now))
    return db.session.scalar(stmt.with_only_columns(func.count(Ticket.id)))


@dataclass
class Summary:
    counts: list = field(default_factory=list)   # [(kind, n)] in SUMMARY_KINDS order, n > 0
    events: int = 0
    last: TicketEvent | None = None


def summaries(ticket_ids) -> dict[int, Summary]:
    """Each ticket's history in a line: how often it was dispatched, returned,
    reopened …, and its latest step (two grouped queries on the timeline's
    (ticket, id) index, for a page of tickets)."""
    ids = sorted(set(ticket_ids))
    found = {i: Summary() for i in ids}
    if not ids:
        return found
    counts = {}
    for ticket_id, kind, n in db.session.execute(
            select(TicketEvent.ticket_id, TicketEvent.kind, func.count(TicketEvent.id))
            .where(TicketEvent.ticket_id.in_(ids)).group_by(TicketEvent.ticket_id, TicketEvent.kind)):
        counts.setdefault(ticket_id, {})[kind] = n
        found[ticket_id].events += n
    for ticket_id, by_kind in counts.items():
        found[ticket_id].counts = [(kind, by_kind[kind]) for kind in SUMMARY_KINDS if by_kind.get(kind)]
    latest = select(func.max(TicketEvent.id)).where(TicketEvent.ticket_id.in_(ids)).group_by(TicketEvent.ticket_id)
    for event in db.session.scalars(select(TicketEvent).where(TicketEvent.id.in_(latest))):
        found[event.ticket_id].last = event
    return found


def assignments(ticket_ids) -> dict[int, BacklogAssignment]:
    """The current take-up (the latest) of each ticket that has one."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return {}
    latest = (select(func.max(BacklogAssignment.id)).where(BacklogAssignment.ticket_id.in_(ids))
              .group_by(BacklogAssignment.ticket_id))
    return {a.ticket_id: a for a in db.session.scalars(select(BacklogAssignment).where(
        BacklogAssignment.id.in_(latest))).unique()}


def current_assignment(ticket_id) -> BacklogAssignment | None:
    return assignments([ticket_id]).get(ticket_id)


def take_up(actor, ticket_id, responsible_id, note: str) -> BacklogAssignment:
    """包案: a leader names themselves or another leader as responsible for a
    long-unsolved ticket, with a note."""
    ticket = tickets.get(actor, ticket_id)
    if not supervision.may_lead(actor, ticket):
        supervision._refuse(actor, ticket, "backlog_take_up",
                            _l("Only a leader of the ticket's units can take it up."), result=audit.DENIED,
                            error=Forbidden)
    if not is_backlog(ticket):
        supervision._refuse(actor, ticket, "backlog_take_up", _l("This ticket is not on the backlog register."))
    errors = {}
    leader = supervision._leader(ticket, responsible_id)
    if leader is None:
        errors["responsible_id"] = [_l("Choose the responsible leader.")]
    text = clean_text(note or "", MAX_NOTE)
    if not text:
        errors["note"] = [_l("Write a note: what the leader will do.")]
    elif len(text) > MAX_NOTE:
        errors["note"] = [_l("Keep this under %(n)d characters.", n=MAX_NOTE)]
    if errors:
        audit.record_failure(actor, "supervision.backlog_take_up", object_type="ticket", object_id=ticket.id,
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    assignment = BacklogAssignment(ticket_id=ticket.id, responsible_id=leader.id, note=text,
                                   assigned_by_id=actor.user_id, assigned_at=clock.now())
    db.session.add(assignment)
    db.session.flush()
    tickets._event(actor, ticket, "backlog_taken_up", ticket.status, ticket.status, text=text,
                   data={"responsible": leader.name}, internal=True)
    audit.record(actor, "supervision.backlog_take_up", assignment,
                 detail={"ticket": ticket.id, "responsible": leader.username})
    if leader.id != actor.user_id:
        notify_users([leader.id], "backlog_taken_up",
                     _l("You answer for the long-unsolved ticket %(number)s (包案).", number=ticket.number), ticket.id)
    db.session.commit()
    return assignment
