"""Finding enterprises: by part of a name, by pinyin initials, by credit code, by
officer; and keyset paging that walks every row exactly once in each sort order."""
import base64
import json

import pytest
from sqlalchemy import select

from core.errors import ValidationError
from core.extensions import db
from core.registry import pinyin, services
from core.registry.models import Enterprise
from core.registry.services import EnterpriseFilter
from tests.conftest import actor_for, login
from tests.helpers import code, en, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

NAMES = [
    "浙江华达科技有限公司", "杭州西湖食品有限公司", "宁波港口物流有限公司", "诸暨市枫桥茶叶专业合作社",
    "绍兴黄酒集团股份有限公司", "浙江交通科技股份有限公司", "温州鞋革有限公司", "暨阳纺织有限公司",
]
DISTRICTS = ["暨阳街道", "浣东街道", "陶朱街道", "枫桥镇"]


def register(actor, name, n, **extra):
    return services.create(actor, {"name": name, "credit_code": code(n), **extra})


@pytest.fixture
def registry(city):
    actor = actor_for("desk")
    ids = {}
    for n, name in enumerate(NAMES, start=1):
        ids[name] = register(actor, name, n, district=DISTRICTS[n % len(DISTRICTS)], unit_id=city.station_a.id).id
    return ids


def names(page):
    return [e.name for e in page.items]


# --- pinyin keys -------------------------------------------------------------------

def test_initials_leave_out_the_legal_form():
    assert pinyin.initials("浙江华达科技有限公司") == "zjhdkj"
    assert pinyin.initials("绍兴黄酒集团股份有限公司") == "sxhjjt"
    assert pinyin.initials("浙江华达科技股份有限公司") == "zjhdkj"
    assert pinyin.initials("诸暨市枫桥茶叶专业合作社") == "zjsfqcyzyhzs"


def test_sort_key_is_full_pinyin():
    assert pinyin.sort_key("浙江华达科技有限公司") == "zhejianghuadakejiyouxiangongsi"


def test_full_pinyin_query_only_for_letters():
    assert pinyin.full_pinyin_query("Shaoxing Anrui") == "shaoxinganrui"
    assert pinyin.full_pinyin_query("xi'an") == "xian"
    assert pinyin.full_pinyin_query("a") is None
    assert pinyin.full_pinyin_query("华达") is None
    assert pinyin.full_pinyin_query("9133") is None


def test_initials_pattern_only_for_letters():
    assert pinyin.initials_pattern("zjkj") == "%z%j%k%j%"
    assert pinyin.initials_pattern("ZJKJ") == "%z%j%k%j%"
    assert pinyin.initials_pattern("华达") is None
    assert pinyin.initials_pattern("9133") is None
    assert pinyin.initials_pattern("") is None


# --- searching ---------------------------------------------------------------------

def test_pinyin_initials_find_the_enterprise(app, registry):
    found = names(services.search(actor_for("desk"), EnterpriseFilter(q="zjkj")))
    assert "浙江华达科技有限公司" in found
    assert "浙江交通科技股份有限公司" in found  # zjjtkj: the letters in order, skipping some
    assert "杭州西湖食品有限公司" not in found
    assert "宁波港口物流有限公司" not in found
    # Upper case and spaces around are the same search.
    assert "浙江华达科技有限公司" in names(services.search(actor_for("desk"), EnterpriseFilter(q=" ZJHD ")))
    assert names(services.search(actor_for("desk"), EnterpriseFilter(q="zjhd"))) == ["浙江华达科技有限公司"]


def test_full_pinyin_finds_the_enterprise(app, registry):
    desk = actor_for("desk")
    anrui = register(desk, "绍兴安瑞科技有限公司", 50).name
    assert names(services.search(desk, EnterpriseFilter(q="anrui"))) == [anrui]
    assert names(services.search(desk, EnterpriseFilter(q="shaoxinganrui"))) == [anrui]
    assert names(services.search(desk, EnterpriseFilter(q="Shaoxing Anrui"))) == [anrui]
    assert names(services.search(desk, EnterpriseFilter(q="huangjiu"))) == ["绍兴黄酒集团股份有限公司"]
    assert names(services.search(desk, EnterpriseFilter(q="shaoxingbeijing"))) == []
    # Latin letters in a name are found by its pinyin key, in any case.
    abc = register(desk, "ABC电子有限公司", 51).name
    assert names(services.search(desk, EnterpriseFilter(q="abc"))) == [abc]
    assert names(services.search(desk, EnterpriseFilter(q="ABC电子"))) == [abc]


