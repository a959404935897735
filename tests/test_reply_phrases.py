"""Reply phrases (常用语, core/phrases): kept by the leaders of a unit, audited;
offered on the ticket page's answer and note forms to the unit's officers for
the ticket's category and for every category; another unit's phrases are
neither offered nor reachable; only leaders keep them."""
import pytest
from sqlalchemy import select

from core.audit.models import AuditEntry
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.org.services import save_user
from core.phrases import services as phrases
from core.phrases.models import ReplyPhrase
from core.registry import services as registry
from core.tickets import services as tickets
from tests.conftest import PASSWORD, actor_for, enrol_second_factor, login
from tests.helpers import code, count, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


@pytest.fixture
def world(city):
    shell = shell_actor()
    for username, unit in (("leader_a", city.station_a), ("leader_b", city.station_b)):
        save_user(shell, {"username": username, "name": username.upper(), "unit_id": unit.id, "roles": ["leader"],
                          "password": PASSWORD})
        enrol_second_factor(username)
    enterprise = registry.create(actor_for("desk_a"), {"name": "甲所辖区华达纺织有限公司", "credit_code": code(1),
                                                       "liaison_officer_id": city.user("officer_a").id})
    ticket = tickets.register(actor_for("desk_a"), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description="门口路灯损坏。"))
    tickets.dispatch(actor_for("desk_a"), ticket.id, city.station_a.id, city.user("officer_a").id)
    tickets.sign(actor_for("officer_a"), ticket.id)
    return {"ticket": ticket}


def phrase(username, unit, title, text, category=""):
    return phrases.save(actor_for(username), phrases.PhraseInput(title=title, text=text, category=category,
                                                                 unit_id=unit.id))


def test_leaders_keep_their_units_phrases_audited(app, city, world):
    made = phrase("leader_a", city.station_a, "路灯已报修", "您反映的路灯问题已联系供电部门报修。", "dispute")
    assert (made.unit_id, made.category) == (city.station_a.id, "dispute")
    phrases.save(actor_for("leader_a"), phrases.PhraseInput(title="路灯已修复", text="路灯已修复。", category="",
                                                            unit_id=city.station_a.id), made.id)
    assert db.session.get(ReplyPhrase, made.id).category == ""
    phrases.delete(actor_for("leader_a"), made.id)
    assert count(ReplyPhrase) == 0
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "reply_phrase",
                                                                 AuditEntry.result == "ok")
                                 .order_by(AuditEntry.id)).all()
    assert actions == ["phrase.create", "phrase.update", "phrase.delete"]


def test_every_problem_at_once_and_nothing_saved(app, city, world):
    with pytest.raises(ValidationError) as caught:
        phrases.save(actor_for("leader_a"), phrases.PhraseInput(title="", text="x" * 1001, category="nonsense",
                                                                unit_id=city.station_b.id))
    assert set(caught.value.errors) == {"title", "text", "category", "unit_id"}
    assert count(ReplyPhrase) == 0


def test_scope_per_unit(app, city, world):
    theirs = phrase("leader_b", city.station_b, "乙所用语", "乙所的答复。")
    with pytest.raises(NotFound):
        phrases.get(actor_for("leader_a"), theirs.id)
    with pytest.raises(NotFound):
        phrases.delete(actor_for("leader_a"), theirs.id)
    assert [p.id for p in phrases.kept(actor_for("leader_a"))] == []
    # The centre's leader keeps the whole city's, the stations' included.
    assert [p.id for p in phrases.kept(actor_for("leader"))] == [theirs.id]
    client = fresh_client(app)
    login(client, "leader_a")
    assert client.get(f"/phrases/{theirs.id}/edit").status_code == 404


def test_only_leaders_keep_phrases(app, city, world):
    with pytest.raises(Forbidden):
        phrase("officer_a", city.station_a, "标题", "内容")
    client = fresh_client(app)
    login(client, "officer_a")
    assert client.get("/phrases/").status_code == 403
    leader = fresh_client(app)
    login(leader, "leader_a")
    page = leader.get("/phrases/").get_data(as_text=True)
    assert "常用语" in page and 'href="/phrases/"' in page                  # the menu entry
    response = leader.post("/phrases/new", data={"title": "已联系", "text": "已与企业联系。", "category": "",
                                                 "unit_id": str(city.station_a.id)})
    assert response.status_code == 303
    assert "常用语已保存" in leader.get("/phrases/").get_data(as_text=True)


def test_the_ticket_page_offers_the_units_phrases_for_its_category(app, city, world):
    ticket = world["ticket"]
    phrase("leader_a", city.station_a, "纠纷已调解", "纠纷已调解完毕。", "dispute")
    phrase("leader_a", city.station_a, "已电话联系", "已电话联系企业。")
    phrase("leader_a", city.station_a, "治安巡逻", "已加强巡逻。", "crime")                 # another category
    phrase("leader_b", city.station_b, "乙所用语", "乙所的答复。")                          # another unit
    phrase("leader", city.city, "全市通用", "感谢您对公安工作的支持。")                      # the unit above
    offered = [p.title for p in phrases.for_ticket(actor_for("officer_a"), ticket)]
    assert offered == ["纠纷已调解", "已电话联系", "全市通用"]
    client = fresh_client(app)
    login(client, "officer_a")
    html = client.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="phrases-answer"' in html and 'data-testid="phrases-note"' in html
    assert 'data-text="纠纷已调解完毕。"' in html and "乙所的答复" not in html and "已加强巡逻" not in html
    # Without JavaScript the answer is a plain textarea: the form posts as before.
    response = client.post(f"/tickets/{ticket.id}/answer", data={"answer-reply": "纠纷已调解完毕。",
                                                                "answer-result": "resolved"})
    assert response.status_code == 302
    assert db.session.get(type(ticket), ticket.id).status == "answered"
