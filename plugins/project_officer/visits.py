"""Visits (常态化走访) and the visit schedule.

Each project is visited every ``visit_interval_months`` months (default one).
The next visit falls due that many months after the last one (before the
first visit, after the later of the project's start and its entry in the
register: a project entered late is not overdue on its first day); a
due day that is not a working day moves to the next working day of the
calendar (holidays and 调休 included). A project still under way whose due day
has passed without a visit is overdue and shows on its officer's and leader's
queues."""
import calendar
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from core.audit import services as audit
from core.calendar.services import is_workday, nth_working_day_after
from core.errors import NotFound
from core.extensions import db
from core.tickets.deadlines import local_date
from plugins.project_officer import projects
from plugins.project_officer.checks import refuse, text, today
from plugins.project_officer.models import Project, ProjectVisit


@dataclass(frozen=True)
class Schedule:
    last_visit: date | None
    due_on: date | None          # None for a completed project
    overdue: bool
    days_overdue: int = 0


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, kept within the month (31 Jan + 1 → 28/29 Feb)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def working_day_on_or_after(day: date) -> date:
    return day if is_workday(day) else nth_working_day_after(day, 1)[0]


def due_after(base: date, months: int) -> date:
    return working_day_on_or_after(add_months(base, months))


def _base(project, last_visit: date | None) -> date:
    """What the next visit is counted from: the last visit, or else the later of
    the project's start and its entry in the register (a project entered today
    that started months ago is not at once overdue)."""
    if last_visit:
        return last_visit
    entered = local_date(project.created_at)
    return max(project.starts_on, entered) if project.starts_on else entered


def schedule_of(project, last_visit: date | None, on: date | None = None) -> Schedule:
    on = on or today()
    if project.stage == "completed":
        return Schedule(last_visit, None, False)
    due = due_after(_base(project, last_visit), project.visit_interval_months)
    return Schedule(last_visit, due, on > due, max(0, (on - due).days))


def last_visits(project_ids) -> dict[int, date]:
    ids = sorted(set(project_ids))
    found = {}
    for start in range(0, len(ids), 900):
        found.update(db.session.execute(select(ProjectVisit.project_id, func.max(ProjectVisit.visited_on))
                                        .where(ProjectVisit.project_id.in_(ids[start:start + 900]))
                                        .group_by(ProjectVisit.project_id)).all())
    return found


def schedule(actor, project_id) -> Schedule:
    project = projects.get(actor, project_id)
    return schedule_of(project, last_visits([project.id]).get(project.id))


def schedules(rows) -> dict[int, Schedule]:
    last = last_visits([p.id for p in rows])
    on = today()
    return {p.id: schedule_of(p, last.get(p.id), on) for p in rows}


def overdue(actor, mine_only: bool = False) -> list[tuple[Project, Schedule]]:
    """Projects under way whose visit is overdue: those the actor is the
    officer or leader of (``mine_only``), or every one the actor sees."""
    stmt = select(Project).where(Project.id.in_(projects.visible_ids(actor)), Project.stage != "completed")
    if mine_only:
        stmt = stmt.where(or_(Project.officer_id == actor.user_id, Project.leader_id == actor.user_id))
    rows = list(db.session.scalars(stmt.order_by(Project.id)))
    found = schedules(rows)
    late = [(p, found[p.id]) for p in rows if found[p.id].overdue]
    return sorted(late, key=lambda pair: pair[1].due_on)


def set_interval(actor, project_id, months) -> Project:
    project = projects.managed(actor, project_id, "project_officer.schedule")
    errors = {}
    if not isinstance(months, int) or not 1 <= months <= projects.MAX_INTERVAL_MONTHS:
        errors["visit_interval_months"] = [_l("Visit at least once every %(n)d months.",
                                              n=projects.MAX_INTERVAL_MONTHS)]
    refuse(actor, "project_officer.schedule", errors, "project_officer_project", project.id)
    before, project.visit_interval_months = project.visit_interval_months, months
    audit.record(actor, "project_officer.schedule", project, detail={"from": before, "to": months})
    db.session.commit()
    return project


def get(actor, visit_id) -> ProjectVisit:
    visit = db.session.get(ProjectVisit, visit_id) if visit_id else None
    if visit is None:
        raise NotFound(_l("There is no such visit."))
    projects.get(actor, visit.project_id)
    return visit


def of_project(project_id) -> list[ProjectVisit]:
    return list(db.session.scalars(select(ProjectVisit).where(ProjectVisit.project_id == project_id)
                                   .order_by(ProjectVisit.visited_on, ProjectVisit.id)))


def record(actor, project_id, visited_on: date | None, visitors: str, raised: str = "", actions: str = "",
           follow_up: str = "") -> ProjectVisit:
    project = projects.recorded(actor, project_id, "project_officer.visit")
    errors = {}
    if visited_on is None:
        errors["visited_on"] = [_l("Give the day of the visit.")]
    elif visited_on > today():
        errors["visited_on"] = [_l("A visit cannot be dated in the future.")]
    visitors = text(visitors, 300)
    if not visitors:
        errors["visitors"] = [_l("Name who made the visit.")]
    refuse(actor, "project_officer.visit", errors, "project_officer_project", project.id)
    visit = ProjectVisit(project_id=project.id, visited_on=visited_on, visitors=visitors, raised=text(raised, 4000),
                  actions=text(actions, 4000), follow_up=text(follow_up, 4000), recorded_by_id=actor.user_id)
    db.session.add(visit)
    db.session.flush()
    audit.record(actor, "project_officer.visit", visit, detail={"project_id": project.id,
                                                               "visited_on": visited_on.isoformat()})
    db.session.commit()
    return visit
