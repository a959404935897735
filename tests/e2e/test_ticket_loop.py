"""The ticket's closed loop in a real browser: the desk registers a demand for an
enterprise of 暨阳派出所 and dispatches it there; a station officer signs for it
and answers; the desk closes it and records the enterprise's rating; the
statistics dashboard counts it."""
import re
import time
from urllib.parse import urlsplit

import pyotp
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.demo.data import DEMO_PASSWORD
from core.extensions import db
from core.org.models import Unit
from core.registry.models import Enterprise
from core.tickets.models import Ticket

LOCAL_SCHEMES = {"data", "blob", "about"}
STATION_CODE = "ZJ-JY"
OFFICER = "jy.officer1"


def station_and_enterprise(app):
    with app.app_context():
        station = db.session.scalar(select(Unit).where(Unit.code == STATION_CODE))
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.unit_id == station.id)
                                       .order_by(Enterprise.id).limit(1))
        assert enterprise is not None, "the demo city has no enterprise in 暨阳派出所's area"
        return station.id, station.name, enterprise.id, enterprise.name, enterprise.credit_code


# Second factors that log_in set up: (server, user name) → [secret, the newest time step used].
SECOND_FACTORS = {}


def log_in(page, username):
    """Log in as a demo user. A user whose role needs a second factor (leader, admin)
    sets it up at the first login, as a person would, and types the code after that."""
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page.get_by_test_id("logout").or_(page.get_by_test_id("second-factor-form"))).to_be_visible()
    key = (urlsplit(page.url).netloc, username)
    path = urlsplit(page.url).path
    if path == "/account/second-factor":
        SECOND_FACTORS[key] = [page.get_by_test_id("totp-secret").inner_text().replace(" ", ""), None]
        page.locator("input[name=code]").fill(totp_code(SECOND_FACTORS[key]))
        page.get_by_test_id("confirm-second-factor").click()
        page.get_by_test_id("continue").click()
    elif path == "/login/second-factor":
        page.locator("input[name=code]").fill(totp_code(SECOND_FACTORS[key]))
        page.locator("input[name=code]").press("Enter")
    expect(page.get_by_test_id("logout")).to_be_visible()


def totp_code(factor) -> str:
    """The authenticator's code for ``factor`` ([secret, last step used]): each code is
    accepted once, so take the next step when this one is spent (waiting if need be)."""
    now = int(time.time()) // 30
    step = max(now, (factor[1] if factor[1] is not None else now - 1) + 1)
    if step > now + 1:
        time.sleep(max(0.0, (step - 1) * 30 - time.time() + 0.5))
    factor[1] = step
    return pyotp.TOTP(factor[0]).generate_otp(step)


def log_out(page):
    page.get_by_test_id("logout").click()
    expect(page.locator("input[name=password]")).to_be_visible()


