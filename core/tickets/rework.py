"""重办: sending a ticket back for rework, and what every rework does to its deadlines.

The centre may send an answer back to the handling unit before closing
(退回重办, ``rework``): from "answered" the ticket goes back to "being handled"
by the same unit and officer, with the centre's reason on the timeline, and the
unit is notified. A dissatisfied rating reopens a ticket the same way
(``services.rate``).

Either way (``restart``): the final deadline counts afresh from the moment of
rework by the ticket's class, as if registered then (a deadline set at dispatch
no longer applies), and a supervision deadline that has already passed is
cleared; the leader who set it is told, so that they can set a new one.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.errors import ValidationError
from core.extensions import db
from core.notifications.services import notify_unit, notify_users
from core.tickets import services, sweep
from core.tickets.models import TicketEvent

MAX_REASON = 1000


def rework(actor, ticket_id, reason: str):
    """退回重办: the centre sends the answer back to the handling unit, with a reason."""
    ticket = services.get(actor, ticket_id)
    services._check(actor, ticket, "rework")
    reason = services._text(reason, "reason", _l("Say what the unit must do again."), MAX_REASON)
    if ticket.handling_unit_id is None:
        services._refuse(actor, ticket, "rework", _l("An outside department's reply cannot be sent back for "
                                                     "rework: record a new reply instead."),
                         error=ValidationError)
    now = clock.now()
    ticket.answered_at = None
    services._move(actor, ticket, "rework", "rework", "handling", text=reason,
                   data={"unit": ticket.handling_unit_id})
    restart(actor, ticket, ticket.events[-1], now)
    notify_unit(ticket.handling_unit_id, "rework",
                _l("Ticket %(number)s was sent back by the centre for rework: %(reason)s", number=ticket.number,
                   reason=reason[:100]), ticket.id)
    return services._commit(actor, ticket, "reworked")


def restart(actor, ticket, event: TicketEvent, now) -> None:
    """After a rework's timeline entry ``event``: a fresh final deadline by class
    from now, a supervision deadline already passed cleared (noted in the
    entry's data, its leader told), and the overdue mark and warning taken back
    if no deadline has passed any more."""
    ticket.reworked_at = now
    cleared = ticket.supervision_due_at
    if cleared is not None and cleared <= now:
        ticket.supervision_due_at = None
        event.data = {**(event.data or {}), "supervision_cleared": cleared.isoformat()}
        audit.record(actor, "ticket.supervision_cleared", ticket, detail={"due_at": cleared.isoformat()})
        supervisor = db.session.scalar(
            select(TicketEvent.actor_id).where(TicketEvent.ticket_id == ticket.id, TicketEvent.kind == "supervised")
            .order_by(TicketEvent.id.desc()).limit(1))
        if supervisor is not None:
            notify_users([supervisor], "supervision_cleared",
                         _l("Ticket %(number)s is back for rework; its supervision deadline had passed and was "
                            "cleared: set a new one if it still needs one.", number=ticket.number), ticket.id)
    services._set_deadlines(ticket)
    sweep.clear_if_on_time([ticket], now)
