"""The service list (点单式服务) and the negative list (负面清单) in a real browser:
(a) on a phone-sized screen (390 px wide) an enterprise orders a service of the
centre's list; the desk sees the ticket of the service's category, the dispatch
suggesting the service's unit with the service's deadline, and sends it there;
(b) the desk tags a 作风问题 complaint against a negative-list entry on the ticket
page, and the statistics page counts it under that entry."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.org.actor import Actor
from core.org.models import Unit
from core.org.services import user_by_username
from core.portal import accounts
from core.registry.models import Enterprise
from core.service_lists.models import ConductRule, ServiceOffer
from core.tickets import services as tickets
from core.tickets.models import Ticket
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_ticket_loop import log_in, station_and_enterprise

PHONE_SCREEN = {"width": 390, "height": 844}
PHONE, PASSWORD = "13912340051", "Qiye#2026ok"
SERVICE = "企业安全防范上门指导"


def _fits(page):
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"], page.url


def _manager_of(app, enterprise_id):
    with app.app_context():
        enterprise = db.session.get(Enterprise, enterprise_id)
        account = accounts.register(Actor(user=None, address="127.0.0.1"), accounts.Registration(
            credit_code=enterprise.credit_code, enterprise_name=enterprise.name, unit_id=enterprise.unit_id,
            name="王经理", phone=PHONE, password=PASSWORD, repeat=PASSWORD))
        accounts.decide(Actor(user_by_username("desk")), account.id, True)
        offer = db.session.scalar(select(ServiceOffer).where(ServiceOffer.name == SERVICE))
        unit = db.session.get(Unit, offer.unit_id)
        found = (offer.category, unit.id, unit.name)
        db.session.remove()
        return found


@pytest.mark.e2e
def test_an_enterprise_orders_a_service_and_the_desk_sends_it_to_its_unit(browser, live_server, visit, report_dir):
    _, _, enterprise_id, _, _ = station_and_enterprise(live_server.app)
    category, unit_id, unit_name = _manager_of(live_server.app, enterprise_id)
    phone_context = browser.new_context(base_url=live_server.url, viewport=PHONE_SCREEN, locale="zh-CN",
                                        timezone_id="Asia/Shanghai", is_mobile=True, has_touch=True)
    phone_context.set_default_timeout(TIMEOUT_MS)
    m = phone_context.new_page()
    m.goto("/portal/services/negative-list")              # public: no sign-in
    expect(m.get_by_test_id("negative-entry").first).to_be_visible()
    _fits(m)
    m.goto("/portal/login")
    m.locator("#phone").fill(PHONE)
    m.locator("#password").fill(PASSWORD)
    m.get_by_test_id("portal-login-submit").click()
    expect(m.get_by_test_id("enterprise-name")).to_be_visible()
    m.get_by_test_id("nav-services").click()
    offer = m.get_by_test_id("service-offer").filter(has_text=SERVICE)
    expect(offer).to_contain_text("个工作日")
    _fits(m)
    m.screenshot(path=str(report_dir / "services-1-list.png"), full_page=True)
    offer.get_by_test_id("order-service").click()
    expect(m.get_by_test_id("ordered-service")).to_contain_text(SERVICE)
    m.locator("#text").fill("新厂区下月投产，请来指导监控和门卫布置。")
    _fits(m)
    m.get_by_test_id("order-submit").click()
    expect(m.get_by_test_id("flash")).to_contain_text("您的点单已受理")
    number = re.search(r"\d{4}-\d{6}", m.get_by_test_id("flash").inner_text()).group(0)
    _fits(m)
    m.screenshot(path=str(report_dir / "services-2-ordered.png"), full_page=True)
    m.get_by_test_id("nav-demands").click()
    expect(m.get_by_text(number)).to_be_visible()
    phone_context.close()

    with live_server.app.app_context():
        ticket = db.session.scalar(select(Ticket).where(Ticket.description.contains(SERVICE)))
        ticket_id = ticket.id
        assert (ticket.category, ticket.channel, ticket.number) == (category, "online", number)
        db.session.remove()

    staff = visit.page
    log_in(staff, "desk")
    staff.goto(f"/tickets/{ticket_id}")
    dispatch = staff.get_by_test_id("action-dispatch")
    suggestion = dispatch.get_by_test_id("dispatch-suggestion")
    expect(suggestion).to_have_attribute("data-source", "service")
    expect(suggestion.get_by_test_id("suggested-unit")).to_have_text(unit_name)
    expect(dispatch.locator("select[name='dispatch-unit_id']")).to_have_value(str(unit_id))
    expect(dispatch.locator("input[name='dispatch-due_on']")).not_to_have_value("")
    staff.screenshot(path=str(report_dir / "services-3-dispatch.png"), full_page=True)
    dispatch.get_by_test_id("submit-dispatch").click()
    expect(staff.get_by_test_id("event-dispatched")).to_be_visible()
    with live_server.app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert (ticket.handling_unit_id, ticket.category, ticket.deadline_set_on is not None) == (unit_id, category,
                                                                                                  True)
        db.session.remove()


@pytest.mark.e2e
def test_the_desk_tags_a_complaint_and_the_statistics_count_it(live_server, visit, report_dir):
    _, _, enterprise_id, _, _ = station_and_enterprise(live_server.app)
    with live_server.app.app_context():
        ticket = tickets.register(Actor(user_by_username("desk")), tickets.Intake(
            enterprise_id=enterprise_id, channel="hotline", category="conduct", ticket_class="general",
            handling_mode="follow", description="反映民警对企业报案推诿，多次催问无人回复。"))
        rule = db.session.scalar(select(ConductRule).where(ConductRule.code == "1"))
        ticket_id, code = ticket.id, rule.code
        db.session.remove()
    page = visit.page
    log_in(page, "desk")
    page.goto(f"/tickets/{ticket_id}")
    tags = page.get_by_test_id("conduct-tags")
    expect(tags).to_be_visible()
    tags.get_by_test_id(f"conduct-rule-{code}").check()
    tags.get_by_test_id("save-conduct-tags").click()
    expect(page.get_by_test_id("conduct-tag")).to_contain_text("推诿扯皮")
    page.screenshot(path=str(report_dir / "negative-list-1-tagged.png"), full_page=True)
    page.goto("/tickets/stats?preset=month")
    row = page.get_by_test_id("conduct-count-row").and_(page.locator(f"[data-code='{code}']"))
    expect(row.get_by_test_id("conduct-count")).to_have_text("1")
    page.screenshot(path=str(report_dir / "negative-list-2-statistics.png"), full_page=True)
