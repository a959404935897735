"""Combined inspections (综合查一次): hook implementations."""
from flask_babel import lazy_gettext as _l

from core.plugins.toolkit import MenuItem, hookimpl
from plugins.inspection.views import bp

BUSINESS_ROLES = {"leader", "desk", "officer"}


@hookimpl
def anqi_blueprints(app):
    return [bp]


@hookimpl
def anqi_permissions():
    return {"inspection.read": BUSINESS_ROLES}


@hookimpl
def anqi_menu_items(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    return [MenuItem(label=_l("Combined inspections"), endpoint="inspection.index", order=10)]
