"""Full-text search of what people wrote on tickets (core/search): the ticket
list's search box finds a word of the description, of an answer or of a note,
words of one and two characters in every ticket too, only among the tickets the user may see, with the
word highlighted and the passage's text escaped; ``anqi search rebuild``."""
import pytest
from sqlalchemy import text

from core.extensions import db
from core.registry import search_index as enterprise_index
from core.registry import services as registry
from core.search import index
from core.search import query as search
from core.tickets import queues
from core.tickets import services as tickets
from tests.conftest import actor_for, login
from tests.helpers import code
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


@pytest.fixture
def enterprise(city):
    return registry.create(actor_for("desk"), {"name": "浙江华达科技有限公司", "credit_code": code(1),
                                                "unit_id": city.station_a.id})


def register(enterprise, description, ticket_class="general"):
    return tickets.register(actor_for("desk"), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class=ticket_class,
        handling_mode="follow", description=description))


def found(username, q, queue="all"):
    f, problems = queues.parse_filters({"q": q})
    assert not problems
    return [t.id for t in queues.page(actor_for(username), queue, f, sort="newest", limit=50).items]


def test_a_word_of_the_description_finds_the_ticket(city, enterprise):
    lamp = register(enterprise, "厂区门口的路灯坏了三盏，夜间出货不安全。")
    other = register(enterprise, "员工宿舍附近有人聚集赌博。")
    assert found("desk", "路灯坏了") == [lamp.id]   # trigram index
    assert found("desk", "出货") == [lamp.id]        # two characters: the grams' index
    assert found("desk", "赌博") == [other.id]
    assert found("desk", "聚集赌") == [other.id]     # three characters, mid-word
    assert found("desk", "停车场") == []


def test_a_word_of_an_answer_a_note_or_a_progress_report_finds_the_ticket(city, enterprise):
    desk, officer = actor_for("desk"), actor_for("officer_a")
    ticket = register(enterprise, "厂区门口有人堵路，影响出货。", ticket_class="complex")
    untouched = register(enterprise, "厂区门口有人堵路。")
    tickets.dispatch(desk, ticket.id, city.station_a.id)
    tickets.sign(officer, ticket.id)
    tickets.add_note(officer, ticket.id, "已联系村委会协调")
    assert found("desk", "村委会") == [ticket.id]
    tickets.report_progress(officer, ticket.id, "交警大队已到场疏导")
    assert found("desk", "交警大队") == [ticket.id]
    tickets.answer(officer, ticket.id, "已协调属地派出所处置，道路已恢复通行。", "resolved")
    assert found("desk", "恢复通行") == [ticket.id]
    assert found("desk", "堵路") == [untouched.id, ticket.id]
    assert found("desk", "堵路 通行") == [ticket.id]   # every word must occur


def test_words_combine_with_the_queue_and_the_enterprise_search(city, enterprise):
    desk = actor_for("desk")
    dispatched = register(enterprise, "仓库消防通道被占用")
    waiting = register(enterprise, "消防栓被撞坏")
    tickets.dispatch(desk, dispatched.id, city.station_a.id)
    assert found("desk", "消防", queue="to_dispatch") == [waiting.id]
    assert found("desk", "消防", queue="to_sign") == [dispatched.id]
    # The enterprise's name still finds all its tickets.
    assert set(found("desk", "华达")) == {dispatched.id, waiting.id}


def test_another_units_ticket_is_not_found(city, enterprise):
    desk = actor_for("desk")
    ours = register(enterprise, "门口路灯不亮")
    theirs = register(enterprise, "仓库路灯不亮")
    tickets.dispatch(desk, ours.id, city.station_a.id)
    tickets.dispatch(desk, theirs.id, city.station_b.id)
    assert found("officer_a", "路灯") == [ours.id]
    assert found("officer_b", "路灯") == [theirs.id]
    assert found("officer_a", "仓库路灯") == []


def test_a_search_finds_the_newest_matches_and_short_words_in_every_ticket(city, enterprise, monkeypatch):
    ids = [register(enterprise, f"第{n}号路灯坏了，C#程序").id for n in range(4)]
    monkeypatch.setattr(search, "MATCH_LIMIT", 3)
    assert found("desk", "路灯坏") == ids[::-1][:3]
    assert found("desk", "路灯") == ids[::-1][:3]
    monkeypatch.setattr(search, "MATCH_LIMIT", 100)
    monkeypatch.setattr(search, "SHORT_SCAN", 2)
    assert found("desk", "路灯") == ids[::-1]          # two characters: the grams' index, all of them
    assert found("desk", "灯") == ids[::-1]            # one character too
    assert found("desk", "路灯坏") == ids[::-1]        # three characters: the trigram index, all of them
    assert found("desk", "c#") == ids[::-1][:2]        # a symbol: the newest 2 tickets' text only
    assert found("desk", "灯 c#") == ids[::-1][:2]


