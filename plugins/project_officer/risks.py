"""矛盾纠纷、风险隐患动态梳理摸排: the running survey of a project's disputes
and risks. Each entry has a type and a level; the level's rule
(``plugins.project_officer.rules``) gives its responsible unit and leader,
kept on the entry and worked out again when the level changes. Actions and
follow-ups are recorded until the entry is resolved. An entry that points to
a crime is registered as a core ticket (专案专办), whose id the entry keeps;
the ticket page shows the entry through ``anqi_ticket_panels``."""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select

from core.audit import services as audit
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.plugins.toolkit import Finding
from core.tickets import services as tickets
from plugins.project_officer import projects, rules
from plugins.project_officer.checks import refuse, text, today
from plugins.project_officer.models import Project, ProjectRisk, ProjectRiskAction

TYPES = {
    "obstruction": _l("Obstruction of works (阻工)"),
    "forced_contracting": _l("Forced contracting (强揽工程)"),
    "extortion": _l("Extortion (敲诈勒索)"),
    "wages": _l("Wage dispute (欠薪)"),
    "bid_rigging": _l("Bid rigging (串通投标)"),
    "site_safety": _l("Site safety (工地安全)"),
    "provocation": _l("Provocation and gathering crowds (寻衅滋事、聚众闹事)"),
    "bribery": _l("Commercial bribery (商业贿赂)"),
    "embezzlement": _l("Embezzlement and misappropriation (职务侵占、挪用资金)"),
    "contract_fraud": _l("Contract fraud (合同诈骗)"),
    "land": _l("Land and resettlement dispute (征地拆迁纠纷)"),
    "other": _l("Other"),
}
# The words a document prints (a document is Chinese whatever the reader's language).
TYPE_WORDS = {"obstruction": "阻工", "forced_contracting": "强揽工程", "extortion": "敲诈勒索", "wages": "欠薪",
              "bid_rigging": "串通投标", "site_safety": "工地安全", "provocation": "寻衅滋事、聚众闹事",
              "bribery": "商业贿赂", "embezzlement": "职务侵占、挪用资金", "contract_fraud": "合同诈骗",
              "land": "征地拆迁纠纷", "other": "其他"}
LEVEL_WORDS = {"high": "高", "medium": "中", "low": "低"}
LEVEL_ORDER = {"high": 0, "medium": 1, "low": 2}
# Types that usually point to a crime: the risk page offers to register a ticket.
CRIME_TYPES = ("obstruction", "forced_contracting", "extortion", "bid_rigging", "provocation", "bribery",
               "embezzlement", "contract_fraud")
ACTION_KINDS = {"action": _l("Action"), "follow_up": _l("Follow-up")}
STATUSES = {"open": _l("Open"), "resolved": _l("Resolved")}
TICKET_CATEGORY = "project_officer.obstruction"


@dataclass
class RiskInput:
    risk_type: str = ""
    level: str = ""
    title: str = ""
    description: str = ""
    found_on: date | None = None


def get(actor, risk_id) -> ProjectRisk:
    risk = db.session.get(ProjectRisk, risk_id) if risk_id else None
    if risk is None:
        raise NotFound(_l("There is no such risk or dispute."))
    projects.get(actor, risk.project_id)
    return risk


def of_project(project_id) -> list[ProjectRisk]:
    return list(db.session.scalars(select(ProjectRisk).where(ProjectRisk.project_id == project_id)
                                   .order_by(ProjectRisk.found_on, ProjectRisk.id)))


def create(actor, project_id, data: RiskInput) -> ProjectRisk:
    project = projects.recorded(actor, project_id, "project_officer.risk")
    errors = {}
    if data.risk_type not in TYPES:
        errors["risk_type"] = [_l("Choose the type of risk or dispute.")]
    if data.level not in rules.LEVELS:
        errors["level"] = [_l("Grade the risk: high, medium or low.")]
    title = text(data.title, 200)
    if not title:
        errors["title"] = [_l("Say in a line what the risk or dispute is.")]
    if data.found_on is None:
        errors["found_on"] = [_l("Give the day it came to light.")]
    elif data.found_on > today():
        errors["found_on"] = [_l("A risk cannot be found in the future.")]
    refuse(actor, "project_officer.risk", errors, "project_officer_project", project.id)
    unit_id, leader_id = rules.for_project(project, data.level)
    risk = ProjectRisk(project_id=project.id, risk_type=data.risk_type, level=data.level, title=title,
                description=text(data.description, 4000), found_on=data.found_on, responsible_unit_id=unit_id,
                responsible_leader_id=leader_id, recorded_by_id=actor.user_id)
    db.session.add(risk)
    db.session.flush()
    audit.record(actor, "project_officer.risk", risk, detail={"project_id": project.id, "type": risk.risk_type,
                                                             "level": risk.level, "unit_id": unit_id})
    db.session.commit()
    return risk


def _open(actor, risk_id, action) -> ProjectRisk:
    risk = get(actor, risk_id)
    projects.recorded(actor, risk.project_id, action)
    if risk.status != "open":
        audit.record_failure(actor, action, object_type="project_officer_risk", object_id=risk.id,
                             detail={"status": risk.status})
        raise ValidationError(_l("This risk has been resolved."))
    return risk


