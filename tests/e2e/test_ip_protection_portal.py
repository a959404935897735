"""Asking an IP officer on the enterprise portal, in a real browser on a
phone-sized screen (360 × 740): the enterprise of a station that switched the
plugin on asks with a photo, the station's IP officer answers on the staff
side, and the enterprise reads the answer in its thread."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.org.actor import Actor, shell_actor
from core.org.models import Unit
from core.org.services import user_by_username
from core.plugins import services as plugin_services
from core.portal import accounts
from core.registry.models import Enterprise
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_portal import PASSWORD, PHONE_SCREEN, PNG, _shot
from tests.e2e.test_ticket_loop import log_in

STATION = "ZJ-DK"             # 店口派出所
PHONE = "13912340011"
QUESTION = "我司产品商标被网店仿冒销售，应该如何固定证据并报案？"
ANSWER = "请先对网店页面截图并公证保全，保留购买记录和实物，再到派出所报案，知产警官会协助核查。"


def _verified_enterprise(app) -> str:
    """The station's first enterprise, the plugin switched on for the station, and a verified account."""
    with app.app_context():
        plugin_services.set_enabled(shell_actor(), STATION, "ip_protection", True)
        station = db.session.scalar(select(Unit).where(Unit.code == STATION))
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.unit_id == station.id)
                                       .order_by(Enterprise.id).limit(1))
        account = accounts.register(Actor(user=None, address="127.0.0.1"), accounts.Registration(
            credit_code=enterprise.credit_code, enterprise_name=enterprise.name, unit_id=enterprise.unit_id, name="王经理", phone=PHONE,
            password=PASSWORD, repeat=PASSWORD))
        accounts.decide(Actor(user_by_username("desk"), "127.0.0.1"), account.id, True)
        name = enterprise.name
        db.session.remove()
        return name


def _officer_of(app, path) -> str:
    from plugins.ip_protection.models import Consultation

    with app.app_context():
        row = db.session.get(Consultation, int(path.rsplit("/", 1)[1]))
        username = row.officer.username
        db.session.remove()
        return username


@pytest.mark.e2e
def test_ask_an_ip_officer_on_a_phone_and_read_the_answer(browser, live_server, visit, report_dir):
    name = _verified_enterprise(live_server.app)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE_SCREEN, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    m = context.new_page()
    errors = []
    m.on("pageerror", lambda e: errors.append(str(e)))

    m.goto("/portal/login")
    m.locator("#phone").fill(PHONE)
    m.locator("#password").fill(PASSWORD)
    m.get_by_test_id("portal-login-submit").click()
    expect(m.get_by_test_id("enterprise-name")).to_have_text(name)
    m.get_by_test_id("portal-services").get_by_role("link", name=re.compile("咨询知产警官")).click()
    _shot(m, report_dir, "ip-1-questions")
    m.get_by_test_id("ip-ask-link").click()
    m.locator("#topic").select_option("trademark")
    m.get_by_test_id("ip-question").fill(QUESTION)
    m.get_by_test_id("ip-files").set_input_files([{"name": "网店截图.png", "mimeType": "image/png", "buffer": PNG}])
    _shot(m, report_dir, "ip-2-ask")
    m.get_by_test_id("ip-ask-submit").click()
    expect(m).to_have_url(re.compile(r"/p/ip_protection/portal/questions/\d+$"))
    expect(m.get_by_test_id("ip-status")).to_have_text("等待答复")
    expect(m.get_by_test_id("ip-due")).to_be_visible()
    expect(m.get_by_test_id("ip-file")).to_have_text("网店截图.png")
    thread = m.url
    path = thread.split(live_server.url, 1)[1]

    # The station's IP officer finds it among the consultations, marked as from the portal, and answers.
    staff = visit.page
    log_in(staff, _officer_of(live_server.app, path))
    staff.goto("/p/ip_protection/consultations")
    row = staff.get_by_test_id("consultation-row").filter(has_text=name)
    expect(row.get_by_test_id("channel-portal")).to_be_visible()
    row.get_by_role("link").click()
    expect(staff.get_by_test_id("channel")).to_contain_text("企业门户")
    staff.locator("#answer-body").fill(ANSWER)
    staff.get_by_test_id("send-answer").click()
    expect(staff.get_by_test_id("message-officer")).to_contain_text("公证保全")

    # The enterprise reads the answer on its phone.
    m.goto(thread)
    expect(m.get_by_test_id("ip-message-officer")).to_contain_text("公证保全")
    expect(m.get_by_test_id("ip-status")).to_have_text(re.compile("已答复"))
    _shot(m, report_dir, "ip-3-answered")
    assert not errors and not live_server.errors, (errors, live_server.errors)
    context.close()
