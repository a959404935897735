"""The exit-entry green channel in a real browser: the centre's desk opens a
window's slots on the working days ahead, books one for an enterprise and
prints the slip, then receives a batch of three applicants from the booking;
their ID numbers (valid cn.ric numbers) appear masked, and a step is taken."""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from stdnum.cn import ric

from core.extensions import db
from core.privacy.masking import mask
from core.registry.models import Enterprise
from tests.e2e.test_ticket_loop import log_in


def citizen_id(n: int) -> str:
    first = f"11010519880618{n:03d}"
    return first + ric.calc_check_digit(first + "0")


def an_enterprise(app):
    with app.app_context():
        enterprise = db.session.scalar(select(Enterprise).order_by(Enterprise.id).limit(1))
        return enterprise.name, enterprise.credit_code


@pytest.mark.e2e
def test_book_a_slot_and_register_a_batch_of_three(live_server, visit, report_dir):
    page = visit.page
    name, credit_code = an_enterprise(live_server.app)
    log_in(page, "desk")
    page.locator('nav.side a[href="/p/exit_entry/"]').click()
    page.get_by_test_id("appointments").click()
    page.get_by_test_id("window-name").fill("出入境专窗1号")
    page.get_by_test_id("add-window").click()
    page.get_by_test_id("open-slots").click()
    slots = page.get_by_test_id("slot")
    expect(slots.first).to_be_visible()
    assert slots.count() >= 3                          # three periods a working day, holidays skipped

    first = slots.first
    first.get_by_test_id("book-enterprise").fill(credit_code)
    first.get_by_test_id("book").click()
    expect(page.get_by_test_id("slip-enterprise")).to_have_text(name)
    assert re.fullmatch(r"[A-Z2-9]{8}", page.get_by_test_id("slip-code").inner_text())
    page.screenshot(path=str(report_dir / "e2e-exit-entry-slip.png"), full_page=True)

    page.goto("/p/exit_entry/appointments")
    expect(page.get_by_test_id("slot-load").first).to_have_text("1 / 4")
    page.get_by_test_id("appointment").first.get_by_role("link", name="受理申请").click()
    expect(page.locator("#enterprise")).to_have_value(credit_code)
    travel = date.today() + timedelta(days=20)
    rows = page.get_by_test_id("applicant-row")
    for n in range(3):
        row = rows.nth(n)
        row.locator(f"#name_{n}").fill(["王伟", "李娜", "张敏"][n])
        row.locator(f"#id_number_{n}").fill(citizen_id(n + 1))
        row.locator(f"#doc_type_{n}").select_option(["passport", "hk_macau", "passport"][n])
        row.locator(f"#urgency_{n}").select_option("urgent" if n == 0 else "normal")
        row.locator(f"#destination_{n}").fill(["德国", "香港", "越南"][n])
        row.locator(f"#purpose_{n}").fill("商务洽谈")
        row.locator(f"#travel_from_{n}").fill(travel.isoformat())
    page.get_by_test_id("save-application").click()
    expect(page).to_have_url(re.compile(r"/p/exit_entry/applications/\d+$"))
    applicants = page.get_by_test_id("applicant")
    expect(applicants).to_have_count(3)
    body = page.content()
    for n in range(3):
        assert mask("citizen_id", citizen_id(n + 1)) in body and citizen_id(n + 1) not in body
    expect(applicants.first.get_by_test_id("status")).to_have_attribute("data-status", "received")
    applicants.first.get_by_test_id("next-step").click()
    expect(page.get_by_test_id("applicant").first.get_by_test_id("status")).to_have_attribute(
        "data-status", "materials_checked")
    page.screenshot(path=str(report_dir / "e2e-exit-entry-application.png"), full_page=True)
    assert not live_server.errors and not visit.console_errors
