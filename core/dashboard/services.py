from sqlalchemy import func, select

from core.extensions import db
from core.plugins.services import call_for_unit
from core.registry.models import Enterprise


def summary(actor) -> dict:
    actor.require("dashboard.read")
    scope = actor.scope.filter(Enterprise.unit_id)
    row = db.session.execute(
        select(func.count(Enterprise.id),
               func.count(Enterprise.id).filter(Enterprise.is_key.is_(True)),
               func.count(Enterprise.id).filter(Enterprise.above_scale.is_(True)),
               func.count(Enterprise.id).filter(Enterprise.liaison_officer_id.is_(None)))
        .where(scope)
    ).one()
    return {"enterprises": row[0], "key": row[1], "above_scale": row[2], "without_officer": row[3]}


def widgets(actor) -> list:
    items = call_for_unit("anqi_dashboard_widgets", actor.unit_id, unit=actor.user.unit, user=actor.user)
    return sorted(items, key=lambda w: w.order)
