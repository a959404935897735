"""走访纳谏 in a real browser, on a tablet-sized screen (768 × 1024): a station
officer opens an enterprise of their area, records a visit with a photo and, in
the same submit, the demand heard there; the ticket appears with the channel
“走访收集” (On a visit) and links back to the visit."""
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_ticket_loop import log_in, station_and_enterprise

TABLET = {"width": 768, "height": 1024}
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(300)
HEARD = "园区东门夜间照明不足，员工下班不安全，希望协调增设路灯。"


def _fits(page):
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"], page.url


@pytest.mark.e2e
def test_an_officer_records_a_visit_on_a_tablet_and_the_demand_becomes_a_ticket(browser, live_server):
    _, _, enterprise_id, enterprise_name, _ = station_and_enterprise(live_server.app)
    context = browser.new_context(base_url=live_server.url, viewport=TABLET, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        log_in(page, "jy.officer1")
        page.goto(f"/enterprises/{enterprise_id}")
        expect(page.get_by_test_id("enterprise-visits")).to_be_visible()
        page.get_by_test_id("record-visit-button").click()
        expect(page.get_by_test_id("chosen-enterprise")).to_have_text(enterprise_name)
        _fits(page)
        form = page.get_by_test_id("visit-form")
        form.locator("textarea[name=heard]").fill(HEARD)
        form.locator("textarea[name=done]").fill("现场查看路段，约定两周内答复。")
        form.locator("input[name=photos]").set_input_files(
            files=[{"name": "东门.jpg", "mimeType": "image/jpeg", "buffer": JPEG}])
        form.locator("input[name=with_demand]").check()
        form.locator("select[name=demand_category]").select_option(index=1)
        form.get_by_test_id("record-visit").click()

        expect(page.get_by_test_id("visit-heard")).to_have_text(HEARD)
        expect(page.get_by_test_id("visit-photos")).to_contain_text("东门.jpg")
        row = page.get_by_test_id("visit-ticket")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("走访收集")
        _fits(page)
        visit_url = page.url
        row.locator("a").first.click()

        expect(page.get_by_text("走访收集")).to_be_visible()
        link = page.get_by_test_id("ticket-visit-link")
        expect(link).to_be_visible()
        _fits(page)
        link.click()
        assert page.url == visit_url
        page.goto(f"/enterprises/{enterprise_id}")
        expect(page.get_by_test_id("enterprise-visit").first).to_contain_text(HEARD[:20])
        assert not errors, errors
    finally:
        context.close()
