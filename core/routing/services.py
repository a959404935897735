"""Routing by place and matter (属地属事): which unit and officer a ticket
waiting to be dispatched should go to, and why; the rules behind it; bulk
dispatch by the suggestions.

By default a demand goes to the enterprise's own unit in the registry (属地,
its station) and to the enterprise's liaison officer. A routing rule of the
ticket's category (属事), optionally narrowed to the enterprise's district
and/or industry, overrides that: the narrowest rule that matches wins
(category + district + industry, then category + district, then category +
industry, then the category alone). A rule or default whose unit the
dispatcher cannot dispatch to (inactive, or outside their units) is passed
over; an officer who is inactive or not of the suggested unit is left out
(the unit then chooses). The suggestion is a proposal: dispatching is always
``core.tickets.services.dispatch``, with its own checks.
"""
from collections import defaultdict
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defaultload
from sqlalchemy.orm.exc import StaleDataError

from core import clock
from core.audit import services as audit
from core.errors import AnqiError, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.models import Unit, User
from core.org.scope import WHOLE_TREE_KINDS
from core.org.tree import path_ids
from core.plugins.models import UnitPlugin
from core.plugins.services import manager
from core.record_ids import get_row
from core.registry import services as registry
from core.routing.models import RoutingRule
from core.text import clean_text
from core.tickets import services as tickets
from core.tickets.models import Ticket
from core.org.services import unit_from_form

# Who may read the rules (and so the suggestions' reasons) and who may keep them.
READ_PERMISSIONS = ("ticket.dispatch", "routing.rules", "routing.configure")
KEEP_PERMISSIONS = ("routing.rules", "routing.configure")
MAX_BULK = 200

# source: where a suggestion comes from (stable codes for the API)
RULE, ENTERPRISE, NONE, TRANSFER, SERVICE = "rule", "enterprise", "none", "transfer", "service"
SOURCES = {
    SERVICE: _l("The unit of the service ordered (点单式服务)"),
    RULE: _l("Routing rule (属事)"),
    ENTERPRISE: _l("The enterprise's own unit (属地)"),
    NONE: _l("No suggestion"),
    TRANSFER: _l("Transfer to another department (转交办)"),
}
MATCHES = {
    3: _l("category, district and industry"),
    2: _l("category and district"),
    1: _l("category and industry"),
    0: _l("category"),
}


# A rule comes with its unit and officer in one query; the officer's roles and
# unit (only ``unit_id`` is compared) are left until asked for.
RULE_OPTIONS = (defaultload(RoutingRule.officer).lazyload(User.role_rows),
                defaultload(RoutingRule.officer).lazyload(User.unit))


def root_id(unit) -> int:
    """The top of the unit tree ``unit`` belongs to (its city)."""
    return path_ids(unit)[0]


# --- who -----------------------------------------------------------------------------------

def _require_read(actor) -> None:
    if not any(actor.can(p) for p in READ_PERMISSIONS):
        raise Forbidden(_l("You are not allowed to do this."))


def can_keep(actor) -> bool:
    """Leaders (and the administrator) of the centre or the city bureau keep the
    rules: units whose scope is the whole tree the rules route within."""
    if actor.is_shell:
        return True
    return (actor.user is not None and any(actor.can(p) for p in KEEP_PERMISSIONS)
            and actor.user.unit.kind in WHOLE_TREE_KINDS)


def require_keep(actor, action: str, rule_id=None) -> None:
    """Refuse (Forbidden, audited) unless the actor keeps the rules."""
    if not can_keep(actor):
        audit.record_failure(actor, action, result=audit.DENIED, object_type="routing_rule", object_id=rule_id)
        raise Forbidden(_l("Only the leaders of the centre keep the routing rules."))


# --- the rules -----------------------------------------------------------------------------

def rules(actor) -> list[RoutingRule]:
    """The rules whose unit lies within the actor's units, by category, narrowest first."""
    _require_read(actor)
    stmt = (select(RoutingRule).options(*RULE_OPTIONS)
            .where(actor.scope.filter(RoutingRule.unit_id))
            .order_by(RoutingRule.category, RoutingRule.district.desc(), RoutingRule.industry.desc(),
                      RoutingRule.id))
    found = list(db.session.scalars(stmt).unique())
    order = {code: n for n, code in enumerate(rule_categories(actor))}
    return sorted(found, key=lambda r: (order.get(r.category, len(order)), r.category, -r.specificity, r.id))


def get_rule(actor, rule_id) -> RoutingRule:
    _require_read(actor)
    rule = get_row(RoutingRule, rule_id)
    if rule is None or not actor.scope.allows(rule.unit_id):
        raise NotFound(_l("There is no such routing rule in your units' area."))
    return rule


