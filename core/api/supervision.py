"""/api/v1 for the registers and the consultation: read-only lists of the 挂牌督办
and 积案 registers, the consultations asked of the token user's unit, and the
consultation's two actions (ask other units, give an opinion). Registered on
``core.api.views.bp`` (imported at the bottom of core/api/views.py); the same
services as the pages, with the token user as the actor."""
from core.api import services
from core.api import views as api
from core.api.openapi import Param, component
from core.supervision import backlog
from core.supervision import services as supervision
from core.tickets import consultations
from core.tickets import services as tickets

bp = api.bp
TIME, UNIT, NULLABLE_UNIT = api.TIME, api.UNIT, api.NULLABLE_UNIT
PERSON = component("Person", {"type": "object", "required": ["id", "name"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}, "unit": UNIT}})

REGISTER_ENTRY = component("SupervisionEntry", {"type": "object", "properties": {
    "id": {"type": "integer"},
    "ticket": api.TICKET_SUMMARY,
    "due_on": {"type": "string", "format": "date", "description": "The register's deadline: the end of this day "
                                                                  "in China."},
    "due_at": TIME,
    "responsible_leader": PERSON,
    "note": {"type": "string", "description": "The supervision instruction (督办要求)."},
    "listed_at": TIME,
    "progress_due_at": {**TIME, "description": "7 days after the listing or the last progress note."},
    "lacks_progress": {"type": "boolean", "description": "No progress note for 7 days."},
    "last_progress": {"type": "object", "nullable": True, "properties": {
        "at": TIME, "text": {"type": "string"}, "author": {"type": "string"}, "unit": NULLABLE_UNIT}},
    "closed_at": api._nullable(TIME),
    "close_reason": {"type": "string", "nullable": True,
                     "description": "`ticket_closed`: 闭环销号 when the ticket was closed; `leader`: taken off by a "
                                    "leader with a note."},
}})
BACKLOG_ITEM = component("BacklogTicket", {"type": "object", "properties": {
    "ticket": api.TICKET_SUMMARY,
    "reasons": {"type": "array", "items": {"type": "string", "enum": ["age", "reopened"]},
                "description": "`age`: open beyond the configured working days since registration; `reopened`: "
                               "reopened for rework twice or more."},
    "rework_count": {"type": "integer"},
    "history": {"type": "object", "properties": {
        "counts": {"type": "object", "additionalProperties": {"type": "integer"},
                   "description": "How often the ticket was dispatched, returned, reopened … (timeline kinds)."},
        "events": {"type": "integer"},
        "last": {"type": "object", "nullable": True, "properties": {"kind": {"type": "string"}, "at": TIME}}}},
    "taken_up": {"type": "object", "nullable": True, "description": "包案: the leader who answers for it.",
                 "properties": {"responsible_leader": PERSON, "note": {"type": "string"}, "at": TIME}},
}})
INVITATION = {"type": "object", "properties": {
    "unit": UNIT,
    "status": {"type": "string", "enum": list(consultations.INVITATION_STATUSES)},
    "opinion": {"type": "string", "nullable": True},
    "answered_at": api._nullable(TIME),
}}
CONSULTATION = component("Consultation", {"type": "object", "properties": {
    "id": {"type": "integer"},
    "ticket": {"type": "object", "properties": {"id": {"type": "integer"}, "number": {"type": "string"}}},
    "asked_by": UNIT,
    "question": {"type": "string"},
    "due_at": TIME,
    "working_days": {"type": "integer"},
    "status": {"type": "string", "enum": ["open", "closed"]},
    "close_reason": {"type": "string", "nullable": True,
                     "description": "`answered`: every unit gave its opinion; `expired`: closed at the deadline."},
    "invitations": {"type": "array", "items": INVITATION},
}})
CONSULTATION_CREATE = component("ConsultationCreate", {
    "type": "object",
    "description": "专家会诊: the handling unit of a complex ticket it has signed for asks other units of its tree "
                   "for their opinion.",
    "required": ["unit_ids", "question", "working_days"],
    "properties": {
        "unit_ids": {"type": "array", "minItems": 1, "maxItems": consultations.MAX_UNITS,
                     "items": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}},
        "question": {"type": "string", "maxLength": consultations.MAX_QUESTION},
        "working_days": {"type": "integer", "minimum": 1, "maximum": consultations.MAX_WORKING_DAYS,
                         "description": "The opinions are due by the end of this working day after today."},
    },
})
OPINION_CREATE = component("OpinionCreate", {"type": "object", "required": ["opinion"], "properties": {
    "opinion": {"type": "string", "maxLength": consultations.MAX_OPINION}}})


def _person(user) -> dict:
    return {"id": user.id, "name": user.name, "unit": services._unit(user.unit)}


def _entry(row, labels) -> dict:
    entry, last = row.entry, row.last_progress
    return {
        "id": entry.id,
        "ticket": services.ticket_summary(entry.ticket, labels),
        "due_on": services.when(entry.due_at)[:10],
        "due_at": services.when(entry.due_at),
        "responsible_leader": _person(entry.responsible),
        "note": entry.note,
        "listed_at": services.when(entry.listed_at),
        "progress_due_at": services.when(entry.progress_due_at),
        "lacks_progress": row.lacking,
        "last_progress": None if last is None else {"at": services.when(last.at), "text": last.text,
                                                    "author": last.author_name, "unit": services._unit(last.unit)},
        "closed_at": services.when(entry.closed_at),
        "close_reason": entry.close_reason or None,
    }


