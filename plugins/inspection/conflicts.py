"""The conflicts of interest inspectors declared (回避), listed for the people who
plan the draws: by plan (the plan's targets), by inspector and by enterprise.

Scoped by the declaring inspector's unit: a planner sees the declarations of the
inspectors of the units in their area; an inspector who does not plan sees only
their own. Declaring is ``catalogue.declare_conflict``."""
from dataclasses import dataclass

from sqlalchemy import select

from core.extensions import db
from core.org.models import User
from core.registry.models import Enterprise
from core.text import clean_text
from plugins.inspection import plans
from plugins.inspection.models import Conflict, Visit

LIMIT = 500


@dataclass
class ConflictFilter:
    plan_id: int | None = None
    user_id: int | None = None
    enterprise: str = ""          # part of the enterprise's name


def _in_scope(actor):
    actor.require("inspection.read")
    stmt = select(Conflict).join(User, User.id == Conflict.user_id).where(actor.scope.filter(User.unit_id))
    if not actor.can("inspection.plan"):
        stmt = stmt.where(Conflict.user_id == actor.user_id)
    return stmt


def listed(actor, chosen: ConflictFilter, limit: int = LIMIT) -> list[Conflict]:
    """The declarations the actor may see that match the filter, newest first.
    A plan the actor cannot see is NotFound (``plans.get``)."""
    stmt = _in_scope(actor)
    if chosen.plan_id:
        plan = plans.get(actor, chosen.plan_id)
        stmt = stmt.where(Conflict.enterprise_id.in_(select(Visit.enterprise_id).where(Visit.plan_id == plan.id)))
    if chosen.user_id:
        stmt = stmt.where(Conflict.user_id == chosen.user_id)
    name = clean_text(chosen.enterprise, 200)[:200]
    if name:
        stmt = stmt.join(Enterprise, Enterprise.id == Conflict.enterprise_id).where(
            Enterprise.name.contains(name, autoescape=True))
    return list(db.session.scalars(stmt.order_by(Conflict.declared_at.desc(), Conflict.id.desc()).limit(limit)))


def inspectors(actor) -> list[User]:
    """The inspectors with a declaration the actor may see, for the filter's choices."""
    ids = _in_scope(actor).with_only_columns(Conflict.user_id).distinct()
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.name, User.id)))
