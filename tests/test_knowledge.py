"""The knowledge base (政策咨询, 法治宣传, core/knowledge): kept by the leaders and
the desk for their units, read by every staff member, audited, every problem at
once, optimistic locking; published articles on the portal's questions page with
search (Chinese substrings), beside the plugins' FAQ; the desk links an article
in an answer and the enterprise follows it on the portal."""
import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.knowledge import services as knowledge
from core.knowledge.models import KnowledgeArticle
from core.tickets import services as tickets
from tests.conftest import actor_for, login
from tests.helpers import count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.portal_world import demand, portal_login, verified_account

BODY = "企业名称变更后，请携带营业执照副本到服务中心窗口办理公章备案变更。\n\n材料齐全的当场受理。"


def article(username, unit, title="企业变更登记办事指南", body=BODY, kind="procedure", category="service",
            publish=True):
    made = knowledge.save(actor_for(username), knowledge.ArticleInput(title=title, kind=kind, category=category,
                                                                      unit_id=unit.id, body=body))
    return knowledge.publish(actor_for(username), made.id, True) if publish else made


def test_the_desk_keeps_articles_audited(app, city):
    made = article("desk", city.centre, publish=False)
    assert (made.unit_id, made.kind, made.published, made.version) == (city.centre.id, "procedure", False, 1)
    knowledge.save(actor_for("desk"), knowledge.ArticleInput(title="企业变更登记办事指南（2026版）", kind="procedure",
                                                             category="", unit_id=city.centre.id, body=BODY),
                   made.id, version=1)
    knowledge.publish(actor_for("leader"), made.id, True)
    knowledge.publish(actor_for("leader"), made.id, False)
    saved = db.session.get(KnowledgeArticle, made.id)
    assert (saved.title, saved.category, saved.published, saved.version) == ("企业变更登记办事指南（2026版）", "", False, 4)
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "knowledge_article",
                                                                 AuditEntry.result == "ok")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["knowledge.create", "knowledge.update", "knowledge.publish", "knowledge.withdraw"]


def test_every_problem_at_once_and_nothing_saved(app, city):
    with pytest.raises(ValidationError) as caught:
        knowledge.save(actor_for("desk_a"), knowledge.ArticleInput(title="", kind="poem", category="nonsense",
                                                                   unit_id=city.centre.id, body="x" * 20001))
    assert set(caught.value.errors) == {"title", "kind", "category", "unit_id", "body"}
    assert count(KnowledgeArticle) == 0
    failed = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "knowledge.create"))
    assert failed.result != "ok"


def test_staff_read_everything_and_edit_their_units(app, city):
    centre_article = article("desk", city.centre)
    draft = article("desk_a", city.station_a, title="甲所辖区治安须知", publish=False)
    # Every staff member reads the whole base, drafts too.
    assert {a.id for a in knowledge.listing(actor_for("officer_b"))} == {centre_article.id, draft.id}
    with pytest.raises(NotFound):
        knowledge.publish(actor_for("desk_b"), draft.id, True)       # another station's
    with pytest.raises(Forbidden):
        article("officer_a", city.station_a)                          # officers read only
    # The centre's desk keeps the whole city's.
    assert knowledge.publish(actor_for("desk"), draft.id, True).published


def test_optimistic_locking(app, city):
    made = article("desk", city.centre, publish=False)
    data = knowledge.ArticleInput(title="改一", kind="policy", category="", unit_id=city.centre.id, body=BODY)
    knowledge.save(actor_for("desk"), data, made.id, version="1")
    with pytest.raises(Conflict):
        knowledge.save(actor_for("leader"), data, made.id, version="1")
    db.session.rollback()
    client = fresh_client(app)
    login(client, "desk")
    response = client.post(f"/knowledge/{made.id}/edit", data={"title": "改二", "kind": "policy", "category": "",
                                                               "unit_id": str(city.centre.id), "body": BODY,
                                                               "version": "1"})
    assert response.status_code == 409 and 'data-testid="article-conflict"' in response.get_data(as_text=True)