def test_full_pinyin_finds_the_enterprises_tickets_in_the_ticket_list(app, registry):
    from core.tickets import queues
    from core.tickets import services as tickets

    desk = actor_for("desk")
    ticket = tickets.register(desk, tickets.Intake(
        enterprise_id=registry["宁波港口物流有限公司"], channel="hotline", category="dispute", ticket_class="general",
        handling_mode="follow", description="码头周边有人聚集。"))
    f, _problems = queues.parse_filters({"q": "gangkouwuliu"})
    assert [t.id for t in queues.page(desk, "all", f).items] == [ticket.id]


def test_part_of_a_name_finds_the_enterprise(app, registry):
    assert names(services.search(actor_for("desk"), EnterpriseFilter(q="华达"))) == ["浙江华达科技有限公司"]
    assert set(names(services.search(actor_for("desk"), EnterpriseFilter(q="科技")))) == {
        "浙江华达科技有限公司", "浙江交通科技股份有限公司"}
    assert names(services.search(actor_for("desk"), EnterpriseFilter(q="不存在的名字"))) == []


def test_search_text_is_not_a_like_pattern(app, registry):
    assert names(services.search(actor_for("desk"), EnterpriseFilter(q="%"))) == []
    assert names(services.search(actor_for("desk"), EnterpriseFilter(q="_"))) == []


def test_credit_code_prefix_finds_the_enterprise(app, registry):
    full = code(1)  # 浙江华达科技有限公司
    assert names(services.search(actor_for("desk"), EnterpriseFilter(q=full))) == ["浙江华达科技有限公司"]
    assert "浙江华达科技有限公司" in names(services.search(actor_for("desk"), EnterpriseFilter(q=full[:12])))
    assert names(services.search(actor_for("desk"), EnterpriseFilter(q=full.lower()))) == ["浙江华达科技有限公司"]
    prefix = names(services.search(actor_for("desk"), EnterpriseFilter(q="91330681")))
    assert len(prefix) == len(NAMES)


def test_filter_by_officer_district_and_flags(app, city):
    actor = actor_for("desk_a")
    officer = city.user("officer_a")
    served = register(actor, "浙江华达科技有限公司", 1, liaison_officer_id=officer.id, district="暨阳街道",
                      is_key=True)
    register(actor, "杭州西湖食品有限公司", 2, district="浣东街道", tags="出口企业，高新")
    assert names(services.search(actor, EnterpriseFilter(officer_id=officer.id))) == [served.name]
    assert names(services.search(actor, EnterpriseFilter(district="浣东街道"))) == ["杭州西湖食品有限公司"]
    assert names(services.search(actor, EnterpriseFilter(is_key=True))) == [served.name]
    assert names(services.search(actor, EnterpriseFilter(tag="高新"))) == ["杭州西湖食品有限公司"]
    assert names(services.search(actor, EnterpriseFilter(tag="高"))) == []


def test_the_list_page_searches_by_initials(app, registry):
    client = fresh_client(app)
    login(client, "desk")
    html = client.get("/enterprises/?q=zjhd").get_data(as_text=True)
    assert "浙江华达科技有限公司" in html and "杭州西湖食品有限公司" not in html
    html = client.get("/enterprises/?q=" + code(2)[:10]).get_data(as_text=True)
    assert "杭州西湖食品有限公司" in html


# --- keyset paging -----------------------------------------------------------------

@pytest.fixture
def many(city):
    """37 enterprises with names that share prefixes and districts that repeat."""
    actor = actor_for("desk_a")
    words = ["华达", "华大", "华达", "西湖", "港口", "枫桥", "黄酒", "交通", "鞋革", "纺织", "阿里", "中天"]
    for n in range(37):
        name = f"浙江{words[n % len(words)]}{'科技' if n % 3 else '贸易'}{n // len(words)}有限公司"
        register(actor, name, 100 + n, district=DISTRICTS[n % len(DISTRICTS)])
    # Two enterprises with the very same name: only the id tells them apart.
    register(actor, "同名企业有限公司", 200, district="枫桥镇")
    register(actor, "同名企业有限公司", 201, district="枫桥镇")
    return 39


def walk_forward(actor, sort, limit, filters=None):
    pages, cursor = [], None
    while True:
        page = services.search(actor, filters, sort=sort, cursor=cursor, limit=limit)
        pages.append(page)
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor
        assert len(pages) < 100, "paging does not end"


def expected_order(actor, sort):
    stmt = services.scoped_select(actor).order_by(*services.SORTS[sort])
    return [e.id for e in db.session.scalars(stmt).unique()]


