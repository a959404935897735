"""/api/v1/tickets/bulk: dispatch (by the routing suggestions or to one unit) or
close several tickets in one call, through core.tickets.bulk as the list page
does: each ticket on its own, with its own audit entry; the refused ones come
back with their reasons. Registered on ``core.api.views.bp`` by the import at
the bottom of that module."""
from flask_babel import lazy_gettext as _l

from core.api.openapi import BodyError, component, operation
from core.api.views import _actor, _body, _json, bp
from core.tickets import bulk

BULK = component("TicketBulkAction", {
    "type": "object", "required": ["action", "ticket_ids"],
    "description": "`dispatch`: each ticket to its suggested unit and officer (属地属事), or all to `unit_id` "
                   "when given (the unit then chooses the officer); `close`: 办结 the answered tickets.",
    "properties": {
        "action": {"type": "string", "enum": ["dispatch", "close"]},
        "ticket_ids": {"type": "array", "items": {"type": "integer"}, "maxItems": bulk.MAX_TICKETS},
        "unit_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "note": {"type": "string", "maxLength": 1000, "description": "For `close`: the closing note."},
    },
})
BULK_RESULT = component("TicketBulkResult", {"type": "object", "required": ["action", "done", "refused", "message"],
                                             "properties": {
    "action": {"type": "string", "enum": list(bulk.ACTIONS)},
    "done": {"type": "array", "items": {"type": "object", "properties": {
        "ticket_id": {"type": "integer"}, "number": {"type": "string"}}}},
    "refused": {"type": "array", "items": {"type": "object", "properties": {
        "ticket_id": {"type": "integer"}, "number": {"type": "string"},
        "reason": {"type": "string", "description": "Why, in the caller's language."}}}},
    "message": {"type": "string", "description": "The summary, as the list page shows it."},
}})


def _ids(data) -> list[int]:
    raw = data.get("ticket_ids")
    if not isinstance(raw, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in raw):
        raise BodyError(_l("Send ticket_ids as a list of ticket ids."), field="ticket_ids")
    return raw


@bp.post("/tickets/bulk")
@operation("Dispatch or close several tickets", tags=["tickets"], permission="ticket.dispatch",
           description="Each ticket is dispatched or closed on its own, with the same checks as the single "
                       "action (status, the caller's units); a refused ticket does not undo the others. At most "
                       f"{bulk.MAX_TICKETS} tickets a call.",
           body=BULK, responses={200: ("What was done and what was refused, by ticket.", BULK_RESULT)})
def bulk_tickets():
    actor = _actor()
    data = _body()
    action = data.get("action")
    if action not in ("dispatch", "close"):
        raise BodyError(_l("Use one of: %(values)s.", values="dispatch, close"), field="action")
    ids = _ids(data)
    if action == "dispatch":
        outcome = bulk.dispatch(actor, ids, data.get("unit_id"))
    else:
        outcome = bulk.close(actor, ids, data.get("note") or "")
    return _json({"action": outcome.action,
                  "done": [{"ticket_id": r.ticket_id, "number": r.number} for r in outcome.done],
                  "refused": [{"ticket_id": r.ticket_id, "number": r.number, "reason": r.message}
                              for r in outcome.refused],
                  "message": outcome.summary()})
