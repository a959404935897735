"""Combined inspections in a real browser: the centre's leader loads the
standard catalogue; the desk creates a seasonal plan, draws a target and its
inspectors, verifies the draw, records the visit with one issue on the
tablet page and publishes; anyone on the intranet reads the results."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.org.models import Unit
from tests.e2e.test_ticket_loop import log_in, log_out

TABLET = {"width": 1024, "height": 768}


def unit_ids(app, *kinds) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(select(Unit.id).where(Unit.kind.in_(kinds)).order_by(Unit.id)))


@pytest.mark.e2e
def test_plan_draw_visit_and_publish(live_server, visit, report_dir):
    page = visit.page
    log_in(page, "leader")
    page.goto("/p/inspection/catalogue")
    page.get_by_test_id("load-catalogue").click()
    expect(page.get_by_test_id("forms").locator("li")).to_have_count(10)
    log_out(page)

    log_in(page, "desk")
    page.locator('nav.side a[href="/p/inspection/"]').click()
    page.get_by_test_id("new-plan").click()
    page.locator("#title").fill("2026年住宿业综合查一次")
    page.locator("#inspection_type").select_option("seasonal")
    page.locator("#form_id").select_option(label="住宿业监管一件事")
    for code in ("public_order", "exit_entry", "cyber"):
        page.locator(f'input[name=police_types][value="{code}"]').check()
    for unit_id in unit_ids(live_server.app, "brigade"):
        page.locator(f'input[name=unit_ids][value="{unit_id}"]').check()
    page.locator("#period_start").fill("2026-01-01")
    page.locator("#period_end").fill("2026-12-31")
    page.locator("#industry").fill("住宿餐饮")
    page.locator("#draw_count").fill("1")
    page.get_by_test_id("save-plan").click()
    expect(page).to_have_url(re.compile(r"/p/inspection/plans/\d+$"))
    plan_url = page.url
    expect(page.get_by_test_id("plan-type")).to_have_attribute("data-type", "seasonal")
    expect(page.get_by_test_id("plan-type")).not_to_have_text("seasonal")       # words, not the code
    page.goto("/p/inspection/")
    page.locator("#type").select_option("seasonal")
    page.get_by_test_id("plan-filter").locator("button").click()
    expect(page.get_by_test_id("plans").get_by_test_id("plan-type")).to_have_count(1)
    expect(page.get_by_test_id("plans")).to_contain_text("2026年住宿业综合查一次")
    page.goto(plan_url)

    page.get_by_test_id("draw").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "drawn")
    expect(page.get_by_test_id("target")).to_have_count(1)
    page.get_by_test_id("verify").click()
    expect(page.get_by_test_id("verification")).to_have_attribute("data-ok", "yes")

    # The visit, on a tablet-sized screen: one issue, the rest compliant.
    page.set_viewport_size(TABLET)
    page.get_by_test_id("open-visit").click()
    items = page.get_by_test_id("item")
    count = items.count()
    assert count >= 3
    for n in range(count):
        items.nth(n).get_by_test_id("result-issue" if n == 0 else "result-compliant").check()
    items.nth(0).get_by_test_id("description").fill("部分旅客未实名登记")
    choice = items.nth(0).locator("label.choice").first.bounding_box()
    assert choice["height"] >= 44                      # a touch target, not a mouse target
    page.screenshot(path=str(report_dir / "e2e-inspection-visit.png"), full_page=True)
    page.get_by_test_id("save-visit").click()
    expect(page.get_by_test_id("visit-status")).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("rectification-status")).to_have_attribute("data-status", "open")

    page.goto(plan_url)
    page.get_by_test_id("publish").click()
    expect(page.get_by_test_id("plan-status")).to_have_attribute("data-status", "published")
    public_url = page.get_by_test_id("public-link").get_attribute("href")
    log_out(page)

    page.goto(public_url)                              # no login
    expect(page.get_by_test_id("result-row")).to_have_count(1)
    expect(page.get_by_test_id("results-type")).to_have_text("季节性检查")
    expect(page.get_by_test_id("result-row")).to_contain_text("旅客住宿实名登记")
    pdf = page.request.get(page.get_by_test_id("results-pdf").get_attribute("href"))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    assert not live_server.errors and not visit.console_errors