def test_search_matches_chinese_substrings_and_escapes_wildcards(app, city):
    change = article("desk", city.centre)
    fraud = article("desk", city.centre, title="警惕冒充领导的电信网络诈骗", kind="education", category="crime",
                    body="凡是要求转账汇款的，务必当面核实。")
    article("desk", city.centre, title="草稿：合同诈骗", kind="education", body="未发布。", publish=False)
    assert [a.id for a in knowledge.published("营业执照")] == [change.id]          # a word inside the body
    assert [a.id for a in knowledge.published("诈骗")] == [fraud.id]               # the draft is not public
    assert [a.id for a in knowledge.published("诈骗　转账")] == [fraud.id]          # full-width space: two words
    assert knowledge.published("诈骗 营业执照") == []                               # every word must match
    assert knowledge.published("%") == [] and knowledge.published("_") == []
    assert {a.id for a in knowledge.published("", kind="education")} == {fraud.id}
    assert len(knowledge.listing(actor_for("officer_a"), "诈骗")) == 2              # staff see drafts


def test_the_portal_shows_articles_safely_beside_the_faq(app, city):
    made = article("desk", city.centre, title="公章备案<script>alert(1)</script>",
                   body="第一段 <b>不加粗</b>\n\n第二段")
    draft = article("desk", city.centre, title="未发布的草稿", publish=False)
    client = fresh_client(app)
    page = client.get("/portal/faq?q=公章").get_data(as_text=True)
    assert f'/portal/knowledge/{made.id}"' in page and "<script>alert" not in page
    assert "未发布的草稿" not in client.get("/portal/faq").get_data(as_text=True)
    shown = client.get(f"/portal/knowledge/{made.id}").get_data(as_text=True)
    assert "&lt;b&gt;不加粗&lt;/b&gt;" in shown and "<p>第二段</p>" in shown
    assert client.get(f"/portal/knowledge/{draft.id}").status_code == 404
    assert client.get("/portal/knowledge/999999").status_code == 404


def test_staff_pages(app, city):
    made = article("desk", city.centre)
    client = fresh_client(app)
    login(client, "officer_a")
    page = client.get("/knowledge/?q=营业执照").get_data(as_text=True)
    assert made.title in page and 'href="/knowledge/"' in page          # the menu entry
    assert 'data-testid="new-article"' not in page
    assert client.get("/knowledge/new").status_code == 403
    assert "当场受理" in client.get(f"/knowledge/{made.id}").get_data(as_text=True)
    desk = fresh_client(app)
    login(desk, "desk")
    response = desk.post("/knowledge/new", data={"title": "", "kind": "", "category": "", "unit_id": "",
                                                 "body": ""})
    assert response.status_code == 400 and response.get_data(as_text=True).count('class="error"') == 4
    response = desk.post("/knowledge/new", data={"title": "保安员证办理指南", "kind": "procedure", "category": "",
                                                 "unit_id": str(city.centre.id), "body": "到窗口办理。"})
    assert response.status_code == 303
    new_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert desk.post(f"/knowledge/{new_id}/publish", data={"publish": "1"}).status_code == 303
    assert db.session.get(KnowledgeArticle, new_id).published


def test_the_desk_links_an_article_in_an_answer(app, city):
    made = article("desk", city.centre, category="dispute")
    account = verified_account("desk_a", 3, "甲所辖区华达纺织有限公司", "13800000003")
    ticket = demand(account, "想了解公章备案变更怎么办。")
    tickets.dispatch(actor_for("desk_a"), ticket.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), ticket.id)
    client = fresh_client(app)
    login(client, "officer_a")
    html = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="articles-answer"' in html
    reference = f"《{made.title}》 http://127.0.0.1:5000/portal/knowledge/{made.id}"
    assert f'data-text="{reference}"' in html
    tickets.answer(actor_for("officer_a"), ticket.id, f"您好，办理流程见：\n{reference}\n<b>另见</b> "
                   "https://example.com/portal/knowledge/12x", "resolved")
    portal_client = fresh_client(app)
    portal_login(portal_client, "13800000003")
    page = portal_client.get(f"/portal/demands/{ticket.id}").get_data(as_text=True)
    assert f'<a href="/portal/knowledge/{made.id}" data-testid="article-link">' in page
    assert "&lt;b&gt;另见&lt;/b&gt;" in page and page.count('data-testid="article-link"') == page.count("您好，办理流程见")
