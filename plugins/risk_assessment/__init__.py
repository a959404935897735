"""Two letters and one list (两书一单): risk assessments of enterprises, the
reminder letter, the opinion-and-suggestion letter and the risk warning list,
and the quarterly risk report to the party committee and government."""
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from core.plugins.toolkit import MenuItem, Panel, Widget, hookimpl
from plugins.risk_assessment import code_labels
from plugins.risk_assessment import models  # noqa: F401  (the tables, for the schema check)
from plugins.risk_assessment.views import bp

BUSINESS_ROLES = {"leader", "desk", "officer"}


@hookimpl
def anqi_blueprints(app):
    return [bp]


@hookimpl
def anqi_permissions():
    return {
        "risk_assessment.read": BUSINESS_ROLES,
        "risk_assessment.assess": BUSINESS_ROLES,        # assessments, risks, letters, responses, closing risks
        "risk_assessment.report": {"leader", "desk"},     # the quarterly report
        "risk_assessment.configure": {"leader"},          # the unit's level matrix
    }


@hookimpl
def anqi_menu_items(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    return [MenuItem(label=_l("Two letters and one list"), endpoint="risk_assessment.index", order=50)]


@hookimpl
def anqi_document_types(unit):
    from plugins.risk_assessment.letters import TYPES

    return list(TYPES)


@hookimpl
def anqi_enterprise_panels(enterprise, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    from plugins.risk_assessment import views

    return [Panel(title=_l("Risk assessments"), html=Markup(views.enterprise_panel(enterprise)), order=50)]


@hookimpl
def anqi_dashboard_widgets(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    from plugins.risk_assessment import views

    return [Widget(title=_l("Enterprise risks"), html=Markup(views.dashboard_widget()), order=50)]


@hookimpl
def anqi_demo_data(context):
    from plugins.risk_assessment import demo

    demo.build(context)


@hookimpl
def anqi_security_samples(context):
    from plugins.risk_assessment import security_samples

    return security_samples.make(context)


@hookimpl
def anqi_permission_labels():
    return code_labels.PERMISSIONS


@hookimpl
def anqi_audit_labels():
    return code_labels.AUDIT
