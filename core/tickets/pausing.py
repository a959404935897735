"""The paused clock (暂停计时): while a ticket waits for the enterprise, its
deadlines stand still.

A pause begins when the ticket waits for the enterprise:

- information asked for (``services.request_info``, 补充材料) pauses the clock by
  itself; the enterprise's answer on the portal (``services.supply_info``) or
  the answer the desk records (``resume``) starts it again;
- an appointment the enterprise chose (企业预约): ``pause(actor, ticket_id,
  "appointment", note, until)`` — from the ticket page, the JSON API or a
  plugin's service — holds the clock until the appointment day ends (the
  sweep starts it again then) or until someone resumes it.

A pause cannot hide a late ticket: it is taken only while the clock's holder
has the ticket — the centre before dispatch (registered, returned), the
handling unit once it has signed for it (handling) — and never while a
deadline has passed; it ends whenever the ticket changes hands (dispatched,
answered, returned, escalated …: ``services._move``); every pause is audited,
in the timeline with its length when it ends, and counted in the statistics.

How a pause moves each deadline is written in ``core.tickets.deadlines``;
``services._set_deadlines`` counts it from the timeline's ``paused`` and
``resumed`` entries. The ticket keeps what the sweep, the queues and the
running counts read without the timeline: ``paused_at`` and ``pause_until``
of the running pause, ``paused_seconds`` of the ended ones.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from core import clock
from core.audit import services as audit
from core.errors import ValidationError
from core.notifications.services import notify_unit
from core.text import clean_text
from core.tickets import deadlines, services, sweep
from core.tickets.models import Ticket

REASONS = {
    "info": _l("Waiting for information from the enterprise (补充材料)"),
    "appointment": _l("Waiting for the appointment the enterprise chose (企业预约)"),
}
# The reasons a person (or a plugin) pauses for; information is asked for with
# ``services.request_info``, which pauses by itself and keeps the question on the timeline.
DIRECT_REASONS = ("appointment",)
MAX_PAUSE_DAYS = 30   # an appointment at most 30 days ahead: a longer wait is a matter for an extension


def pausable_statuses() -> tuple[str, ...]:
    return services.RULES["pause"].statuses


def refusal(ticket: Ticket, now: datetime) -> str | None:
    """Why the ticket's clock cannot be paused now, or None when it can."""
    if ticket.status not in pausable_statuses():
        return _l("The clock can be paused only while the centre holds the ticket before dispatching it, or "
                  "once the handling unit has signed for it.")
    if ticket.paused_at is not None:
        return _l("The clock of this ticket is already paused.")
    if ticket.overdue or sweep.missed(ticket, now):
        return _l("This ticket is overdue: its clock cannot be paused. Answer it, or ask a leader for an "
                  "extension.")
    return None


def reason_of(ticket: Ticket) -> str | None:
    """The running pause's reason code, from its timeline entry."""
    if ticket.paused_at is None:
        return None
    for event in reversed(ticket.events):
        if event.kind == "paused":
            return (event.data or {}).get("reason")
    return None


def reason_label(code: str | None) -> str:
    return str(REASONS.get(code, code or ""))


def paused_so_far(ticket: Ticket, now: datetime | None = None) -> int:
    """Seconds the ticket's clock has stood still, the running pause included."""
    running = 0
    if ticket.paused_at is not None:
        running = max(0, int(((now or clock.now()) - ticket.paused_at).total_seconds()))
    return (ticket.paused_seconds or 0) + running


def length_text(seconds: int) -> str:
    """A pause's length for people: "2 days 3 hours", "3 hours 20 minutes"."""
    seconds = max(0, int(seconds or 0))
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        return _("%(days)d days %(hours)d hours", days=days, hours=hours)
    return _("%(hours)d hours %(minutes)d minutes", hours=hours, minutes=minutes)


@dataclass(frozen=True)
class ClockSummary:
    """What the ticket page shows of the clock."""

    paused: bool
    since: datetime | None          # the running pause began
    until: datetime | None          # … and ends by itself then
    reason: str                     # the running pause's reason, in words
    total_seconds: int              # every pause so far, the running one included
    late_sign_fors: int


def summary(ticket: Ticket, now: datetime | None = None) -> ClockSummary | None:
    """The clock's state for the ticket page; None when it never stopped and no sign-for was late."""
    total = paused_so_far(ticket, now)
    if not total and ticket.paused_at is None and not ticket.late_sign_fors:
        return None
    return ClockSummary(ticket.paused_at is not None, ticket.paused_at, ticket.pause_until,
                        reason_label(reason_of(ticket)), total, ticket.late_sign_fors or 0)


# --- beginning and ending --------------------------------------------------------------

def _begin(actor, ticket: Ticket, reason: str, text: str = "", until: datetime | None = None) -> None:
    now = clock.now()
    ticket.paused_at, ticket.pause_until = now, until
    services._event(actor, ticket, "paused", ticket.status, ticket.status, text=text,
                    data={"reason": reason, "until": until.isoformat() if until else None})
    audit.record(actor, "ticket.pause", ticket, detail={"reason": reason,
                                                        "until": until.isoformat() if until else None})


