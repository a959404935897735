"""The enterprise keeps its own profile, in a real browser: on a phone-sized
screen (360 × 740) its account manager proposes a new contact and a new
address; the desk, in its own window, sees the differences field by field
(the new phone masked) and accepts them; the enterprise then sees them
accepted and in its profile."""
import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.org.actor import Actor
from core.org.services import user_by_username
from core.portal import accounts
from core.registry.models import Enterprise
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_ticket_loop import log_in, station_and_enterprise

PHONE_SCREEN = {"width": 360, "height": 740}
PHONE, PASSWORD = "13912340001", "Qiye#2026ok"
NEW_PHONE = "13812345678"
NEW_ADDRESS = "暨阳街道工业园区创业路8号"


def _fits(page):
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"], page.url


def _manager_of(app, enterprise_id) -> int:
    """The enterprise's verified portal account manager; how many contacts the registry holds."""
    with app.app_context():
        enterprise = db.session.get(Enterprise, enterprise_id)
        account = accounts.register(Actor(user=None, address="127.0.0.1"), accounts.Registration(
            credit_code=enterprise.credit_code, enterprise_name=enterprise.name, unit_id=enterprise.unit_id,
            name="王经理", phone=PHONE, password=PASSWORD, repeat=PASSWORD))
        accounts.decide(Actor(user_by_username("desk")), account.id, True)
        contacts = len(db.session.get(Enterprise, enterprise_id).contacts)
        db.session.remove()
        return contacts


@pytest.mark.e2e
def test_the_enterprise_proposes_a_contact_and_address_and_the_desk_accepts(browser, live_server, visit,
                                                                            report_dir):
    _, _, enterprise_id, enterprise_name, _ = station_and_enterprise(live_server.app)
    contacts = _manager_of(live_server.app, enterprise_id)
    phone_context = browser.new_context(base_url=live_server.url, viewport=PHONE_SCREEN, locale="zh-CN",
                                        timezone_id="Asia/Shanghai", is_mobile=True, has_touch=True)
    phone_context.set_default_timeout(TIMEOUT_MS)
    m = phone_context.new_page()
    requested = []
    m.on("request", lambda r: requested.append(r.url))

    m.goto("/portal/login")
    m.locator("#phone").fill(PHONE)
    m.locator("#password").fill(PASSWORD)
    m.get_by_test_id("portal-login-submit").click()
    expect(m.get_by_test_id("enterprise-name")).to_be_visible()
    m.get_by_test_id("nav-profile").click()
    expect(m.get_by_test_id("profile-facts")).to_be_visible()
    _fits(m)
    m.locator("#address").fill(NEW_ADDRESS)
    row = contacts + 1                       # the first empty contact row
    m.locator(f"#contact-name-{row}").fill("李安全")
    m.locator(f"#contact-title-{row}").fill("安全主管")
    m.locator(f"#contact-phone-{row}").fill(NEW_PHONE)
    m.screenshot(path=str(report_dir / "profile-1-proposal.png"), full_page=True)
    m.get_by_test_id("send-profile").click()
    expect(m.get_by_test_id("flash")).to_contain_text("变更申请已提交")
    expect(m.get_by_test_id("profile-change-status")).to_have_text("待公安机关审核")
    expect(m.get_by_test_id("fact-address")).not_to_have_text(NEW_ADDRESS)    # not in the registry yet
    _fits(m)

    # The desk sees what differs, field by field, the new phone masked, and accepts.
    staff = visit.page
    log_in(staff, "desk")
    staff.goto("/portal-desk/profile-changes")
    staff.get_by_test_id("pending-profile-change").filter(has_text=enterprise_name) \
        .get_by_test_id("open-profile-change").click()
    expect(staff.get_by_test_id("difference-address")).to_contain_text(NEW_ADDRESS)
    added = staff.get_by_test_id("contact-difference").nth(contacts)
    expect(added).to_have_attribute("data-changed", "1")
    expect(added).to_contain_text("李安全")
    expect(added).to_contain_text("138****5678")
    assert NEW_PHONE not in staff.content()
    staff.screenshot(path=str(report_dir / "profile-2-differences.png"), full_page=True)
    staff.get_by_test_id("accept-profile-change").click()
    expect(staff.locator(".flash-success")).to_contain_text("已写入企业名录")
    expect(staff.get_by_test_id("no-pending-profile-changes")).to_be_visible()
    staff.goto(f"/enterprises/{enterprise_id}")
    expect(staff.locator("main")).to_contain_text(NEW_ADDRESS)

    # The enterprise is told on its home page, and its profile holds the new facts.
    m.goto("/portal/home")
    expect(m.get_by_test_id("profile-decision")).to_contain_text("已采纳")
    _fits(m)
    m.get_by_test_id("profile-decision-seen").click()
    expect(m.get_by_test_id("profile-decision")).to_have_count(0)
    m.get_by_test_id("nav-profile").click()
    expect(m.get_by_test_id("profile-change-status")).to_have_text("已采纳")
    expect(m.get_by_test_id("fact-address")).to_have_text(NEW_ADDRESS)
    expect(m.get_by_test_id("profile-contacts")).to_contain_text("李安全")
    expect(m.get_by_test_id("profile-contacts")).to_contain_text("138****5678")
    m.screenshot(path=str(report_dir / "profile-3-accepted.png"), full_page=True)
    _fits(m)
    assert not any(NEW_PHONE in url for url in requested)
    phone_context.close()
    assert live_server.errors == []
