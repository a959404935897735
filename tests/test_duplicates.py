"""Duplicates at intake: beside the form, the chosen enterprise's open and recent
tickets and its category's in the same district; scoped, bounded, and the same
through the page, its JSON refresh and the API."""
from datetime import datetime, timedelta

import pytest

from core import clock
from core.errors import NotFound
from core.registry import services as registry
from core.tickets import duplicates
from core.tickets import services as tickets
from tests.conftest import actor_for, login
from tests.helpers import code, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

NOW = datetime(2026, 11, 20, 2, 0)      # 10:00 on Friday 20 November 2026 in China


@pytest.fixture
def firms(city):
    """Three enterprises of station A: two in 甲街道, one in 乙街道."""
    desk_a = actor_for("desk_a")
    made = {}
    for n, (key, name, district) in enumerate([("mine", "浙江华达科技有限公司", "甲街道"),
                                               ("neighbour", "诸暨市宏达袜业有限公司", "甲街道"),
                                               ("elsewhere", "诸暨市远通物流有限公司", "乙街道")], start=1):
        made[key] = registry.create(desk_a, {"name": name, "credit_code": code(n), "district": district})
    return made


def register(enterprise, category="dispute", text="厂区门口有人堵路，影响出货。", username="desk"):
    return tickets.register(actor_for(username), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category=category, ticket_class="general",
        handling_mode="follow", description=text))


def closed(city, enterprise, days_ago, category="dispute"):
    """A ticket answered and closed ``days_ago`` days before NOW."""
    clock.freeze(NOW - timedelta(days=days_ago, hours=2))
    ticket = register(enterprise, category, text=f"{days_ago}天前办结的诉求")
    desk, officer = actor_for("desk"), actor_for("officer_a")
    tickets.dispatch(desk, ticket.id, city.station_a.id)
    tickets.sign(officer, ticket.id)
    tickets.answer(officer, ticket.id, "已处置。", "resolved")
    clock.freeze(NOW - timedelta(days=days_ago))
    tickets.close(desk, ticket.id)
    clock.freeze(NOW)
    return ticket


def numbers(items):
    return [c.number for c in items]


def test_the_enterprise_s_open_and_recent_tickets_newest_first(city, firms):
    old = closed(city, firms["mine"], 40)
    recent = closed(city, firms["mine"], 10)
    clock.freeze(NOW)
    open_ = register(firms["mine"], "safety", "仓库消防通道被占用。")
    register(firms["neighbour"])           # another enterprise: not in the enterprise's list
    found = duplicates.for_intake(actor_for("desk"), firms["mine"].id)
    assert numbers(found.same_enterprise) == [open_.number, recent.number]   # not the one closed 40 days ago
    assert old.number not in numbers(found.same_enterprise)
    assert found.same_place == []         # no category chosen yet
    first = found.same_enterprise[0]
    assert (first.status, first.is_open, first.category, first.registered_on) == ("registered", True, "safety",
                                                                                  "2026-11-20")
    assert first.description == "仓库消防通道被占用。" and first.enterprise_name == "浙江华达科技有限公司"
    assert found.same_enterprise[1].status == "closed" and not found.same_enterprise[1].is_open


def test_the_same_category_in_the_same_district_from_other_enterprises(city, firms):
    clock.freeze(NOW)
    neighbour_open = register(firms["neighbour"], "dispute", "离职员工聚集讨要工资，情绪激动。")
    neighbour_closed = closed(city, firms["neighbour"], 5)
    closed(city, firms["neighbour"], 45)                   # closed too long ago
    register(firms["neighbour"], "safety")                 # another category
    register(firms["elsewhere"], "dispute")                # another district
    mine = register(firms["mine"], "dispute")              # the enterprise's own: in its own list
    found = duplicates.for_intake(actor_for("desk"), firms["mine"].id, "dispute")
    # Open ones first (newest first), then the recently closed (latest closed first).
    assert numbers(found.same_place) == [neighbour_open.number, neighbour_closed.number]
    assert {c.enterprise_name for c in found.same_place} == {"诸暨市宏达袜业有限公司"}
    assert numbers(found.same_enterprise) == [mine.number]
    assert found.district == "甲街道" and found.category == "dispute"


def test_a_merged_ticket_is_not_offered_again(city, firms):
    clock.freeze(NOW)
    first = register(firms["mine"])
    second = register(firms["mine"])
    from core.tickets import merging

    merging.merge(actor_for("desk"), second.id, first.number)
    found = duplicates.for_intake(actor_for("desk"), firms["mine"].id, "dispute")
    assert numbers(found.same_enterprise) == [first.number]