def rule_categories(actor) -> dict[str, str]:
    """The categories a rule may route: core's and those of every plugin enabled
    in a unit of the actor's tree (the administrator's bureau enables none, yet
    keeps the rule for a brigade's plugin category)."""
    found = tickets.categories(actor)
    names = frozenset(db.session.scalars(select(UnitPlugin.plugin).where(
        UnitPlugin.enabled.is_(True), actor.scope.filter(UnitPlugin.unit_id)).distinct()))
    plugins = manager()
    unit = actor.user.unit if actor.user is not None else None
    for result in plugins.call_enabled("anqi_ticket_categories", frozenset(n for n in names if n in plugins),
                                       unit=unit):
        for item in result or ():
            found.setdefault(item.code, str(item.label))
    return found


def category_name(code: str, labels: dict | None = None) -> str:
    if labels and code in labels:
        return str(labels[code])
    return tickets.category_label(code)


def describe(rule, labels: dict | None = None) -> str:
    """The rule's key in words: 出入境事务 · 暨阳街道 · 纺织服装."""
    parts = [category_name(rule.category, labels)]
    parts += [value for value in (rule.district, rule.industry) if value]
    return " · ".join(parts)


@dataclass
class RuleInput:
    category: str = ""
    unit_id: object = None          # an id, or anything else (refused)
    officer_id: object = None       # optional
    district: str = ""
    industry: str = ""


@dataclass(frozen=True)
class Choices:
    """What the rule form chooses from."""
    categories: dict
    units: list
    officers: dict          # unit id → [User]
    districts: list
    industries: list


def choices(actor) -> Choices:
    _require_read(actor)
    units = registry.units(actor)
    return Choices(rule_categories(actor), units, officers_by_unit(actor, units),
                   registry.distinct_values(actor, "district"), registry.distinct_values(actor, "industry"))


def _validate(actor, data: RuleInput, rule: RoutingRule | None) -> dict:
    errors: dict[str, list] = {}
    category = clean_text(data.category or "", 64)
    if category not in rule_categories(actor) and not (rule is not None and category == rule.category):
        errors["category"] = [_l("Choose a category.")]
    unit = unit_from_form(data.unit_id)
    if unit is None or not unit.active or not actor.scope.allows(unit.id):
        errors["unit_id"] = [_l("Choose a unit within your centre's tree.")]
        unit = None
    officer = None
    if data.officer_id not in (None, ""):
        officer = _user(data.officer_id)
        if officer is None or not officer.active or unit is None or officer.unit_id != unit.id:
            errors["officer_id"] = [_l("The officer must belong to the unit the rule sends the matter to.")]
    values = {}
    for name in ("district", "industry"):
        value = clean_text(getattr(data, name) or "", 50)
        if len(value) > 50:
            errors[name] = [_l("Keep this under %(n)d characters.", n=50)]
        values[name] = value[:50]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    return {"category": category, "unit": unit, "officer": officer, **values}


def _user(value) -> User | None:
    return get_row(User, value)


def _duplicate(root: int, values: dict, rule_id) -> bool:
    stmt = select(RoutingRule.id).where(RoutingRule.root_unit_id == root, RoutingRule.category == values["category"],
                                        RoutingRule.district == values["district"],
                                        RoutingRule.industry == values["industry"])
    return any(found != rule_id for found in db.session.scalars(stmt))


def _detail(rule) -> dict:
    return {"category": rule.category, "district": rule.district, "industry": rule.industry,
            "unit": rule.unit.code if rule.unit else rule.unit_id,
            "officer": rule.officer.username if rule.officer else None}


def save_rule(actor, data: RuleInput, rule_id: int | None = None) -> RoutingRule:
    """Add a rule, or change one. Every problem is reported at once, by field;
    a second rule for the same category, district and industry is refused."""
    action = "routing.rule_update" if rule_id else "routing.rule_create"
    require_keep(actor, action, rule_id)
    rule = get_rule(actor, rule_id) if rule_id else None
    try:
        values = _validate(actor, data, rule)
        root = root_id(values["unit"])
        if _duplicate(root, values, rule_id):
            raise ValidationError(_l("There is already a rule for this category, district and industry."),
                                  field="category")
    except ValidationError as exc:
        audit.record_failure(actor, action, object_type="routing_rule", object_id=rule_id,
                             detail={"fields": sorted(exc.errors)})
        raise
    now = clock.now()
    if rule is None:
        rule = RoutingRule(created_by_id=actor.user_id, created_at=now)
        db.session.add(rule)
    before = _detail(rule) if rule_id else None
    rule.root_unit_id, rule.category = root, values["category"]
    rule.district, rule.industry = values["district"], values["industry"]
    rule.unit_id, rule.unit = values["unit"].id, values["unit"]
    rule.officer_id, rule.officer = (values["officer"].id if values["officer"] else None), values["officer"]
    rule.changed_by_id, rule.changed_at = actor.user_id, now
    try:
        db.session.flush()
    except IntegrityError:  # the same rule saved by someone else at the same moment
        audit.record_failure(actor, action, object_type="routing_rule", object_id=rule_id,
                             detail={"fields": ["category"]})
        raise ValidationError(_l("There is already a rule for this category, district and industry."),
                              field="category") from None
    audit.record(actor, action, rule, detail={**_detail(rule), **({"before": before} if before else {})})
    db.session.commit()
    return rule


