"""The second factor in a real browser: the demo administrator logs in, is sent
to set up TOTP (QR code and key on the page, nothing fetched, no script
errors), confirms with the authenticator's code, gets the recovery codes;
then logs in again in two steps, a wrong code refused, the right one accepted."""
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from core.demo.data import DEMO_PASSWORD
from tests.e2e.test_ticket_loop import LOCAL_SCHEMES, log_out, totp_code


def password_step(page, username):
    page.goto("/login")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("input[name=password]").press("Enter")


@pytest.mark.e2e
def test_the_administrator_sets_up_and_uses_the_second_factor(live_server, visit, report_dir):
    page = visit.page

    # First login: the password, then straight to the set-up; no other page opens until it is done.
    password_step(page, "admin")
    expect(page).to_have_url(re.compile(r"/account/second-factor$"))
    expect(page.get_by_test_id("enrol-required")).to_be_visible()
    expect(page.get_by_test_id("totp-qr").locator("svg")).to_be_visible()     # at once, with no extra click
    expect(page.locator("nav.side")).to_have_count(0)                        # no menu to pages that do not open
    expect(page.get_by_test_id("inbox")).to_have_count(0)
    expect(page.get_by_test_id("logout")).to_be_visible()                    # only the way out
    page.screenshot(path=str(report_dir / "e2e-second-factor-enrol.png"), full_page=True)
    page.goto("/admin/users")
    expect(page).to_have_url(re.compile(r"/account/second-factor$"))
    factor = [page.get_by_test_id("totp-secret").inner_text().replace(" ", ""), None]
    assert re.fullmatch(r"[A-Z2-7]{32}", factor[0])

    page.locator("input[name=code]").fill(totp_code(factor))
    page.get_by_test_id("confirm-second-factor").click()
    expect(page.get_by_test_id("recovery-code")).to_have_count(10)
    codes = page.get_by_test_id("recovery-code").all_inner_texts()
    page.get_by_test_id("continue").click()
    expect(page).to_have_url(re.compile(r"/admin/users$"))
    page.goto("/account/second-factor")
    expect(page.get_by_test_id("second-factor-status")).to_be_visible()
    expect(page.get_by_test_id("totp-secret")).to_have_count(0)  # never shown again
    log_out(page)

    # Next login: two steps. A wrong code is refused; the authenticator's code logs in.
    password_step(page, "admin")
    expect(page).to_have_url(re.compile(r"/login/second-factor$"))
    expect(page.get_by_test_id("logout")).to_have_count(0)
    code = page.locator("input[name=code]")
    expect(code).to_be_focused()
    code.fill("000000" if totp_code([factor[0], None]) != "000000" else "111111")
    code.press("Enter")
    expect(page.locator(".field .error")).to_be_visible()
    page.locator("input[name=code]").fill(totp_code(factor))
    page.locator("input[name=code]").press("Enter")
    expect(page.get_by_test_id("logout")).to_be_visible()

    # The administrator's own session is on the sessions page.
    page.goto("/admin/sessions")
    expect(page.get_by_test_id("session-row").filter(has_text="admin")).to_have_count(1)
    log_out(page)

    # A recovery code stands in for the phone, once.
    password_step(page, "admin")
    page.locator("input[name=code]").fill(codes[0])
    page.locator("input[name=code]").press("Enter")
    expect(page.get_by_test_id("logout")).to_be_visible()

    assert not live_server.errors, live_server.errors
    assert not visit.console_errors, visit.console_errors
    outside = [u for u in visit.requests
               if urlsplit(u).scheme not in LOCAL_SCHEMES and not u.startswith(live_server.url)]
    assert not outside, outside