def test_other_units_tickets_are_not_shown(city, firms):
    """A station sees the tickets its units registered or handle; the centre's
    undispatched ticket of the same enterprise stays out of the station's panel."""
    clock.freeze(NOW)
    centre_only = register(firms["mine"])                          # the centre's, not yet dispatched
    station_own = register(firms["mine"], username="desk_a")       # the station's own
    neighbour_b = register(firms["neighbour"])
    tickets.dispatch(actor_for("desk"), neighbour_b.id, city.station_b.id)   # handled by station B
    neighbour_a = register(firms["neighbour"], username="desk_a")
    seen_by_station = duplicates.for_intake(actor_for("desk_a"), firms["mine"].id, "dispute")
    assert numbers(seen_by_station.same_enterprise) == [station_own.number]
    assert numbers(seen_by_station.same_place) == [neighbour_a.number]
    seen_by_centre = duplicates.for_intake(actor_for("desk"), firms["mine"].id, "dispute")
    assert numbers(seen_by_centre.same_enterprise) == [station_own.number, centre_only.number]
    assert numbers(seen_by_centre.same_place) == [neighbour_a.number, neighbour_b.number]
    # An enterprise outside the actor's area is not found at all.
    b = registry.create(actor_for("desk_b"), {"name": "乙所辖区西湖食品有限公司", "credit_code": code(9)})
    with pytest.raises(NotFound):
        duplicates.for_intake(actor_for("desk_a"), b.id)


def test_the_lists_are_bounded(city, firms, monkeypatch):
    monkeypatch.setattr(duplicates, "PANEL_LIMIT", 3)
    clock.freeze(NOW)
    made = [register(firms["mine"]) for _ in range(4)] + [register(firms["neighbour"]) for _ in range(4)]
    found = duplicates.find(actor_for("desk"), firms["mine"], "dispute", limit=duplicates.PANEL_LIMIT)
    assert numbers(found.same_enterprise) == [t.number for t in reversed(made[:4])][:3]
    assert numbers(found.same_place) == [t.number for t in reversed(made[4:])][:3]


# --- the pages ----------------------------------------------------------------------------

def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


def test_the_intake_page_shows_the_panel_beside_the_form_once_the_enterprise_is_chosen(app, city, firms):
    clock.freeze(NOW)
    earlier = register(firms["mine"], text="厂区门口有人堵路，影响出货。")
    neighbour = register(firms["neighbour"])
    client = client_for(app, "desk")
    plain = client.get("/tickets/new").get_data(as_text=True)
    assert 'data-testid="duplicates"' not in plain
    page = client.get(f"/tickets/new?enterprise={firms['mine'].id}").get_data(as_text=True)
    assert 'data-testid="duplicates"' in page and 'data-testid="intake-form"' in page
    assert earlier.number in page and "厂区门口有人堵路" in page and "已受理" in page   # status in words
    assert neighbour.number not in page                      # no category chosen yet
    assert "duplicates.js" in page
    with_category = client.get(f"/tickets/new?enterprise={firms['mine'].id}&category=dispute").get_data(
        as_text=True)
    assert neighbour.number in with_category and "诸暨市宏达袜业有限公司" in with_category
    assert '<option selected value="dispute">' in with_category or 'value="dispute" selected' in with_category


def test_a_rejected_intake_keeps_the_panel_with_the_chosen_category(app, city, firms):
    clock.freeze(NOW)
    neighbour = register(firms["neighbour"])
    client = client_for(app, "desk")
    response = client.post("/tickets/new", data={
        "enterprise_id": str(firms["mine"].id), "channel": "hotline", "category": "dispute",
        "ticket_class": "general", "handling_mode": "follow", "description": ""})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert 'data-testid="duplicates"' in body and neighbour.number in body


def test_the_panel_refreshes_through_json(app, city, firms):
    clock.freeze(NOW)
    neighbour = register(firms["neighbour"], "safety", "仓库消防通道被占用。")
    client = client_for(app, "desk")
    data = client.get(f"/tickets/new/duplicates?enterprise={firms['mine'].id}&category=safety").get_json()
    assert data["category"] == "safety" and data["district"] == "甲街道" and data["enterprise"] == []
    item, = data["place"]
    assert item["number"] == neighbour.number and item["url"] == f"/tickets/{neighbour.id}"
    assert (item["status_label"], item["category_label"], item["enterprise"]) == ("已受理", "安全隐患",
                                                                                 "诸暨市宏达袜业有限公司")
    assert client.get("/tickets/new/duplicates").status_code == 400
    b = registry.create(actor_for("desk_b"), {"name": "乙所辖区西湖食品有限公司", "credit_code": code(9)})
    station = client_for(app, "desk_a")
    answer = station.get(f"/tickets/new/duplicates?enterprise={b.id}")
    assert answer.status_code == 404 and "error" in answer.get_json()
    officer = client_for(app, "officer_a")
    assert officer.get(f"/tickets/new/duplicates?enterprise={firms['mine'].id}").status_code == 403