def delete_rule(actor, rule_id: int) -> None:
    require_keep(actor, "routing.rule_delete", rule_id)
    rule = get_rule(actor, rule_id)
    audit.record(actor, "routing.rule_delete", rule, detail=_detail(rule))
    db.session.delete(rule)
    db.session.commit()


# --- units and officers to dispatch to ---------------------------------------------------------

def units_in_tree(actor) -> list[Unit]:
    """The units the actor may dispatch to, as their tree (the centre first)."""
    return registry.units(actor)


def officers_by_unit(actor, units=None) -> dict[int, list[User]]:
    """The active officers and leaders of the actor's units, by unit, in the
    order of ``units`` (the tree); units without one are left out."""
    units = units if units is not None else units_in_tree(actor)
    grouped = defaultdict(list)
    for officer in registry.officers(actor):
        grouped[officer.unit_id].append(officer)
    return {unit.id: grouped[unit.id] for unit in units if grouped.get(unit.id)}


# --- suggestions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Suggestion:
    ticket_id: int
    source: str                         # rule / enterprise / none / transfer
    reason: str                         # in words, in the reader's language
    unit: Unit | None = None
    officer: User | None = None
    rule: RoutingRule | None = None

    @property
    def unit_id(self):
        return self.unit.id if self.unit else None

    @property
    def officer_id(self):
        return self.officer.id if self.officer else None

    @property
    def source_label(self):
        return SOURCES[self.source]


def dispatchable(ticket) -> bool:
    """Whether the ticket waits to be dispatched (the statuses ``dispatch`` starts from)."""
    return ticket.status in tickets.RULES["dispatch"].statuses


def suggest(actor, ticket_id) -> Suggestion:
    """The suggestion for one ticket the actor may see."""
    ticket = tickets.get(actor, ticket_id)
    return suggest_many(actor, [ticket])[ticket.id]


def suggest_many(actor, rows, labels: dict | None = None) -> dict[int, Suggestion]:
    """Suggestions for tickets already loaded (a page of a queue), by ticket id:
    one query for the rules of their categories, whatever the number of rows
    (the enterprise, its unit and liaison officer come with the ticket)."""
    actor.require("ticket.dispatch")
    rows = list(rows)
    if not rows:
        return {}
    labels = labels if labels is not None else tickets.categories(actor)
    roots = sorted({root_id(t.registering_unit) for t in rows})
    categories = sorted({t.category for t in rows})
    stmt = (select(RoutingRule)
            .options(*RULE_OPTIONS)
            .where(RoutingRule.root_unit_id.in_(roots), RoutingRule.category.in_(categories)))
    by_key = defaultdict(list)
    for rule in db.session.scalars(stmt).unique():
        by_key[(rule.root_unit_id, rule.category)].append(rule)
    for found in by_key.values():
        found.sort(key=lambda r: -r.specificity)
    from core.service_lists import services as service_lists

    ordered = service_lists.offer_for([t.id for t in rows])
    return {t.id: _suggest_one(actor, t, by_key[(root_id(t.registering_unit), t.category)], labels,
                               ordered.get(t.id)) for t in rows}


def _usable(actor, unit) -> bool:
    return unit is not None and unit.active and actor.scope.allows(unit.id)


def _fits(officer, unit) -> bool:
    return officer is not None and officer.active and officer.unit_id == unit.id


