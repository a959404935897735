"""专家会诊: the handling unit of a complex ticket asks other units for their opinion.

The handler of a complex ticket it has signed for (status ``handling``) names
one or more other active units of its tree, a question and a deadline in
working days (1 to 10: the end of the n-th working day after the invitation,
``core.tickets.deadlines.opinion_deadline``). Each invited unit is notified,
finds the invitation on its home page and at /consultations/, and while the
consultation is open may read the ticket (``core.tickets.services.get`` asks
``is_invited``; the queues and lists do not show it) and write its opinion,
which goes on the ticket's timeline (for staff only). The consultation closes
when every invited unit has answered, or at its deadline, when the sweep
(``core.supervision.sweep``) closes it, marks the silent units as missed and
tells them and the handling unit. One consultation of a ticket is open at a time.
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import lazyload

from core import clock
from core.audit import services as audit
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.notifications.services import notify_unit
from core.org.models import Unit
from core.org.roles import BUSINESS_ROLES
from core.text import clean_text
from core.tickets import deadlines
from core.tickets import services as tickets
from core.tickets.consultation_models import ConsultationInvitation, TicketConsultation
from core.tickets.models import TicketEvent
from core.tickets.vocabulary import STATUSES

MAX_UNITS = 10
MAX_WORKING_DAYS = 10
MAX_QUESTION = 2000
MAX_OPINION = 5000
HANDLE_PERMISSION = "ticket.handle"
INVITATION_STATUSES = {"pending": _l("Waiting for the opinion"), "answered": _l("Opinion given"),
                       "missed": _l("No opinion by the deadline"), "withdrawn": _l("No longer asked")}
CLOSE_REASONS = {"answered": _l("Every unit gave its opinion"), "expired": _l("Closed at the deadline"),
                 "withdrawn": _l("Withdrawn: the ticket was merged")}


# --- reading ---------------------------------------------------------------------

def open_consultation(ticket_id) -> TicketConsultation | None:
    return db.session.scalar(select(TicketConsultation).where(TicketConsultation.ticket_id == ticket_id,
                                                              TicketConsultation.status == "open"))


def of_ticket(ticket_id) -> list[TicketConsultation]:
    """The ticket's consultations, the newest first."""
    return list(db.session.scalars(select(TicketConsultation).where(TicketConsultation.ticket_id == ticket_id)
                                   .order_by(TicketConsultation.id.desc())).unique())


def is_invited(actor, ticket_id) -> bool:
    """The actor's unit is asked for its opinion on the ticket in a consultation
    still open: what lets it read a ticket outside its area."""
    if actor.enterprise_id is not None or actor.unit_id is None or not actor.can("ticket.read"):
        return False
    return db.session.scalar(
        select(ConsultationInvitation.id).join(TicketConsultation,
                                               TicketConsultation.id == ConsultationInvitation.consultation_id)
        .where(ConsultationInvitation.unit_id == actor.unit_id, TicketConsultation.ticket_id == ticket_id,
               TicketConsultation.status == "open").limit(1)) is not None


def invitation_of(actor, consultation) -> ConsultationInvitation | None:
    return next((i for i in consultation.invitations if i.unit_id == actor.unit_id), None)


def may_invite(actor, ticket) -> bool:
    """The handling unit of a complex ticket it is handling, with no consultation open."""
    return (actor.enterprise_id is None and actor.can(HANDLE_PERMISSION) and ticket.handling_unit_id is not None
            and actor.unit_id == ticket.handling_unit_id and ticket.status == "handling"
            and ticket.ticket_class == "complex" and open_consultation(ticket.id) is None)


def may_answer(actor, consultation) -> bool:
    invitation = invitation_of(actor, consultation)
    return (consultation.status == "open" and invitation is not None and invitation.status == "pending"
            and actor.enterprise_id is None and actor.can(HANDLE_PERMISSION))


def candidate_units(ticket) -> list[Unit]:
    """The units that may be asked: the active units of the handling unit's tree
    (a station asks the brigades and the centre too), itself excepted."""
    if ticket.handling_unit_id is None:
        return []
    handling = db.session.get(Unit, ticket.handling_unit_id)
    root = handling.path.strip("/").split("/")[0]
    return list(db.session.scalars(select(Unit).where(Unit.active.is_(True), Unit.path.startswith(f"/{root}/"),
                                                      Unit.id != handling.id).order_by(Unit.path)))


