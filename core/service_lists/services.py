"""The two lists of 警企交往 (source document 002): the positive list of services
(正向服务保障企业事项清单, for 点单式服务) and the negative list of the police's
conduct towards enterprises (公安机关与企业交往行为负面清单).

- Both lists are kept by the leaders (``service_list.manage``); a service belongs
  to a unit of the leader's scope. Every change is audited, every problem of a
  form reported at once, by field. Nothing is deleted: an entry is deactivated.
- The portal publishes them: the negative list to everyone, the active services
  to the signed-in enterprises, which order one (``order``): a ticket of the
  service's category, channel ``online``, registered through
  ``core.tickets.services.register`` like any portal demand (the enterprise sees
  it in its demands). The enterprise cannot dispatch: the desk dispatches it, and
  the routing suggestion (``core.routing.services``) names the service's unit
  (``offer_for``). The ticket is 限期办 by the service's 办理时限: the dispatch
  form's deadline is filled in with it (``due_on``).
- Complaints and 作风问题 tickets (category ``conduct``, or a ticket with a
  complaint recorded) are tagged against negative-list entries by the desk or a
  leader who sees the ticket (``service_list.tag``, ``tag``); ``counts`` gives
  the tagged tickets per entry for the statistics page.
"""
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, select

from core import clock
from core.audit import services as audit
from core.calendar import services as calendar
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.models import Unit
from core.org.scope import WHOLE_TREE_KINDS
from core.org.tree import path_ids
from core.service_lists.models import ConductRule, ServiceOffer, ServiceOrder, TicketConductTag
from core.text import clean_text
from core.tickets import deadlines
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketComplaint
from core.org.services import unit_from_form

MANAGE, TAG = "service_list.manage", "service_list.tag"
CONDUCT_CATEGORY = "conduct"                 # 作风问题 (core's category code)
MAX_NAME, MAX_DESCRIPTION, MAX_AUDIENCE, MAX_RULE = 100, 2000, 200, 500
MAX_DAYS = 60
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
DEFAULT_AUDIENCE = "辖区内已在门户认证的企业"


# --- keeping the lists ---------------------------------------------------------------------

def _require_keep(actor, action: str, object_type: str, object_id=None) -> None:
    if not actor.can(MANAGE):
        audit.record_failure(actor, action, result=audit.DENIED, object_type=object_type, object_id=object_id)
        raise Forbidden(_l("Only the leaders keep the service list and the negative list."))


def keeps_negative_list(actor) -> bool:
    """The negative list is the whole city's: kept by the leaders of the centre or the
    city bureau (units whose scope is the whole tree), like the routing rules."""
    if actor.is_shell:
        return True
    return actor.user is not None and actor.can(MANAGE) and actor.user.unit.kind in WHOLE_TREE_KINDS


def _require_keep_rules(actor, action: str, rule_id=None) -> None:
    if not keeps_negative_list(actor):
        audit.record_failure(actor, action, result=audit.DENIED, object_type="conduct_rule", object_id=rule_id)
        raise Forbidden(_l("Only the leaders of the centre keep the negative list."))


def _whole(value, low: int, high: int, default: int, errors: dict, name: str) -> int:
    text = str(value if value is not None else "").strip()
    if not text:
        return default
    if text.isascii() and text.isdigit() and low <= int(text) <= high:
        return int(text)
    errors[name] = [_l("Enter a whole number from %(low)d to %(high)d.", low=low, high=high)]
    return default


def _active(value) -> bool:
    return value in (True, "y", "on", "1", "true")


def offers(actor) -> list[ServiceOffer]:
    """Every service of the leader's units, active or not, in the list's order."""
    _require_keep(actor, "service_offer.read", "service_offer")
    stmt = (select(ServiceOffer).where(actor.scope.filter(ServiceOffer.unit_id))
            .order_by(ServiceOffer.sort_order, ServiceOffer.id))
    return list(db.session.scalars(stmt).unique())


def get_offer(actor, offer_id) -> ServiceOffer:
    _require_keep(actor, "service_offer.read", "service_offer", offer_id)
    offer = db.session.get(ServiceOffer, offer_id) if isinstance(offer_id, int) and 0 < offer_id < 2**31 else None
    if offer is None or not actor.scope.allows(offer.unit_id):
        raise NotFound(_l("There is no such service in your units."))
    return offer


@dataclass
class OfferInput:
    name: str = ""
    description: str = ""
    audience: str = ""
    unit_id: object = None
    category: str = ""
    days: object = None
    active: object = True
    sort_order: object = None


