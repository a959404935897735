"""The enterprise's side of the demand loop: what it submits and what it sees.

Submitting registers a ticket through ``core.tickets.services.register`` with
channel ``online``: the same loop, numbers and deadlines as a desk ticket. The
enterprise sees every ticket of its enterprise (whoever registered it) and, of
each timeline, only the entries meant for it (``PUBLIC_KINDS``, never an
``internal`` one); who acted is shown as the unit, not the officer.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.notifications.services import notify_unit
from core.org.roles import DESK
from core.extensions import db
from core.tickets import services as tickets
from core.tickets.models import Ticket
from core.tickets.vocabulary import OPEN_STATUSES

# Timeline entries the enterprise sees (when not internal). Dispatch notes,
# returns, escalations, supervision and extensions are the police's business.
PUBLIC_KINDS = frozenset({"registered", "dispatched", "signed", "answered", "transfer_replied", "closed", "rated",
                          "reopened", "complaint", "info_requested", "info_supplied", "attached", "progress",
                          "onsite_answered", "onsite_signed", "onsite_confirmed", "merged", "merged_in"})
# … and of these, the text is shown; the others show only what happened.
TEXT_KINDS = frozenset({"answered", "transfer_replied", "rated", "reopened", "complaint", "info_requested",
                        "info_supplied", "progress", "onsite_answered", "onsite_signed", "merged_in"})
MAX_DESCRIPTION = tickets.MAX_TEXT


def _intake(actor, category: str, description: str, attachments=(), submission_key=None) -> tickets.Intake:
    account = actor.account
    return tickets.Intake(
        enterprise_id=actor.enterprise_id, channel="online", category=category, ticket_class="general",
        handling_mode="follow", description=description, contact_name=account.name, contact_phone=account.phone,
        submission_key=submission_key, attachments=list(attachments))


def check(actor, category: str, description: str) -> dict:
    """Every problem of a demand by field, without writing anything."""
    return tickets.check_intake(actor, _intake(actor, category, description))


def submit(actor, category: str, description: str, attachments=(), submission_key: str | None = None) -> Ticket:
    """A demand from the portal: a general ticket of the enterprise, to be
    dispatched by the centre (转盯办) like one taken by phone."""
    if submission_key:
        sent = db.session.scalar(select(Ticket).where(Ticket.submission_key == submission_key))
        if sent is not None:                      # the same form sent twice: the first ticket
            return tickets.get(actor, sent.id)
    ticket = tickets.register(actor, _intake(actor, category, description, attachments, submission_key))
    if ticket.registered_by_id is None:
        notify_unit(ticket.registering_unit_id, "online",
                    _l("A new online demand %(number)s is waiting to be dispatched.", number=ticket.number),
                    ticket.id, roles=(DESK,))
        db.session.commit()
    return ticket


def of_enterprise(actor, limit: int = 100) -> list[Ticket]:
    actor.require("ticket.read")
    return list(db.session.scalars(select(Ticket).where(tickets.visible(actor)).order_by(Ticket.id.desc())
                                   .limit(limit)).unique())


def timeline(ticket) -> list:
    """The entries of ``ticket`` the enterprise sees, oldest first."""
    return [e for e in ticket.events if not e.internal and e.kind in PUBLIC_KINDS]


def waiting_for_enterprise(actor, limit: int = 50) -> list[Ticket]:
    """The enterprise's tickets that wait for it: closed and not yet rated, with a
    request for more information not yet answered, or (现场办) with an on-site
    result to confirm."""
    from core.tickets import onsite

    return [t for t in of_enterprise(actor, limit=limit)
            if t.status == "closed" or (t.status in OPEN_STATUSES and tickets.awaiting_information(t) is not None)
            or (t.handling_mode == onsite.MODE and t.status in ("answered", "rated")
                and onsite.awaiting_confirmation(t) is not None)]
