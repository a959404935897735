"""SMS notices in a real browser and a real job worker (in this process, as `anqi
run` has one): a demand registered by the desk, dispatched, answered and closed
sends the enterprise's contact its texts in order through an HTTP SMS gateway
on 127.0.0.1; the officer who set his mobile number on "My notices" hears of
the dispatch. The administrator changes a text, sees its preview and its length,
and the next demand is told in those words."""
import re
import time

import pytest
from playwright.sync_api import expect

from core import tasks
from core.extensions import db
from core.tickets.models import Ticket
from tests.e2e.test_ticket_loop import OFFICER, log_in, log_out, station_and_enterprise
from tests.notice_servers import SmsGateway

CONTACT = "13800000077"
OFFICER_PHONE = "13900000077"


def _wait_for(gateway, count, seconds=20):
    deadline = time.monotonic() + seconds
    while len(gateway.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    return [m["content"] for m in gateway.messages]


def _register(page, credit_code, description):
    page.goto("/tickets/new")
    search = page.get_by_test_id("enterprise-search")
    search.fill(credit_code)
    search.press("Enter")
    page.get_by_test_id("enterprise-results").get_by_test_id("pick-enterprise").first.click()
    page.locator("#contact_name").fill("王经理")
    page.locator("#category").select_option("dispute")
    page.locator("#description").fill(description)
    page.locator("#contact_phone").fill(CONTACT)
    page.locator("#contact_phone").press("Enter")
    expect(page).to_have_url(re.compile(r"/tickets/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


@pytest.mark.e2e
def test_the_enterprise_hears_each_step_by_sms_and_the_administrator_edits_a_text(live_server, visit, report_dir):
    page = visit.page
    app = live_server.app
    station_id, station_name, _enterprise_id, _name, credit_code = station_and_enterprise(app)
    with SmsGateway() as gateway:
        saved = {key: app.config.get(key) for key in (*gateway.settings(), "NOTICE_QUIET_HOURS")}
        app.config.update(gateway.settings(), NOTICE_QUIET_HOURS=(0, 0))   # the real clock may be at night
        consumer = tasks.start_embedded_consumer(workers=1, periodic=False)
        try:
            # The officer gives his mobile number for the tickets sent to him.
            log_in(page, OFFICER)
            page.get_by_test_id("my-notices").click()
            page.locator("#phone").fill(OFFICER_PHONE)
            page.get_by_test_id("choice-assigned-sms").check()
            page.get_by_test_id("save-my-notices").click()
            expect(page.locator(".flash-success")).to_contain_text("通知设置已保存")
            with app.app_context():
                officer_id = db.session.execute(db.text("SELECT id FROM user_account WHERE username = :u"),
                                                {"u": OFFICER}).scalar()
                db.session.remove()
            log_out(page)

            log_in(page, "desk")
            ticket_id = _register(page, credit_code, "厂区门口路灯损坏，夜间员工出行不便，请协调修复。")
            dispatch = page.get_by_test_id("action-dispatch")
            dispatch.locator("select[name='dispatch-unit_id']").select_option(str(station_id))
            officer_choice = dispatch.locator("select[name='dispatch-officer_id']")
            if officer_choice.count():
                officer_choice.select_option(str(officer_id))
            dispatch.get_by_test_id("submit-dispatch").click()
            expect(page.get_by_test_id("event-dispatched")).to_be_visible()
            log_out(page)
            log_in(page, OFFICER)
            page.goto(f"/tickets/{ticket_id}")
            page.get_by_test_id("submit-sign").click()
            answer = page.get_by_test_id("action-answer")
            answer.locator("textarea[name='answer-reply']").fill("路灯已修复。")
            answer.locator("select[name='answer-result']").select_option("resolved")
            answer.get_by_test_id("submit-answer").click()
            expect(page.get_by_test_id("event-answered")).to_be_visible()
            log_out(page)
            log_in(page, "desk")
            page.goto(f"/tickets/{ticket_id}")
            page.get_by_test_id("submit-close").click()
            expect(page.get_by_test_id("event-closed")).to_be_visible()
            with app.app_context():
                number = db.session.get(Ticket, ticket_id).number
                db.session.remove()
            _wait_for(gateway, 5)
            to_contact = [m["content"] for m in gateway.messages if m["mobile"] == CONTACT]
            assert len(to_contact) == 4, to_contact
            assert all(number in text for text in to_contact)
            assert "受理" in to_contact[0] and station_name in to_contact[1]
            assert "路灯已修复" in to_contact[2] and "评价" in to_contact[3]
            [to_officer] = [m["content"] for m in gateway.messages if m["mobile"] == OFFICER_PHONE]
            assert number in to_officer and "签收" in to_officer
            log_out(page)

            # The administrator rewrites the acceptance text and sees it as it will be sent.
            log_in(page, "admin")
            page.goto("/admin/notices/")
            row = page.get_by_test_id("notice-template-row").filter(has_text="诉求已受理（发给企业）") \
                .filter(has_text="短信")
            row.get_by_test_id("edit-notice-template").click()
            body = page.get_by_test_id("notice-body")
            body.fill("【诉求受理】编号{number}，我们会在一个工作日内联系您。")
            page.get_by_test_id("preview-notice").click()
            expect(page.get_by_test_id("notice-preview-text")).to_contain_text(
                "【安企测试】【诉求受理】编号2026-000123")
            expect(page.get_by_test_id("notice-length")).to_contain_text("一条短信")
            page.screenshot(path=str(report_dir / "e2e-notice-template.png"), full_page=True)
            page.get_by_test_id("save-notice").click()
            expect(page.locator(".flash-success")).to_contain_text("文本已保存")
            page.goto("/admin/notices/log")
            expect(page.get_by_test_id("notice-log")).to_contain_text("138****0077")
            expect(page.get_by_test_id("notice-log")).not_to_contain_text(CONTACT)
            log_out(page)

            log_in(page, "desk")
            second = _register(page, credit_code, "厂区门口积水，请协调排水。")
            with app.app_context():
                second_number = db.session.get(Ticket, second).number
                db.session.remove()
            _wait_for(gateway, 6)
            assert gateway.messages[-1]["content"] == f"【诉求受理】编号{second_number}，我们会在一个工作日内联系您。"
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)
            app.config.update(saved)
    assert not live_server.errors, live_server.errors
    assert not visit.console_errors, visit.console_errors