def end(actor, ticket: Ticket, at: datetime | None = None, text: str = "", username: str | None = None) -> None:
    """End the running pause (at ``at``, by default now; never after the day it
    was to end), with its length on the timeline, and count the deadlines again.
    The caller commits."""
    if ticket.paused_at is None:
        return
    at = at or clock.now()
    if ticket.pause_until is not None:
        at = min(at, ticket.pause_until)
    at = max(at, ticket.paused_at)
    span = deadlines.paused_span(ticket.paused_at, at)
    reason = reason_of(ticket)
    since = ticket.paused_at
    ticket.paused_seconds = (ticket.paused_seconds or 0) + span.seconds
    ticket.paused_at = ticket.pause_until = None
    event = services._event(actor, ticket, "resumed", ticket.status, ticket.status, text=text,
                            data={"reason": reason, "since": since.isoformat(), "seconds": span.seconds,
                                  "working_days": span.working_days})
    event.at = at
    audit.record(actor, "ticket.resume", ticket, detail={"reason": reason, "seconds": span.seconds},
                 username=username)
    services._set_deadlines(ticket)   # the pause now moves the deadlines
    sweep.clear_if_on_time([ticket], clock.now())


def pause_for_information(actor, ticket: Ticket) -> bool:
    """Called when information is asked for: pause the clock when it may be
    paused (see ``refusal``); whether it was."""
    if refusal(ticket, clock.now()) is not None:
        return False
    _begin(actor, ticket, "info")
    return True


def information_supplied(actor, ticket: Ticket) -> None:
    """The enterprise has answered: a pause for its information ends."""
    if reason_of(ticket) == "info":
        end(actor, ticket)


# --- the services a person or a plugin calls ------------------------------------------------

def _until(value, reason: str) -> datetime | None:
    """The end of the appointment day (China), as stored."""
    if value is None or value == "":
        if reason == "appointment":
            raise ValidationError(_l("Give the day of the appointment."), field="until")
        return None
    if isinstance(value, datetime):
        value = deadlines.local_date(value)
    if not isinstance(value, date):
        try:
            value = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationError(_l("Write the day as YYYY-MM-DD."), field="until") from None
    today = deadlines.local_date(clock.now())
    if value < today:
        raise ValidationError(_l("The appointment day cannot be in the past."), field="until")
    if value > today + timedelta(days=MAX_PAUSE_DAYS):
        raise ValidationError(_l("The clock can be paused for at most %(n)d days; for a longer wait ask a leader "
                                 "for an extension.", n=MAX_PAUSE_DAYS), field="until")
    return deadlines.end_of_local_day(value)


def pause(actor, ticket_id, reason_code: str, note: str, until=None) -> Ticket:
    """暂停计时: the enterprise chose to come later (an appointment): the ticket's
    deadlines stand still until the end of ``until`` (a day) or until resumed.
    Refused (and audited) outside the clock holder's statuses and while overdue."""
    ticket = services.get(actor, ticket_id)
    services._check(actor, ticket, "pause")
    message = refusal(ticket, clock.now())
    if message is not None:
        services._refuse(actor, ticket, "pause", message)
    errors = {}
    if reason_code not in DIRECT_REASONS:
        errors["reason"] = [_l("Choose why the clock is paused.") if reason_code not in REASONS else
                            _l("To wait for information, ask the enterprise for it: asking pauses the clock.")]
    try:
        until_at = _until(until, reason_code)
    except ValidationError as exc:
        errors.update(exc.errors)
    try:
        note = services._text(note, "note", _l("Say what the enterprise chose, e.g. the appointment."), 1000)
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        audit.record_failure(actor, "ticket.pause", object_type="ticket", object_id=ticket.id,
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    _begin(actor, ticket, reason_code, note, until_at)
    return services._commit(actor, ticket, "paused")


def resume(actor, ticket_id, note: str = "") -> Ticket:
    """The enterprise has answered or come: the clock runs again. For a pause
    waiting for information, ``note`` is what the enterprise said (the desk
    records an answer given by phone), and the request counts as answered."""
    ticket = services.get(actor, ticket_id)
    services._check(actor, ticket, "resume")
    if ticket.paused_at is None:
        services._refuse(actor, ticket, "resume", _l("The clock of this ticket is running: it is not paused."))
    reason = reason_of(ticket)
    if reason == "info":
        note = services._text(note, "note", _l("Write what the enterprise answered."), services.MAX_TEXT)
        services._event(actor, ticket, "info_supplied", ticket.status, ticket.status, text=note,
                        data={"recorded_by_staff": True})
        text = ""
    else:
        text = clean_text(note, 1000)[:1000]
    end(actor, ticket, text=text)
    return services._commit(actor, ticket, "resumed")


def end_expired(actor, now: datetime, username: str | None = None) -> int:
    """The sweep's part: pauses whose day has ended start the clock again (at
    the end of that day) and the unit holding the ticket is told. Returns how
    many. The caller commits."""
    from sqlalchemy import select
    from sqlalchemy.orm import lazyload

    from core.extensions import db

    stmt = (select(Ticket).where(Ticket.paused_at.is_not(None), Ticket.pause_until <= now)
            .options(lazyload("*")).order_by(Ticket.id)
            .with_for_update(of=Ticket, skip_locked=True).execution_options(populate_existing=True))
    ended = 0
    for ticket in db.session.scalars(stmt):
        end(actor, ticket, at=ticket.pause_until, username=username)
        notify_unit(ticket.handling_unit_id or ticket.registering_unit_id, "resumed",
                    _l("Ticket %(number)s: the appointment day has passed and its clock runs again.",
                       number=ticket.number), ticket.id)
        ended += 1
    return ended
