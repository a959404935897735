"""The exit-entry desk in a real browser: the slot form opens exactly the two
periods typed, an enterprise is booked by its name, and the booking is
cancelled with a reason: each step confirmed in words, the place free again."""
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.calendar.services import is_workday
from core.extensions import db
from core.registry.models import Enterprise
from tests.e2e.test_ticket_loop import log_in


def _next_working_day(app) -> date:
    with app.app_context():
        day = date.today() + timedelta(days=1)
        while not is_workday(day):
            day += timedelta(days=1)
        return day


def _an_enterprise_name(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Enterprise.name).order_by(Enterprise.id).limit(1))


@pytest.mark.e2e
def test_open_two_periods_book_by_name_and_cancel(live_server, visit):
    page = visit.page
    day = _next_working_day(live_server.app)
    name = _an_enterprise_name(live_server.app)
    log_in(page, "desk")
    page.goto("/p/exit_entry/appointments")
    page.get_by_test_id("window-name").fill("出入境专窗9号")
    page.get_by_test_id("add-window").click()
    expect(page.locator(".flash-success")).to_contain_text("出入境专窗9号")
    page.locator("#window_id").select_option(label="出入境专窗9号")
    page.locator("#first_day").fill(day.isoformat())
    page.locator("#last_day").fill(day.isoformat())
    page.get_by_test_id("periods").fill("08:30-09:00 16:30-17:00")
    page.get_by_test_id("open-slots").click()
    expect(page.locator(".flash-success")).to_have_text("已开放2个时段。")
    ours = page.get_by_test_id("slot").filter(has_text="出入境专窗9号")
    expect(ours).to_have_count(2)

    first = ours.first
    first.get_by_test_id("book-enterprise").fill(name)
    first.get_by_test_id("book").click()
    expect(page.get_by_test_id("slip-enterprise")).to_have_text(name)
    expect(page.locator(".flash-success")).to_contain_text(name)

    page.goto("/p/exit_entry/appointments")
    booking = page.get_by_test_id("appointment").filter(has_text="出入境专窗9号")
    booking.get_by_test_id("cancel-appointment").click()
    booking.locator('input[name="reason"]').fill("窗口设备检修")
    booking.get_by_test_id("confirm-cancel").click()
    expect(page.locator(".flash-success")).to_contain_text("预约已取消")
    expect(page.get_by_test_id("appointment").filter(has_text="出入境专窗9号")).to_have_count(0)
    expect(page.get_by_test_id("slot").filter(has_text="出入境专窗9号").first
           .get_by_test_id("slot-load")).to_have_text("0 / 4")