def regrade(actor, risk_id, level: str) -> ProjectRisk:
    """A new level: the responsible unit and leader follow the level's rule."""
    risk = _open(actor, risk_id, "project_officer.risk.level")
    refuse(actor, "project_officer.risk.level",
           {} if level in rules.LEVELS else {"level": [_l("Grade the risk: high, medium or low.")]},
           "project_officer_risk", risk.id)
    before = risk.level
    risk.level = level
    risk.responsible_unit_id, risk.responsible_leader_id = rules.for_project(risk.project, level)
    audit.record(actor, "project_officer.risk.level", risk, detail={"from": before, "to": level,
                                                                   "unit_id": risk.responsible_unit_id})
    db.session.commit()
    return risk


def add_action(actor, risk_id, kind: str, text_value: str, acted_on: date | None = None) -> ProjectRiskAction:
    risk = _open(actor, risk_id, "project_officer.risk.action")
    errors = {}
    acted_on = acted_on or today()
    if kind not in ACTION_KINDS:
        errors["kind"] = [_l("Choose an action or a follow-up.")]
    body = text(text_value, 4000)
    if not body:
        errors["text"] = [_l("Say what was done.")]
    if acted_on > today():
        errors["acted_on"] = [_l("Record what has been done, not what is planned.")]
    refuse(actor, "project_officer.risk.action", errors, "project_officer_risk", risk.id)
    row = ProjectRiskAction(risk=risk, kind=kind, acted_on=acted_on, text=body, recorded_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "project_officer.risk.action", row, detail={"risk_id": risk.id, "kind": kind})
    db.session.commit()
    return row


def resolve(actor, risk_id, outcome: str) -> ProjectRisk:
    """化解: closed with its outcome; only after at least one action."""
    risk = _open(actor, risk_id, "project_officer.risk.resolve")
    errors = {}
    outcome = text(outcome, 4000)
    if not outcome:
        errors["outcome"] = [_l("Describe how it was resolved.")]
    if not risk.actions:
        errors["actions"] = [_l("Record the actions taken before resolving it.")]
    refuse(actor, "project_officer.risk.resolve", errors, "project_officer_risk", risk.id)
    risk.status, risk.outcome, risk.resolved_on = "resolved", outcome, today()
    audit.record(actor, "project_officer.risk.resolve", risk, detail={"project_id": risk.project_id})
    db.session.commit()
    return risk


def register_ticket(actor, risk_id):
    """Register the risk as a crime report in core's demand loop and keep the
    ticket's id on the risk. The intake's submission key is the risk's own, so
    registering again (after a failure between the two commits) finds the same
    ticket instead of making a second."""
    risk = get(actor, risk_id)
    projects.recorded(actor, risk.project_id, "project_officer.risk.ticket")
    if not actor.can("ticket.register"):
        audit.record_failure(actor, "project_officer.risk.ticket", result=audit.DENIED,
                             object_type="project_officer_risk", object_id=risk.id)
        raise Forbidden(_l("You are not allowed to do this."))
    if risk.ticket_id is not None:
        raise ValidationError(_l("This risk is already linked to ticket %(id)d.", id=risk.ticket_id))
    project = risk.project
    description = (f"{project.name}（{project.location or project.enterprise.name}）{TYPE_WORDS[risk.risk_type]}："
                   f"{risk.title}。{risk.description}")[:5000]
    ticket = tickets.register(actor, tickets.Intake(
        enterprise_id=project.enterprise_id, channel="visit", category=TICKET_CATEGORY, ticket_class="general",
        handling_mode="follow", description=description, submission_key=f"project_officer.risk.{risk.id}"))
    risk = db.session.get(ProjectRisk, risk_id)
    risk.ticket_id = ticket.id
    audit.record(actor, "project_officer.risk.ticket", risk, detail={"ticket_id": ticket.id})
    db.session.commit()
    return ticket


def responsible_for(actor) -> list[ProjectRisk]:
    """Open risks whose responsible leader the actor is (the leader's queue)."""
    actor.require("project_officer.read")
    return list(db.session.scalars(select(ProjectRisk).where(ProjectRisk.responsible_leader_id == actor.user_id,
                                                             ProjectRisk.status == "open")
                                   .order_by(case(LEVEL_ORDER, value=ProjectRisk.level), ProjectRisk.found_on)))


def for_ticket(actor, ticket_id) -> list[ProjectRisk]:
    """The risks the actor sees that were registered as ``ticket_id``."""
    return list(db.session.scalars(select(ProjectRisk).where(ProjectRisk.ticket_id == ticket_id,
                                                      ProjectRisk.project_id.in_(projects.visible_ids(actor)))))


def findings_of(actor, enterprise_id) -> list[Finding]:
    """The risks of the enterprise's projects that the actor sees, as
    ``toolkit.Finding`` for other plugins (a risk assessment's sources)."""
    if not actor.can("project_officer.read"):
        return []          # a role that may not read the plugin learns nothing from it
    rows = db.session.scalars(select(ProjectRisk).join(Project, Project.id == ProjectRisk.project_id)
                              .where(Project.enterprise_id == enterprise_id,
                                     Project.id.in_(projects.visible_ids(actor))).order_by(ProjectRisk.id))
    return [Finding(source="project_officer.risk", ref=risk.id, title=risk.title, found_on=risk.found_on,
                    detail=risk.description, category=str(TYPES[risk.risk_type]), level=risk.level,
                    is_open=risk.status == "open", endpoint="project_officer.risk",
                    values={"project_risk_id": risk.id}) for risk in rows]
