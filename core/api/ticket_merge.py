"""/api/v1/tickets/{id}/duplicates and /api/v1/tickets/{id}/merge: the possible
duplicates of a ticket and merging it into another of its enterprise, through
the same services as the pages (core.tickets.duplicates and merging).

Registered on ``core.api.views.bp`` by the import at the bottom of that module.
"""
from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from core.api import services
from core.api.openapi import BodyError, component, operation
from core.api.views import TICKET, _actor, _body, _json, bp, error
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.tickets import duplicates, merging
from core.tickets import services as tickets
from core.tickets.vocabulary import STATUSES

DUPLICATE = component("DuplicateTicket", {"type": "object", "required": ["id", "number", "status"], "properties": {
    "id": {"type": "integer"},
    "number": {"type": "string"},
    "status": {"type": "string", "enum": list(STATUSES)},
    "status_label": {"type": "string"},
    "open": {"type": "boolean", "description": "Still open: a ticket may be merged into it."},
    "category": {"type": "string"},
    "category_label": {"type": "string"},
    "registered_at": {"type": "string", "format": "date-time"},
    "closed_at": {"type": "string", "format": "date-time", "nullable": True},
    "description": {"type": "string", "description": "The first words of the description."},
    "enterprise": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}},
}})
DUPLICATES = component("Duplicates", {"type": "object", "required": ["enterprise", "place"], "properties": {
    "enterprise": {"type": "array", "items": DUPLICATE,
                   "description": "The enterprise's other tickets, open or closed within `recent_days`, newest "
                                  "first."},
    "place": {"type": "array", "items": DUPLICATE,
              "description": "Other enterprises' tickets of the same category in the same district, open (newest "
                             "first) then closed within `recent_days` (latest closed first)."},
    "category": {"type": "string"},
    "district": {"type": "string"},
    "recent_days": {"type": "integer"},
}})
MERGE = component("TicketMerge", {
    "type": "object",
    "description": "Name the ticket to merge into by `into` (its number) or `into_id` (if both, they must agree).",
    "properties": {
        "into": {"type": "string", "maxLength": 20, "description": "The survivor's number, e.g. 2026-000123."},
        "into_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "note": {"type": "string", "maxLength": merging.MAX_NOTE},
    },
})
MERGED = component("MergeResult", {"type": "object", "required": ["merged", "survivor"], "properties": {
    "merged": TICKET, "survivor": TICKET}})


def _duplicate(candidate: duplicates.Candidate, labels: dict) -> dict:
    return {"id": candidate.id, "number": candidate.number, "status": candidate.status,
            "status_label": candidate.status_label, "open": candidate.is_open, "category": candidate.category,
            "category_label": labels.get(candidate.category, candidate.category),
            "registered_at": services.when(candidate.registered_at), "closed_at": services.when(candidate.closed_at),
            "description": candidate.description,
            "enterprise": {"id": candidate.enterprise_id, "name": candidate.enterprise_name}}


@bp.get("/tickets/<int:ticket_id>/duplicates")
@operation("Possible duplicates of a ticket", tags=["tickets"], permission="ticket.read",
           description="The open and recently closed tickets that the ticket may repeat: its enterprise's, and "
                       "those of its category in the enterprise's district (10 of each at most), as the intake "
                       "page shows them.",
           responses={200: ("The possible duplicates.", DUPLICATES)})
def ticket_duplicates(ticket_id):
    actor = _actor()
    found = duplicates.for_ticket(actor, ticket_id)
    labels = tickets.categories(actor)
    return _json({"enterprise": [_duplicate(c, labels) for c in found.same_enterprise],
                  "place": [_duplicate(c, labels) for c in found.same_place],
                  "category": found.category, "district": found.district, "recent_days": duplicates.RECENT_DAYS})


def _survivor_number(actor, data) -> str:
    into, into_id = data.get("into"), data.get("into_id")
    if into is None and into_id is None:
        raise BodyError(_l("Name the ticket to merge into by its number (into) or its id (into_id)."), field="into")
    if into_id is None:
        return into
    try:
        survivor = tickets.get(actor, into_id)
    except NotFound:
        raise BodyError(_l("There is no such ticket in your units' area."), field="into_id") from None
    if into is not None and merging.parse_number(into) != (survivor.year, survivor.seq):
        raise BodyError(_l("The number and the id name different tickets."), field="into")
    return survivor.number


@bp.post("/tickets/<int:ticket_id>/merge")
@operation("Merge a ticket into another", tags=["tickets"], permission="ticket.dispatch",
           description="合并: the ticket (a second report of the same matter) closes as `merged` into another open "
                       "ticket of the same enterprise; its attachments and contact move there. One-way. Allowed "
                       "to the centre (desk, leaders) on a ticket registered, returned, dispatched or being "
                       "handled, into one registered, dispatched, being handled, answered, returned or "
                       "transferred. The merged ticket then counts nowhere in the statistics and cannot be rated.",
           body=MERGE,
           responses={200: ("Merged.", MERGED), 409: ("Someone else changed one of the tickets; read them again.",
                                                      None)})
def merge_ticket(ticket_id):
    actor = _actor()
    tickets.get(actor, ticket_id)                      # 404 before the body is looked at
    try:
        data = _body()
        number = _survivor_number(actor, data)
    except ValidationError as exc:
        audit.record_failure(actor, "ticket.merge", object_type="ticket", object_id=ticket_id,
                             detail={"fields": sorted(exc.errors), "api_token": g.api_token_id})
        raise
    try:
        survivor = merging.merge(actor, ticket_id, number, data.get("note", ""))
    except StaleDataError:
        db.session.rollback()
        return error(409)
    labels = tickets.categories(actor)
    return _json({"merged": services.ticket_detail(tickets.get(actor, ticket_id), labels),
                  "survivor": services.ticket_detail(survivor, labels)})
