"""/api/v1: routing by place and matter (属地属事) — a ticket's dispatch
suggestion and the routing rules behind it. Registered on ``core.api.views.bp``
(imported at the bottom of core/api/views.py); the same services as the pages."""
from core.api.openapi import component, operation
from core.api.views import NULLABLE_UNIT, UNIT, _actor, _json, _nullable, _query, bp
from core.routing import services as routing
from core.tickets import services as tickets

OFFICER = component("Officer", {"type": "object", "required": ["id", "name"], "properties": {
    "id": {"type": "integer"}, "name": {"type": "string"}}})
ROUTING_RULE_PROPERTIES = {
    "id": {"type": "integer"},
    "category": {"type": "string", "description": "The ticket category's code."},
    "category_label": {"type": "string"},
    "district": _nullable({"type": "string", "description": "Only for enterprises of this district; null: any."}),
    "industry": _nullable({"type": "string", "description": "Only for enterprises of this industry; null: any."}),
    "matched_by": {"type": "string", "enum": ["category", "category_industry", "category_district",
                                              "category_district_industry"],
                   "description": "How narrow the rule is: the narrowest matching rule wins."},
    "unit": UNIT,
    "officer": _nullable(OFFICER),
}
ROUTING_RULE = component("RoutingRule", {"type": "object", "required": list(ROUTING_RULE_PROPERTIES),
                                         "properties": ROUTING_RULE_PROPERTIES})
ROUTING_RULES = component("RoutingRuleList", {"type": "object", "required": ["items"], "properties": {
    "items": {"type": "array", "items": ROUTING_RULE}}})
SUGGESTION = component("DispatchSuggestion", {"type": "object", "required": [
    "ticket_id", "dispatchable", "source", "source_label", "reason", "unit", "officer", "rule"], "properties": {
    "ticket_id": {"type": "integer"},
    "dispatchable": {"type": "boolean", "description": "Whether the ticket waits to be dispatched now."},
    "source": {"type": "string", "enum": list(routing.SOURCES),
               "description": "`enterprise`: the enterprise's own unit and liaison officer (属地); `rule`: a "
                              "routing rule of the category (属事); `transfer`: a transfer to an outside "
                              "department, no unit; `none`: nothing to suggest."},
    "source_label": {"type": "string"},
    "reason": {"type": "string", "description": "Why, in words, in the caller's language."},
    "unit": NULLABLE_UNIT,
    "officer": _nullable(OFFICER),
    "rule": _nullable(ROUTING_RULE),
}})
MATCHED_BY = {3: "category_district_industry", 2: "category_district", 1: "category_industry", 0: "category"}


def _unit(unit):
    return {"id": unit.id, "code": unit.code, "name": unit.name} if unit is not None else None


def _officer(user):
    return {"id": user.id, "name": user.name} if user is not None else None


def rule_json(rule, labels) -> dict:
    return {"id": rule.id, "category": rule.category, "category_label": routing.category_name(rule.category, labels),
            "district": rule.district or None, "industry": rule.industry or None,
            "matched_by": MATCHED_BY[rule.specificity], "unit": _unit(rule.unit), "officer": _officer(rule.officer)}


@bp.get("/tickets/<int:ticket_id>/suggestion")
@operation("Where a ticket should be dispatched", tags=["routing"], permission="ticket.dispatch",
           description="The unit and officer anqi suggests for dispatching the ticket (属地属事) and why: the "
                       "enterprise's own unit and liaison officer, unless a routing rule of the ticket's "
                       "category (narrowed by the enterprise's district or industry) sends it elsewhere. Only "
                       "units the token's user may dispatch to are suggested.",
           responses={200: ("The suggestion.", SUGGESTION)})
def ticket_suggestion(ticket_id):
    actor = _actor()
    _query()
    ticket = tickets.get(actor, ticket_id)
    labels = tickets.categories(actor)
    found = routing.suggest_many(actor, [ticket], labels)[ticket.id]
    return _json({"ticket_id": ticket.id, "dispatchable": routing.dispatchable(ticket), "source": found.source,
                  "source_label": str(found.source_label), "reason": found.reason, "unit": _unit(found.unit),
                  "officer": _officer(found.officer),
                  "rule": rule_json(found.rule, labels) if found.rule is not None else None})


@bp.get("/routing-rules")
@operation("List the routing rules", tags=["routing"], permission="ticket.dispatch",
           description="The routing rules (属事) whose unit lies within the token user's units, by category, "
                       "narrowest first. The centre's leaders keep them on the routing rules page.",
           responses={200: ("The rules.", ROUTING_RULES)})
def routing_rules():
    actor = _actor()
    _query()
    labels = routing.rule_categories(actor)
    return _json({"items": [rule_json(rule, labels) for rule in routing.rules(actor)]})
