"""A 立即办 demand in a real browser, in one desk session: the desk registers it
with the answer given at the desk, the ticket is closed at once, the desk records
the enterprise's rating, and the statistics count it under its handling mode."""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.tickets.models import Ticket
from tests.e2e.test_ticket_loop import LOCAL_SCHEMES, log_in, station_and_enterprise


@pytest.mark.e2e
def test_an_immediate_demand_from_intake_to_rating(live_server, visit, report_dir):
    page = visit.page
    _station_id, _station_name, _enterprise_id, enterprise_name, credit_code = station_and_enterprise(
        live_server.app)

    log_in(page, "desk")
    page.goto("/tickets/new")
    search = page.get_by_test_id("enterprise-search")
    search.fill(credit_code)
    search.press("Enter")
    page.get_by_test_id("enterprise-results").get_by_test_id("pick-enterprise").first.click()
    expect(page.get_by_test_id("chosen-enterprise")).to_have_text(enterprise_name)

    # The mode's own fields appear only once 立即办 is chosen.
    answer = page.locator("#answer")
    expect(answer).to_be_hidden()
    expect(page.locator("#escalation_reason")).to_be_hidden()
    page.locator("#contact_name").fill("李会计")
    page.locator("#channel").select_option("walk_in")
    page.locator("#category").select_option("dispute")
    page.locator("#ticket_class").select_option("instant")
    page.locator("#handling_mode").select_option("immediate")
    expect(answer).to_be_visible()
    expect(page.locator("#escalation_reason")).to_be_hidden()
    page.locator("#description").fill("企业来窗口咨询外籍员工居留许可续签需要哪些材料。")

    # Without the answer and its result the desk is told both, and nothing is registered.
    page.get_by_test_id("register-ticket").click()
    expect(page.locator(".field.has-error")).to_have_count(2)
    with live_server.app.app_context():
        assert db.session.query(Ticket).count() == 0

    page.locator("#answer").fill("已当场告知：护照、居留许可、劳动合同及单位证明，提前30日到出入境窗口办理。")
    page.locator("#result").select_option("resolved")
    page.screenshot(path=str(report_dir / "e2e-immediate-intake.png"), full_page=True)
    page.get_by_test_id("register-ticket").click()
    expect(page).to_have_url(re.compile(r"/tickets/\d+$"))
    ticket_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_test_id("mode-immediate")).to_be_visible()
    expect(page.get_by_test_id("ticket-answer")).to_contain_text("居留许可")
    for kind in ("registered", "answered", "closed"):
        expect(page.get_by_test_id(f"event-{kind}")).to_be_visible()
    expect(page.get_by_test_id("action-dispatch")).to_have_count(0)

    # The enterprise's rating, recorded by the desk in the same session.
    rate = page.get_by_test_id("action-rate")
    rate.locator("select[name='rate-rating']").select_option("satisfied")
    rate.locator("textarea[name='rate-comment']").fill("当场答复，很方便。")
    rate.get_by_test_id("submit-rate").click()
    expect(page.get_by_test_id("event-rated")).to_be_visible()
    expect(page.get_by_test_id("ticket-rating")).to_be_visible()
    page.screenshot(path=str(report_dir / "e2e-immediate-rated.png"), full_page=True)

    # The statistics count it received, closed on time and rated satisfied, under 立即办.
    page.goto("/tickets/stats")
    expect(page.get_by_test_id("total-received")).to_have_text("1")
    expect(page.get_by_test_id("total-closed")).to_have_text("1")
    expect(page.get_by_test_id("total-on-time-rate")).to_contain_text("100")
    modes = page.get_by_test_id("stats-handling_mode")
    expect(modes.locator("tbody tr")).to_have_count(1)
    expect(modes.locator("tbody tr")).to_contain_text("立即办")

    with live_server.app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert (ticket.status, ticket.handling_mode, ticket.rating, ticket.closed_on_time) == (
            "rated", "immediate", "satisfied", True)
        assert ticket.handling_unit_id == ticket.registering_unit_id
        assert [e.kind for e in ticket.events] == ["registered", "answered", "closed", "rated"]
    outside = [url for url in visit.requests
               if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname != "127.0.0.1"]
    assert not outside, f"the pages loaded something from outside 127.0.0.1: {outside}"
    # The refused intake answered 400 on purpose (the form again, with its errors); Chromium logs that.
    errors = [e for e in visit.console_errors if not ("status of 400" in e and "/tickets/new" in e)]
    assert len(errors) == len(visit.console_errors) - 1
    assert not errors, f"the browser logged errors: {errors}"
    assert not live_server.errors, f"the server raised: {live_server.errors}"
