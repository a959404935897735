"""Exit-entry green channel (出入境绿色通道): hook implementations."""
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.plugins.toolkit import MenuItem, Panel, PortalService, TicketCategory, Widget, hookimpl
from plugins.exit_entry import code_labels
from plugins.exit_entry import models  # noqa: F401  (the tables, for the schema check)
from plugins.exit_entry.views import bp

BUSINESS_ROLES = {"leader", "desk", "officer"}


@hookimpl
def anqi_blueprints(app):
    return [bp]


@hookimpl
def anqi_permissions():
    return {
        "exit_entry.read": BUSINESS_ROLES,
        "exit_entry.handle": {"leader", "desk"},       # applications, steps, slots, bookings, on-site, frozen cases
        "exit_entry.talent": BUSINESS_ROLES,           # talents, permits, events, pairings
        "exit_entry.manage": {"leader"},               # the unit's settings and yearly targets
    }


@hookimpl
def anqi_menu_items(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    return [MenuItem(label=_l("Exit-entry green channel"), endpoint="exit_entry.index", order=20)]


@hookimpl
def anqi_ticket_categories(unit):
    from plugins.exit_entry.frozen import CATEGORY

    return [TicketCategory(CATEGORY, _l("Bank account frozen over cross-border trade (跨境贸易账户冻结)"))]


@hookimpl
def anqi_document_types(unit):
    from plugins.exit_entry.letters import TYPES

    return list(TYPES)


@hookimpl
def anqi_enterprise_panels(enterprise, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    from plugins.exit_entry import views

    return [Panel(title=_l("Exit-entry green channel"), html=Markup(views.enterprise_panel(enterprise)), order=45)]


@hookimpl
def anqi_ticket_panels(ticket, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    from plugins.exit_entry import views

    html = views.ticket_panel(ticket)
    return [Panel(title=_l("Frozen-account case"), html=Markup(html), order=30)] if html else []


@hookimpl
def anqi_dashboard_widgets(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    from plugins.exit_entry import views

    return [Widget(title=_l("Exit-entry green channel this year"), html=Markup(views.dashboard_widget()), order=45)]


@hookimpl
def anqi_enterprise_findings(enterprise, actor):
    """Frozen-account cases of the enterprise, open until the case is closed."""
    from plugins.exit_entry import frozen

    return frozen.findings_of(actor, enterprise.id)


@hookimpl
def anqi_portal_services(enterprise, unit):
    """The enterprise books its own appointment at the unit's window (预约办)."""
    return [PortalService(label=_l("Book an exit-entry appointment"), endpoint="exit_entry.portal_book",
                          description=_l("Green channel: pick a time at the window for your staff's "
                                         "passports and permits"))]


@hookimpl
def anqi_demo_data(context):
    from plugins.exit_entry import demo

    demo.build(context)


@hookimpl
def anqi_security_samples(context):
    from plugins.exit_entry import security_samples

    return security_samples.make(context)


@hookimpl
def anqi_permission_labels():
    return code_labels.PERMISSIONS


@hookimpl
def anqi_audit_labels():
    return code_labels.AUDIT
