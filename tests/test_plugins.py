"""The plugin engine: per-unit enablement at run time, plugin pages and panels only
for the units that enabled them, dependency and manifest errors, the admin page
and the ``anqi plugins`` command."""
import re
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.plugins import services as plugin_services
from core.plugins.manager import discover_entry_points, load_order
from core.plugins.manifest import Manifest, PluginError, read_manifest
from core.plugins.models import UnitPlugin
from core.registry import services as registry
from tests.conftest import actor_for, login
from tests.helpers import code, en, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

CORE_PLUGINS = {"inspection", "exit_entry", "ip_protection", "project_officer", "risk_assessment"}
FAKE = [SimpleNamespace(name="fake_panels", value="tests.fake_plugins.panels"),
        SimpleNamespace(name="fake_addon", value="tests.fake_plugins.addon")]


def fake_entry_points(group):
    assert group == "anqi.plugins"
    return FAKE


@pytest.fixture
def app(make_app):
    """The application with the two test plugins installed as if by pip."""
    app = make_app(entry_points=fake_entry_points)
    with app.app_context():
        yield app


def enable(unit, name, enabled=True):
    return plugin_services.set_enabled(shell_actor(), unit, name, enabled)


def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


def last_audit(action):
    db.session.rollback()
    return db.session.scalar(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id.desc()))


# --- discovery -----------------------------------------------------------------------

def test_plugins_come_from_the_package_and_from_entry_points(app):
    manager = app.extensions["anqi_plugins"]
    assert set(manager.manifests) == CORE_PLUGINS | {"fake_panels", "fake_addon"}
    assert manager.manifests["fake_panels"].source == "entry point"
    assert manager.manifests["inspection"].source == "package"
    order = list(manager.manifests)
    assert order.index("fake_panels") < order.index("fake_addon")  # dependencies first
    for name in CORE_PLUGINS:  # each shipped plugin has a real manifest
        m = manager.manifests[name]
        assert m.version and m.title.get("zh") and m.title.get("en") and m.summary.get("zh")


