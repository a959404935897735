"""一个项目: the key-project register. A project belongs to the police unit
that keeps its file (the creator's unit), to an enterprise of the registry,
and always has a responsible officer and leader from that unit's tree."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from core.audit import services as audit
from core.errors import Forbidden, NotFound
from core.extensions import db
from core.org.models import Unit, User, UserRole
from core.org.scope import scope_for
from core.registry import services as registry
from plugins.project_officer.checks import refuse, text
from plugins.project_officer.models import ProjectMember, Project

STAGES = {"planning": _l("Planning"), "construction": _l("Under construction"), "completed": _l("Completed")}
MAX_INTERVAL_MONTHS = 12


@dataclass
class ProjectInput:
    name: str = ""
    enterprise_id: int | None = None
    enterprise_code: str = ""        # or the enterprise's unified social credit code, as typed
    location: str = ""
    investment: str = ""             # 万元, as typed
    stage: str = "planning"
    starts_on: date | None = None
    ends_on: date | None = None
    officer_id: int | None = None
    leader_id: int | None = None
    visit_interval_months: int | None = 1


# --- reading ------------------------------------------------------------------------------

def _visible(actor):
    actor.require("project_officer.read")
    mine = [Project.officer_id == actor.user_id, Project.leader_id == actor.user_id] if actor.user_id else []
    return select(Project).where(or_(actor.scope.filter(Project.unit_id), *mine))


def visible_ids(actor):
    """The ids of the projects the actor sees, as a subquery."""
    return _visible(actor).with_only_columns(Project.id).scalar_subquery()


def projects(actor, limit: int = 500) -> list[Project]:
    return list(db.session.scalars(_visible(actor).order_by(Project.id.desc()).limit(limit)))


def for_enterprise(actor, enterprise_id) -> list[Project]:
    return list(db.session.scalars(_visible(actor).where(Project.enterprise_id == enterprise_id)
                                   .order_by(Project.id.desc())))


def get(actor, project_id) -> Project:
    project = db.session.scalar(_visible(actor).where(Project.id == project_id)) if project_id else None
    if project is None:
        raise NotFound(_l("There is no such project."))
    return project


def may_manage(actor, project) -> bool:
    """The register, the team and the plan's drafts are kept by the project's unit."""
    return actor.can("project_officer.manage") and actor.scope.allows(project.unit_id)


def may_record(actor, project) -> bool:
    """Visits, meetings and risks: the project's unit, its officer, leader and team."""
    if not actor.can("project_officer.record"):
        return False
    if actor.scope.allows(project.unit_id) or actor.user_id in (project.officer_id, project.leader_id):
        return True
    return any(m.user_id == actor.user_id and m.left_on is None for m in project.members)


def managed(actor, project_id, action: str) -> Project:
    project = get(actor, project_id)
    if not may_manage(actor, project):
        audit.record_failure(actor, action, result=audit.DENIED, object_type="project_officer_project",
                             object_id=project.id)
        raise Forbidden(_l("Only the project's unit keeps its register and team."))
    return project


def recorded(actor, project_id, action: str) -> Project:
    project = get(actor, project_id)
    if not may_record(actor, project):
        audit.record_failure(actor, action, result=audit.DENIED, object_type="project_officer_project",
                             object_id=project.id)
        raise Forbidden(_l("Only the project's unit, officer, leader and team record its work."))
    return project


# --- people of a unit's tree --------------------------------------------------------------------

def tree_unit_ids(unit) -> frozenset[int] | None:
    """The units of ``unit``'s tree (its scope); None for every unit."""
    return scope_for(unit).unit_ids


def people(unit, roles=("officer", "leader")) -> list[User]:
    """Active users of ``unit``'s tree holding one of ``roles``."""
    ids = tree_unit_ids(unit)
    stmt = select(User).where(User.active.is_(True), User.role_rows.any(UserRole.role.in_(roles)))
    if ids is not None:
        stmt = stmt.where(User.unit_id.in_(sorted(ids)))
    return list(db.session.scalars(stmt.order_by(User.unit_id, User.name)))


