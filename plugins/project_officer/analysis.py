"""定期分析研判: the risks and disputes of the projects the actor sees, counted
by project, type, level and month; and the dashboard's figures."""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from core.extensions import db
from plugins.project_officer import projects, rules, visits
from plugins.project_officer.checks import today
from plugins.project_officer.models import Project, ProjectRisk, ProjectVisit
from plugins.project_officer.risks import TYPES


@dataclass
class Analysis:
    start: date
    end: date
    total: int = 0
    open: int = 0
    by_project: list = field(default_factory=list)     # [(project, total, open, high)]
    by_type: list = field(default_factory=list)        # [(type, total, open)]
    by_level: list = field(default_factory=list)       # [(level, total, open)]
    by_month: list = field(default_factory=list)       # [("2026-03", found, resolved)]


def months_between(start: date, end: date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def default_period(on: date | None = None) -> tuple[date, date]:
    """The twelve months up to ``on``."""
    on = on or today()
    year, month = (on.year, on.month - 11) if on.month == 12 else (on.year - 1, on.month + 1)
    return date(year, month, 1), on


def analyse(actor, start: date | None = None, end: date | None = None) -> Analysis:
    """Risks found within [start, end] (and, for the months, resolved in it)."""
    if start is None or end is None:
        start, end = default_period()
    visible = projects.visible_ids(actor)
    rows = db.session.execute(
        select(ProjectRisk.project_id, ProjectRisk.risk_type, ProjectRisk.level, ProjectRisk.status, ProjectRisk.found_on, ProjectRisk.resolved_on)
        .where(ProjectRisk.project_id.in_(visible), ProjectRisk.found_on >= start, ProjectRisk.found_on <= end)).all()
    result = Analysis(start, end, total=len(rows), open=sum(1 for r in rows if r.status == "open"))
    per_project = defaultdict(lambda: [0, 0, 0])
    types, types_open, levels, levels_open = Counter(), Counter(), Counter(), Counter()
    for row in rows:
        counts = per_project[row.project_id]
        counts[0] += 1
        counts[1] += row.status == "open"
        counts[2] += row.level == "high"
        types[row.risk_type] += 1
        levels[row.level] += 1
        if row.status == "open":
            types_open[row.risk_type] += 1
            levels_open[row.level] += 1
    names = {p.id: p for p in db.session.scalars(select(Project).where(Project.id.in_(list(per_project))))}
    result.by_project = sorted(((names[pid], *counts) for pid, counts in per_project.items()),
                               key=lambda row: (-row[1], row[0].id))
    result.by_type = [(code, types[code], types_open[code]) for code in TYPES if types[code]]
    result.by_level = [(level, levels[level], levels_open[level]) for level in rules.LEVELS]
    found = Counter(f"{r.found_on:%Y-%m}" for r in rows)
    resolved = Counter(f"{r.resolved_on:%Y-%m}" for r in db.session.execute(
        select(ProjectRisk.resolved_on).where(ProjectRisk.project_id.in_(visible), ProjectRisk.resolved_on >= start,
                                       ProjectRisk.resolved_on <= end)).all())
    result.by_month = [(month, found[month], resolved[month]) for month in months_between(start, end)]
    return result


def dashboard(actor) -> dict:
    """Projects by stage, visits against the schedule, open risks by level."""
    visible = projects.visible_ids(actor)
    stages = dict(db.session.execute(select(Project.stage, func.count()).where(Project.id.in_(visible))
                                     .group_by(Project.stage)).all())
    under_way = list(db.session.scalars(select(Project).where(Project.id.in_(visible),
                                                              Project.stage != "completed")))
    found = visits.schedules(under_way)
    on = today()
    month_start = on.replace(day=1)
    visits_this_month = db.session.scalar(select(func.count()).select_from(ProjectVisit).where(
        ProjectVisit.project_id.in_(visible), ProjectVisit.visited_on >= month_start, ProjectVisit.visited_on <= on))
    levels = dict(db.session.execute(select(ProjectRisk.level, func.count()).where(ProjectRisk.project_id.in_(visible),
                                                                             ProjectRisk.status == "open")
                                     .group_by(ProjectRisk.level)).all())
    return {"stages": stages, "under_way": len(under_way),
            "on_schedule": sum(1 for s in found.values() if not s.overdue),
            "overdue": sum(1 for s in found.values() if s.overdue),
            "visits_this_month": visits_this_month,
            "open_by_level": [(level, levels.get(level, 0)) for level in rules.LEVELS]}
