"""The project officers' records the host's security suite opens as another station (``anqi_security_samples``)."""
from datetime import date

from plugins.project_officer import dossier, meetings, plan_versions, projects, risks, rules, team, visits


def make(context) -> dict:
    """A project with a contact, a handover, an approved plan, a visit, a
    meeting, a risk linked to a ticket, a rule and the file."""
    desk, leader = context.desk, context.leader
    project = projects.create(desk, projects.ProjectInput(
        name="重点项目", enterprise_id=context.enterprise_id, stage="construction", officer_id=context.officer.user_id,
        leader_id=leader.user_id, visit_interval_months=1))
    contact = team.add_contact(desk, project.id, "周经理", "项目经理", "13857512345")
    team.handover(desk, project.id, "officer", leader.user_id, "移交")
    version = plan_versions.start(desk, project.id)
    plan_versions.save(desk, version.id, {"measures": "每月走访"})
    plan_versions.approve(leader, version.id)
    visit = visits.record(desk, project.id, date(2026, 11, 19), "民警")
    meeting = meetings.record(desk, project.id, "joint", date(2026, 11, 19), "街道、派出所")
    risk = risks.create(desk, project.id, risks.RiskInput(risk_type="obstruction", level="high",
                                                          title="阻工", found_on=date(2026, 11, 19)))
    risks.register_ticket(desk, risk.id)
    rule = rules.save(leader, "medium", desk.unit_id, leader.user_id)
    dossier.make(desk, project.id)
    return {"project_id": project.id, "member_id_po": contact.id, "plan_version_id": version.id,
            "project_visit_id": visit.id, "project_meeting_id": meeting.id, "project_risk_id": risk.id,
            "rule_id": rule.id}
