"""/api/v1: dispatching a ticket (with a deadline set at dispatch, 限期办) and
sending an answer back for rework (退回重办), for other systems.

The routes register on ``core.api.views.bp`` and call the same services as the
pages (``core.tickets.services.dispatch``, ``core.tickets.rework.rework``);
the immediate and escalate-at-intake fields are on ``POST /tickets``.
"""
from core.api.views import TICKET, _actor, _body, _ticket_response, bp
from core.api.openapi import component, operation
from core.errors import ValidationError
from core.tickets import rework
from core.tickets import services as tickets

ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}

DISPATCH = component("TicketDispatch", {
    "type": "object",
    "required": ["unit_id"],
    "properties": {
        "unit_id": {**ID, "description": "The unit that must handle the ticket, within the token user's area."},
        "officer_id": {**ID, "description": "An officer of that unit (optional; the unit decides otherwise)."},
        "deadline": {"type": "string", "format": "date",
                     "description": "限期办: a deadline of the dispatcher's own, the end of this working day "
                                    "(China time). Not before the next working day, not after the class's own "
                                    "deadline (for a complex ticket: at most 60 working days after the dispatch). "
                                    "Required when the ticket's `handling_mode` is `deadline`, unless its class's "
                                    "deadline leaves no day to set."},
        "note": {"type": "string", "maxLength": 1000},
    },
})
REWORK = component("TicketRework", {
    "type": "object",
    "required": ["reason"],
    "properties": {"reason": {"type": "string", "maxLength": 1000,
                              "description": "What the handling unit must do again."}},
})
# The services' field names, as the bodies name them.
DISPATCH_FIELDS = {"due_on": "deadline"}


@bp.post("/tickets/<int:ticket_id>/dispatch")
@operation("Dispatch a ticket", tags=["tickets"], permission="ticket.dispatch",
           description="转办: send a registered (or returned) ticket to the unit that must handle it, optionally "
                       "to one of its officers and by a deadline of the dispatcher's own (限期办). A ticket "
                       "escalated at intake (提级办) is dispatched by the leaders of the unit it went up to. "
                       "All problems are named at once, by field.",
           body=DISPATCH,
           responses={200: ("Dispatched.", TICKET)})
def dispatch_ticket(ticket_id):
    actor, data = _actor(), _body()
    try:
        ticket = tickets.dispatch(actor, ticket_id, data.get("unit_id"), data.get("officer_id"),
                                  data.get("note", ""), due_on=data.get("deadline"))
    except ValidationError as exc:
        if exc.errors:
            errors = {DISPATCH_FIELDS.get(name, name): messages for name, messages in exc.errors.items()}
            raise ValidationError(exc.message, errors=errors) from None
        raise
    return _ticket_response(actor, ticket, 200)


@bp.post("/tickets/<int:ticket_id>/rework")
@operation("Send an answer back for rework", tags=["tickets"], permission="ticket.dispatch",
           description="退回重办: the centre sends an answered ticket back to its handling unit, with a reason, "
                       "before closing it. The ticket is being handled again, its final deadline counts afresh "
                       "from now by its class, and a supervision deadline already passed is cleared.",
           body=REWORK,
           responses={200: ("Sent back.", TICKET)})
def rework_ticket(ticket_id):
    actor, data = _actor(), _body()
    ticket = rework.rework(actor, ticket_id, data.get("reason", ""))
    return _ticket_response(actor, ticket, 200)
