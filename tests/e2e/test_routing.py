"""Routing in a real browser: the dispatch form opens on the enterprise's own
station and liaison officer with the reason; the officer list shows only the
chosen unit's officers (the script), and changing the unit leaves no officer of
another unit chosen; the desk's queue shows the suggestions and the bulk page
dispatches the ticked tickets."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.org.actor import Actor
from core.org.models import Unit
from core.org.services import user_by_username
from core.registry.models import Enterprise
from core.tickets import services as tickets
from core.tickets.models import Ticket
from tests.e2e.test_ticket_loop import log_in


def _tickets(app, count):
    """``count`` demands registered by the desk for enterprises of 暨阳派出所 that have a liaison officer."""
    with app.app_context(), app.test_request_context():
        station = db.session.scalar(select(Unit).where(Unit.code == "ZJ-JY"))
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.unit_id == station.id,
                                                                Enterprise.liaison_officer_id.is_not(None))
                                       .order_by(Enterprise.id).limit(1))
        desk = Actor(user_by_username("desk"))
        made = [tickets.register(desk, tickets.Intake(
            enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
            handling_mode="follow", description="厂区门口有车辆长期占道。")).id for _ in range(count)]
        found = (made, station.id, station.name, enterprise.liaison_officer.id, enterprise.liaison_officer.name,
                 db.session.scalar(select(Unit.id).where(Unit.code == "ZJ-CRJ")))
        db.session.remove()
        return found


@pytest.mark.e2e
def test_the_dispatch_form_and_bulk_dispatch_follow_the_suggestion(live_server, visit, report_dir):
    page = visit.page
    (first, second, third), station_id, station_name, officer_id, officer_name, brigade_id = _tickets(
        live_server.app, 3)
    log_in(page, "desk")
    page.goto(f"/tickets/{first}")
    dispatch = page.get_by_test_id("action-dispatch")
    expect(dispatch.get_by_test_id("suggested-unit")).to_have_text(station_name)
    expect(dispatch.get_by_test_id("suggestion-reason")).to_contain_text(officer_name)
    units = dispatch.locator("select[name='dispatch-unit_id']")
    officers = dispatch.locator("select[name='dispatch-officer_id']")
    expect(units).to_have_value(str(station_id))
    expect(officers).to_have_value(str(officer_id))
    # Only the station's officers are offered; the other units' groups are hidden.
    expect(officers.locator("optgroup:not([hidden])")).to_have_count(1)
    expect(officers.locator("optgroup:not([hidden])")).to_have_attribute("data-unit", str(station_id))
    page.screenshot(path=str(report_dir / "e2e-routing-dispatch.png"), full_page=True)
    # Another unit: the station's officer is unselected and the brigade's officers are offered.
    units.select_option(str(brigade_id))
    expect(officers).to_have_value("")
    expect(officers.locator("optgroup:not([hidden])")).to_have_count(1)
    expect(officers.locator("optgroup:not([hidden])")).to_have_attribute("data-unit", str(brigade_id))
    units.select_option(str(station_id))
    officers.select_option(str(officer_id))
    dispatch.get_by_test_id("submit-dispatch").click()
    expect(page.get_by_test_id("handling-unit")).to_contain_text(officer_name)

    # The desk's queue shows the suggestion per row; the bulk page dispatches the ticked ones.
    page.goto("/tickets/?queue=to_dispatch")
    expect(page.get_by_test_id("ticket-list").get_by_test_id("suggested-unit").first).to_contain_text(station_name)
    page.get_by_test_id("bulk-dispatch").click()
    rows = page.get_by_test_id("bulk-row")
    expect(rows).to_have_count(2)
    with live_server.app.app_context():
        number_third = db.session.get(Ticket, third).number
    rows.filter(has_text=number_third).get_by_test_id("bulk-tick").uncheck()
    page.screenshot(path=str(report_dir / "e2e-routing-bulk.png"), full_page=True)
    page.get_by_test_id("bulk-submit").click()
    expect(page.get_by_test_id("bulk-result")).to_have_count(1)
    expect(page.get_by_test_id("bulk-result")).to_have_attribute("data-dispatched", "yes")
    expect(page.get_by_test_id("bulk-row")).to_have_count(1)
    with live_server.app.app_context():
        states = {t.id: (t.status, t.handling_unit_id, t.handling_officer_id)
                  for t in db.session.scalars(select(Ticket).where(Ticket.id.in_([first, second, third])))}
        db.session.remove()
    assert states[second] == ("dispatched", station_id, officer_id)
    assert states[third] == ("registered", None, None)
    assert re.search(r"/routing/dispatch$", page.url)
    assert not visit.console_errors, f"the browser logged errors: {visit.console_errors}"
    assert not live_server.errors, f"the server raised: {live_server.errors}"
