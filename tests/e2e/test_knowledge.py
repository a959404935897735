"""The knowledge base in a real browser (政策咨询): the centre's desk clerk answers
an enterprise's demand, inserting a knowledge-base article's title and portal
address from the picker under the answer; the enterprise, on a 390 px phone,
reads the answer on the portal and follows the link to the article; the
portal's questions page finds an article by a Chinese word."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from core.extensions import db
from core.knowledge.models import KnowledgeArticle
from core.org.actor import Actor
from core.org.models import Unit
from core.org.services import user_by_username
from core.portal import accounts, demands
from core.portal.actor import PortalActor
from core.registry.models import Enterprise
from core.tickets import services as tickets
from core.tickets.models import Ticket
from tests.e2e.conftest import TIMEOUT_MS
from tests.e2e.test_ticket_loop import log_in

PHONE_SCREEN = {"width": 390, "height": 844}
PHONE = "13977770001"
PASSWORD = "Qiye#2026ok"
ARTICLE = "企业变更登记涉及公安业务办事指南"      # one of the demo's articles (core/demo/knowledge.py)


def _world(app):
    """A demand of a demo enterprise with a verified portal account, dispatched to
    the centre and signed for by its desk clerk."""
    with app.app_context(), app.test_request_context():
        centre = db.session.scalar(select(Unit).where(Unit.kind == "centre"))
        enterprise = db.session.scalar(select(Enterprise).order_by(Enterprise.id.desc()).limit(1))
        desk = Actor(user_by_username("desk"), "127.0.0.1")
        account = accounts.register(Actor(user=None, address="127.0.0.1"), accounts.Registration(
            credit_code=enterprise.credit_code, enterprise_name=enterprise.name, name="王经理", phone=PHONE,
            password=PASSWORD, repeat=PASSWORD, unit_id=enterprise.unit_id))
        account = accounts.decide(Actor(user_by_username("desk"), "127.0.0.1"), account.id, True)
        ticket = demands.submit(PortalActor(account, "127.0.0.1"), "service",
                                "公司名称变更了，公章备案需要怎么变更？", [])
        tickets.dispatch(desk, ticket.id, centre.id, desk.user.id)
        tickets.sign(desk, ticket.id)
        article_id = db.session.scalar(select(KnowledgeArticle.id).where(KnowledgeArticle.title == ARTICLE))
        found = ticket.id, article_id
        db.session.remove()
        return found


@pytest.mark.e2e
def test_the_desk_links_an_article_and_the_enterprise_reads_it(browser, live_server, visit, report_dir):
    ticket_id, article_id = _world(live_server.app)
    page = visit.page
    log_in(page, "desk")
    page.goto(f"/tickets/{ticket_id}")
    answer = page.get_by_test_id("action-answer")
    picker = answer.get_by_test_id("articles-answer")
    expect(picker).to_be_visible()
    area = answer.locator("textarea")
    area.fill("您好，公章备案变更的办理方法请见：")
    picker.get_by_test_id("article-choice").select_option(str(article_id))
    picker.get_by_test_id("insert-article").click()
    expect(area).to_have_value(re.compile(rf"请见：\n《{ARTICLE}》 \S+/portal/knowledge/{article_id}$"))
    answer.locator("select[name='answer-result']").select_option("resolved")
    page.screenshot(path=str(report_dir / "e2e-knowledge-answer.png"), full_page=True)
    answer.get_by_test_id("submit-answer").click()
    expect(page.get_by_test_id("ticket-status")).to_have_text("已反馈")
    with live_server.app.app_context():
        assert f"/portal/knowledge/{article_id}" in db.session.get(Ticket, ticket_id).answer
        db.session.remove()

    phone = browser.new_context(base_url=live_server.url, viewport=PHONE_SCREEN, locale="zh-CN",
                                timezone_id="Asia/Shanghai", is_mobile=True, has_touch=True)
    phone.set_default_timeout(TIMEOUT_MS)
    m = phone.new_page()
    errors = []
    m.on("pageerror", lambda e: errors.append(str(e)))
    m.goto("/portal/login")
    m.locator("#phone").fill(PHONE)
    m.locator("#password").fill(PASSWORD)
    m.get_by_test_id("portal-login-submit").click()
    m.goto(f"/portal/demands/{ticket_id}")
    link = m.get_by_test_id("answer").get_by_test_id("article-link")
    expect(link).to_be_visible()
    assert m.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"]
    m.screenshot(path=str(report_dir / "portal-knowledge-answer.png"), full_page=True)
    link.click()
    expect(m).to_have_url(re.compile(rf"/portal/knowledge/{article_id}$"))
    expect(m.get_by_test_id("article-title")).to_have_text(ARTICLE)
    assert m.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"]
    m.screenshot(path=str(report_dir / "portal-knowledge-article.png"), full_page=True)

    # The questions page finds an article by a Chinese word of its text, beside the plugins' questions.
    m.goto("/portal/faq")
    m.get_by_test_id("faq-search").fill("财务人员")
    m.get_by_test_id("faq-search").press("Enter")
    found = m.get_by_test_id("articles").get_by_test_id("article")
    expect(found).to_have_count(1)
    expect(found).to_contain_text("警惕冒充领导、客服的电信网络诈骗")
    assert m.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"]
    m.screenshot(path=str(report_dir / "portal-knowledge-search.png"), full_page=True)
    found.click()
    expect(m.get_by_test_id("article-title")).to_have_text("警惕冒充领导、客服的电信网络诈骗")
    assert errors == []
    phone.close()
