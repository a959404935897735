"""Two letters and one list (两书一单): hook implementations."""
from flask_babel import lazy_gettext as _l

from core.plugins.toolkit import MenuItem, hookimpl
from plugins.risk_assessment.views import bp

BUSINESS_ROLES = {"leader", "desk", "officer"}


@hookimpl
def anqi_blueprints(app):
    return [bp]


@hookimpl
def anqi_permissions():
    return {"risk_assessment.read": BUSINESS_ROLES}


@hookimpl
def anqi_menu_items(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    return [MenuItem(label=_l("Two letters and one list"), endpoint="risk_assessment.index", order=50)]
