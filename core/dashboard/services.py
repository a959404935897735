"""The home page's enterprise figures for the user's units, and the widgets of enabled
plugins (the day's work is core/dashboard/home.py)."""
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
    """The enabled plugins' widgets that have something to show: a plugin with
    nothing to show returns no widget, or one with no HTML, and the page leaves it out."""
    items = call_for_unit("anqi_dashboard_widgets", actor.unit_id, unit=actor.user.unit, user=actor.user)
    return sorted((w for w in items if str(w.html or "").strip()), key=lambda w: w.order)
