"""Handling modes (办理方式) as workflow: what a mode does at intake and at dispatch.

- 立即办 (``immediate``): the desk answers at intake. The ticket is registered,
  handled by the registering unit and officer, answered and closed in the same
  transaction (timeline: registered → answered → closed), on time; it then
  waits for the enterprise's rating like any closed ticket.
- 提级办 (``escalate``) at intake, with a reason: the ticket goes to the parent
  unit of the registering unit and stays "registered" there until a leader of
  that unit (or of a unit above it) dispatches it; its leaders are notified and
  find it in their queue "Escalated to us". The escalation is on the timeline
  and in the audit trail with its reason. (Escalating later, from the handling
  unit, is ``services.escalate``.)
- 限期办 (``deadline``): the dispatcher sets the final deadline as a day, within
  the limits of ``core.tickets.deadlines.set_deadline_window``; the ticket then
  counts against it. Any dispatch may set one; a 限期办 ticket must.
- 转盯办 (``follow``), 转交办 (``transfer``), 现场办 (``on_site``) and 挂牌办
  (``listed``) go through the ordinary loop here.

Each mode is a breakdown of the statistics (``core.tickets.stats``).
"""
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from core.extensions import db
from core.notifications.services import notify_unit
from core.org.models import Unit
from core.text import clean_text
from core.tickets import deadlines, services
from core.tickets.vocabulary import RESULTS

IMMEDIATE, ESCALATE, SET_DEADLINE = "immediate", "escalate", "deadline"
# Modes the enterprise cannot choose for itself on the portal: they are the centre's decisions.
STAFF_ONLY = (IMMEDIATE, ESCALATE)
MAX_REASON = 1000


@dataclass(frozen=True)
class AtIntake:
    """A mode's own fields, checked: what ``apply_at_intake`` acts on."""

    mode: str
    answer: str = ""
    result: str = ""
    reason: str = ""
    parent: Unit | None = None


def check_intake(actor, intake, enterprise, errors: dict) -> AtIntake:
    """Check the fields the chosen mode needs, adding problems to ``errors`` (the
    intake form's, so that all are shown at once)."""
    mode = intake.handling_mode
    if actor.enterprise_id is not None and mode in STAFF_ONLY:
        errors.setdefault("handling_mode", [_l("Choose how it will be handled.")])
        return AtIntake(mode)
    if mode == IMMEDIATE:
        answer = clean_text(intake.answer, services.MAX_TEXT)
        if not answer:
            errors["answer"] = [_l("Write the answer the desk gave (立即办).")]
        elif len(answer) > services.MAX_TEXT:
            errors["answer"] = [_l("Keep this under %(n)d characters.", n=services.MAX_TEXT)]
        if intake.result not in RESULTS:
            errors["result"] = [_l("Choose the result of the answer.")]
        return AtIntake(mode, answer=answer, result=intake.result)
    if mode == ESCALATE:
        reason = clean_text(intake.escalation_reason, MAX_REASON)
        if not reason:
            errors["escalation_reason"] = [_l("Say why the demand is escalated (提级办).")]
        elif len(reason) > MAX_REASON:
            errors["escalation_reason"] = [_l("Keep this under %(n)d characters.", n=MAX_REASON)]
        unit_id = actor.unit_id or (enterprise.unit_id if enterprise is not None else None)
        unit = db.session.get(Unit, unit_id) if unit_id else None
        parent = unit.parent if unit is not None else None
        if unit is not None and (parent is None or not parent.active):
            errors.setdefault("handling_mode", [_l("This unit has no parent unit to escalate to.")])
        return AtIntake(mode, reason=reason, parent=parent)
    if mode == SET_DEADLINE and intake.ticket_class == "instant":
        errors.setdefault("handling_mode", [_l("An instant ticket keeps its 12-hour deadline: a deadline set "
                                               "at dispatch (限期办) cannot be shorter. Choose another mode.")])
    return AtIntake(mode)


