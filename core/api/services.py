"""The API's side of the pages' services: idempotency keys, the enterprise named
by credit code, and the JSON shapes of tickets and enterprises.

Scoping is the tickets' and the registry's own (``queues.page``,
``tickets.get``, ``registry.search``, ``registry.get``), so a token sees what its
user sees in the pages.
"""
import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import paging
from core.errors import ValidationError
from core.extensions import db
from core.privacy import masking
from core.registry import credit_code as uscc
from core.registry import services as registry
from core.tickets import queues
from core.tickets import services as tickets
from core.tickets.models import Ticket
from core.tickets.vocabulary import CHANNELS, CLASSES, MODES, RATINGS, RESULTS, STATUSES

LOCAL = ZoneInfo("Asia/Shanghai")
UTC = ZoneInfo("UTC")


# --- tickets ----------------------------------------------------------------------

def search_tickets(actor, queue: str, f: queues.TicketFilter, sort: str, cursor: str | None = None,
                   limit: int = 20) -> paging.Page:
    """A page of one of the pages' queues ("all" by default), with the pages' filters."""
    return queues.page(actor, queue, f, sort=sort, cursor=cursor, limit=limit)


def _safe_cursor(cursor: str | None) -> str | None:
    """A cursor whose text values a database can compare (no NUL, no lone surrogate)."""
    if not cursor:
        return None
    values, _backwards = paging.decode(cursor)
    for value in values:
        if isinstance(value, str) and any(ord(ch) == 0 or 0xD800 <= ord(ch) <= 0xDFFF for ch in value):
            raise ValidationError(_l("The page link is broken; start again from the first page."), field="cursor")
    return cursor


def search_enterprises(actor, q: str = "", cursor: str | None = None, limit: int = 20) -> paging.Page:
    return registry.search(actor, registry.EnterpriseFilter(q=q), sort="name", cursor=_safe_cursor(cursor),
                           limit=limit)


def idempotency_key(actor, key: str) -> str:
    """The ticket's ``submission_key`` for a caller's idempotency key: namespaced by
    the user, so two systems' keys never meet, and hashed to fit the column."""
    return "api:" + hashlib.sha256(f"{actor.user_id}:{key}".encode("utf-8", "surrogatepass")).hexdigest()[:60]


def existing_submission(actor, submission_key: str) -> Ticket | None:
    ticket = db.session.scalar(select(Ticket).where(Ticket.submission_key == submission_key))
    return tickets.get(actor, ticket.id) if ticket is not None else None


def enterprise_id_for(actor, enterprise_id: int | None, credit_code: str | None) -> int | None:
    """The enterprise named by id or by credit code (both must agree); errors by field."""
    if credit_code is None:
        return enterprise_id
    try:
        code = uscc.validate(credit_code)
    except ValidationError as exc:
        raise ValidationError(exc.message, field="credit_code") from None
    found = registry.find_by_credit_code(code)
    if found is None or not actor.scope.allows(found.unit_id):
        raise ValidationError(_l("No enterprise with this credit code is registered in your units' area."),
                              field="credit_code")
    if enterprise_id is not None and enterprise_id != found.id:
        raise ValidationError(_l("The enterprise id and the credit code name different enterprises."),
                              field="enterprise_id")
    return found.id


# --- JSON shapes ----------------------------------------------------------------------