def _validate_offer(actor, data: OfferInput, offer: ServiceOffer | None) -> dict:
    errors: dict[str, list] = {}
    name = clean_text(data.name or "", MAX_NAME + 1)
    if not name:
        errors["name"] = [_l("Name the service.")]
    elif len(name) > MAX_NAME:
        errors["name"] = [_l("Keep this under %(n)d characters.", n=MAX_NAME)]
    description = clean_text(data.description or "", MAX_DESCRIPTION + 1)
    if not description:
        errors["description"] = [_l("Say what the service is: its measures and standard.")]
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = [_l("Keep this under %(n)d characters.", n=MAX_DESCRIPTION)]
    audience = clean_text(data.audience or "", MAX_AUDIENCE + 1) or DEFAULT_AUDIENCE
    if len(audience) > MAX_AUDIENCE:
        errors["audience"] = [_l("Keep this under %(n)d characters.", n=MAX_AUDIENCE)]
    unit = unit_from_form(data.unit_id)
    if unit is None or not unit.active or not actor.scope.allows(unit.id):
        errors["unit_id"] = [_l("Choose one of your units.")]
    category = clean_text(data.category or "", 64)
    if not category or (category not in tickets.categories(actor) and not (offer and category == offer.category)):
        errors["category"] = [_l("Choose the demand category the order becomes.")]
    days = _whole(data.days, 1, MAX_DAYS, 0, errors, "days")
    if not days and "days" not in errors:
        errors["days"] = [_l("Enter the time to handle it, in working days (1 to %(n)d).", n=MAX_DAYS)]
    order = _whole(data.sort_order, 0, 10000, 100, errors, "sort_order")
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    return {"name": name, "description": description, "audience": audience, "unit_id": unit.id,
            "category": category, "days": days, "sort_order": order, "active": _active(data.active)}


def _offer_detail(offer) -> dict:
    return {"name": offer.name, "unit": offer.unit_id, "category": offer.category, "days": offer.days,
            "active": offer.active, "sort_order": offer.sort_order}


def save_offer(actor, data: OfferInput, offer_id: int | None = None) -> ServiceOffer:
    """Add a service to the list or change one; every problem at once, by field."""
    action = "service_offer.update" if offer_id else "service_offer.create"
    _require_keep(actor, action, "service_offer", offer_id)
    offer = get_offer(actor, offer_id) if offer_id else None
    try:
        values = _validate_offer(actor, data, offer)
    except ValidationError as exc:
        audit.record_failure(actor, action, object_type="service_offer", object_id=offer_id,
                             detail={"fields": sorted(exc.errors)})
        raise
    now = clock.now()
    before = _offer_detail(offer) if offer else None
    if offer is None:
        offer = ServiceOffer(created_by_id=actor.user_id, created_at=now)
        db.session.add(offer)
    for key, value in values.items():
        setattr(offer, key, value)
    offer.changed_by_id, offer.changed_at = actor.user_id, now
    db.session.flush()
    db.session.refresh(offer, ["unit"])
    after = _offer_detail(offer)
    detail = after if before is None else {"name": offer.name, "changed": {
        k: [before[k], v] for k, v in after.items() if before[k] != v}}
    audit.record(actor, action, offer, detail=detail)
    db.session.commit()
    return offer


def rules(actor, active_only: bool = False) -> list[ConductRule]:
    """The negative list in its order (for everyone: it is published)."""
    stmt = select(ConductRule).order_by(ConductRule.sort_order, ConductRule.code, ConductRule.id)
    if active_only:
        stmt = stmt.where(ConductRule.active.is_(True))
    return list(db.session.scalars(stmt))


def get_rule(actor, rule_id) -> ConductRule:
    _require_keep_rules(actor, "conduct_rule.read", rule_id)
    rule = db.session.get(ConductRule, rule_id) if isinstance(rule_id, int) and 0 < rule_id < 2**31 else None
    if rule is None:
        raise NotFound(_l("There is no such entry of the negative list."))
    return rule


@dataclass
class RuleInput:
    code: str = ""
    text: str = ""
    active: object = True
    sort_order: object = None