def _suggest_one(actor, ticket: Ticket, candidates: list, labels: dict, offer=None) -> Suggestion:
    if ticket.handling_mode == "transfer":
        return Suggestion(ticket.id, TRANSFER, _("A transfer to a department outside the police (转交办): "
                                                 "use “Transfer”, not dispatch."))
    if offer is not None and _usable(actor, offer.unit):  # 点单式服务: the unit that provides the service
        reason = _("Ordered from the service list (点单式服务): “%(service)s”, provided by %(unit)s within "
                   "%(days)d working days.", service=offer.name, unit=offer.unit.name, days=offer.days)
        return Suggestion(ticket.id, SERVICE, reason, offer.unit, None)
    enterprise = ticket.enterprise
    for rule in candidates:
        if (rule.district and rule.district != enterprise.district) or (
                rule.industry and rule.industry != enterprise.industry) or not _usable(actor, rule.unit):
            continue
        values = {"rule": describe(rule, labels), "match": MATCHES[rule.specificity], "unit": rule.unit.name}
        if _fits(rule.officer, rule.unit):
            reason = _("By the routing rule “%(rule)s” (matched by %(match)s): %(unit)s, officer %(officer)s.",
                       officer=rule.officer.name, **values)
            return Suggestion(ticket.id, RULE, reason, rule.unit, rule.officer, rule)
        reason = _("By the routing rule “%(rule)s” (matched by %(match)s): %(unit)s; the unit chooses the officer.",
                   **values)
        return Suggestion(ticket.id, RULE, reason, rule.unit, None, rule)
    unit, liaison = enterprise.unit, enterprise.liaison_officer
    if not _usable(actor, unit):
        return Suggestion(ticket.id, NONE, _("No suggestion: the enterprise's unit is not one you can dispatch "
                                             "to, and no routing rule applies. Choose the unit."))
    if _fits(liaison, unit):
        reason = _("The enterprise's own unit (属地): %(unit)s, with its liaison officer %(officer)s.",
                   unit=unit.name, officer=liaison.name)
        return Suggestion(ticket.id, ENTERPRISE, reason, unit, liaison)
    if liaison is None:
        reason = _("The enterprise's own unit (属地): %(unit)s; the enterprise has no liaison officer, so the unit "
                   "chooses the officer.", unit=unit.name)
    else:
        reason = _("The enterprise's own unit (属地): %(unit)s; its liaison officer %(officer)s is not an active "
                   "officer of that unit, so the unit chooses the officer.", unit=unit.name, officer=liaison.name)
    return Suggestion(ticket.id, ENTERPRISE, reason, unit, None)


# --- bulk dispatch ---------------------------------------------------------------------------------

def review(actor, cursor: str | None = None, limit: int = 50):
    """A page of the desk's queue of tickets to dispatch (oldest first) and
    their suggestions, for the bulk page."""
    from core.tickets import queues

    page = queues.page(actor, "to_dispatch", sort="oldest", cursor=cursor, limit=limit)
    return page, suggest_many(actor, page.items)


@dataclass(frozen=True)
class BulkChoice:
    """One ticked row of the bulk page: the ticket, the unit chosen (the
    suggested one unless the desk changed it) and the suggested officer."""
    ticket_id: int
    unit_id: object
    officer_id: object = None


@dataclass(frozen=True)
class BulkResult:
    ticket_id: int
    number: str
    dispatched: bool
    unit: str = ""
    officer: str = ""
    message: str = ""


def dispatch_many(actor, chosen: list[BulkChoice]) -> list[BulkResult]:
    """Dispatch the ticked tickets one by one through ``tickets.dispatch``,
    each in its own short transaction with its own audit entry: one refused
    ticket does not hold back the others. The suggested officer goes with the
    suggested unit; a row whose unit was changed goes to the unit without an
    officer (the unit chooses)."""
    actor.require("ticket.dispatch")
    if not chosen:
        raise ValidationError(_l("Tick at least one ticket to dispatch."), field="tickets")
    if len(chosen) > MAX_BULK:
        raise ValidationError(_l("Dispatch at most %(n)d tickets at a time.", n=MAX_BULK), field="tickets")
    results = []
    for choice in chosen:
        number = ""
        try:
            ticket = tickets.get(actor, choice.ticket_id)
            number = ticket.number
            unit = unit_from_form(choice.unit_id)
            officer = _user(choice.officer_id) if choice.officer_id not in (None, "") else None
            if officer is not None and (unit is None or officer.unit_id != unit.id):
                officer = None
            ticket = tickets.dispatch(actor, ticket.id, unit.id if unit else None, officer.id if officer else None)
        except (AnqiError, StaleDataError) as exc:
            db.session.rollback()
            message = exc.message if isinstance(exc, AnqiError) else _l(
                "Someone else changed this ticket at the same moment; open it to see how it stands.")
            results.append(BulkResult(choice.ticket_id, number or f"#{choice.ticket_id}", False, message=str(message)))
        else:
            results.append(BulkResult(ticket.id, ticket.number, True, ticket.handling_unit.name,
                                      ticket.handling_officer.name if ticket.handling_officer else ""))
    return results