def waiting_for(actor, limit: int = 50) -> list[ConsultationInvitation]:
    """The open invitations of the actor's unit that still wait for its opinion, the nearest deadline first."""
    if actor.unit_id is None or actor.enterprise_id is not None:
        return []
    return list(db.session.scalars(
        select(ConsultationInvitation).join(TicketConsultation,
                                            TicketConsultation.id == ConsultationInvitation.consultation_id)
        .where(ConsultationInvitation.unit_id == actor.unit_id, ConsultationInvitation.status == "pending",
               TicketConsultation.status == "open")
        .order_by(TicketConsultation.due_at, TicketConsultation.id).limit(limit)).unique())


def invitations(actor, limit: int = 100) -> list[ConsultationInvitation]:
    """Every invitation of the actor's unit, the open ones first, then the newest."""
    actor.require("ticket.read")
    if actor.unit_id is None:
        return []
    open_first = (TicketConsultation.status != "open")
    return list(db.session.scalars(
        select(ConsultationInvitation).join(TicketConsultation,
                                            TicketConsultation.id == ConsultationInvitation.consultation_id)
        .where(ConsultationInvitation.unit_id == actor.unit_id)
        .order_by(open_first, TicketConsultation.due_at.desc(), ConsultationInvitation.id.desc())
        .limit(limit)).unique())


def asked_by(actor, limit: int = 100) -> list[TicketConsultation]:
    """The consultations the actor's unit asked for, the open ones first, then the newest."""
    actor.require("ticket.read")
    if actor.unit_id is None:
        return []
    return list(db.session.scalars(
        select(TicketConsultation).where(TicketConsultation.unit_id == actor.unit_id)
        .order_by(TicketConsultation.status != "open", TicketConsultation.id.desc()).limit(limit)).unique())


def get(actor, consultation_id) -> TicketConsultation:
    """A consultation of a ticket the actor may read (in its area, or invited)."""
    consultation = db.session.get(TicketConsultation, consultation_id) if _id(consultation_id) else None
    if consultation is None:
        raise NotFound(_l("There is no such consultation of other units."))
    tickets.get(actor, consultation.ticket_id)
    return consultation


# --- changing ------------------------------------------------------------------------

