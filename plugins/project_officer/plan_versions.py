"""一个方案: the service-and-security plan as numbered versions of structured
sections. A new version starts as a copy of the latest; only a draft is
edited; the project's leader approves it, which makes it current and the
version it replaces superseded. Approved and superseded versions are kept
and never change."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import clock
from core.audit import services as audit
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from plugins.project_officer import projects
from plugins.project_officer.checks import refuse, text
from plugins.project_officer.models import ProjectPlanVersion

SECTIONS = {
    "risks": _l("Risks of the project"),
    "measures": _l("Service and security measures"),
    "contacts": _l("Contacts and liaison"),
    "emergency": _l("Emergency arrangements"),
}
SECTION_LIMIT = 4000
STATUSES = {"draft": _l("Draft"), "approved": _l("Approved (current)"), "superseded": _l("Superseded")}


def versions(actor, project_id) -> list[ProjectPlanVersion]:
    project = projects.get(actor, project_id)
    return list(db.session.scalars(select(ProjectPlanVersion).where(ProjectPlanVersion.project_id == project.id)
                                   .order_by(ProjectPlanVersion.number.desc())))


def current(project_id) -> ProjectPlanVersion | None:
    """The approved version in force, if any."""
    return db.session.scalar(select(ProjectPlanVersion).where(ProjectPlanVersion.project_id == project_id,
                                                       ProjectPlanVersion.status == "approved"))


def get(actor, plan_version_id) -> ProjectPlanVersion:
    version = db.session.get(ProjectPlanVersion, plan_version_id) if plan_version_id else None
    if version is None:
        raise NotFound(_l("There is no such plan version."))
    projects.get(actor, version.project_id)
    return version


def _clean(sections: dict, errors: dict) -> dict:
    clean = {}
    for code in SECTIONS:
        value = text((sections or {}).get(code, ""), SECTION_LIMIT + 1)
        if len(value) > SECTION_LIMIT:
            errors[code] = [_l("Keep each section under %(n)d characters.", n=SECTION_LIMIT)]
        clean[code] = value[:SECTION_LIMIT]
    return clean


def start(actor, project_id) -> ProjectPlanVersion:
    """A new draft, copied from the latest version; one draft at a time."""
    project = projects.managed(actor, project_id, "project_officer.plan.start")
    rows = versions(actor, project.id)
    draft = next((v for v in rows if v.status == "draft"), None)
    if draft is not None:
        return draft
    number = (db.session.scalar(select(func.max(ProjectPlanVersion.number)).where(ProjectPlanVersion.project_id == project.id))
              or 0) + 1
    version = ProjectPlanVersion(project_id=project.id, number=number, created_by_id=actor.user_id,
                          sections=dict(rows[0].sections) if rows else {code: "" for code in SECTIONS})
    db.session.add(version)
    db.session.flush()
    audit.record(actor, "project_officer.plan.start", version, detail={"project_id": project.id, "number": number})
    db.session.commit()
    return version


def save(actor, plan_version_id, sections: dict) -> ProjectPlanVersion:
    version = get(actor, plan_version_id)
    projects.managed(actor, version.project_id, "project_officer.plan.save")
    if version.status != "draft":
        audit.record_failure(actor, "project_officer.plan.save", object_type="project_officer_plan_version",
                             object_id=version.id, detail={"status": version.status})
        raise ValidationError(_l("An approved version is kept as it was: start a new version to change the plan."))
    errors = {}
    clean = _clean(sections, errors)
    refuse(actor, "project_officer.plan.save", errors, "project_officer_plan_version", version.id)
    version.sections = clean
    audit.record(actor, "project_officer.plan.save", version,
                 detail={"sections": sorted(k for k, v in clean.items() if v)})
    db.session.commit()
    return version


def approve(actor, plan_version_id) -> ProjectPlanVersion:
    """The project's leader approves a draft: it becomes the current version."""
    version = get(actor, plan_version_id)
    project = version.project
    if not actor.can("project_officer.approve") or actor.user_id != project.leader_id:
        audit.record_failure(actor, "project_officer.plan.approve", result=audit.DENIED,
                             object_type="project_officer_plan_version", object_id=version.id)
        raise Forbidden(_l("Only the project's responsible leader approves its plan."))
    errors = {}
    if version.status != "draft":
        errors["status"] = [_l("This version has already been approved.")]
    elif not any((version.sections or {}).get(code) for code in SECTIONS):
        errors["sections"] = [_l("Write the plan before approving it.")]
    refuse(actor, "project_officer.plan.approve", errors, "project_officer_plan_version", version.id)
    before = current(project.id)
    if before is not None:
        before.status = "superseded"
    version.status, version.approved_by_id, version.approved_at = "approved", actor.user_id, clock.now()
    audit.record(actor, "project_officer.plan.approve", version,
                 detail={"project_id": project.id, "number": version.number,
                         "supersedes": before.number if before else None})
    db.session.commit()
    return version
