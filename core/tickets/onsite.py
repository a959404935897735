"""现场办: a ticket handled on a visit.

The handling officer records the on-site result (what was done on site, the
result, the day and place of the visit), which answers the ticket: a 现场办
ticket takes no other answer. The enterprise then confirms the result, on the
portal (its demand's page), or the officer records that the enterprise's
representative signed the visit record (the signer's name, optionally a scan of
the signed record, checked like every attachment). Each step is on the timeline,
the enterprise sees them, and the desk sees on the ticket page whether the
result is confirmed before it closes the ticket. ``ticket.onsite_confirmed_at``
mirrors the latest visit's confirmation, so the statistics count the confirmed
results (``core.tickets.stats``). After rework (a dissatisfied rating) the
officer visits again and records a new result, which waits for its own
confirmation.
"""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.errors import ValidationError
from core.extensions import db
from core.notifications.services import notify_unit
from core.text import clean_text
from core.tickets import deadlines
from core.tickets.models import Ticket, TicketAttachment
from core.tickets.onsite_models import TicketVisit
from core.tickets.vocabulary import RESULTS

MODE = "on_site"
SCAN_KINDS = ("photo", "document")   # a photo or a PDF of the signed record
LIMITS = {"place": 200, "done": 5000, "signer_name": 100}


def latest_visit(ticket) -> TicketVisit | None:
    return db.session.scalar(select(TicketVisit).where(TicketVisit.ticket_id == ticket.id)
                             .order_by(TicketVisit.id.desc()).limit(1))


def awaiting_confirmation(ticket) -> TicketVisit | None:
    """The latest on-site result, while the enterprise has not confirmed it."""
    visit = latest_visit(ticket)
    return visit if visit is not None and visit.confirmed_at is None else None


def adjust_actions(ticket, found: set) -> set:
    """``services.available_actions``' view of the mode: a 现场办 ticket is answered
    by its on-site result, other tickets never; a confirmation only while one waits."""
    if ticket.handling_mode == MODE:
        found.discard("answer")
    else:
        found.discard("onsite")
    if found & {"onsite_signature", "onsite_confirm"} and awaiting_confirmation(ticket) is None:
        found -= {"onsite_signature", "onsite_confirm"}
    return found


def _visit_day(value, ticket, errors) -> date | None:
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value or "").strip())
        except ValueError:
            errors["visited_on"] = [_l("Give the day of the visit (YYYY-MM-DD).")]
            return None
    if day > deadlines.local_date(clock.now()):
        errors["visited_on"] = [_l("The visit cannot be in the future.")]
    elif day < deadlines.local_date(ticket.registered_at):
        errors["visited_on"] = [_l("The visit cannot be before the demand was registered.")]
    return day


def _text(data, name, errors, message=None) -> str:
    text = clean_text(data.get(name), LIMITS[name])
    if len(text) > LIMITS[name]:
        errors[name] = [_l("Keep this under %(n)d characters.", n=LIMITS[name])]
    elif not text and message is not None:
        errors[name] = [message]
    return text[:LIMITS[name]]


def _scan(prepared, signer_name, errors):
    prepared = list(prepared or ())
    if not prepared:
        return None
    if len(prepared) > 1:
        errors["signed_record"] = [_l("Attach one scan of the signed visit record.")]
    elif prepared[0].kind not in SCAN_KINDS:
        errors["signed_record"] = [_l("The signed visit record must be a photo or a PDF.")]
    elif not signer_name:
        errors.setdefault("signer_name", [_l("Name who signed the visit record.")])
    return prepared[0]


def _result(ticket, visited_on, place, done, result, signer_name, errors) -> tuple:
    """The on-site result's fields, cleaned; their problems go into ``errors``."""
    data = {"place": place, "done": done, "signer_name": signer_name}
    day = _visit_day(visited_on, ticket, errors)
    place = _text(data, "place", errors, _l("Say where the visit took place."))
    done = _text(data, "done", errors, _l("Describe what was done on site."))
    if result not in RESULTS:
        errors["result"] = [_l("Choose the result.")]
    return day, place, done, _text(data, "signer_name", errors)


def check_result(actor, ticket_id, visited_on, place: str, done: str, result: str, signer_name: str = "") -> dict:
    """Every problem of an on-site result's fields by field, without writing: for a
    form that shows them together with its scan's problems."""
    from core.tickets import services

    errors = {}
    _result(services.get(actor, ticket_id), visited_on, place, done, result, signer_name, errors)
    return errors


def check_signature(signer_name: str) -> dict:
    """The problem of a signature's name, without writing."""
    errors = {}
    _text({"signer_name": signer_name}, "signer_name", errors, _l("Name who signed the visit record."))
    return errors


