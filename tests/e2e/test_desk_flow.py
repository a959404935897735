"""The desk's everyday path in a real browser: log in, find an enterprise by
its pinyin initials, open it, log out."""
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from core.demo.data import DEMO_PASSWORD
from core.extensions import db
from core.registry import pinyin
from core.registry.models import Enterprise

LOCAL_SCHEMES = {"data", "blob", "about"}  # nothing is fetched over the network for these


@dataclass(frozen=True)
class Target:
    id: int
    name: str
    credit_code: str
    initials: str
    matches: int  # how many enterprises the initials find


def pick_target(app) -> Target:
    """A demo enterprise named 浙江…科技有限公司 whose initials find as few others as possible,
    so that it is on the first page of results."""
    with app.app_context():
        rows = db.session.execute(
            select(Enterprise.id, Enterprise.name, Enterprise.credit_code)
            .where(Enterprise.name.startswith("浙江"), Enterprise.name.endswith("科技有限公司"))
            .order_by(Enterprise.name)).all()
        assert rows, "the demo data has no enterprise named 浙江…科技有限公司"
        best = None
        for row in rows:
            letters = pinyin.initials(row.name)
            count = db.session.scalar(select(func.count(Enterprise.id))
                                      .where(Enterprise.name_initials.like(pinyin.initials_pattern(letters))))
            if best is None or count < best.matches:
                best = Target(row.id, row.name, row.credit_code, letters, count)
        page_size = app.config["PAGE_SIZE"]
    assert best.initials.startswith("zj") and best.initials.endswith("kj"), best
    assert best.matches <= page_size, best
    return best


@pytest.mark.e2e
def test_desk_finds_enterprise_by_pinyin_initials(live_server, visit, report_dir):
    page = visit.page
    target = pick_target(live_server.app)

    # Not logged in: the app sends us to its login page.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login(\?|$)"))
    page.locator("input[name=username]").fill("desk")
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page.get_by_test_id("logout")).to_be_visible()
    expect(page.get_by_test_id("current-user")).to_contain_text("护企优商服务中心")

    # The side menu leads to the enterprise list; the search box has the focus.
    page.locator('nav.side a[href="/enterprises/"]').click()
    expect(page).to_have_url(re.compile(r"/enterprises/$"))
    search = page.get_by_test_id("search")
    expect(search).to_be_focused()
    search.fill(target.initials)
    search.press("Enter")
    expect(page).to_have_url(re.compile(rf"[?&]q={target.initials}(&|$)"))

    results = page.get_by_test_id("enterprise-list")
    link = results.get_by_role("link", name=target.name, exact=True)
    expect(link).to_be_visible()
    expect(results.locator("tbody tr")).to_have_count(target.matches)
    page.screenshot(path=str(report_dir / "e2e-enterprise-list.png"))

    link.click()
    expect(page).to_have_url(re.compile(rf"/enterprises/{target.id}$"))
    expect(page.get_by_test_id("enterprise-name")).to_have_text(target.name)
    expect(page.get_by_test_id("credit-code")).to_have_text(target.credit_code)

    page.get_by_test_id("logout").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("input[name=password]")).to_be_visible()
    expect(page.get_by_test_id("logout")).to_have_count(0)
    # The session is really gone: the enterprise page asks for a login again.
    page.goto(f"/enterprises/{target.id}")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_test_id("enterprise-name")).to_have_count(0)

    assert visit.requests, "the browser recorded no requests"
    outside = [url for url in visit.requests
               if urlsplit(url).scheme not in LOCAL_SCHEMES and urlsplit(url).hostname != "127.0.0.1"]
    assert not outside, f"the pages loaded something from outside 127.0.0.1: {outside}"
    assert not visit.console_errors, f"the browser logged errors: {visit.console_errors}"
    assert not live_server.errors, f"the server raised: {live_server.errors}"