def test_core_never_imports_a_plugin():
    core = Path(__file__).resolve().parent.parent / "core"
    pattern = re.compile(r"^\s*(from|import)\s+plugins\b", re.MULTILINE)
    offenders = [str(p) for p in core.rglob("*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


# --- per-unit enablement ---------------------------------------------------------------

def menu_links(html):
    nav = html.split('<nav class="side"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav)


def test_inspection_enabled_for_a_only(app, city):
    enable("STA", "inspection")
    a, b = client_for(app, "desk_a"), client_for(app, "desk_b")

    response = a.get("/p/inspection/")
    assert response.status_code == 200
    assert "综合查一次" in response.get_data(as_text=True)
    assert "/p/inspection/" in menu_links(a.get("/").get_data(as_text=True))

    assert b.get("/p/inspection/").status_code == 404
    assert "/p/inspection/" not in menu_links(b.get("/").get_data(as_text=True))
    # Nor for the centre, which has not enabled it either.
    assert client_for(app, "desk").get("/p/inspection/").status_code == 404


def test_disabling_at_run_time_takes_effect_without_a_new_app(app, city):
    enable("STA", "inspection")
    a = client_for(app, "desk_a")
    assert a.get("/p/inspection/").status_code == 200

    enable("STA", "inspection", False)
    assert a.get("/p/inspection/").status_code == 404
    assert "/p/inspection/" not in menu_links(a.get("/").get_data(as_text=True))

    enable("STA", "inspection")
    assert a.get("/p/inspection/").status_code == 200


def test_disabling_keeps_the_row_and_records_who(app, city):
    enable("STA", "inspection")
    enable("STA", "inspection", False)
    rows = db.session.scalars(select(UnitPlugin).where(UnitPlugin.plugin == "inspection")).all()
    assert len(rows) == 1 and rows[0].enabled is False and rows[0].unit_id == city.station_a.id
    assert not plugin_services.is_enabled(city.station_a.id, "inspection")
    assert last_audit("plugin.disable").result == "ok"


def test_panels_appear_only_for_units_that_enabled_the_plugin(app, city):
    a_enterprise = registry.create(actor_for("desk_a"), {"name": "甲企业有限公司", "credit_code": code(1)}).id
    b_enterprise = registry.create(actor_for("desk_b"), {"name": "乙企业有限公司", "credit_code": code(2)}).id
    enable("STA", "fake_panels")
    a, b, centre = client_for(app, "desk_a"), client_for(app, "desk_b"), client_for(app, "desk")

    html = a.get(f"/enterprises/{a_enterprise}").get_data(as_text=True)
    assert "测试面板标题" in html and f'<p class="fake-panel">{code(1)}</p>' in html
    assert "/p/fake_panels/" in menu_links(html)
    assert a.get("/p/fake_panels/").status_code == 200

    for client, enterprise_id in ((b, b_enterprise), (centre, a_enterprise), (centre, b_enterprise)):
        html = client.get(f"/enterprises/{enterprise_id}").get_data(as_text=True)
        assert "测试面板标题" not in html and "fake-panel" not in html
        assert 'data-testid="plugin-panel"' not in html
        assert "/p/fake_panels/" not in menu_links(html)
    assert b.get("/p/fake_panels/").status_code == 404

    enable("STA", "fake_addon")
    html = a.get(f"/enterprises/{a_enterprise}").get_data(as_text=True)
    assert html.index("测试面板标题") < html.index("附加面板")  # panels in their order
    enable("STA", "fake_addon", False)
    enable("STA", "fake_panels", False)
    html = a.get(f"/enterprises/{a_enterprise}").get_data(as_text=True)
    assert "fake-panel" not in html and "附加面板" not in html


def test_ticket_panels_appear_only_for_units_that_enabled_the_plugin(app, city):
    from core.tickets import services as tickets

    enterprise = registry.create(actor_for("desk_a"), {"name": "甲企业有限公司", "credit_code": code(1)})
    ticket = tickets.register(actor_for("desk_a"), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description="厂区门口有人堵路。"))
    a = client_for(app, "desk_a")
    assert "fake-ticket-panel" not in a.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    enable("STA", "fake_panels")
    html = a.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert f'<p class="fake-ticket-panel">{ticket.number}</p>' in html and "测试工单面板" in html


def test_per_unit_hooks_answer_only_for_enabled_units(app, city):
    enable("STB", "fake_panels")
    enterprise = registry.create(actor_for("desk_a"), {"name": "甲企业有限公司", "credit_code": code(1)})
    call = plugin_services.call_for_unit
    assert call("anqi_enterprise_panels", city.station_a.id, enterprise=enterprise, user=None) == []
    panels = call("anqi_enterprise_panels", city.station_b.id, enterprise=enterprise, user=None)
    assert [p.title for p in panels] == ["测试面板标题"]
    assert call("anqi_enterprise_panels", None, enterprise=enterprise, user=None) == []


def test_every_loaded_plugin_hears_enterprise_events(app, city):
    from tests.fake_plugins import panels

    panels.EVENTS.clear()
    enterprise = registry.create(actor_for("desk_a"), {"name": "甲企业有限公司", "credit_code": code(1)})
    registry.update(actor_for("desk_a"), enterprise.id, {"notes": "新备注"})
    assert panels.EVENTS == [("created", code(1)), ("updated", code(1))]


# --- dependencies ----------------------------------------------------------------------

def test_enabling_needs_the_dependencies_enabled_for_that_unit(app, city):
    enable("STB", "fake_panels")  # another unit's enablement does not count
    with pytest.raises(ValidationError) as caught:
        enable("STA", "fake_addon")
    assert "fake_panels" in en(caught.value.message)
    assert not plugin_services.is_enabled(city.station_a.id, "fake_addon")
    entry = last_audit("plugin.enable")
    assert entry.result == "rejected" and entry.object_id == "fake_addon"
    assert entry.detail["missing"] == ["fake_panels"]

    enable("STA", "fake_panels")
    enable("STA", "fake_addon")
    assert plugin_services.enabled_names(city.station_a.id) == {"fake_panels", "fake_addon"}


def test_disabling_is_refused_while_a_dependent_is_enabled(app, city):
    enable("STA", "fake_panels")
    enable("STA", "fake_addon")
    with pytest.raises(ValidationError) as caught:
        enable("STA", "fake_panels", False)
    assert "fake_addon" in en(caught.value.message)
    assert plugin_services.is_enabled(city.station_a.id, "fake_panels")
    assert last_audit("plugin.disable").result == "rejected"

    enable("STA", "fake_addon", False)
    enable("STA", "fake_panels", False)
    assert plugin_services.enabled_names(city.station_a.id) == frozenset()


def test_unknown_plugin_is_refused_and_audited(app, city):
    with pytest.raises(ValidationError) as caught:
        enable("STA", "no_such_plugin")
    assert "no_such_plugin" in en(caught.value.message)
    entry = last_audit("plugin.enable")
    assert (entry.result, entry.object_id, entry.username) == ("rejected", "no_such_plugin", "cli")
    assert db.session.scalar(select(UnitPlugin).where(UnitPlugin.plugin == "no_such_plugin")) is None


def test_unknown_unit_is_refused(app, city):
    with pytest.raises(NotFound):
        enable("NOPE", "inspection")


def test_only_the_administrator_switches_plugins(app, city):
    for username in ("desk", "desk_a", "leader", "auditor"):
        with pytest.raises(Forbidden):
            plugin_services.set_enabled(actor_for(username), "STA", "inspection", True)
    plugin_services.set_enabled(actor_for("admin"), "STA", "inspection", True)
    assert plugin_services.is_enabled(city.station_a.id, "inspection")
    assert last_audit("plugin.enable").username == "admin"


def manifest(name, depends=()):
    return Manifest(name=name, title={"zh": name, "en": name}, version="1", summary={"zh": "", "en": ""},
                    module=f"x.{name}", path=Path("/nonexistent"), depends=tuple(depends))


def test_a_missing_dependency_names_both_plugins():
    with pytest.raises(PluginError) as caught:
        load_order([manifest("alpha"), manifest("beta", ["gamma"])])
    assert "beta" in str(caught.value) and "gamma" in str(caught.value)


def test_a_cycle_is_named():
    with pytest.raises(PluginError) as caught:
        load_order([manifest("alpha", ["beta"]), manifest("beta", ["gamma"]), manifest("gamma", ["alpha"]),
                    manifest("delta")])
    message = str(caught.value)
    assert "cycle" in message
    assert re.search(r"alpha → beta → gamma → alpha", message), message
    with pytest.raises(PluginError, match="selfish"):
        load_order([manifest("selfish", ["selfish"])])


def test_load_order_puts_dependencies_first():
    order = [m.name for m in load_order([manifest("c", ["b"]), manifest("a"), manifest("b", ["a"]),
                                         manifest("d")])]
    assert order.index("a") < order.index("b") < order.index("c")
    assert sorted(order) == ["a", "b", "c", "d"]


def test_a_plugin_installed_twice_is_an_error():
    with pytest.raises(PluginError, match="twice"):
        load_order([manifest("alpha"), manifest("alpha")])


def write_plugin(root: Path, package: str, manifest_text: str) -> Path:
    folder = root / package
    folder.mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    (folder / "__manifest__.py").write_text(textwrap.dedent(manifest_text), encoding="utf-8")
    return folder


def test_the_app_refuses_to_start_with_a_missing_dependency(make_app, tmp_path, monkeypatch):
    write_plugin(tmp_path, "anqi_test_orphan", """
        {"name": "orphan", "title": "孤儿", "version": "1", "summary": "x", "depends": ["lost_parent"]}
    """)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError) as caught:
        make_app(entry_points=lambda group: [SimpleNamespace(name="orphan", value="anqi_test_orphan")])
    assert "orphan" in str(caught.value) and "lost_parent" in str(caught.value)


def test_the_app_refuses_to_start_with_a_cycle(make_app, tmp_path, monkeypatch):
    write_plugin(tmp_path, "anqi_test_chicken", """
        {"name": "chicken", "title": "鸡", "version": "1", "summary": "x", "depends": ["egg"]}
    """)
    write_plugin(tmp_path, "anqi_test_egg", """
        {"name": "egg", "title": "蛋", "version": "1", "summary": "x", "depends": ["chicken"]}
    """)
    monkeypatch.syspath_prepend(str(tmp_path))
    eps = [SimpleNamespace(name="chicken", value="anqi_test_chicken"),
           SimpleNamespace(name="egg", value="anqi_test_egg")]
    with pytest.raises(PluginError) as caught:
        make_app(entry_points=lambda group: eps)
    assert "cycle" in str(caught.value)
    assert "chicken → egg → chicken" in str(caught.value)


# --- manifests ------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ('{"name": "broken", "title": make_title(), "version": "1", "summary": "x"}', "not a literal dict"),
    ('{"name": "broken", "title": "x", "version": "1", "summary": "x",', "not a literal dict"),
    ('["broken", "1"]', "must hold a dict"),
    ('{"name": "broken", "title": "x"}', "lacks version, summary"),
    ('{"name": "broken", "title": "x", "version": "1", "summary": "x", "colour": "red"}', "colour"),
    ('{"name": "broken", "title": 3, "version": "1", "summary": "x"}', "title"),
    ('{"name": "broken", "title": "x", "version": "1", "summary": "x", "depends": "base"}', "depends"),
])
def test_manifest_errors_name_the_plugin(tmp_path, text, expected):
    folder = write_plugin(tmp_path, "broken_pkg", text)
    with pytest.raises(PluginError) as caught:
        read_manifest(folder, "broken_pkg")
    message = str(caught.value)
    assert expected in message
    assert "broken" in message  # the plugin's name, or its module when the manifest cannot be read


