"""Figures for the dashboard widget, the enterprise panel and the plans page."""
from datetime import date

from sqlalchemy import func, select

from core import clock
from core.extensions import db
from core.tickets.deadlines import local_date
from plugins.inspection.labels import INSPECTION_TYPES
from plugins.inspection.models import Finding, Plan, Rectification, Visit


def summary(actor, year: int | None = None) -> dict:
    """This year's visits of the plans the actor's units lead: joint-inspection
    rate (visits of plans with several police types ÷ all visits), visits per
    enterprise, issues found and rectified."""
    year = year or local_date(clock.now()).year
    done = (select(Visit.id, Visit.enterprise_id, Plan.police_types).join(Plan, Plan.id == Visit.plan_id)
            .where(Visit.status == "done", Visit.year == year, actor.scope.filter(Plan.unit_id)))
    rows = db.session.execute(done).all()
    visits = len(rows)
    joint = sum(1 for _id, _e, types in rows if len(types or []) > 1)
    enterprises = len({e for _id, e, _t in rows})
    ids = [r[0] for r in rows]
    issues = rectified = 0
    for start in range(0, len(ids), 900):
        chunk = ids[start:start + 900]
        issues += db.session.scalar(select(func.count()).select_from(Finding)
                                    .where(Finding.visit_id.in_(chunk), Finding.result == "issue"))
        rectified += db.session.scalar(select(func.count()).select_from(Rectification).join(Finding)
                                       .where(Finding.visit_id.in_(chunk), Rectification.status == "closed"))
    return {"year": year, "visits": visits, "joint": joint,
            "joint_rate": round(100 * joint / visits) if visits else None,
            "per_enterprise": round(visits / enterprises, 2) if enterprises else None,
            "issues": issues, "rectified": rectified}


def by_type(actor, year: int | None = None) -> list[dict]:
    """The year's figures of the plans the actor's units lead, one row per
    inspection type (every type, in the form's order, zeros included): plans
    whose period starts in the year, visits done and issues found in them.
    Three grouped counts in the database, whatever the size of the registry."""
    year = year or local_date(clock.now()).year
    in_scope = actor.scope.filter(Plan.unit_id)
    planned = dict(db.session.execute(
        select(Plan.inspection_type, func.count()).where(in_scope, Plan.period_start >= date(year, 1, 1),
                                                         Plan.period_start <= date(year, 12, 31))
        .group_by(Plan.inspection_type)).all())
    done = (Visit.status == "done", Visit.year == year, in_scope)
    visited = dict(db.session.execute(
        select(Plan.inspection_type, func.count()).select_from(Visit).join(Plan, Plan.id == Visit.plan_id)
        .where(*done).group_by(Plan.inspection_type)).all())
    issues = dict(db.session.execute(
        select(Plan.inspection_type, func.count()).select_from(Finding).join(Visit, Visit.id == Finding.visit_id)
        .join(Plan, Plan.id == Visit.plan_id).where(Finding.result == "issue", *done)
        .group_by(Plan.inspection_type)).all())
    return [{"type": code, "plans": planned.get(code, 0), "visits": visited.get(code, 0), "issues": issues.get(code, 0)}
            for code in INSPECTION_TYPES]
