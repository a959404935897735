"""Exit-entry green channel (出入境绿色通道): hook implementations."""
from flask_babel import lazy_gettext as _l

from core.plugins.toolkit import MenuItem, hookimpl
from plugins.exit_entry.views import bp

BUSINESS_ROLES = {"leader", "desk", "officer"}


@hookimpl
def anqi_blueprints(app):
    return [bp]


@hookimpl
def anqi_permissions():
    return {"exit_entry.read": BUSINESS_ROLES}


@hookimpl
def anqi_menu_items(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    return [MenuItem(label=_l("Exit-entry green channel"), endpoint="exit_entry.index", order=20)]
