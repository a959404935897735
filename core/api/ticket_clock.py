"""/api/v1/tickets/{id}/pause and /resume: the paused clock (core/tickets/pausing.py)
for other systems, e.g. an appointment system telling anqi that the enterprise
chose a later day. The same services as the ticket page, so the same rules:
only the clock's holder, only in its statuses, never while overdue."""
from core.api.openapi import component, operation
from core.api.views import TICKET, _actor, _body, _json, bp
from core.api import services
from core.tickets import pausing
from core.tickets import services as tickets

PAUSE = component("TicketPause", {
    "type": "object",
    "required": ["reason", "until", "note"],
    "properties": {
        "reason": {"type": "string", "enum": list(pausing.DIRECT_REASONS),
                   "description": "`appointment`: the enterprise chose a later appointment. (To wait for "
                                  "information, ask the enterprise for it on the ticket page: asking pauses "
                                  "the clock by itself.)"},
        "until": {"type": "string", "format": "date",
                  "description": f"The appointment day (China): the clock runs again by itself at its end; "
                                 f"today or at most {pausing.MAX_PAUSE_DAYS} days ahead."},
        "note": {"type": "string", "maxLength": 1000, "description": "What the enterprise chose."},
    },
})
RESUME = component("TicketResume", {
    "type": "object",
    "properties": {
        "note": {"type": "string", "maxLength": 5000,
                 "description": "What the enterprise answered or did; required when the clock waits for "
                                "information (it is recorded as the enterprise's answer)."},
    },
})


def _ticket(actor, ticket_id):
    ticket = tickets.get(actor, ticket_id)
    return _json(services.ticket_detail(ticket, tickets.categories(actor)))


@bp.post("/tickets/<int:ticket_id>/pause")
@operation("Pause a ticket's clock", tags=["tickets"], permission="ticket.handle",
           description="暂停计时: the enterprise chose a later appointment, so the ticket's deadlines stand still "
                       "until the end of `until` or until the clock is started again; they then move on by the "
                       "time paused (an instant ticket by the time itself, a general ticket by the working days "
                       "the pause covered). Only the clock's holder may pause it — the centre before dispatch, "
                       "the handling unit once it has signed for the ticket — and never while the ticket is "
                       "overdue (422, with the reason). Audited.",
           body=PAUSE, responses={200: ("Paused.", TICKET)})
def pause_ticket(ticket_id):
    actor, data = _actor(), _body()
    pausing.pause(actor, ticket_id, data.get("reason", ""), data.get("note", ""), data.get("until"))
    return _ticket(actor, ticket_id)


@bp.post("/tickets/<int:ticket_id>/resume")
@operation("Start a ticket's clock again", tags=["tickets"], permission="ticket.handle",
           description="The enterprise has answered or come: the clock runs again and the deadlines move on by "
                       "the time paused. The clock's holder or a leader over the handling unit. Audited.",
           body=RESUME, responses={200: ("The clock runs again.", TICKET)})
def resume_ticket(ticket_id):
    actor, data = _actor(), _body()
    pausing.resume(actor, ticket_id, data.get("note", ""))
    return _ticket(actor, ticket_id)
