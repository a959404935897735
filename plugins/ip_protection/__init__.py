"""IP officers online (知产警官在线): hook implementations."""
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.plugins.toolkit import FaqEntry, MenuItem, Panel, PortalService, Widget, hookimpl
from plugins.ip_protection import code_labels
from plugins.ip_protection import models  # noqa: F401  (the tables, for the schema check)
from plugins.ip_protection.views import bp

BUSINESS_ROLES = {"leader", "desk", "officer"}


@hookimpl
def anqi_blueprints(app):
    from core.calendar.services import on_change
    from plugins.ip_protection.consultations import recompute_due

    on_change(recompute_due)        # a calendar change counts unanswered consultations' deadlines again
    return [bp]


@hookimpl
def anqi_permissions():
    return {
        "ip_protection.read": BUSINESS_ROLES,
        "ip_protection.consult": BUSINESS_ROLES,          # register consultations, the enterprise's follow-ups
        "ip_protection.answer": {"leader", "officer"},    # answer, publish to the FAQ
        "ip_protection.check": {"leader", "officer"},     # record health checks
        "ip_protection.case": {"leader", "desk"},         # report infringements (opens a core ticket)
        "ip_protection.handle": BUSINESS_ROLES,           # case status, evidence
        "ip_protection.brand": {"leader", "desk"},        # regional brands, members, alerts
        "ip_protection.outreach": BUSINESS_ROLES,         # talks and trainings
        "ip_protection.designate": {"leader"},            # designate the unit's IP officers
    }


@hookimpl
def anqi_menu_items(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    return [MenuItem(label=_l("IP officers online"), endpoint="ip_protection.index", order=30)]


@hookimpl
def anqi_ticket_categories(unit):
    from plugins.ip_protection.cases import CATEGORY

    return [CATEGORY]


@hookimpl
def anqi_document_types(unit):
    from plugins.ip_protection.letters import TYPES

    return list(TYPES)


@hookimpl
def anqi_enterprise_panels(enterprise, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    from plugins.ip_protection import views

    return [Panel(title=_l("Intellectual property"), html=Markup(views.enterprise_panel(enterprise)), order=45)]


@hookimpl
def anqi_ticket_panels(ticket, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    from plugins.ip_protection import views

    html = views.ticket_panel(ticket)
    return [Panel(title=_l("IP infringement case"), html=Markup(html), order=30)] if html else []


@hookimpl
def anqi_dashboard_widgets(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    from plugins.ip_protection import views

    return [Widget(title=_l("IP officers online this year"), html=Markup(views.dashboard_widget()), order=45)]


@hookimpl
def anqi_enterprise_findings(enterprise, actor):
    """Open infringement cases and the weak areas of the latest health check."""
    if not actor.can("ip_protection.read"):
        return []
    from plugins.ip_protection import cases, checks

    return cases.findings_of(actor, enterprise.id) + checks.findings_of(actor, enterprise.id)


@hookimpl
def anqi_portal_services(enterprise, unit):
    return [PortalService(label=_l("Ask an IP officer"), endpoint="ip_protection.portal_questions",
                          description=_l("Questions on trademarks, patents, trade secrets and counterfeits, "
                                         "answered by the IP officers within one working day"))]


@hookimpl
def anqi_public_faq(query):
    """The published answers, names removed, of the units that switched the plugin on."""
    from plugins.ip_protection.consultations import TOPICS, faq

    return [FaqEntry(question=e.question, answer=e.answer, topic=str(TOPICS.get(e.topic, TOPICS["other"])))
            for e in faq(query)]


@hookimpl
def anqi_demo_data(context):
    from plugins.ip_protection import demo

    demo.build(context)


@hookimpl
def anqi_security_samples(context):
    from plugins.ip_protection import security_samples

    return security_samples.make(context)


@hookimpl
def anqi_permission_labels():
    return code_labels.PERMISSIONS


@hookimpl
def anqi_audit_labels():
    return code_labels.AUDIT
