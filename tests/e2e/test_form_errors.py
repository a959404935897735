"""A form with two errors in a real browser: both are shown at once, next to
their fields; once one is fixed and the form sent again, the photo chosen the
first time is attached without being picked again."""
import re

import pytest
from playwright.sync_api import expect

from core.extensions import db
from core.tickets.models import Ticket
from tests.e2e.test_ticket_loop import log_in, station_and_enterprise

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(200)
EXE = b"MZ\x90\x00" + bytes(200)


@pytest.mark.e2e
def test_two_errors_at_once_and_the_photo_kept(live_server, visit, report_dir):
    page = visit.page
    *_, enterprise_id, enterprise_name, _code = station_and_enterprise(live_server.app)
    with live_server.app.app_context():
        before = db.session.query(Ticket).count()

    log_in(page, "desk")
    page.goto(f"/tickets/new?enterprise={enterprise_id}")
    expect(page.get_by_test_id("chosen-enterprise")).to_have_text(enterprise_name)
    page.locator("#contact_name").fill("王经理")
    page.locator("#contact_phone").fill("12345")
    page.locator("#category").select_option("dispute")
    page.locator("#description").fill("厂区门口的路灯坏了一个月，夜里有人翻墙。")
    page.locator("#attachments").set_input_files([
        {"name": "门口.png", "mimeType": "image/png", "buffer": PNG},
        {"name": "工具.exe", "mimeType": "application/octet-stream", "buffer": EXE},
    ])
    page.get_by_test_id("register-ticket").click()

    # Both errors in one response, each beside its field; the photo that passed is held.
    errors = page.locator(".field.has-error")
    expect(errors).to_have_count(2)
    expect(errors.filter(has=page.locator("#contact_phone")).locator(".error")).to_be_visible()
    expect(errors.filter(has=page.locator("#attachments")).locator(".error")).to_contain_text("工具.exe")
    held = page.get_by_test_id("held-file")
    expect(held).to_have_count(1)
    expect(held).to_contain_text("已选文件：门口.png")
    expect(held.locator("input[type=checkbox]")).to_be_checked()
    page.screenshot(path=str(report_dir / "e2e-form-errors.png"), full_page=True)
    with live_server.app.app_context():
        assert db.session.query(Ticket).count() == before

    # The phone fixed and nothing picked again: the ticket is registered with the photo.
    page.locator("#contact_phone").fill("13900139000")
    page.get_by_test_id("register-ticket").click()
    expect(page).to_have_url(re.compile(r"/tickets/\d+$"))
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_test_id("attachment-link")).to_have_text(["门口.png"])
    # The refused submit answers 400, which the browser logs; nothing else went wrong.
    assert [e for e in visit.console_errors if "status of 400" not in e] == [] and not live_server.errors
