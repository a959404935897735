"""A plugin for the tests: a page, a menu item, a panel on the enterprise page and one on the ticket page,
and a record of the enterprise events it hears."""
from markupsafe import Markup, escape

from core.plugins.toolkit import MenuItem, Panel, hookimpl, plugin_blueprint
from core.web import permission_required

bp = plugin_blueprint("fake_panels", __name__)
EVENTS = []


@bp.route("/")
@permission_required("fake_panels.read")
def index():
    return "fake panels page"


@hookimpl
def anqi_blueprints(app):
    return [bp]


@hookimpl
def anqi_permissions():
    return {"fake_panels.read": {"desk", "leader", "officer"}}


@hookimpl
def anqi_menu_items(unit, user):
    return [MenuItem(label="测试面板菜单", endpoint="fake_panels.index")]


@hookimpl
def anqi_enterprise_panels(enterprise, user):
    return [Panel(title="测试面板标题",
                  html=Markup('<p class="fake-panel">') + escape(enterprise.credit_code) + Markup("</p>"))]


@hookimpl
def anqi_ticket_panels(ticket, user):
    return [Panel(title="测试工单面板", html=Markup('<p class="fake-ticket-panel">') + escape(ticket.number) + Markup("</p>"))]


@hookimpl
def anqi_enterprise_event(event, enterprise, actor):
    EVENTS.append((event, enterprise.credit_code))
