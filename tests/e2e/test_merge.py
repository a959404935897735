"""Duplicates and merging in a real browser: the desk chooses an enterprise at
intake and sees its earlier ticket beside the form (and, once the category is
chosen, a neighbour's of the same category, fetched by the page's script),
registers the second report anyway, and merges it into the earlier one from the
new ticket's page, confirming on the page that shows both."""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from core.extensions import db
from core.org.actor import Actor
from core.org.services import user_by_username
from core.registry.models import Enterprise
from core.tickets import services as tickets
from core.tickets.models import Ticket
from tests.e2e.test_ticket_loop import LOCAL_SCHEMES, log_in


def earlier_tickets(app):
    """An enterprise with a neighbour in its district; a ticket of each, registered
    by the desk. Returns the enterprise's credit code and name and the numbers."""
    with app.test_request_context():
        district = db.session.scalar(select(Enterprise.district).where(Enterprise.district != "")
                                     .group_by(Enterprise.district).having(func.count() > 1)
                                     .order_by(Enterprise.district))
        mine, neighbour = db.session.scalars(select(Enterprise).where(Enterprise.district == district)
                                             .order_by(Enterprise.id).limit(2)).all()
        desk = Actor(user=user_by_username("desk"), address="127.0.0.1")
        made = []
        for enterprise, text in ((mine, "厂区门口有车辆长期占道，影响货车进出。"), (neighbour, "邻近路口大货车乱停，堵塞通道。")):
            made.append(tickets.register(desk, tickets.Intake(
                enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
                handling_mode="follow", description=text, contact_name="王经理")).number)
        result = mine.credit_code, mine.name, made[0], made[1]
        db.session.remove()
        return result


@pytest.mark.e2e
def test_the_desk_sees_the_duplicate_at_intake_and_merges_it(live_server, visit, report_dir):
    page = visit.page
    credit_code, name, earlier, neighbours = earlier_tickets(live_server.app)

    # Intake: choose the enterprise; its earlier ticket is beside the form.
    log_in(page, "desk")
    page.goto("/tickets/new")
    search = page.get_by_test_id("enterprise-search")
    search.fill(credit_code)
    search.press("Enter")
    page.get_by_test_id("enterprise-results").get_by_test_id("pick-enterprise").first.click()
    expect(page.get_by_test_id("chosen-enterprise")).to_have_text(name)
    panel = page.get_by_test_id("duplicates")
    expect(panel.get_by_test_id("duplicates-enterprise")).to_contain_text(earlier)
    expect(panel.get_by_test_id("duplicates-enterprise")).to_contain_text("占道")
    expect(panel.get_by_test_id("duplicates-place")).to_be_hidden()
    # Choosing the category asks the server again: the neighbour's ticket of that category appears.
    page.locator("#category").select_option("dispute")
    expect(panel.get_by_test_id("duplicates-place")).to_contain_text(neighbours)
    page.screenshot(path=str(report_dir / "e2e-merge-intake-panel.png"), full_page=True)

    # The desk registers the second report anyway …
    page.locator("#contact_name").fill("李会计")
    page.locator("#description").fill("再次来电：门口车辆仍未挪走，货车无法出厂。")
    page.get_by_test_id("register-ticket").click()
    expect(page).to_have_url(re.compile(r"/tickets/\d+$"))
    new_id = int(page.url.rsplit("/", 1)[1])

    # … and merges it into the earlier one: the number, then the confirmation page.
    merge = page.get_by_test_id("action-merge")
    merge.locator("summary").click()
    merge.locator("input[name='merge-into']").fill(earlier)
    merge.get_by_test_id("submit-merge").click()
    expect(page.get_by_test_id("merge-survivor")).to_contain_text(earlier)
    expect(page.get_by_test_id("merge-duplicate")).to_contain_text("货车无法出厂")
    page.screenshot(path=str(report_dir / "e2e-merge-confirm.png"), full_page=True)
    page.get_by_test_id("confirm-merge").click()

    # The survivor's page: the merge on its timeline, the merged ticket named.
    expect(page.get_by_test_id("event-merged_in")).to_contain_text("货车无法出厂")
    expect(page.get_by_test_id("merged-in")).to_be_visible()
    expect(page.locator(".flash-success")).to_be_visible()
    page.screenshot(path=str(report_dir / "e2e-merge-survivor.png"), full_page=True)
    page.goto(f"/tickets/{new_id}")
    expect(page.get_by_test_id("ticket-status")).to_have_text(re.compile("已合并|Merged"))
    expect(page.get_by_test_id("merged-into")).to_contain_text(earlier)

    with live_server.app.app_context():
        merged = db.session.get(Ticket, new_id)
        assert merged.status == "merged"
        db.session.remove()
    outside = [url for url in visit.requests
               if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname != "127.0.0.1"]
    assert not outside, f"the pages loaded something from outside 127.0.0.1: {outside}"
    assert not visit.console_errors, f"the browser logged errors: {visit.console_errors}"
    assert not live_server.errors, f"the server raised: {live_server.errors}"