def record_result(actor, ticket_id, visited_on, place: str, done: str, result: str, signer_name: str = "",
                  signed_record=()) -> Ticket:
    """The on-site result answers the ticket. With the name of the enterprise's
    representative who signed the visit record (and optionally its scan, checked
    by ``attachments.check_uploads``), it is confirmed at once."""
    from core.tickets import services

    ticket = services.get(actor, ticket_id)
    services._check(actor, ticket, "onsite")
    if ticket.handling_mode != MODE:
        services._refuse(actor, ticket, "onsite", _l("Only a 现场办 ticket is answered by an on-site result."))
    errors = {}
    day, place, done, signer_name = _result(ticket, visited_on, place, done, result, signer_name, errors)
    scan = _scan(signed_record, signer_name, errors)
    if errors:
        audit.record_failure(actor, "ticket.onsite", object_type="ticket", object_id=ticket.id,
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    now = clock.now()
    visit = TicketVisit(ticket_id=ticket.id, visited_on=day, place=place, done=done, result=result,
                        recorded_by_id=actor.user_id, recorded_at=now, confirmed_by="", signer_name="")
    db.session.add(visit)
    db.session.flush()   # the visit's id, for the timeline
    ticket.answer, ticket.result, ticket.answered_at = done, result, now
    ticket.onsite_confirmed_at = None
    services._move(actor, ticket, "onsite", "onsite_answered", "answered", text=done,
                   data={"result": result, "visited_on": day.isoformat(), "place": place})
    notify_unit(ticket.registering_unit_id, "answered",
                _l("Ticket %(number)s has been answered on site and awaits confirmation.", number=ticket.number),
                ticket.id, roles=("desk", "leader"))
    if signer_name:
        _signed(actor, ticket, visit, signer_name, scan)
    return services._commit(actor, ticket, "answered")


def _signed(actor, ticket, visit, signer_name, scan) -> None:
    """Record the signature on ``visit`` (and store its scan) in the caller's transaction."""
    from core.tickets import attachments, services

    now = clock.now()
    visit.confirmed_at, visit.confirmed_by, visit.signer_name = now, "signature", signer_name
    visit.signature_recorded_by_id = actor.user_id
    ticket.onsite_confirmed_at = now
    services._event(actor, ticket, "onsite_signed", ticket.status, ticket.status,
                    text=str(_l("Signed by %(name)s", name=signer_name)),
                    data={"visit": visit.id, "scan": scan is not None})
    audit.record(actor, "ticket.onsite_signature", ticket, detail={"scan": scan is not None})
    if scan is not None:
        with attachments.staged(actor, ticket, [scan]) as written:
            db.session.flush()
            stored = written[0].name
            visit.signed_record_id = db.session.scalar(
                select(TicketAttachment.id).where(TicketAttachment.stored_name == stored))
            db.session.commit()


def record_signature(actor, ticket_id, signer_name: str, signed_record=()) -> Ticket:
    """The enterprise's representative signed the visit record (recorded by the
    handling unit or the centre), with an optional scan of the signed record."""
    from core.tickets import services

    ticket = services.get(actor, ticket_id)
    services._check(actor, ticket, "onsite_signature")
    visit = awaiting_confirmation(ticket)
    if visit is None:
        services._refuse(actor, ticket, "onsite_signature", _l("No on-site result waits for confirmation."))
    errors = {}
    signer_name = _text({"signer_name": signer_name}, "signer_name", errors,
                        _l("Name who signed the visit record."))
    scan = _scan(signed_record, signer_name, errors)
    if errors:
        audit.record_failure(actor, "ticket.onsite_signature", object_type="ticket", object_id=ticket.id,
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    _signed(actor, ticket, visit, signer_name, scan)
    _tell_the_centre(ticket)
    return services._commit(actor, ticket, "onsite_confirmed")


def confirm(actor, ticket_id) -> Ticket:
    """The enterprise confirms the on-site result on the portal (once)."""
    from core.tickets import services

    ticket = services.get(actor, ticket_id)
    services._check(actor, ticket, "onsite_confirm")
    visit = awaiting_confirmation(ticket)
    if visit is None:
        services._refuse(actor, ticket, "onsite_confirm", _l("No on-site result waits for your confirmation."))
    now = clock.now()
    visit.confirmed_at, visit.confirmed_by = now, "portal"
    visit.portal_account_id = getattr(getattr(actor, "account", None), "id", None)
    ticket.onsite_confirmed_at = now
    services._event(actor, ticket, "onsite_confirmed", ticket.status, ticket.status,
                    text=str(_l("Confirmed by %(name)s", name=actor.display_name)), data={"visit": visit.id})
    audit.record(actor, "ticket.onsite_confirm", ticket, detail={"visit": visit.id})
    _tell_the_centre(ticket)
    return services._commit(actor, ticket, "onsite_confirmed")


def _tell_the_centre(ticket) -> None:
    text = _l("The enterprise confirmed the on-site result of ticket %(number)s.", number=ticket.number)
    notify_unit(ticket.registering_unit_id, "onsite_confirmed", text, ticket.id, roles=("desk", "leader"))
    if ticket.handling_unit_id not in (None, ticket.registering_unit_id):
        notify_unit(ticket.handling_unit_id, "onsite_confirmed", text, ticket.id)