def apply_at_intake(actor, ticket, at_intake: AtIntake) -> list[str]:
    """What the mode does to a ticket just registered (not yet committed);
    returns the ticket events to announce after the commit."""
    if at_intake.mode == IMMEDIATE:
        return _answer_at_intake(actor, ticket, at_intake)
    if at_intake.mode == ESCALATE:
        return _escalate_at_intake(actor, ticket, at_intake)
    return []


def _answer_at_intake(actor, ticket, at_intake: AtIntake) -> list[str]:
    now = ticket.registered_at
    ticket.handling_unit_id, ticket.handling_officer_id = ticket.registering_unit_id, actor.user_id
    ticket.answer, ticket.result, ticket.answered_at = at_intake.answer, at_intake.result, now
    services._move(actor, ticket, "answer", "answered", "answered", text=at_intake.answer,
                   data={"result": at_intake.result, "immediate": True})
    ticket.closed_at = now
    ticket.closed_on_time = ticket.due_at is None or now <= ticket.due_at
    services._move(actor, ticket, "close", "closed", "closed", data={"immediate": True})
    return ["answered", "closed"]


def _escalate_at_intake(actor, ticket, at_intake: AtIntake) -> list[str]:
    parent = at_intake.parent
    ticket.handling_unit_id = parent.id
    services._move(actor, ticket, "escalate", "escalated", "registered", text=at_intake.reason,
                   data={"from_unit": ticket.registering_unit_id, "to_unit": parent.id, "at_intake": True})
    notify_unit(parent.id, "escalated",
                _l("Ticket %(number)s was escalated to your unit at intake, for your dispatch: %(reason)s",
                   number=ticket.number, reason=at_intake.reason[:100]), ticket.id, roles=("leader",))
    return ["escalated"]


def escalated_to(ticket) -> Unit | None:
    """The unit a ticket escalated at intake waits in for its leaders' dispatch;
    None once dispatched (or for any other ticket)."""
    if ticket.handling_mode == ESCALATE and ticket.status == "registered" and ticket.handling_unit_id:
        return ticket.handling_unit
    return None


def escalation(ticket):
    """The timeline entry of the escalation at intake, if there was one."""
    for event in ticket.events:
        if event.kind == "escalated" and (event.data or {}).get("at_intake"):
            return event
    return None


# --- 限期办: the deadline set at dispatch ------------------------------------------------------

def as_day(value) -> date | None:
    """A day from a form or the API: a date, an ISO date text, or nothing;
    ValueError for anything else."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        raise ValueError(value)
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if not text:
        return None
    if len(text) != 10:
        raise ValueError(value)
    return date.fromisoformat(text)


def window(ticket, now: datetime) -> deadlines.SetDeadlineWindow:
    """The days a deadline set at a dispatch now may fall on."""
    class_deadline = services._set_deadlines(ticket)  # recounted from the timeline: no change of its own
    return deadlines.set_deadline_window(ticket.ticket_class, now, class_deadline)


def check_set_deadline(ticket, value, now: datetime, errors: dict) -> date | None:
    """The deadline asked for at dispatch, checked against its limits (problems
    go to ``errors["due_on"]``); required for a 限期办 ticket."""
    try:
        day = as_day(value)
    except ValueError:
        errors["due_on"] = [_l("Write the deadline as a date (YYYY-MM-DD).")]
        return None
    if day is None:
        # A 限期办 ticket needs its day, unless the class's deadline has left no day to set
        # (dispatched again after it passed): then the class's deadline stands.
        if ticket.handling_mode == SET_DEADLINE and not window(ticket, now).empty:
            errors["due_on"] = [_l("A ticket to be handled by a set deadline (限期办) needs its deadline.")]
        return None
    limits = window(ticket, now)
    if limits.empty:
        errors["due_on"] = [_l("The class's own deadline leaves no room for a deadline set now; "
                               "dispatch it without one.")]
    elif not limits.allows(day):
        errors["due_on"] = [_l("Choose a working day from %(earliest)s to %(latest)s.",
                               earliest=limits.earliest.isoformat(), latest=limits.latest.isoformat())]
    return day if "due_on" not in errors else None