def test_a_manifest_is_read_without_importing_the_plugin(tmp_path):
    folder = write_plugin(tmp_path, "explosive", """
        {"name": "explosive", "title": {"zh": "炸", "en": "Boom"}, "version": 2, "summary": "x",
         "depends": ["inspection"], "license": "MIT"}
    """)
    (folder / "__init__.py").write_text("raise SystemExit('imported!')")
    m = read_manifest(folder, "explosive")
    assert (m.name, m.version, m.depends, m.license) == ("explosive", "2", ("inspection",), "MIT")
    assert m.localized("title", "en") == "Boom" and m.localized("title", "fr") == "炸"


def test_the_app_refuses_a_broken_manifest_from_an_entry_point(make_app, tmp_path, monkeypatch):
    write_plugin(tmp_path, "anqi_test_incomplete", '{"name": "incomplete", "title": "x"}')
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError) as caught:
        make_app(entry_points=lambda group: [SimpleNamespace(name="incomplete", value="anqi_test_incomplete")])
    assert "incomplete" in str(caught.value) and "version" in str(caught.value)


def test_entry_point_errors_name_the_entry_point(tmp_path, monkeypatch):
    write_plugin(tmp_path, "anqi_test_misnamed", '{"name": "real_name", "title": "x", "version": "1", "summary": "x"}')
    (tmp_path / "anqi_test_module.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(PluginError) as caught:
        discover_entry_points("anqi.plugins", lambda g: [SimpleNamespace(name="alias", value="anqi_test_misnamed")])
    assert "alias" in str(caught.value) and "real_name" in str(caught.value)
    with pytest.raises(PluginError, match="missing_pkg"):
        discover_entry_points("anqi.plugins", lambda g: [SimpleNamespace(name="m", value="anqi_test_missing_pkg:x")])
    with pytest.raises(PluginError, match="not an importable package"):
        discover_entry_points("anqi.plugins", lambda g: [SimpleNamespace(name="m", value="anqi_test_module")])


# --- the administrator's page ------------------------------------------------------------

def test_admin_page_lists_and_toggles_plugins(app, city):
    admin = client_for(app, "admin")
    html = admin.get("/admin/plugins/").get_data(as_text=True)
    for text in ("综合查一次", "测试面板", "9.8.7", "fake_panels"):
        assert text in html
    response = admin.post("/admin/plugins/toggle", data={"plugin": "inspection", "unit": "STA", "enabled": "1"})
    assert response.status_code == 302
    assert plugin_services.is_enabled(city.station_a.id, "inspection")
    assert client_for(app, "desk_a").get("/p/inspection/").status_code == 200

    admin.post("/lang", data={"lang": "en"})
    response = admin.post("/admin/plugins/toggle", data={"plugin": "fake_addon", "unit": "STA", "enabled": "1"},
                          follow_redirects=True)
    assert response.status_code == 200
    assert "Enable fake_panels for this unit before fake_addon" in response.get_data(as_text=True)
    response = admin.post("/admin/plugins/toggle", data={"plugin": "nope", "unit": "STA", "enabled": "1"},
                          follow_redirects=True)
    assert response.status_code == 200 and "nope" in response.get_data(as_text=True)

    admin.post("/admin/plugins/toggle", data={"plugin": "inspection", "unit": "STA", "enabled": "0"})
    assert not plugin_services.is_enabled(city.station_a.id, "inspection")


def test_the_plugin_page_is_for_the_administrator_only(app, city):
    desk = client_for(app, "desk_a")
    assert desk.get("/admin/plugins/").status_code == 403
    assert desk.post("/admin/plugins/toggle", data={"plugin": "inspection", "unit": "STA",
                                                    "enabled": "1"}).status_code == 403
    assert not plugin_services.is_enabled(city.station_a.id, "inspection")


# --- the command line --------------------------------------------------------------------

def test_cli_lists_enables_and_disables(app, city):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["plugins", "list"])
    assert result.exit_code == 0, result.output
    for name in CORE_PLUGINS | {"fake_panels", "fake_addon"}:
        assert name in result.output
    assert re.search(r"fake_addon .*depends: fake_panels", result.output)

    result = runner.invoke(args=["plugins", "enable", "inspection", "--unit", "STA"])
    assert result.exit_code == 0, result.output
    assert plugin_services.is_enabled(city.station_a.id, "inspection")
    line = next(l for l in runner.invoke(args=["plugins", "list"]).output.splitlines() if l.startswith("inspection"))
    assert "enabled for: STA" in line

    result = runner.invoke(args=["plugins", "disable", "inspection", "--unit", "STA"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert not plugin_services.is_enabled(city.station_a.id, "inspection")


@pytest.mark.parametrize("args, expected", [
    (["plugins", "enable", "no_such_plugin", "--unit", "STA"], "no_such_plugin"),
    (["plugins", "enable", "inspection", "--unit", "NOPE"], "NOPE"),
    (["plugins", "enable", "fake_addon", "--unit", "STA"], "fake_panels"),
    (["plugins", "enable", "inspection"], "--unit"),
])
def test_cli_refusals_exit_non_zero_with_a_message(app, city, args, expected):
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code != 0
    assert expected in result.output
    assert "Traceback" not in result.output


def test_a_plain_string_title_is_listed(make_app, tmp_path, monkeypatch):
    """A manifest may give its title and summary as plain strings instead of per language."""
    write_plugin(tmp_path, "anqi_test_plain", '{"name": "plain", "title": "纯文本标题", "version": "1", "summary": "简介"}')
    monkeypatch.syspath_prepend(str(tmp_path))
    app = make_app(entry_points=lambda group: [SimpleNamespace(name="plain", value="anqi_test_plain")])
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["plugins", "list"])
        assert result.exit_code == 0, result.output
        assert re.search(r"^plain\s+1\s+纯文本标题", result.output, re.MULTILINE)


def test_a_plugins_static_files_are_under_its_own_prefix(app):
    from flask import url_for

    with app.test_request_context():
        assert url_for("inspection.static", filename="inspection.css") == "/p/inspection/static/inspection.css"
