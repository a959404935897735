"""Project officers (项目警官“五个一”): hook implementations."""
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.plugins.toolkit import MenuItem, Panel, TicketCategory, Widget, hookimpl
from plugins.project_officer import code_labels
from plugins.project_officer import models  # noqa: F401  (the tables, for the schema check)
from plugins.project_officer.views import bp

BUSINESS_ROLES = {"leader", "desk", "officer"}


@hookimpl
def anqi_blueprints(app):
    return [bp]


@hookimpl
def anqi_permissions():
    return {
        "project_officer.read": BUSINESS_ROLES,
        "project_officer.manage": {"leader", "desk"},     # the register, the team, handovers, plan drafts
        "project_officer.record": BUSINESS_ROLES,         # visits, meetings, risks and their actions
        "project_officer.approve": {"leader"},            # the plan, by the project's own leader
        "project_officer.rules": {"leader"},              # the unit's level → responsibility rules
    }


@hookimpl
def anqi_menu_items(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    return [MenuItem(label=_l("Project officers"), endpoint="project_officer.index", order=40)]


@hookimpl
def anqi_ticket_categories(unit):
    from plugins.project_officer.risks import TICKET_CATEGORY

    return [TicketCategory(TICKET_CATEGORY, _l("Crime obstructing a key project (涉项目建设违法犯罪)"))]


@hookimpl
def anqi_document_types(unit):
    from plugins.project_officer import dossier, monthly

    return [dossier.TYPE, monthly.TYPE]


@hookimpl
def anqi_enterprise_panels(enterprise, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    from plugins.project_officer import views

    return [Panel(title=_l("Key projects"), html=Markup(views.enterprise_panel(enterprise)), order=45)]


@hookimpl
def anqi_dashboard_widgets(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    from plugins.project_officer import views

    return [Widget(title=_l("Key projects"), html=Markup(views.dashboard_widget()), order=45)]


@hookimpl
def anqi_ticket_panels(ticket, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    from plugins.project_officer import views

    html = views.ticket_panel(ticket)
    return [Panel(title=_l("Key project risk"), html=Markup(html), order=45)] if html else []


@hookimpl
def anqi_enterprise_findings(enterprise, actor):
    """The risks and disputes of the enterprise's projects, open until resolved."""
    from plugins.project_officer import risks

    return risks.findings_of(actor, enterprise.id)


@hookimpl
def anqi_demo_data(context):
    from plugins.project_officer import demo

    demo.build(context)


@hookimpl
def anqi_security_samples(context):
    from plugins.project_officer import security_samples

    return security_samples.make(context)


@hookimpl
def anqi_permission_labels():
    return code_labels.PERMISSIONS


@hookimpl
def anqi_audit_labels():
    return code_labels.AUDIT
