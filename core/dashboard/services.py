"""The home page's enterprise figures for the user's units, and the widgets of enabled
plugins (the day's work is core/dashboard/home.py)."""
from sqlalchemy import func, select

from core.extensions import db
from core.plugins.services import call_for_unit
from core.registry.models import Enterprise


def summary(actor) -> dict:
    """The user's units' enterprises: how many, key ones, above designated size, without
    a liaison officer. Each figure is a count of its own, read as a range of an index
    (``ix_enterprise_unit_flags`` by unit and flags; the whole city's without a unit, its
    enterprises without an officer from ``ix_enterprise_officer``): one pass testing the
    four conditions on every enterprise cost a city of 100,000 ten times as much."""
    actor.require("dashboard.read")
    units = actor.scope.unit_ids
    in_scope = () if units is None else (Enterprise.unit_id.in_(sorted(units)),)
    either = (False, True)    # the flags ahead in the index, so that the count reads ranges of it

    def count(*where):
        return select(func.count()).select_from(Enterprise).where(*in_scope, *where).scalar_subquery()

    if units is None:
        without_officer = count(Enterprise.liaison_officer_id.is_(None))
    else:
        without_officer = count(Enterprise.is_key.in_(either), Enterprise.above_scale.in_(either),
                                Enterprise.liaison_officer_id.is_(None))
    row = db.session.execute(select(count(Enterprise.is_key.is_(True)),
                                    count(Enterprise.is_key.in_(either), Enterprise.above_scale.is_(True)),
                                    without_officer)).one()
    # Alone in its statement, the count of a whole table is SQLite's count of its pages' cells.
    total = db.session.scalar(select(func.count()).select_from(Enterprise).where(*in_scope))
    return {"enterprises": total, "key": row[0], "above_scale": row[1], "without_officer": row[2]}


def widgets(actor) -> list:
    """The enabled plugins' widgets that have something to show: a plugin with
    nothing to show returns no widget, or one with no HTML, and the page leaves it out."""
    items = call_for_unit("anqi_dashboard_widgets", actor.unit_id, unit=actor.user.unit, user=actor.user)
    return sorted((w for w in items if str(w.html or "").strip()), key=lambda w: w.order)
