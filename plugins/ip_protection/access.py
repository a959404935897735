"""Which units handle IP work for an actor, and which enterprises the actor reaches.

A record belongs to the unit that enabled the plugin and handles it; the actor
sees it when that unit lies in the actor's scope. An IP brigade's scope is its
own subtree, which holds no enterprises, so besides the registry's scope the
actor reaches an enterprise that a consultation, case, check, brand membership
or outreach of a unit in the actor's scope names: the enterprises that came to
the brigade."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, union_all

from core.errors import NotFound, ValidationError
from core.extensions import db
from core.org.models import Unit
from core.plugins.services import is_enabled, units_enabled
from core.registry import services as registry
from core.registry.models import Enterprise

PLUGIN = "ip_protection"


def handling_units(actor) -> list[Unit]:
    """The units in the actor's scope that enabled the plugin, the actor's own first."""
    ids = [i for i in units_enabled(PLUGIN) if actor.scope.allows(i)]
    units = list(db.session.scalars(select(Unit).where(Unit.id.in_(ids), Unit.active.is_(True)).order_by(Unit.path)))
    return sorted(units, key=lambda u: (u.id != actor.unit_id, u.path))


def handling_unit(actor, unit_id=None) -> int:
    """The unit that will hold a new record: ``unit_id`` (in scope, plugin enabled) or the actor's own."""
    unit_id = unit_id or actor.unit_id
    if unit_id is None or not actor.scope.allows(unit_id) or not is_enabled(unit_id, PLUGIN):
        raise ValidationError(_l("Choose a unit of yours that has IP officers online switched on."), field="unit_id")
    return unit_id


def _reached_ids(actor):
    from plugins.ip_protection.models import (Brand, BrandMember, Case, Check, Consultation, Outreach,
                                              OutreachEnterprise)

    scope = actor.scope
    return union_all(
        select(Consultation.enterprise_id).where(scope.filter(Consultation.unit_id)),
        select(Case.enterprise_id).where(scope.filter(Case.unit_id)),
        select(Check.enterprise_id).where(scope.filter(Check.unit_id)),
        select(BrandMember.enterprise_id).join(Brand).where(scope.filter(Brand.unit_id)),
        select(OutreachEnterprise.enterprise_id).join(Outreach).where(scope.filter(Outreach.unit_id)))


def enterprise(actor, enterprise_id) -> Enterprise:
    """The enterprise if the registry shows it to the actor or the plugin's records in scope name it."""
    if not enterprise_id:
        raise NotFound(_l("There is no such enterprise in your units' area."))
    try:
        return registry.get(actor, enterprise_id)
    except NotFound:
        pass
    if enterprise_id:
        ids = _reached_ids(actor).subquery()
        found = db.session.scalar(select(Enterprise).where(Enterprise.id == enterprise_id,
                                                           Enterprise.id.in_(select(ids.c[0]))))
        if found is not None:
            return found
    raise NotFound(_l("There is no such enterprise in your units' area."))


def in_registry(actor, enterprise_id) -> bool:
    if not enterprise_id:
        return False
    try:
        registry.get(actor, enterprise_id)
        return True
    except NotFound:
        return False


def search(actor, q: str, limit: int = 20) -> list[Enterprise]:
    """Enterprises to choose from: the registry's search, then those reached through the plugin's records."""
    from core.text import clean_text

    q = clean_text(q, 100)
    if not q:
        return []
    found = list(registry.search(actor, registry.EnterpriseFilter(q=q), limit=limit).items)
    if len(found) < limit:
        ids = _reached_ids(actor).subquery()
        seen = {e.id for e in found}
        found += [e for e in db.session.scalars(
            select(Enterprise).where(Enterprise.id.in_(select(ids.c[0])), Enterprise.name.contains(q, autoescape=True))
            .order_by(Enterprise.id).limit(limit)) if e.id not in seen]
    return found[:limit]
