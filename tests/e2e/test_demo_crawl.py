"""After `anqi demo`, every plugin page reachable from the menu shows records:
a user of each plugin's units opens the plugin's menu entries and every page
they link to within the plugin (one of each kind of detail page), and finds
no empty list or panel ("暂无…") where the demo made records."""
import re
from urllib.parse import urlsplit

import pytest

from tests.e2e.test_ticket_loop import log_in

DEMO_PLUGIN_DATA = True
PLUGIN_LINK = re.compile(r"^/p/(inspection|exit_entry|ip_protection|project_officer|risk_assessment)/")
# Links that download a file or change something rather than show a page.
NOT_PAGES = re.compile(r"(\.pdf|\.xlsx|\.csv|\.png|/pdf|/export|/download|/photo|/file|/receipt|/static/)")
USERS = {
    "leader": "the centre's leader: every plugin, the whole city",
    "desk": "the centre's desk",
    "jy.leader": "a station's leader: inspections and project files of its area",
    "syh.officer": "the brigade's IP officer",
}
# Empty states that are true for this user whatever the demo made: the desk answers no IP
# questions, so its own list of questions to answer stays empty (the unit's waiting ones show).
EXPECTED_EMPTY = {("desk", "/p/ip_protection/"): ["暂无待办。"]}


def kind_of(path: str) -> str:
    """A page's kind: its path with the record ids taken out."""
    return re.sub(r"/\d+", "/N", path)


def crawl(page, start_links: list[str]) -> dict[str, str]:
    """Open the menu's plugin pages and, one of each kind, the plugin pages they link to;
    return {path: what it says when it is empty} for every page that shows an empty state."""
    seen, queue, empty = set(), list(start_links), {}
    while queue:
        path = queue.pop(0)
        if kind_of(path) in seen:
            continue
        seen.add(kind_of(path))
        response = page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        main = page.locator("main")
        texts = [t.strip() for t in main.get_by_text(re.compile("暂无")).all_inner_texts()]
        if texts:
            empty[path] = texts
        for href in page.locator("main a[href]").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
            link = urlsplit(href)
            if not link.netloc and PLUGIN_LINK.match(link.path) and not NOT_PAGES.search(link.path):
                if kind_of(link.path) not in seen and link.path not in queue:
                    queue.append(link.path)
    return empty


@pytest.mark.e2e
@pytest.mark.parametrize("username", list(USERS))
def test_every_plugin_page_shows_the_demo_records(live_server, visit, username):
    page = visit.page
    log_in(page, username)
    menu = [urlsplit(h).path for h in page.locator("nav.side a[href]").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")]
    plugin_pages = [p for p in menu if PLUGIN_LINK.match(p)]
    assert plugin_pages, f"{username} has no plugin in the menu"
    empty = crawl(page, plugin_pages)
    expected = {path: texts for (user, path), texts in EXPECTED_EMPTY.items() if user == username}
    assert empty == expected
    assert live_server.errors == []