def _id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value < 2**31 else None
    value = str(value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 2**31 else None


def _unit_ids(values) -> list[int] | None:
    if not isinstance(values, (list, tuple)):
        return None
    found = []
    for value in values:
        unit_id = _id(value)
        if unit_id is None:
            return None
        if unit_id not in found:
            found.append(unit_id)
    return found


def invite(actor, ticket_id, unit_ids, question: str, working_days) -> TicketConsultation:
    """会诊: ask other units for their opinion on a complex ticket the actor's unit handles."""
    ticket = tickets.get(actor, ticket_id)
    if not (actor.enterprise_id is None and actor.can(HANDLE_PERMISSION) and ticket.handling_unit_id is not None
            and actor.unit_id == ticket.handling_unit_id):
        tickets._refuse(actor, ticket, "consult", _l("Only the handling unit can ask other units for their opinion."),
                        result=audit.DENIED, error=Forbidden)
    if ticket.status != "handling":
        tickets._refuse(actor, ticket, "consult", _l("A ticket that is “%(status)s” cannot be put to a consultation; "
                                                     "sign for it first.", status=STATUSES[ticket.status]))
    if ticket.ticket_class != "complex":
        tickets._refuse(actor, ticket, "consult", _l("Only complex (疑难) tickets are put to a consultation of other "
                                                     "units."))
    if open_consultation(ticket.id) is not None:
        tickets._refuse(actor, ticket, "consult", _l("A consultation of this ticket is already open."))
    errors = {}
    chosen = _unit_ids(unit_ids)
    allowed = {u.id: u for u in candidate_units(ticket)}
    if not chosen:
        errors["unit_ids"] = [_l("Choose the units to ask.")]
    elif len(chosen) > MAX_UNITS:
        errors["unit_ids"] = [_l("Ask at most %(n)d units.", n=MAX_UNITS)]
    elif any(unit_id not in allowed for unit_id in chosen):
        errors["unit_ids"] = [_l("Choose other units of your tree.")]
    question = clean_text(question if isinstance(question, str) else "", MAX_QUESTION)
    if not question:
        errors["question"] = [_l("Write the question the units should answer.")]
    elif len(question) > MAX_QUESTION:
        errors["question"] = [_l("Keep this under %(n)d characters.", n=MAX_QUESTION)]
    days = _id(working_days)
    if days is None or days > MAX_WORKING_DAYS:
        errors["working_days"] = [_l("Give the units 1 to %(n)d working days.", n=MAX_WORKING_DAYS)]
    if errors:
        audit.record_failure(actor, "ticket.consult", object_type="ticket", object_id=ticket.id,
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    now = clock.now()
    due = deadlines.opinion_deadline(now, days)
    units = [allowed[unit_id] for unit_id in chosen]
    consultation = TicketConsultation(ticket_id=ticket.id, question=question, due_at=due.at, working_days=days,
                                      status="open", close_reason="", unit_id=actor.unit_id,
                                      opened_by_id=actor.user_id, opened_at=now)
    consultation.invitations = [ConsultationInvitation(unit_id=u.id, status="pending", opinion="",
                                                       answered_by_name="") for u in units]
    db.session.add(consultation)
    try:
        db.session.flush()
    except IntegrityError:   # another consultation opened at the same instant (the partial unique index)
        db.session.rollback()
        tickets._refuse(actor, ticket, "consult", _l("A consultation of this ticket is already open."))
    names = "、".join(u.name for u in units)
    tickets._event(actor, ticket, "consultation_opened", ticket.status, ticket.status, text=question,
                   data={"units": names, "due_at": due.at.isoformat(), "consultation": consultation.id},
                   internal=True)
    audit.record(actor, "ticket.consult", consultation,
                 detail={"ticket": ticket.id, "units": [u.code for u in units], "working_days": days})
    for unit in units:
        notify_unit(unit.id, "consultation", _l(
            "Ticket %(number)s: %(unit)s asks your unit's opinion (专家会诊) by %(due)s.", number=ticket.number,
            unit=actor.user.unit.name if actor.user else "", due=_local(due.at)), ticket.id,
            roles=tuple(BUSINESS_ROLES))
    db.session.commit()
    return consultation


def give_opinion(actor, consultation_id, opinion: str) -> TicketConsultation:
    """An invited unit's opinion; the last one closes the consultation."""
    consultation = get(actor, consultation_id)
    ticket = consultation.ticket
    invitation = invitation_of(actor, consultation)
    if invitation is None or actor.enterprise_id is not None or not actor.can(HANDLE_PERMISSION):
        tickets._refuse(actor, ticket, "consultation_opinion", _l("Your unit is not asked for an opinion here."),
                        result=audit.DENIED, error=Forbidden)
    if consultation.status != "open":
        tickets._refuse(actor, ticket, "consultation_opinion", _l("This consultation of other units is closed."))
    if invitation.status != "pending":
        tickets._refuse(actor, ticket, "consultation_opinion", _l("Your unit has already given its opinion."))
    text = tickets._text(opinion if isinstance(opinion, str) else "", "opinion", _l("Write your unit's opinion."),
                         MAX_OPINION)
    # Answers to one consultation wait for each other (PostgreSQL; SQLite holds its one write lock
    # already), so that the last one sees every other answer and closes it.
    db.session.execute(select(TicketConsultation.id).where(TicketConsultation.id == consultation.id)
                       .with_for_update())
    now = clock.now()
    answered = db.session.execute(
        update(ConsultationInvitation)
        .where(ConsultationInvitation.id == invitation.id, ConsultationInvitation.status == "pending")
        .values(status="answered", opinion=text, answered_by_id=actor.user_id,
                answered_by_name=actor.display_name[:100], answered_at=now)
        .execution_options(synchronize_session="fetch")).rowcount
    if answered != 1:
        tickets._refuse(actor, ticket, "consultation_opinion", _l("Your unit has already given its opinion."))
    tickets._event(actor, ticket, "consultation_opinion", ticket.status, ticket.status, text=text,
                   data={"consultation": consultation.id}, internal=True)
    audit.record(actor, "ticket.consultation_opinion", consultation, detail={"ticket": ticket.id})
    unit_name = actor.user.unit.name if actor.user else ""
    notify_unit(consultation.unit_id, "consultation_opinion",
                _l("Ticket %(number)s: %(unit)s has given its opinion.", number=ticket.number, unit=unit_name),
                ticket.id)
    pending = db.session.scalar(select(func.count(ConsultationInvitation.id)).where(
        ConsultationInvitation.consultation_id == consultation.id, ConsultationInvitation.status == "pending"))
    if not pending:
        _close(consultation, "answered", now, actor)
    db.session.commit()
    return consultation


def _close(consultation, reason: str, now: datetime, actor, username=None) -> list[ConsultationInvitation]:
    """Close the consultation; the invitations still waiting become missed.
    Returns those (the late units). Leaves the commit to the caller."""
    late = [i for i in consultation.invitations if i.status == "pending"]
    for invitation in late:
        invitation.status = "missed"
    consultation.status, consultation.close_reason, consultation.closed_at = "closed", reason, now
    ticket = consultation.ticket
    if late:
        text = _l("Closed at the deadline; no opinion from %(units)s.", units="、".join(i.unit.name for i in late))
    else:
        text = _l("Every invited unit has given its opinion.")
    db.session.add(TicketEvent(ticket_id=ticket.id, kind="consultation_closed", from_status=ticket.status,
                               to_status=ticket.status, actor_id=actor.user_id, actor_name=actor.display_name[:100],
                               unit_id=actor.unit_id, text=str(text), internal=True, at=now,
                               data={"consultation": consultation.id, "reason": reason,
                                     "missed": [i.unit.code for i in late]}))
    audit.record(actor, "ticket.consultation_close", consultation, username=username,
                 detail={"ticket": ticket.id, "reason": reason, "missed": [i.unit.code for i in late]})
    return late


def withdraw_for_merge(actor, ticket, survivor) -> int:
    """The open consultation of a ticket merged into ``survivor`` is closed: the
    units still asked are told they need not answer (their invitation is
    withdrawn, not missed). Returns the units told; the caller commits."""
    consultation = open_consultation(ticket.id)
    if consultation is None:
        return 0
    now = clock.now()
    waiting = [i for i in consultation.invitations if i.status == "pending"]
    for invitation in waiting:
        invitation.status = "withdrawn"
    consultation.status, consultation.close_reason, consultation.closed_at = "closed", "withdrawn", now
    db.session.add(TicketEvent(ticket_id=ticket.id, kind="consultation_closed", from_status=ticket.status,
                               to_status=ticket.status, actor_id=actor.user_id, actor_name=actor.display_name[:100],
                               unit_id=actor.unit_id, internal=True, at=now,
                               text=str(_l("Withdrawn: the ticket was merged into %(into)s.", into=survivor.number)),
                               data={"consultation": consultation.id, "reason": "withdrawn",
                                     "missed": []}))
    audit.record(actor, "ticket.consultation_close", consultation,
                 detail={"ticket": ticket.id, "reason": "withdrawn", "into": survivor.id})
    for invitation in waiting:
        notify_unit(invitation.unit_id, "consultation_closed", _l(
            "Ticket %(number)s was merged into %(into)s: your unit's opinion is no longer asked.",
            number=ticket.number, into=survivor.number), ticket.id, roles=tuple(BUSINESS_ROLES))
    return len(waiting)


def close_due(now: datetime, actor, username=None) -> tuple[int, int]:
    """The sweep's part: close the open consultations whose deadline has passed
    (or whose every unit has answered, should two last answers have crossed),
    tell the late units and the asking unit. Returns (closed, notifications);
    the caller commits. Consultations another transaction holds wait for the next run."""
    answered_out = (select(ConsultationInvitation.id).where(
        ConsultationInvitation.consultation_id == TicketConsultation.id, ConsultationInvitation.status == "pending"))
    due = list(db.session.scalars(select(TicketConsultation.id).where(
        TicketConsultation.status == "open", (TicketConsultation.due_at < now) | ~answered_out.exists())))
    if not due:
        return 0, 0
    locked = (select(TicketConsultation).where(TicketConsultation.id.in_(due), TicketConsultation.status == "open")
              .options(lazyload(TicketConsultation.ticket), lazyload(TicketConsultation.unit))
              .order_by(TicketConsultation.id).with_for_update(of=TicketConsultation, skip_locked=True)
              .execution_options(populate_existing=True))
    closed = notified = 0
    for consultation in db.session.scalars(locked).all():
        expired = consultation.due_at < now and any(i.status == "pending" for i in consultation.invitations)
        late = _close(consultation, "expired" if expired else "answered", now, actor, username)
        ticket = consultation.ticket
        closed += 1
        for invitation in late:
            notified += notify_unit(invitation.unit_id, "consultation_missed", _l(
                "Ticket %(number)s: your unit's opinion was due by %(due)s and was not given; the consultation "
                "is closed.", number=ticket.number, due=_local(consultation.due_at)), ticket.id,
                roles=tuple(BUSINESS_ROLES))
        if late:
            notified += notify_unit(consultation.unit_id, "consultation_closed", _l(
                "Ticket %(number)s: the consultation closed at its deadline; %(n)d units gave no opinion.",
                number=ticket.number, n=len(late)), ticket.id)
    return closed, notified


def _local(at: datetime) -> str:
    return at.replace(tzinfo=deadlines.UTC).astimezone(deadlines.LOCAL).strftime("%Y-%m-%d %H:%M")