@pytest.mark.parametrize("sort", ["name", "credit_code", "district"])
def test_next_and_prev_cursors_walk_every_row_once(app, many, sort):
    for limit in (1, 5, 7, 39, 50):
        check_walk(actor_for("desk_a"), many, sort, limit)


def check_walk(actor, many, sort, limit):
    pages = walk_forward(actor, sort, limit)
    forward = [e.id for page in pages for e in page.items]
    assert len(forward) == len(set(forward)) == many  # no duplicates, no gaps
    assert forward == expected_order(actor, sort)
    assert pages[0].prev_cursor is None
    assert all(len(p.items) == limit for p in pages[:-1])
    assert all(p.prev_cursor for p in pages[1:])

    # Back from the last page with the prev cursors: the same pages, in reverse.
    back, page = [pages[-1]], pages[-1]
    while page.prev_cursor:
        page = services.search(actor, sort=sort, cursor=page.prev_cursor, limit=limit)
        back.append(page)
        assert len(back) <= len(pages)
    assert [[e.id for e in p.items] for p in reversed(back)] == [[e.id for e in p.items] for p in pages]
    # A page reached backwards still leads forwards.
    if len(pages) > 2:
        again = services.search(actor, sort=sort, cursor=back[1].next_cursor, limit=limit)
        assert [e.id for e in again.items] == [e.id for e in pages[-1].items]


def test_sorts_order_by_what_they_say(app, many):
    actor = actor_for("desk_a")
    by_name = [e for p in walk_forward(actor, "name", 10) for e in p.items]
    assert [e.name_pinyin for e in by_name] == sorted(e.name_pinyin for e in by_name)
    by_code = [e.credit_code for p in walk_forward(actor, "credit_code", 10) for e in p.items]
    assert by_code == sorted(by_code)
    by_district = [e.district for p in walk_forward(actor, "district", 10) for e in p.items]
    runs = [d for i, d in enumerate(by_district) if i == 0 or d != by_district[i - 1]]
    assert len(runs) == len(set(by_district))  # each district's rows come together


def test_paging_with_a_search_keeps_to_the_search(app, many):
    actor = actor_for("desk_a")
    filters = EnterpriseFilter(q="zjhd")
    rows = [e for p in walk_forward(actor, "name", 2, filters) for e in p.items]
    assert rows and all(e.name_initials.startswith("zjhd") for e in rows)
    all_matching = db.session.scalars(select(Enterprise).where(Enterprise.name_initials.like("%z%j%h%d%"))).all()
    assert len(rows) == len(all_matching)


def test_an_empty_result_has_no_cursors(app, city):
    page = services.search(actor_for("desk_a"), EnterpriseFilter(q="没有"))
    assert page.items == [] and page.next_cursor is None and page.prev_cursor is None


def _cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", [
    "not a cursor!",
    "%%%",
    _cursor({"k": ["a"], "b": False}),             # too few values for the sort
    _cursor({"k": ["a", 1, 2, 3], "b": False}),    # too many
    _cursor({"x": 1}),
    _cursor([1, 2]),
    _cursor({"k": [["a"], {"b": 1}], "b": False}),  # values of the wrong kind
    _cursor({"k": ["zhejiang", "not-an-id"], "b": False}),
    base64.urlsafe_b64encode(b"\xff\xfe").decode(),
])
def test_a_broken_cursor_is_a_validation_error(app, city, cursor):
    with pytest.raises(ValidationError) as caught:
        services.search(actor_for("desk_a"), sort="name", cursor=cursor)
    assert "page link is broken" in en(caught.value.message)


def test_the_list_page_pages_and_survives_a_broken_cursor(app, many):
    client = fresh_client(app)
    login(client, "desk_a")
    response = client.get("/enterprises/?size=20&sort=credit_code")
    assert response.status_code == 200
    page = services.search(actor_for("desk_a"), sort="credit_code", limit=20)
    html = response.get_data(as_text=True)
    assert page.next_cursor in html
    second = client.get(f"/enterprises/?size=20&sort=credit_code&cursor={page.next_cursor}")
    assert second.status_code == 200
    second_html = second.get_data(as_text=True)
    next_page = services.search(actor_for("desk_a"), sort="credit_code", cursor=page.next_cursor, limit=20)
    assert next_page.items[0].credit_code in second_html
    assert page.items[0].credit_code not in second_html

    for bad in ("garbage", _cursor({"k": [["a"], {"b": 1}], "b": False}),
                _cursor({"k": ["x", "not-an-id"], "b": False})):
        response = client.get(f"/enterprises/?cursor={bad}")
        assert response.status_code == 302, bad
        assert response.headers["Location"].endswith("/enterprises/")
