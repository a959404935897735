"""/api/v1: the register of outside departments (转交办), a transfer to one of them,
and a ticket's follower (转盯办). The operations register on ``core.api.views.bp``
(imported at the bottom of core/api/views.py) and call the pages' services."""
from flask_babel import lazy_gettext as _l

from core.api import services
from core.api.openapi import BodyError, Param, component, operation
from core.api.views import TICKET, _actor, _body, _json, _query, bp
from core.departments import services as departments
from core.tickets import follow
from core.tickets import services as tickets

DEPARTMENT = component("OutsideDepartment", {"type": "object", "required": ["id", "name", "active"], "properties": {
    "id": {"type": "integer"},
    "name": {"type": "string"},
    "contact_person": {"type": "string"},
    "office_phone": {"type": "string"},
    "address": {"type": "string"},
    "note": {"type": "string"},
    "active": {"type": "boolean", "description": "Only active departments can be chosen for a transfer."},
}})
DEPARTMENT_LIST = component("OutsideDepartmentList", {"type": "object", "required": ["items"], "properties": {
    "items": {"type": "array", "items": DEPARTMENT}}})
TRANSFER = component("TicketTransfer", {
    "type": "object",
    "description": "转交办: the department of the register the matter goes to.",
    "required": ["department_id"],
    "properties": {
        "department_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
        "note": {"type": "string", "maxLength": 1000},
    },
})
FOLLOWER = component("TicketFollower", {
    "type": "object",
    "description": "转盯办: the follower (盯办人), an officer or leader of the units' tree. `null` removes the "
                   "follower (not from a 转盯办 ticket, which keeps one).",
    "required": ["follower_id"],
    "properties": {
        "follower_id": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1, "nullable": True},
        "note": {"type": "string", "maxLength": 1000},
    },
})


def _department(d) -> dict:
    return {"id": d.id, "name": d.name, "contact_person": d.contact_person, "office_phone": d.office_phone,
            "address": d.address, "note": d.note, "active": bool(d.active)}


@bp.get("/departments")
@operation("List the outside departments", tags=["departments"], permission="department.read",
           description="转交办: the register of outside departments of the token user's tree of units, active "
                       "ones first, by name; with `active=true` only those a ticket may be transferred to.",
           params=[Param("active", {"type": "string", "enum": ["true", "false"], "default": "false"},
                         "`true`: only the active departments.")],
           responses={200: ("The departments.", DEPARTMENT_LIST)})
def list_departments():
    actor, args = _actor(), _query()
    found = departments.choices(actor) if args["active"] == "true" else departments.listing(actor)
    return _json({"items": [_department(d) for d in found]})


@bp.post("/tickets/<int:ticket_id>/transfer")
@operation("Transfer a ticket to an outside department", tags=["tickets"], permission="ticket.dispatch",
           description="转交办: a registered or returned ticket goes to a department of the register; the "
                       "ticket keeps the department's id and its name as it is now.",
           body=TRANSFER, responses={200: ("Transferred.", TICKET)})
def transfer_ticket(ticket_id):
    actor, data = _actor(), _body()
    if data.get("department_id") is None:
        raise BodyError(_l("Choose the department the matter is transferred to."), field="department_id")
    ticket = tickets.transfer(actor, ticket_id, note=data.get("note", ""), department_id=data["department_id"])
    return _json(services.ticket_detail(ticket, tickets.categories(actor)))


@bp.post("/tickets/<int:ticket_id>/follower")
@operation("Name a ticket's follower", tags=["tickets"], permission="ticket.dispatch",
           description="转盯办: the centre names or changes the follower, who is told and sees the ticket in the "
                       "queue `following`.",
           body=FOLLOWER, responses={200: ("The follower is saved.", TICKET)})
def set_follower(ticket_id):
    actor, data = _actor(), _body()
    ticket = follow.change(actor, ticket_id, data.get("follower_id"), data.get("note", ""))
    return _json(services.ticket_detail(ticket, tickets.categories(actor)))