@pytest.mark.e2e
def test_desk_and_station_close_the_loop(live_server, visit, report_dir):
    page = visit.page
    station_id, station_name, enterprise_id, enterprise_name, credit_code = station_and_enterprise(live_server.app)

    # The desk registers the demand: find the enterprise by its credit code, pick it, fill in, Enter.
    log_in(page, "desk")
    page.locator('nav.side a[href="/tickets/new"]').click()
    search = page.get_by_test_id("enterprise-search")
    expect(search).to_be_focused()
    search.fill(credit_code)
    search.press("Enter")
    page.get_by_test_id("enterprise-results").get_by_test_id("pick-enterprise").first.click()
    expect(page.get_by_test_id("chosen-enterprise")).to_have_text(enterprise_name)
    contact = page.locator("#contact_name")
    expect(contact).to_be_focused()
    page.screenshot(path=str(report_dir / "e2e-ticket-intake.png"), full_page=True)
    contact.fill("王经理")
    page.locator("#category").select_option("dispute")
    page.locator("#description").fill("厂区门口有车辆长期占道，影响货车进出，请协调处理。")
    page.locator("#contact_phone").fill("13800000001")
    page.locator("#contact_phone").press("Enter")
    expect(page).to_have_url(re.compile(r"/tickets/\d+$"))
    ticket_id = int(page.url.rsplit("/", 1)[1])
    expect(page.get_by_test_id("ticket-enterprise")).to_have_text(enterprise_name)
    expect(page.get_by_test_id("countdown")).to_be_visible()

    # … and dispatches it to the station.
    dispatch = page.get_by_test_id("action-dispatch")
    dispatch.locator("select[name='dispatch-unit_id']").select_option(str(station_id))
    dispatch.get_by_test_id("submit-dispatch").click()
    expect(page.get_by_test_id("event-dispatched")).to_be_visible()
    expect(page.get_by_test_id("handling-unit")).to_contain_text(station_name)
    expect(page.get_by_test_id("sign-countdown")).to_be_visible()
    log_out(page)

    # The station officer finds it in the queue to sign for (and in the inbox), signs and answers.
    log_in(page, OFFICER)
    expect(page.get_by_test_id("unread-count")).to_be_visible()
    page.goto("/tickets/?queue=to_sign")
    expect(page.get_by_test_id("count-to_sign")).to_have_text("1")
    page.screenshot(path=str(report_dir / "e2e-ticket-queue.png"), full_page=True)
    with live_server.app.app_context():
        number = db.session.get(Ticket, ticket_id).number
    page.get_by_test_id("ticket-list").get_by_role("link", name=number).click()
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket_id}$"))
    page.get_by_test_id("submit-sign").click()
    expect(page.get_by_test_id("event-signed")).to_be_visible()
    page.screenshot(path=str(report_dir / "e2e-ticket-handling.png"), full_page=True)
    answer = page.get_by_test_id("action-answer")
    answer.locator("textarea[name='answer-reply']").fill("已到现场协调，占道车辆已移走，货车通行恢复。")
    answer.locator("select[name='answer-result']").select_option("resolved")
    answer.get_by_test_id("submit-answer").click()
    expect(page.get_by_test_id("event-answered")).to_be_visible()
    expect(page.get_by_test_id("ticket-answer")).to_contain_text("占道车辆已移走")
    expect(page.get_by_test_id("action-answer")).to_have_count(0)
    log_out(page)

    # The desk confirms, closes and records the enterprise's rating.
    log_in(page, "desk")
    page.goto(f"/tickets/{ticket_id}")
    page.get_by_test_id("submit-close").click()
    expect(page.get_by_test_id("event-closed")).to_be_visible()
    rate = page.get_by_test_id("action-rate")
    rate.locator("select[name='rate-rating']").select_option("satisfied")
    rate.locator("textarea[name='rate-comment']").fill("处理及时，很满意。")
    rate.get_by_test_id("submit-rate").click()
    expect(page.get_by_test_id("event-rated")).to_be_visible()
    expect(page.get_by_test_id("ticket-rating")).to_be_visible()
    expect(page.get_by_test_id("ticket-actions").locator("details")).to_have_count(2)  # complaint, note
    page.screenshot(path=str(report_dir / "e2e-ticket-rated.png"), full_page=True)

    # The enterprise page lists it.
    page.goto(f"/enterprises/{enterprise_id}")
    expect(page.get_by_test_id("enterprise-tickets")).to_contain_text(number)

    # The statistics dashboard counts it: received, closed, rated satisfied.
    page.goto("/tickets/stats")
    expect(page.get_by_test_id("total-received")).to_have_text("1")
    expect(page.get_by_test_id("total-closed")).to_have_text("1")
    expect(page.get_by_test_id("total-satisfaction-rate")).to_contain_text("100")

    with live_server.app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert (ticket.status, ticket.rating, ticket.handling_unit_id) == ("rated", "satisfied", station_id)
        # 转盯办 (the default mode): dispatching named the enterprise's liaison officer as follower
        assert [e.kind for e in ticket.events] == ["registered", "dispatched", "follower_set", "signed", "answered",
                                                   "closed", "rated"]
        assert ticket.follower_id is not None
    outside = [url for url in visit.requests
               if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname != "127.0.0.1"]
    assert not outside, f"the pages loaded something from outside 127.0.0.1: {outside}"
    assert not visit.console_errors, f"the browser logged errors: {visit.console_errors}"
    assert not live_server.errors, f"the server raised: {live_server.errors}"
