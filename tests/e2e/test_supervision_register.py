"""A 挂牌办 ticket through the 挂牌督办 register in a real browser: taken in as
挂牌办 and handled by 暨阳派出所, it waits on the register until the centre's
leader lists it with a deadline; the station's officer writes the week's
progress; the leader sees it on the home page; the officer answers, the desk
closes it, and it leaves the register (闭环销号)."""
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core import clock
from core.extensions import db
from core.org.models import Unit
from core.registry.models import Enterprise
from core.tickets import deadlines
from core.tickets import services as tickets
from tests.conftest import actor_for
from tests.e2e.conftest import TIMEOUT_MS, VIEWPORT
from tests.e2e.test_ticket_loop import log_in

STATION_CODE = "ZJ-JY"
OFFICER = "jy.officer1"


def listed_ticket(app) -> tuple[int, str]:
    """A demand taken in as 挂牌办, dispatched to 暨阳派出所 and signed for by its officer."""
    with app.app_context():
        station = db.session.scalar(select(Unit).where(Unit.code == STATION_CODE))
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.unit_id == station.id)
                                       .order_by(Enterprise.id).limit(1))
        ticket = tickets.register(actor_for("desk"), tickets.Intake(
            enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
            handling_mode="listed", description="企业与施工方工程款纠纷，多次聚集堵门，请挂牌督办。"))
        tickets.dispatch(actor_for("desk"), ticket.id, station.id)
        tickets.sign(actor_for(OFFICER), ticket.id)
        number = ticket.number
        db.session.remove()
        return ticket.id, number


def new_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.mark.e2e
def test_a_listed_ticket_through_the_register(live_server, visit, browser, report_dir):
    ticket_id, number = listed_ticket(live_server.app)
    due_on = (deadlines.local_date(clock.now()) + timedelta(days=14)).isoformat()

    # The centre's leader finds it waiting on the register and lists it.
    leader = visit.page
    log_in(leader, "leader")
    leader.goto("/supervision/")
    leader.get_by_test_id("register-awaiting").get_by_role("link", name=number).click()
    expect(leader).to_have_url(re.compile(rf"/tickets/{ticket_id}"))
    listing = leader.get_by_test_id("list-supervision")
    listing.locator("input[name='listing-due_on']").fill(due_on)
    listing.locator("textarea[name='listing-note']").fill("每周报告化解进展，两周内办结。")
    listing.get_by_test_id("submit-list-supervision").click()
    expect(leader.get_by_test_id("supervision-entry")).to_be_visible()
    expect(leader.get_by_test_id("listing-deadline")).to_contain_text(due_on)
    expect(leader.get_by_test_id("event-listed")).to_be_visible()
    leader.goto("/supervision/")
    expect(leader.get_by_test_id("register-open").get_by_test_id("register-entry")).to_contain_text(number)
    expect(leader.get_by_test_id("register-awaiting")).to_have_count(0)

    # The station's officer writes the week's progress on the ticket page.
    officer_context, officer = new_page(browser, live_server)
    try:
        log_in(officer, OFFICER)
        officer.goto("/supervision/")
        officer.get_by_test_id("register-open").get_by_role("link", name=number).click()
        progress = officer.get_by_test_id("listing-progress-form")
        progress.locator("summary").click()
        progress.locator("textarea[name='listing_progress-text']").fill("已约谈双方，达成分期付款意向。")
        progress.get_by_test_id("submit-listing-progress-form").click()
        expect(officer.get_by_test_id("listing-progress")).to_contain_text("达成分期付款意向")
        officer.screenshot(path=str(report_dir / "e2e-supervision-ticket.png"), full_page=True)

        # The leader's home page shows the entry with its last progress.
        leader.goto("/")
        panel = leader.get_by_test_id("supervision-panel")
        expect(panel.get_by_test_id("panel-listed")).to_have_text("1")
        expect(panel.get_by_test_id("panel-lacking")).to_have_text("0")
        expect(panel.get_by_test_id("panel-entry")).to_contain_text(number)
        expect(panel.get_by_test_id("panel-progress")).to_contain_text("达成分期付款意向")
        leader.screenshot(path=str(report_dir / "e2e-supervision-home.png"), full_page=True)

        # The officer answers; the desk closes the ticket, which takes it off the register.
        answer = officer.get_by_test_id("action-answer")
        answer.locator("textarea[name='answer-reply']").fill("双方已签订分期付款协议，堵门情况已消除。")
        answer.locator("select[name='answer-result']").select_option("resolved")
        answer.get_by_test_id("submit-answer").click()
        expect(officer.get_by_test_id("event-answered")).to_be_visible()
    finally:
        officer_context.close()
    desk_context, desk = new_page(browser, live_server)
    try:
        log_in(desk, "desk")
        desk.goto(f"/tickets/{ticket_id}")
        desk.get_by_test_id("submit-close").click()
        expect(desk.get_by_test_id("event-closed")).to_be_visible()
        expect(desk.get_by_test_id("event-delisted")).to_be_visible()
    finally:
        desk_context.close()

    leader.goto("/supervision/")
    expect(leader.get_by_test_id("register-open").get_by_test_id("register-entry")).to_have_count(0)
    expect(leader.get_by_test_id("register-closed").get_by_test_id("register-closed-entry")).to_contain_text(number)
    expect(leader.get_by_test_id("register-closed")).to_contain_text("闭环销号")
    leader.screenshot(path=str(report_dir / "e2e-supervision-register.png"), full_page=True)
    leader.goto("/")
    expect(leader.get_by_test_id("supervision-panel").get_by_test_id("panel-listed")).to_have_text("0")
    assert not visit.console_errors, f"the browser logged errors: {visit.console_errors}"
    assert not live_server.errors, f"the server raised: {live_server.errors}"
