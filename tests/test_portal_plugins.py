"""What plugins add to the portal: services listed for an enterprise only when
its unit enabled the plugin (and the plugin's portal page 404 otherwise), and
the public FAQ."""
from datetime import datetime
from types import SimpleNamespace

import pytest

from core import clock
from core.org.actor import shell_actor
from core.plugins import services as plugin_services
from core.portal import extensions
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.portal_world import portal_login, verified_account

FAKE = [SimpleNamespace(name="fake_counter", value="tests.fake_plugins.counter")]


def fake_entry_points(group):
    assert group == "anqi.plugins"
    return FAKE


@pytest.fixture
def app(make_app):
    app = make_app(entry_points=fake_entry_points)
    with app.app_context():
        yield app


def test_services_are_offered_only_where_the_unit_enabled_the_plugin(app, city):
    clock.freeze(datetime(2026, 11, 20, 2, 0))
    mine = verified_account("desk_a", 1, "甲企业有限公司", "13700137001")
    theirs = verified_account("desk_b", 2, "乙企业有限公司", "13700137002")
    plugin_services.set_enabled(shell_actor(), "STA", "fake_counter", True)
    assert [s.label for s in extensions.services_for(mine.enterprise)] == ["预约测试窗口"]
    assert extensions.services_for(theirs.enterprise) == []

    client, other = fresh_client(app), fresh_client(app)
    portal_login(client, "13700137001")
    portal_login(other, "13700137002")
    home = client.get("/portal/home").get_data(as_text=True)
    assert 'data-testid="portal-services"' in home and "预约测试窗口" in home and "/p/fake_counter/book" in home
    assert "预约测试窗口" not in other.get("/portal/home").get_data(as_text=True)
    assert client.get("/p/fake_counter/book").get_data(as_text=True) == "booking for 甲企业有限公司"
    assert other.get("/p/fake_counter/book").status_code == 404       # its unit did not enable the plugin
    assert fresh_client(app).get("/p/fake_counter/book").status_code == 302   # no session: the portal's sign-in
    # Switched off: gone at once, no restart.
    plugin_services.set_enabled(shell_actor(), "STA", "fake_counter", False)
    assert "预约测试窗口" not in client.get("/portal/home").get_data(as_text=True)
    assert client.get("/p/fake_counter/book").status_code == 404


def test_the_public_faq_comes_from_plugins_some_unit_enabled(app, city):
    anonymous = fresh_client(app)
    assert extensions.faq() == []
    assert "出境证件" not in anonymous.get("/portal/faq").get_data(as_text=True)
    plugin_services.set_enabled(shell_actor(), "STB", "fake_counter", True)
    assert [e.topic for e in extensions.faq()] == ["出入境", "知识产权"]
    page = anonymous.get("/portal/faq?q=商标").get_data(as_text=True)
    assert "商标被仿冒怎么办？" in page and "出境证件" not in page
