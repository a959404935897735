"""IP officers online (知产警官在线): hook implementations."""
from flask_babel import lazy_gettext as _l

from core.plugins.toolkit import MenuItem, hookimpl
from plugins.ip_protection.views import bp

BUSINESS_ROLES = {"leader", "desk", "officer"}


@hookimpl
def anqi_blueprints(app):
    return [bp]


@hookimpl
def anqi_permissions():
    return {"ip_protection.read": BUSINESS_ROLES}


@hookimpl
def anqi_menu_items(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    return [MenuItem(label=_l("IP officers online"), endpoint="ip_protection.index", order=30)]