def when(value: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 in China time."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(LOCAL).isoformat()


def _unit(unit) -> dict | None:
    return None if unit is None else {"id": unit.id, "code": unit.code, "name": unit.name}


def _label(vocabulary: dict, code: str) -> str | None:
    return str(vocabulary[code]) if code in vocabulary else (code or None)


def ticket_summary(ticket: Ticket, category_labels: dict) -> dict:
    enterprise = ticket.enterprise
    return {
        "id": ticket.id,
        "number": ticket.number,
        "status": ticket.status,
        "status_label": _label(STATUSES, ticket.status),
        "channel": ticket.channel,
        "category": ticket.category,
        "category_label": category_labels.get(ticket.category) or tickets.category_label(ticket.category),
        "ticket_class": ticket.ticket_class,
        "handling_mode": ticket.handling_mode,
        "enterprise": {"id": enterprise.id, "name": enterprise.name, "credit_code": enterprise.credit_code},
        "registering_unit": _unit(ticket.registering_unit),
        "handling_unit": _unit(ticket.handling_unit),
        "registered_at": when(ticket.registered_at),
        "due_at": when(ticket.due_at),
        "overdue": bool(ticket.overdue),
        "paused": ticket.paused_at is not None,
    }


def ticket_detail(ticket: Ticket, category_labels: dict, reveal: bool = False) -> dict:
    """``reveal``: the contact's phone unmasked (the caller has audited it)."""
    data = ticket_summary(ticket, category_labels)
    data.update({
        "channel_label": _label(CHANNELS, ticket.channel),
        "referral_number": ticket.referral_number or None,
        "ticket_class_label": _label(CLASSES, ticket.ticket_class),
        "handling_mode_label": _label(MODES, ticket.handling_mode),
        "description": ticket.description,
        "contact_name": ticket.contact_name,
        "contact_phone": ticket.contact_phone if reveal else masking.mask("phone", ticket.contact_phone),
        "external_department": ticket.external_department or None,
        "dispatched_at": when(ticket.dispatched_at),
        "signed_at": when(ticket.signed_at),
        "answered_at": when(ticket.answered_at),
        "closed_at": when(ticket.closed_at),
        "rated_at": when(ticket.rated_at),
        "deadlines": {
            "due_at": when(ticket.due_at),
            "sign_due_at": when(ticket.sign_due_at),
            "progress_due_at": when(ticket.progress_due_at),
            "supervision_due_at": when(ticket.supervision_due_at),
            "set_at_dispatch": ticket.deadline_set_on.isoformat() if ticket.deadline_set_on else None,
            "provisional": bool(ticket.deadline_provisional),
            "overdue": bool(ticket.overdue),
            "extension_days": ticket.extension_days,
            **_clock(ticket),
        },
        "answer": ticket.answer or None,
        "result": ticket.result or None,
        "result_label": _label(RESULTS, ticket.result) if ticket.result else None,
        "rating": ticket.rating or None,
        "rating_label": _label(RATINGS, ticket.rating) if ticket.rating else None,
        "timeline": [{
            "at": when(event.at),
            "kind": event.kind,
            "from_status": event.from_status or None,
            "to_status": event.to_status or None,
            "unit": _unit(event.unit),
            "text": event.text,
        } for event in ticket.events if not event.internal],
        "follower": None if ticket.follower is None else {
            "id": ticket.follower.id, "name": ticket.follower.name, "unit": _unit(ticket.follower.unit)},
        "external_department_id": ticket.external_department_id,
        "onsite_confirmed_at": when(ticket.onsite_confirmed_at),
        "merged_into": _merged_into(ticket),
    })
    return data


def _clock(ticket: Ticket) -> dict:
    """The paused clock (core/tickets/pausing.py) and the late sign-fors."""
    from core.tickets import pausing

    return {
        "paused": ticket.paused_at is not None,
        "paused_since": when(ticket.paused_at),
        "pause_reason": pausing.reason_of(ticket),
        "pause_until": when(ticket.pause_until),
        "paused_seconds": pausing.paused_so_far(ticket),
        "late_sign_fors": ticket.late_sign_fors or 0,
    }


def _merged_into(ticket: Ticket) -> dict | None:
    from core.tickets import merging

    survivor = merging.survivor_of(ticket)
    return {"id": survivor.id, "number": survivor.number} if survivor is not None else None


def enterprise_summary(enterprise) -> dict:
    return {
        "id": enterprise.id,
        "name": enterprise.name,
        "credit_code": enterprise.credit_code,
        "district": enterprise.district,
        "industry": enterprise.industry,
        "unit": _unit(enterprise.unit),
    }


def enterprise_detail(enterprise, reveal: bool = False) -> dict:
    """``reveal``: the contacts' phones unmasked (the caller has audited it)."""
    data = enterprise_summary(enterprise)
    data.update({
        "legal_representative": enterprise.legal_representative,
        "address": enterprise.address,
        "above_scale": bool(enterprise.above_scale),
        "is_key": bool(enterprise.is_key),
        "tags": enterprise.tags,
        "contacts": [{"name": c.name, "title": c.title,
                      "phone": c.phone if reveal else masking.mask("phone", c.phone)} for c in enterprise.contacts],
        "updated_at": when(enterprise.updated_at),
    })
    return data