def save_rule(actor, data: RuleInput, rule_id: int | None = None) -> ConductRule:
    """Add an entry to the negative list or change one; every problem at once."""
    action = "conduct_rule.update" if rule_id else "conduct_rule.create"
    _require_keep_rules(actor, action, rule_id)
    rule = get_rule(actor, rule_id) if rule_id else None
    errors: dict[str, list] = {}
    code = clean_text(data.code or "", 21)
    if not CODE.match(code):
        errors["code"] = [_l("Give the entry a number: up to 20 letters, digits, dots or dashes, e.g. 3 or 3.1.")]
    elif db.session.scalar(select(ConductRule.id).where(ConductRule.code == code,
                                                        ConductRule.id != (rule.id if rule else 0))) is not None:
        errors["code"] = [_l("Another entry already has this number.")]
    text = clean_text(data.text or "", MAX_RULE + 1)
    if not text:
        errors["text"] = [_l("Describe the conduct.")]
    elif len(text) > MAX_RULE:
        errors["text"] = [_l("Keep this under %(n)d characters.", n=MAX_RULE)]
    order = _whole(data.sort_order, 0, 10000, 100, errors, "sort_order")
    if errors:
        audit.record_failure(actor, action, object_type="conduct_rule", object_id=rule_id,
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    now = clock.now()
    before = {"code": rule.code, "text": rule.text, "active": rule.active, "sort_order": rule.sort_order} \
        if rule else None
    if rule is None:
        rule = ConductRule(created_by_id=actor.user_id, created_at=now)
        db.session.add(rule)
    rule.code, rule.text, rule.active, rule.sort_order = code, text, _active(data.active), order
    rule.changed_by_id, rule.changed_at = actor.user_id, now
    db.session.flush()
    after = {"code": code, "text": text, "active": rule.active, "sort_order": order}
    detail = after if before is None else {"code": code, "changed": {
        k: [before[k], v] for k, v in after.items() if before[k] != v}}
    audit.record(actor, action, rule, detail=detail)
    db.session.commit()
    return rule


# --- the portal: the published lists and the order ---------------------------------------------

# Units that serve an area of their own (属地): their services go to the enterprises of that area.
AREA_KINDS = frozenset({"station", "sub_centre", "liaison_room"})


def _offered_to(offer, enterprise) -> bool:
    """A service is offered to the enterprises of its unit's area: a station's (or its
    sub-centre's) to the enterprises registered under it, the centre's, the city bureau's
    and a brigade's to every enterprise of the tree."""
    unit, home = offer.unit, enterprise.unit if enterprise is not None else None
    if home is None or not offer.active or not unit.active:
        return False
    path = path_ids(home)
    if unit.kind in AREA_KINDS:
        return unit.id in path or home.id in path_ids(unit)
    return path_ids(unit)[0] == path[0]


def published_offers(enterprise) -> list[ServiceOffer]:
    """The active services offered to ``enterprise``, in the list's order."""
    stmt = (select(ServiceOffer).join(Unit, Unit.id == ServiceOffer.unit_id)
            .where(ServiceOffer.active.is_(True), Unit.active.is_(True))
            .order_by(ServiceOffer.sort_order, ServiceOffer.id))
    return [o for o in db.session.scalars(stmt).unique() if _offered_to(o, enterprise)]


def published_offer(enterprise, offer_id) -> ServiceOffer | None:
    offer = db.session.get(ServiceOffer, offer_id) if isinstance(offer_id, int) and 0 < offer_id < 2**31 else None
    if offer is None or not _offered_to(offer, enterprise):
        return None
    return offer


def order_description(offer, text: str) -> str:
    """The ticket's description: the service ordered, then what the enterprise wrote."""
    head = f"【点单式服务】{offer.name}（{offer.unit.name}，办理时限{offer.days}个工作日）"
    return f"{head}\n{text}" if text else head


def order(actor, offer_id, text: str, submission_key: str | None = None) -> Ticket:
    """点单: the enterprise orders a service of the list. The ticket is an online demand
    of the service's category (``core.portal.demands.submit``: the same loop, numbers and
    notice to the desk), with the order recorded beside it."""
    from core.portal import demands

    offer = published_offer(actor.enterprise, offer_id)
    if offer is None:
        raise NotFound(_l("This service is not offered."))
    text = clean_text(text or "", demands.MAX_DESCRIPTION)
    if submission_key:
        sent = db.session.scalar(select(Ticket).where(Ticket.submission_key == submission_key))
        if sent is not None:
            return tickets.get(actor, sent.id)
    ticket = demands.submit(actor, offer.category, order_description(offer, text), submission_key=submission_key)
    if db.session.get(ServiceOrder, ticket.id) is None:
        db.session.add(ServiceOrder(ticket_id=ticket.id, offer_id=offer.id, ordered_at=clock.now()))
        audit.record(actor, "service_offer.order", ticket,
                     detail={"offer": offer.id, "name": offer.name, "unit": offer.unit_id, "number": ticket.number})
        db.session.commit()
    return ticket


def offer_for(ticket_ids) -> dict[int, ServiceOffer]:
    """The service each of these tickets ordered (those that are orders), by ticket id."""
    ids = [i for i in ticket_ids if i]
    if not ids:
        return {}
    rows = db.session.execute(select(ServiceOrder.ticket_id, ServiceOffer)
                              .join(ServiceOffer, ServiceOffer.id == ServiceOrder.offer_id)
                              .where(ServiceOrder.ticket_id.in_(ids))).unique().all()
    return {ticket_id: offer for ticket_id, offer in rows}


def due_on(ticket, offer) -> date:
    """The day the service's 办理时限 ends: its working days counted from the day of the order."""
    return calendar.nth_working_day_after(deadlines.local_date(ticket.registered_at), offer.days)[0]


# --- tagging against the negative list ------------------------------------------------------------

def taggable(ticket) -> bool:
    """A 作风问题 ticket, or one with a complaint recorded."""
    if ticket.category == CONDUCT_CATEGORY:
        return True
    return bool(db.session.scalar(select(exists().where(TicketComplaint.ticket_id == ticket.id))))


def tags(ticket_id) -> list[ConductRule]:
    stmt = (select(ConductRule).join(TicketConductTag, TicketConductTag.rule_id == ConductRule.id)
            .where(TicketConductTag.ticket_id == ticket_id).order_by(ConductRule.sort_order, ConductRule.code))
    return list(db.session.scalars(stmt))


def tag(actor, ticket_id, rule_ids) -> list[ConductRule]:
    """Set the negative-list entries ``ticket_id`` is tagged against (an empty list
    removes them all). The ticket must be one the actor sees, and a complaint or
    作风问题 ticket; the entries added must be active ones (an inactive entry a ticket
    already has stays)."""
    if not actor.can(TAG):
        audit.record_failure(actor, "ticket.conduct_tag", result=audit.DENIED, object_type="ticket",
                             object_id=ticket_id)
        raise Forbidden(_l("Only the desk and the leaders tag complaints against the negative list."))
    ticket = tickets.get(actor, ticket_id)
    errors = {}
    if not taggable(ticket):
        errors["rule_ids"] = [_l("Only a complaint or a 作风问题 ticket is tagged against the negative list.")]
    wanted = set()
    for value in rule_ids or ():
        value = str(value).strip()
        if not (value.isascii() and value.isdigit() and 0 < int(value) < 2**31):
            errors["rule_ids"] = [_l("Choose entries of the negative list.")]
            continue
        wanted.add(int(value))
    current = {t.rule_id: t for t in db.session.scalars(
        select(TicketConductTag).where(TicketConductTag.ticket_id == ticket.id))}
    added = wanted - set(current)
    if added:
        found = {r.id: r for r in db.session.scalars(select(ConductRule).where(ConductRule.id.in_(added)))}
        if any(i not in found or not found[i].active for i in added):
            errors["rule_ids"] = [_l("Choose active entries of the negative list.")]
    if errors:
        audit.record_failure(actor, "ticket.conduct_tag", object_type="ticket", object_id=ticket.id,
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    removed = set(current) - wanted
    now = clock.now()
    for rule_id in sorted(added):
        db.session.add(TicketConductTag(ticket_id=ticket.id, rule_id=rule_id, tagged_by_id=actor.user_id,
                                        tagged_at=now, registered_at=ticket.registered_at))
    for rule_id in removed:
        db.session.delete(current[rule_id])
    db.session.flush()
    codes = {r.id: r.code for r in db.session.scalars(select(ConductRule).where(
        ConductRule.id.in_(added | removed or {0})))}
    if added or removed:
        audit.record(actor, "ticket.conduct_tag", ticket,
                     detail={"number": ticket.number, "added": sorted(codes[i] for i in added),
                             "removed": sorted(codes[i] for i in removed)})
    db.session.commit()
    return tags(ticket.id)


def _utc(day: date) -> datetime:
    """The first moment of ``day`` in China, as naive UTC (as stored)."""
    return datetime.combine(day, time.min, tzinfo=deadlines.LOCAL).astimezone(deadlines.UTC).replace(tzinfo=None)


@dataclass
class RuleCount:
    rule: ConductRule
    tickets: int


def counts(actor, since: date, until: date) -> list[RuleCount]:
    """The tickets registered from ``since`` to ``until`` (both included) in the actor's
    scope, tagged against each entry of the negative list (every entry, in its order;
    an inactive one only when counted). Read from the tags' index on the ticket's
    registration time alone (the whole city), or with the period's tagged tickets by
    their key (a scoped reader): the tickets without a tag are never read."""
    actor.require("ticket.stats")
    start, end = _utc(since), _utc(until + timedelta(days=1))
    stmt = (select(TicketConductTag.rule_id, func.count())
            .where(TicketConductTag.registered_at >= start, TicketConductTag.registered_at < end)
            .group_by(TicketConductTag.rule_id))
    if actor.scope.unit_ids is not None:
        # The statistics' scope: the handling unit, else the registering one (core.tickets.stats);
        # the period's tags first, then their tickets by key.
        held_by = func.coalesce(Ticket.handling_unit_id, Ticket.registering_unit_id)
        stmt = stmt.join(Ticket, Ticket.id == TicketConductTag.ticket_id).where(actor.scope.filter(held_by))
    counted = dict(db.session.execute(stmt).all())
    return [RuleCount(rule, counted.get(rule.id, 0)) for rule in rules(actor)
            if rule.active or counted.get(rule.id)]
