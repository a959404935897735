"""Project officers (项目警官“五个一”): hook implementations."""
from flask_babel import lazy_gettext as _l

from core.plugins.toolkit import MenuItem, hookimpl
from plugins.project_officer.views import bp

BUSINESS_ROLES = {"leader", "desk", "officer"}


@hookimpl
def anqi_blueprints(app):
    return [bp]


@hookimpl
def anqi_permissions():
    return {"project_officer.read": BUSINESS_ROLES}


@hookimpl
def anqi_menu_items(unit, user):
    if not user.roles & BUSINESS_ROLES:
        return []
    return [MenuItem(label=_l("Project officers"), endpoint="project_officer.index", order=40)]
