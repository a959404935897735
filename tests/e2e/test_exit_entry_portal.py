"""An enterprise books its exit-entry appointment on its phone (360 × 740): the
service on its portal home, a free time of its station's window, the slip.
The station has enabled exit_entry and opened slots; the enterprise's account
is verified by the desk (the portal's own browser test covers registering)."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core import clock
from core.calendar.services import is_workday
from core.extensions import db
from core.org.actor import Actor, shell_actor
from core.org.services import user_by_username
from core.plugins import services as plugin_services
from core.portal import accounts
from core.registry.models import Enterprise
from core.tickets.deadlines import local_date
from plugins.exit_entry import appointments
from plugins.exit_entry.models import Appointment
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_ticket_loop import STATION_CODE, station_and_enterprise

PHONE_SCREEN = {"width": 360, "height": 740}
PHONE = "13912340001"
PASSWORD = "Qiye#2026ok"


def _station_ready(app, station_id):
    """exit_entry on for the station, its window with slots on the next three
    working days, and a verified account of one of its enterprises."""
    with app.app_context():
        plugin_services.set_enabled(shell_actor(), STATION_CODE, "exit_entry", True)
        leader = Actor(user_by_username(STATION_CODE.split("-")[1].lower() + ".leader"))
        window = appointments.add_window(leader, "出入境专窗")
        days, day = [], local_date(clock.now())
        while len(days) < 3:
            day += timedelta(days=1)
            if is_workday(day):
                days.append(day)
        appointments.open_slots(leader, window.id, days[0], days[-1], [("09:00", "10:00"), ("14:00", "15:00")], 5)
        enterprise = db.session.scalars(select(Enterprise).where(Enterprise.unit_id == station_id)
                                        .order_by(Enterprise.id).offset(1).limit(1)).one()
        account = accounts.register(Actor(user=None, address="127.0.0.1"), accounts.Registration(
            credit_code=enterprise.credit_code, enterprise_name=enterprise.name, unit_id=enterprise.unit_id, name="李专员", phone=PHONE,
            password=PASSWORD, repeat=PASSWORD))
        accounts.decide(Actor(user_by_username("desk")), account.id, True)
        name, first = enterprise.name, days[0]
        db.session.remove()
        return name, first


def _fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"], page.url


@pytest.mark.e2e
def test_an_enterprise_books_an_appointment_on_its_phone(browser, live_server, report_dir):
    station_id, *_ = station_and_enterprise(live_server.app)
    enterprise_name, first_day = _station_ready(live_server.app, station_id)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE_SCREEN, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    m = context.new_page()
    errors = []
    m.on("pageerror", lambda e: errors.append(str(e)))
    try:
        m.goto("/portal/login")
        m.locator("#phone").fill(PHONE)
        m.locator("#password").fill(PASSWORD)
        m.get_by_test_id("portal-login-submit").click()
        expect(m.get_by_test_id("enterprise-name")).to_have_text(enterprise_name)
        m.get_by_test_id("portal-services").get_by_role("link", name="预约办理出入境证件").click()

        expect(m.get_by_test_id("portal-slot")).to_have_count(6)
        _fits(m)
        m.screenshot(path=str(report_dir / "exit-entry-portal-1-slots.png"), full_page=True)
        m.get_by_test_id("portal-slot").nth(1).click()          # the first day, 14:00–15:00
        m.get_by_test_id("portal-people").fill("3")
        m.get_by_test_id("portal-purpose").fill("赴德国商务洽谈办理护照")
        m.get_by_test_id("portal-book-submit").click()

        expect(m.get_by_test_id("flash")).to_contain_text("预约成功")
        expect(m.get_by_test_id("slip-enterprise")).to_have_text(enterprise_name)
        expect(m.get_by_test_id("slip-time")).to_have_text(
            f"{first_day.year}年{first_day.month}月{first_day.day}日 14:00–15:00")
        code = m.get_by_test_id("slip-code").inner_text()
        _fits(m)
        m.screenshot(path=str(report_dir / "exit-entry-portal-2-slip.png"), full_page=True)
        box = m.get_by_test_id("print").bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300          # a large touch target

        m.get_by_role("link", name="我们的预约").click()
        expect(m.get_by_test_id("portal-appointment")).to_have_count(1)
        expect(m.get_by_test_id("portal-appointment")).to_contain_text(code)
        _fits(m)
        with live_server.app.app_context():
            booked = db.session.scalar(select(Appointment).where(Appointment.code == code))
            assert (booked.people, booked.portal_account_id is not None) == (3, True)
            db.session.remove()
        assert errors == [] and live_server.errors == []
    finally:
        context.close()
