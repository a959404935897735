"""Bulk actions and reply phrases in a real browser: the desk ticks three
tickets on the list (the head's box ticks a whole page) and dispatches them by
the suggestions, exports the filtered list and reads the .xlsx back; the list
fits a 390 px phone as cards; the officer answers one of them with a reply
phrase (常用语) inserted with a click."""
import io
import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.org.actor import Actor, shell_actor
from core.org.models import Unit
from core.org.services import user_by_username
from core.phrases import services as phrases
from core.registry.models import Enterprise
from core.tickets import services as tickets
from core.tickets.models import Ticket
from tests.e2e.test_ticket_loop import log_in

PHRASE = "您反映的路灯问题已联系供电部门修复，请留意。"


def _world(app):
    """Three demands of an enterprise of 暨阳派出所 with a liaison officer, and a
    reply phrase of the station for their category."""
    with app.app_context(), app.test_request_context():
        station = db.session.scalar(select(Unit).where(Unit.code == "ZJ-JY"))
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.unit_id == station.id,
                                                                Enterprise.liaison_officer_id.is_not(None))
                                       .order_by(Enterprise.id.desc()).limit(1))
        desk = Actor(user_by_username("desk"))
        made = [tickets.register(desk, tickets.Intake(
            enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
            handling_mode="follow", description=f"厂区门口路灯损坏第{n}处。")) for n in range(3)]
        phrases.save(shell_actor(), phrases.PhraseInput(title="路灯已修复", text=PHRASE, category="dispute",
                                                        unit_id=station.id))
        found = ([(t.id, t.number) for t in made], enterprise.id, enterprise.liaison_officer.username,
                 station.name)
        db.session.remove()
        return found


@pytest.mark.e2e
def test_bulk_dispatch_export_and_a_reply_phrase(live_server, visit, report_dir):
    page = visit.page
    made, enterprise_id, officer, station_name = _world(live_server.app)
    log_in(page, "desk")
    page.goto(f"/tickets/?queue=to_dispatch&enterprise={enterprise_id}")
    rows = page.get_by_test_id("ticket-row")
    expect(rows).to_have_count(3)
    page.get_by_test_id("pick-all").check()                      # the script ticks the page's rows
    for _id, number in made:
        expect(page.get_by_test_id(f"pick-{number}")).to_be_checked()
    page.screenshot(path=str(report_dir / "e2e-bulk-list.png"), full_page=True)
    page.get_by_test_id("bulk-dispatch-suggested").click()
    expect(page.locator(".flash")).to_contain_text("3 个工单已派发")
    with live_server.app.app_context():
        dispatched = [db.session.get(Ticket, ticket_id) for ticket_id, _number in made]
        assert {(t.status, t.handling_unit.name) for t in dispatched} == {("dispatched", station_name)}
        db.session.remove()

    # The enterprise's whole list, exported as filtered and read back.
    page.goto(f"/tickets/?queue=all&enterprise={enterprise_id}")
    with page.expect_download() as caught:
        page.get_by_test_id("export-list").click()
    download = caught.value
    assert download.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(open(download.path(), "rb").read()), read_only=True).active
    rows_read = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows_read[0][0] == "工单编号"
    with live_server.app.app_context():
        expected = set(db.session.scalars(select(Ticket).where(Ticket.enterprise_id == enterprise_id,
                                                               Ticket.status != "merged")))
        numbers = {t.number for t in expected}
        db.session.remove()
    assert {r[0] for r in rows_read[1:]} == numbers and {n for _i, n in made} <= numbers
    assert len(rows_read) - 1 == len(numbers)

    # On a phone the list is cards: nothing wider than the screen, names not one character a line.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/tickets/?queue=all")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    name = page.locator("td.enterprise").first
    assert name.bounding_box()["width"] > 150
    page.screenshot(path=str(report_dir / "e2e-bulk-list-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})

    # The officer signs for the first ticket and answers with the reply phrase.
    page.get_by_test_id("logout").click()
    log_in(page, officer)
    first_id, first_number = made[0]
    page.goto(f"/tickets/{first_id}")
    page.get_by_test_id("submit-sign").click()
    answer = page.get_by_test_id("action-answer")
    picker = answer.get_by_test_id("phrases-answer")
    expect(picker).to_be_visible()
    picker.get_by_test_id("phrase").filter(has_text="路灯已修复").click()
    expect(answer.locator("textarea")).to_have_value(PHRASE)
    answer.locator("select[name='answer-result']").select_option("resolved")
    page.screenshot(path=str(report_dir / "e2e-reply-phrase.png"), full_page=True)
    answer.get_by_test_id("submit-answer").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已反馈")
    with live_server.app.app_context():
        ticket = db.session.get(Ticket, first_id)
        assert ticket.status == "answered" and ticket.answer == PHRASE
        db.session.remove()
    assert not visit.console_errors and not live_server.errors
