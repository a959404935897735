"""Search in a real browser: the desk types a word of a demand's description
into the ticket list's search box and finds that ticket, the word highlighted
in the passage shown under the enterprise; a ticket without the word is not
listed."""
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.org.actor import Actor
from core.org.services import user_by_username
from core.registry.models import Enterprise
from core.tickets import services as tickets
from tests.e2e.test_ticket_loop import log_in


def _register(app, descriptions):
    with app.app_context(), app.test_request_context():
        enterprise = db.session.scalar(select(Enterprise).order_by(Enterprise.id).limit(1))
        desk = Actor(user_by_username("desk"))
        numbers = [tickets.register(desk, tickets.Intake(
            enterprise_id=enterprise.id, channel="hotline", category="safety", ticket_class="general",
            handling_mode="follow", description=text)).number for text in descriptions]
        db.session.remove()
        return numbers


@pytest.mark.e2e
def test_a_word_of_the_description_finds_the_ticket_highlighted(live_server, visit, report_dir):
    page = visit.page
    lamp, other = _register(live_server.app, ["园区北门的路灯连续一周不亮，夜间下班的员工出行不便。",
                                              "园区北门有货车长期占道停放。"])
    log_in(page, "desk")
    page.goto("/tickets/")
    search = page.get_by_test_id("ticket-search")
    search.fill("路灯")
    search.press("Enter")
    rows = page.get_by_test_id("ticket-row")
    expect(rows.filter(has_text=lamp)).to_have_count(1)
    expect(rows.filter(has_text=other)).to_have_count(0)
    passage = rows.filter(has_text=lamp).get_by_test_id("search-passage")
    expect(passage).to_contain_text("园区北门的路灯连续一周不亮")
    expect(passage.locator("mark")).to_have_text("路灯")
    page.screenshot(path=str(report_dir / "e2e-search.png"), full_page=True)
