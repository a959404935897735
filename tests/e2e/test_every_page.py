"""Every page reachable from the menu, for each role, in Chinese on a 390 px phone:
no raw code (a status, role, mode, channel, audit action or object type) in what
the page shows, no half-width , : ; ( ) ! ? next to Chinese characters, and no
page wider than the phone (a table may scroll inside its own box)."""
import re
import sys
from urllib.parse import urlsplit

import pytest
from flask_babel import LazyString
from playwright.sync_api import expect
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.extensions import db
from core.org.actor import Actor
from core.org.roles import ROLES
from core.portal import accounts
from core.registry.models import Enterprise
from tests.conftest import actor_for
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_ticket_loop import log_in

DEMO_PLUGIN_DATA = True
PHONE = {"width": 390, "height": 844}
USERS = ["desk", "jy.officer1", "leader", "admin", "auditor"]
PORTAL_PHONE, PORTAL_PASSWORD = "13905755123", "Qiye-2026-mima"
# Links in a menu that download a file or leave the application rather than show a page.
NOT_PAGES = re.compile(r"(\.pdf|\.xlsx|\.csv|/export|/download|/static/)")
CJK = "\u4e00-\u9fff"
HALF_WIDTH = re.compile(rf"[{CJK}][,:;()!?]|[,:;()!?](?=[{CJK}])")
CODE_CHARS = re.compile(r"^[a-z][a-z0-9_.]*$")
# What the page says, without what is not words to read: code samples and form fields' values.
VISIBLE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('code, pre, kbd, samp, script, style, [translate="no"]').forEach(e => e.remove());
  copy.style.position = 'absolute'; copy.style.left = '-99999px';
  document.documentElement.appendChild(copy);
  const text = copy.innerText;
  copy.remove();
  return text;
}"""


def vocabulary_codes() -> set[str]:
    """Every code the application names in words: the keys of each vocabulary (a dict of
    code → translatable label in core or a plugin), the roles, and each audit action and
    object type the demo recorded."""
    codes = set(ROLES)
    for name, module in list(sys.modules.items()):
        if not (name.startswith("core.") or name.startswith("plugins.")) or module is None:
            continue
        for value in list(vars(module).values()):
            if (isinstance(value, dict) and value and all(isinstance(k, str) for k in value)
                    and all(isinstance(v, LazyString) for v in value.values())):
                codes.update(k for k in value if CODE_CHARS.match(k))
    codes.update(a for a in db.session.scalars(select(AuditEntry.action).distinct()) if a)
    codes.update(t for t in db.session.scalars(select(AuditEntry.object_type).distinct()) if t)
    return codes


def raw_codes(text: str, codes: set[str]) -> set[str]:
    words = set(re.findall(r"(?<![\w.])[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*(?![\w.])", text, re.ASCII))
    return words & codes


def half_width(text: str) -> list[str]:
    found = []
    for line in text.splitlines():
        if "://" in line:
            line = re.sub(r"\S+://\S+", " ", line)
        found.extend(line.strip()[max(0, m.start() - 8):m.end() + 8] for m in HALF_WIDTH.finditer(line.strip()))
    return found


def check(page, path, codes) -> list[str]:
    response = page.goto(path)
    problems = []
    if response is None or response.status != 200:
        return [f"{path}: answered {response and response.status}"]
    text = page.evaluate(VISIBLE_TEXT)
    if raw := raw_codes(text, codes):
        problems.append(f"{path}: raw codes {sorted(raw)}")
    if punctuation := half_width(text):
        problems.append(f"{path}: half-width punctuation {punctuation[:5]}")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        problems.append(f"{path}: {width} px wide at {PHONE['width']} px")
    return problems


def menu(page, selector) -> list[str]:
    hrefs = page.locator(selector).evaluate_all("els => els.map(e => e.getAttribute('href'))")
    paths = []
    for href in hrefs:
        link = urlsplit(href)
        path = link.path + (f"?{link.query}" if link.query else "")
        if not link.netloc and not NOT_PAGES.search(link.path) and path not in paths:
            paths.append(path)
    return paths


def verified_portal_account(app) -> None:
    with app.app_context():
        enterprise = db.session.scalars(select(Enterprise).order_by(Enterprise.id).offset(3).limit(1)).one()
        account = accounts.register(Actor(user=None, address="127.0.0.1"), accounts.Registration(
            credit_code=enterprise.credit_code, enterprise_name=enterprise.name, unit_id=enterprise.unit_id,
            name="陈经理", phone=PORTAL_PHONE, password=PORTAL_PASSWORD, repeat=PORTAL_PASSWORD))
        accounts.decide(actor_for("desk"), account.id, True)
        db.session.remove()


@pytest.mark.e2e
def test_every_menu_page_speaks_chinese_and_fits_a_phone(browser, live_server):
    app = live_server.app
    with app.app_context():
        codes = vocabulary_codes()
        db.session.remove()
    verified_portal_account(app)
    problems = []
    for username in USERS + ["portal"]:
        context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="zh-CN",
                                      timezone_id="Asia/Shanghai")
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        try:
            if username == "portal":
                page.goto("/portal/login")
                page.locator("#phone").fill(PORTAL_PHONE)
                page.locator("#password").fill(PORTAL_PASSWORD)
                page.get_by_test_id("portal-login-submit").click()
                expect(page.get_by_test_id("enterprise-name")).to_be_visible()
                paths = menu(page, "nav.p-nav a[href], footer.p-foot a[href]")
            else:
                log_in(page, username)
                paths = ["/"] + menu(page, "nav.side a[href]")
            assert len(paths) >= 3, f"{username}'s menu has {paths}"
            for path in paths:
                problems.extend(f"{username} {p}" for p in check(page, path, codes))
        finally:
            context.close()
    assert problems == [], "\n" + "\n".join(problems)
    assert live_server.errors == []
