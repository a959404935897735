"""What this plugin's permissions and audit codes are called on core's pages (the
permission matrix, the auditor's log): the ``anqi_permission_labels`` and
``anqi_audit_labels`` hooks answer with these."""
from flask_babel import lazy_gettext as _l

PERMISSIONS = {
    "project_officer.approve": _l("Approve the project's plan"),
    "project_officer.manage": _l("Keep the register, the team, handovers and plan drafts"),
    "project_officer.read": _l("See key projects"),
    "project_officer.record": _l("Record visits, meetings, risks and their actions"),
    "project_officer.rules": _l("Keep the unit's level rules"),
}

# Audit action codes and the record types (table names) the plugin's entries name.
AUDIT = {
    "project_officer.dossier": _l("Project dossier made"),
    "project_officer.handover": _l("Project handed over"),
    "project_officer.meeting": _l("Project meeting recorded"),
    "project_officer.member.add": _l("Team member added"),
    "project_officer.member.remove": _l("Team member removed"),
    "project_officer.plan.approve": _l("Service plan approved"),
    "project_officer.plan.save": _l("Service plan saved"),
    "project_officer.plan.start": _l("Service plan started"),
    "project_officer.project.create": _l("Project registered"),
    "project_officer.project.update": _l("Project changed"),
    "project_officer.risk": _l("Project risk recorded"),
    "project_officer.risk.action": _l("Risk action recorded"),
    "project_officer.risk.level": _l("Risk level changed"),
    "project_officer.risk.resolve": _l("Risk resolved"),
    "project_officer.risk.ticket": _l("Risk made a ticket"),
    "project_officer.rule": _l("Level rule saved"),
    "project_officer.rule.reset": _l("Level rules reset"),
    "project_officer.schedule": _l("Visits scheduled"),
    "project_officer.visit": _l("Project visit recorded"),
    "project_officer_handover": _l("Handover"),
    "project_officer_meeting": _l("Project meeting"),
    "project_officer_member": _l("Team member"),
    "project_officer_plan_version": _l("Service plan"),
    "project_officer_project": _l("Key project"),
    "project_officer_risk": _l("Project risk"),
    "project_officer_risk_action": _l("Risk action"),
    "project_officer_rule": _l("Level rule"),
    "project_officer_visit": _l("Project visit"),
}
