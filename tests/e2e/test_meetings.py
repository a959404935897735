"""A 座谈会 in a real browser: the desk records a 警企座谈会, adds two enterprises found by
their credit codes, registers a demand raised there, and sees the ticket with its channel
in words and the way back to the meeting."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.registry.models import Enterprise
from tests.e2e.test_ticket_loop import log_in


@pytest.mark.e2e
def test_a_symposium_with_two_enterprises_and_a_demand(live_server, visit, report_dir):
    page = visit.page
    with live_server.app.app_context():
        firms = [(e.name, e.credit_code) for e in db.session.scalars(select(Enterprise).order_by(Enterprise.id)
                                                                    .limit(2))]
    log_in(page, "desk")
    page.goto("/meetings/new")
    page.locator("#kind").select_option("symposium")
    page.locator("#title").fill("服务企业周警企座谈会")
    page.locator("#starts_at").fill("2026-03-18T09:30")
    page.locator("#place").fill("三楼会议室")
    page.locator("#organisations").fill("市工商联")
    page.locator("#minutes").fill("企业反映厂区周边夜间治安问题。")
    page.get_by_test_id("meeting-save").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    expect(page.locator(".flash-success")).to_be_visible()

    for name, credit_code in firms:
        search = page.get_by_test_id("enterprise-search")
        search.fill(credit_code)
        search.press("Enter")
        page.get_by_test_id("enterprise-results").get_by_test_id("pick-enterprise").first.click()
        expect(page.get_by_test_id("meeting-enterprises")).to_contain_text(name)
    expect(page.get_by_test_id("meeting-enterprise")).to_have_count(2)

    page.locator("#enterprise_id").select_option(label=firms[1][0])
    page.locator("#category").select_option(index=1)
    page.locator("#description").fill("座谈会上企业反映：厂区周边夜间有人偷盗电缆，请求加强巡逻。")
    page.screenshot(path=str(report_dir / "e2e-meeting-demand.png"), full_page=True)
    page.get_by_test_id("demand-register").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_test_id("meeting-demand")).to_have_count(1)

    page.get_by_test_id("meeting-demand").get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/tickets/\d+$"))
    expect(page.locator("dd", has=page.get_by_test_id("ticket-meeting"))).to_contain_text("座谈会议")
    page.get_by_test_id("ticket-meeting").click()
    expect(page.get_by_test_id("meeting-title")).to_have_text("服务企业周警企座谈会")
    assert not live_server.errors