def test_short_words_are_pairs_that_stand_side_by_side(city, enterprise):
    lamp = register(enterprise, "门口路灯坏了，请修理。Road 5G")
    assert found("desk", "路灯") == [lamp.id]
    assert found("desk", "了请") == []                 # across a comma: not a word of the text
    assert found("desk", "5g") == [lamp.id]            # Latin letters in any case
    assert found("desk", "RO") == [lamp.id]
    assert found("desk", "路 修") == [lamp.id]
    assert found("desk", "路 冷") == []
    assert found("desk", "路灯坏 请修") == [lamp.id]    # a long and a short word together


def test_the_short_words_follow_every_change_of_the_text(city, enterprise):
    from core.tickets.models import Ticket

    lamp = register(enterprise, "门口路灯坏了")
    other = register(enterprise, "仓库路灯不亮")
    tickets.dispatch(actor_for("desk"), lamp.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), lamp.id)
    tickets.add_note(actor_for("officer_a"), lamp.id, "已联系市政")
    assert found("desk", "市政") == [lamp.id]
    # A script through the ORM rewrites the description: the old words leave the index with it.
    db.session.get(Ticket, lamp.id).description = "门口井盖松动"
    db.session.commit()
    assert found("desk", "井盖") == [lamp.id]
    assert found("desk", "路灯") == [other.id]
    assert found("desk", "市政") == [lamp.id]
    index.rebuild(db.session.connection())
    db.session.commit()
    assert (found("desk", "井盖"), found("desk", "路灯"), found("desk", "灯")) == ([lamp.id], [other.id], [other.id])


def test_the_passage_marks_the_word_and_escapes_the_text(city, enterprise, client):
    ticket = register(enterprise, "门口<script>alert(1)</script>的路灯坏了 & 没人修")
    login(client, "desk")
    page = client.get("/tickets/", query_string={"q": "路灯"}).get_data(as_text=True)
    assert ticket.number in page
    assert "<mark>路灯</mark>" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;的<mark>路灯</mark>坏了 &amp; 没人修" in page
    assert "<script>alert(1)" not in page


def test_the_list_says_when_a_search_reached_its_bounds(city, enterprise, client, monkeypatch):
    for n in range(3):
        register(enterprise, f"第{n}号路灯坏了")
    login(client, "desk")
    page = client.get("/tickets/", query_string={"q": "路灯坏了"}).get_data(as_text=True)
    assert 'data-testid="search-bounds"' not in page
    page = client.get("/tickets/", query_string={"q": "路灯"}).get_data(as_text=True)
    assert 'data-testid="search-bounds"' not in page       # a short word is found in every ticket
    monkeypatch.setattr(search, "MATCH_LIMIT", 2)
    page = client.get("/tickets/", query_string={"q": "路灯坏了", "lang": "en"},
                      headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-testid="search-bounds"' in page
    page = client.get("/tickets/", query_string={"q": "C#"}).get_data(as_text=True)
    assert "只在最新的 20,000 张工单的文字中查找" in page


def test_a_marked_word_is_escaped_too():
    passage = search.passage("a<b>c 与 <B> 无关", "<b>")
    assert [p for p in passage.parts if p[1]] == [("<b>", True), ("<B>", True)]


def test_the_api_list_takes_the_same_q(city, enterprise, client):
    from tests.test_api import call, token_for

    lamp = register(enterprise, "厂区门口的路灯坏了")
    noise = register(enterprise, "员工宿舍噪音扰民")
    tickets.dispatch(actor_for("desk"), noise.id, city.station_b.id)
    token = token_for("desk")
    numbers = [t["number"] for t in call(client, "GET", "/api/v1/tickets?q=路灯", token).get_json()["items"]]
    assert numbers == [lamp.number]
    numbers = [t["number"] for t in call(client, "GET", "/api/v1/tickets?q=宿舍噪音", token).get_json()["items"]]
    assert numbers == [noise.number]
    # Scoped as the pages are: station A's officer does not find station B's ticket.
    assert call(client, "GET", "/api/v1/tickets?q=宿舍噪音", token_for("officer_a")).get_json()["items"] == []


def test_rebuild_refills_the_index(city, enterprise, app):
    lamp = register(enterprise, "厂区门口的路灯坏了")
    db.session.execute(text(f"DELETE FROM {index.TABLE}"))
    db.session.commit()
    assert found("desk", "路灯坏") == []
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    assert found("desk", "路灯坏") == [lamp.id]
    assert found("desk", "路灯") == [lamp.id]
    # The enterprises' own index too: a rare search by full pinyin finds the enterprise through it.
    db.session.execute(text(f"DELETE FROM {enterprise_index.TABLE}"))
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["search", "rebuild"]).exit_code == 0
    assert db.session.scalar(text(f"SELECT count(*) FROM {enterprise_index.TABLE}")) == \
        db.session.scalar(text("SELECT count(*) FROM enterprise"))