def person_in_tree(unit, user_id, roles=("officer", "leader")) -> User | None:
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.active or not (user.roles & set(roles)):
        return None
    ids = tree_unit_ids(unit)
    return user if ids is None or user.unit_id in ids else None


def _unit(actor) -> Unit:
    if actor.user is None:
        raise Forbidden(_l("Only a member of a unit keeps project files."))
    return actor.user.unit


# --- changes ---------------------------------------------------------------------------------

def _validate(actor, unit, data: ProjectInput, errors: dict) -> dict:
    name = text(data.name, 200)
    if not name:
        errors["name"] = [_l("Give the project's name.")]
    enterprise = None
    if not data.enterprise_id and data.enterprise_code:
        found = registry.find_by_credit_code(text(data.enterprise_code, 40).upper())
        data.enterprise_id = found.id if found else None
    try:
        enterprise = registry.get(actor, data.enterprise_id) if data.enterprise_id else None
    except NotFound:
        pass
    if enterprise is None:
        errors["enterprise_id"] = [_l("Choose the owning enterprise from the registry.")]
    investment = None
    typed = (data.investment or "").strip().replace(",", "")
    if typed:
        try:
            investment = Decimal(typed)
            if investment < 0 or investment >= Decimal("1e12"):
                raise InvalidOperation
        except InvalidOperation:
            errors["investment"] = [_l("Give the investment in ten thousand yuan, as a number.")]
    if data.stage not in STAGES:
        errors["stage"] = [_l("Choose the project's stage.")]
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = [_l("The planned end cannot be before the start.")]
    if not data.officer_id:
        errors["officer_id"] = [_l("A project needs its responsible officer.")]
    elif person_in_tree(unit, data.officer_id) is None:
        errors["officer_id"] = [_l("The officer must be an officer of your unit's tree.")]
    if not data.leader_id:
        errors["leader_id"] = [_l("A project needs its responsible leader.")]
    elif person_in_tree(unit, data.leader_id, roles=("leader",)) is None:
        errors["leader_id"] = [_l("The leader must be a leader of your unit's tree.")]
    interval = data.visit_interval_months
    if interval is None or not 1 <= interval <= MAX_INTERVAL_MONTHS:
        errors["visit_interval_months"] = [_l("Visit at least once every %(n)d months.", n=MAX_INTERVAL_MONTHS)]
    return {"name": name, "enterprise_id": data.enterprise_id, "location": text(data.location, 200),
            "investment": investment, "stage": data.stage, "starts_on": data.starts_on, "ends_on": data.ends_on,
            "officer_id": data.officer_id, "leader_id": data.leader_id, "visit_interval_months": interval}


def create(actor, data: ProjectInput) -> Project:
    actor.require("project_officer.manage")
    unit = _unit(actor)
    errors = {}
    values = _validate(actor, unit, data, errors)
    refuse(actor, "project_officer.project.create", errors, "project_officer_project")
    project = Project(unit_id=unit.id, created_by_id=actor.user_id, **values)
    db.session.add(project)
    db.session.flush()
    audit.record(actor, "project_officer.project.create", project,
                 detail={"enterprise_id": project.enterprise_id, "stage": project.stage})
    db.session.commit()
    return project


def update(actor, project_id, data: ProjectInput) -> Project:
    """The register's facts; the officer and the leader change by handover only."""
    project = managed(actor, project_id, "project_officer.project.update")
    data.officer_id, data.leader_id = project.officer_id, project.leader_id
    errors = {}
    values = _validate(actor, project.unit, data, errors)
    refuse(actor, "project_officer.project.update", errors, "project_officer_project", project.id)
    changed = sorted(k for k, v in values.items() if getattr(project, k) != v)
    for key in changed:
        setattr(project, key, values[key])
    audit.record(actor, "project_officer.project.update", project, detail={"fields": changed})
    db.session.commit()
    return project


def current_team(project) -> list[ProjectMember]:
    return [m for m in project.members if m.left_on is None]