def _consultation(consultation, with_opinions: bool = True) -> dict:
    return {
        "id": consultation.id,
        "ticket": {"id": consultation.ticket_id, "number": consultation.ticket.number},
        "asked_by": services._unit(consultation.unit),
        "question": consultation.question,
        "due_at": services.when(consultation.due_at),
        "working_days": consultation.working_days,
        "status": consultation.status,
        "close_reason": consultation.close_reason or None,
        "invitations": [{"unit": services._unit(i.unit), "status": i.status,
                         "opinion": (i.opinion or None) if with_opinions else None,
                         "answered_at": services.when(i.answered_at)} for i in consultation.invitations],
    }


@bp.get("/supervision/register")
@api.operation("List the supervision register (挂牌督办)", tags=["registers"], permission="ticket.read",
               description="The tickets of the token user's units' area on the 挂牌督办 register, in the order "
                           "they were listed, with their deadline, responsible leader and last weekly progress.",
               params=[Param("state", {"type": "string", "enum": list(supervision.STATES), "default": "open"},
                             "`open` (on the register now), `closed` (taken off) or `all`."),
                       api.CURSOR, api.LIMIT],
               responses={200: ("A page of register entries.", api._page_schema("SupervisionEntryPage",
                                                                                REGISTER_ENTRY))})
def register_entries():
    actor, args = api._actor(), api._query()
    page = supervision.entries_page(actor, args["state"], services._safe_cursor(args.get("cursor")), args["limit"])
    labels = tickets.categories(actor)
    return api._json(api._page(page, [_entry(row, labels) for row in page.items]))


@bp.get("/supervision/backlog")
@api.operation("List the backlog register (积案)", tags=["registers"], permission="ticket.read",
               description="Open tickets of the token user's units' area registered more than the configured "
                           "working days ago (30 unless set) or reopened twice, the oldest first, with a summary "
                           "of their history and the leader who took each up (包案).",
               params=[api.CURSOR, api.LIMIT],
               responses={200: ("A page of long-unsolved tickets.", api._page_schema("BacklogPage", BACKLOG_ITEM))})
def backlog_tickets():
    actor, args = api._actor(), api._query()
    limit = backlog.threshold()
    page = backlog.page(actor, services._safe_cursor(args.get("cursor")), args["limit"])
    ids = [t.id for t in page.items]
    summaries, taken = backlog.summaries(ids), backlog.assignments(ids)
    labels = tickets.categories(actor)
    items = []
    for ticket in page.items:
        summary, assignment = summaries[ticket.id], taken.get(ticket.id)
        items.append({
            "ticket": services.ticket_summary(ticket, labels),
            "reasons": backlog.reasons(ticket, limit),
            "rework_count": ticket.rework_count,
            "history": {"counts": dict(summary.counts), "events": summary.events,
                        "last": None if summary.last is None else {"kind": summary.last.kind,
                                                                   "at": services.when(summary.last.at)}},
            "taken_up": None if assignment is None else {
                "responsible_leader": _person(assignment.responsible), "note": assignment.note,
                "at": services.when(assignment.assigned_at)},
        })
    return api._json(api._page(page, items))


@bp.get("/consultations")
@api.operation("List the consultations asked of the unit (专家会诊)", tags=["consultations"],
               permission="ticket.read",
               description="The consultations in which the token user's unit is asked for its opinion, the open "
                           "ones first. Other units' opinions are shown while the consultation is open.",
               params=[Param("limit", {"type": "integer", "minimum": 1, "maximum": api.MAX_PAGE, "default": 20},
                             "How many.")],
               responses={200: ("The consultations.", {"type": "object", "properties": {
                   "items": {"type": "array", "items": CONSULTATION}}})})
def list_consultations():
    actor, args = api._actor(), api._query()
    found = consultations.invitations(actor, limit=args["limit"])
    return api._json({"items": [_consultation(i.consultation, with_opinions=i.consultation.status == "open")
                                for i in found]})


@bp.post("/tickets/<int:ticket_id>/consultations")
@api.operation("Ask other units for their opinion (专家会诊)", tags=["consultations"], permission="ticket.handle",
               description="The handling unit of a complex ticket it has signed for asks other units of its tree "
                           "for their opinion by a deadline in working days. One consultation of a ticket is open "
                           "at a time.",
               body=CONSULTATION_CREATE, responses={201: ("The consultation.", CONSULTATION)})
def create_consultation(ticket_id):
    actor, data = api._actor(), api._body()
    consultation = consultations.invite(actor, ticket_id, data.get("unit_ids"), data.get("question", ""),
                                        data.get("working_days"))
    return api._json(_consultation(consultation), 201)


@bp.post("/consultations/<int:consultation_id>/opinions")
@api.operation("Give the unit's opinion", tags=["consultations"], permission="ticket.handle",
               description="An invited unit's opinion, recorded on the ticket's timeline; the last one closes the "
                           "consultation.",
               body=OPINION_CREATE, responses={200: ("The consultation.", CONSULTATION)})
def give_opinion(consultation_id):
    actor, data = api._actor(), api._body()
    consultation = consultations.give_opinion(actor, consultation_id, data.get("opinion", ""))
    return api._json(_consultation(consultation))
