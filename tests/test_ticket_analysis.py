"""一件事 → 一类事: grouping similar tickets by category × industry × district ×
period, flagging the groups that reach the threshold and grow, and a leader
taking a group up as a class matter."""
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.audit.models import AuditEntry
from core.errors import Forbidden, ValidationError
from core.extensions import db
from core.notifications.models import Notification
from core.org.actor import shell_actor
from core.org.services import save_user
from core.registry import services as registry
from core.tickets import analysis
from core.tickets import services as tickets
from core.tickets.models import ClassMatter
from tests.conftest import PASSWORD, actor_for, login
from tests.helpers import code, count
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

NOW = datetime(2026, 6, 30, 2, 0)      # 10:00 on Tuesday 30 June 2026 in China
TODAY = date(2026, 6, 30)
SINCE = TODAY - timedelta(days=29)     # the default window: 1 June – 30 June


def local(day: date, hour=10, minute=0) -> datetime:
    """A moment in China as stored (naive UTC)."""
    return datetime(day.year, day.month, day.day, hour, minute) - timedelta(hours=8)


@pytest.fixture
def firms(city):
    desk_a = actor_for("desk_a")
    made = {}
    for n, (key, industry, district) in enumerate([
        ("sock1", "袜业", "大唐街道"), ("sock2", "袜业", "大唐街道"), ("sock3", "袜业", "大唐街道"),
        ("sock_elsewhere", "袜业", "暨阳街道"), ("metal", "五金机械", "大唐街道"),
    ], start=1):
        made[key] = registry.create(desk_a, {"name": f"诸暨市第{n}企业有限公司", "credit_code": code(n),
                                             "industry": industry, "district": district})
    return made


def register(enterprise, when, category="dispute", dispatch_to=None):
    clock.freeze(when)
    desk = actor_for("desk")
    ticket = tickets.register(desk, tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category=category, ticket_class="general",
        handling_mode="follow", description="员工聚集讨要工资。"))
    if dispatch_to is not None:
        tickets.dispatch(desk, ticket.id, dispatch_to.id)
    return ticket


@pytest.fixture
def june(city, firms):
    """Three wage disputes from the sock makers of 大唐街道 in June (one at the
    very first minute of the window), one in May (the previous period, with one
    at the very last minute of it), two elsewhere, a safety case, and one too
    old to count."""
    a = city.station_a
    made = {
        "first": register(firms["sock1"], local(SINCE, 0, 0), dispatch_to=a),
        "second": register(firms["sock2"], local(date(2026, 6, 12)), dispatch_to=a),
        "third": register(firms["sock3"], local(date(2026, 6, 29))),
        "may": register(firms["sock1"], local(SINCE - timedelta(days=1), 23, 59)),
        "elsewhere1": register(firms["sock_elsewhere"], local(date(2026, 6, 5))),
        "elsewhere2": register(firms["sock_elsewhere"], local(date(2026, 6, 6))),
        "safety": register(firms["sock2"], local(date(2026, 6, 7)), category="safety"),
        "metal": register(firms["metal"], local(date(2026, 6, 8))),
        "old": register(firms["sock1"], local(date(2026, 4, 1))),
    }
    clock.freeze(NOW)
    return made


def keys(groups):
    return {g.key: (g.count, g.previous) for g in groups}


def test_the_default_window_is_the_last_30_days_and_the_30_before(june):
    w = analysis.window()
    assert (w.since, w.until) == (SINCE, TODAY)
    assert (w.previous_since, w.previous_until) == (SINCE - timedelta(days=30), SINCE - timedelta(days=1))


def test_a_group_of_three_in_one_industry_and_district_is_flagged(june):
    groups = analysis.similar_groups(actor_for("desk"))
    assert keys(groups) == {("dispute", "袜业", "大唐街道"): (3, 1)}
    group = groups[0]
    assert group.flagged and group.rising and group.growth == 2.0
    assert group.category_label == "矛盾纠纷"


def test_every_group_with_its_previous_period(june):
    groups = analysis.similar_groups(actor_for("desk"), everything=True)
    assert keys(groups) == {
        ("dispute", "袜业", "大唐街道"): (3, 1), ("dispute", "袜业", "暨阳街道"): (2, 0),
        ("safety", "袜业", "大唐街道"): (1, 0), ("dispute", "五金机械", "大唐街道"): (1, 0),
    }
    assert groups[0].key == ("dispute", "袜业", "大唐街道")      # flagged first
    assert [g.flagged for g in groups] == [True, False, False, False]
    assert analysis.similar_groups(actor_for("desk"), min_count=2)[1].key == ("dispute", "袜业", "暨阳街道")


@pytest.mark.parametrize("app_config", [{"CLASS_MATTER_MIN_COUNT": 2}])
def test_the_threshold_comes_from_the_configuration(june):
    assert analysis.min_count_setting() == 2
    assert set(keys(analysis.similar_groups(actor_for("desk")))) == {
        ("dispute", "袜业", "大唐街道"), ("dispute", "袜业", "暨阳街道")}


def test_a_period_of_ones_own_choice(june):
    may = analysis.similar_groups(actor_for("desk"), date(2026, 5, 1), date(2026, 5, 31), min_count=1)
    assert keys(may) == {("dispute", "袜业", "大唐街道"): (1, 1)}   # 31 days before May: the April one
    with pytest.raises(ValidationError):
        analysis.window(date(2026, 6, 2), date(2026, 6, 1))
    with pytest.raises(ValidationError):
        analysis.window(date(2024, 1, 1), date(2026, 1, 1))


def test_the_tickets_of_a_group_newest_first(june):
    found = analysis.tickets_of_group(actor_for("desk"), "dispute", "袜业", "大唐街道")
    assert [t.id for t in found] == [june["third"].id, june["second"].id, june["first"].id]


def test_a_station_sees_the_tickets_of_its_own_units_only(june):
    # Station A handles the first two (dispatched there); the rest stay at the centre.
    station = analysis.similar_groups(actor_for("desk_a"), everything=True)
    assert keys(station) == {("dispute", "袜业", "大唐街道"): (2, 0)}
    assert analysis.similar_groups(actor_for("desk_b"), everything=True) == []
    assert analysis.tickets_of_group(actor_for("desk_b"), "dispute", "袜业", "大唐街道") == []
    with pytest.raises(Forbidden):
        analysis.similar_groups(actor_for("officer_a"))


def test_a_leader_takes_a_group_up_as_a_class_matter(city, june):
    leader = actor_for("leader")
    owner = city.users["desk_a"]
    matter = analysis.create_class_matter(leader, "dispute", "袜业", "大唐街道", None, None, owner.id,
                                          note="联合人社部门约谈企业负责人。")
    assert matter.title == "矛盾纠纷 · 袜业 · 大唐街道"
    assert (matter.period_start, matter.period_end) == (SINCE, TODAY)
    assert sorted(matter.ticket_ids) == sorted(june[k].id for k in ("first", "second", "third"))
    assert matter.owner_id == owner.id and matter.unit_id == city.centre.id
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ticket.class_matter",
                                                       AuditEntry.result == "ok"))
    assert entry.object_id == str(matter.id) and entry.detail["tickets"] == 3 and entry.detail["owner"] == "desk_a"
    assert count(Notification, Notification.user_id == owner.id, Notification.kind == "class_matter") == 1
    groups = analysis.similar_groups(actor_for("desk"))
    assert groups[0].matter_id == matter.id
    assert [m.id for m in analysis.class_matters(actor_for("desk"))] == [matter.id]
    assert analysis.class_matters(actor_for("desk_b")) == []


def test_taking_up_is_refused_when_it_should_be(city, june):
    with pytest.raises(Forbidden):
        analysis.create_class_matter(actor_for("desk"), "dispute", "袜业", "大唐街道", None, None,
                                     city.users["desk"].id)
    assert count(AuditEntry, AuditEntry.action == "ticket.class_matter", AuditEntry.result == "denied") == 1
    leader = actor_for("leader")
    with pytest.raises(ValidationError):  # no such group in the period
        analysis.create_class_matter(leader, "crime", "袜业", "大唐街道", None, None, city.users["desk"].id)
    with pytest.raises(ValidationError):  # an owner who is not a business user
        analysis.create_class_matter(leader, "dispute", "袜业", "大唐街道", None, None, city.users["admin"].id)
    with pytest.raises(ValidationError):
        analysis.create_class_matter(leader, "dispute", "袜业", "大唐街道", None, None, "")
    analysis.create_class_matter(leader, "dispute", "袜业", "大唐街道", None, None, city.users["desk"].id)
    with pytest.raises(ValidationError) as twice:   # the same group, an overlapping period
        analysis.create_class_matter(leader, "dispute", "袜业", "大唐街道", date(2026, 6, 15), TODAY,
                                     city.users["desk"].id)
    assert "矛盾纠纷 · 袜业 · 大唐街道" in str(twice.value)
    assert count(ClassMatter) == 1
    assert count(AuditEntry, AuditEntry.action == "ticket.class_matter", AuditEntry.result == "rejected") == 4


def test_a_station_leader_chooses_an_owner_from_the_station(city, june):
    save_user(shell_actor(), {"username": "leader_a", "name": "LEADER_A", "unit_id": city.station_a.id,
                              "roles": ["leader"], "password": PASSWORD})
    leader_a = actor_for("leader_a")
    with pytest.raises(ValidationError):
        analysis.create_class_matter(leader_a, "dispute", "袜业", "大唐街道", None, None,
                                     city.users["officer_b"].id)
    matter = analysis.create_class_matter(leader_a, "dispute", "袜业", "大唐街道", None, None,
                                          city.users["officer_a"].id)
    assert len(matter.ticket_ids) == 2   # the two tickets station A can see


def test_the_pages(city, june, client):
    login(client, "desk")
    html = client.get("/tickets/classes").get_data(as_text=True)
    assert html.count('data-testid="group-row"') == 1 and 'data-testid="flagged"' in html
    assert "大唐街道" in html and "袜业" in html
    group_url = ("/tickets/classes/group?category=dispute&industry=%E8%A2%9C%E4%B8%9A"
                 "&district=%E5%A4%A7%E5%94%90%E8%A1%97%E9%81%93&since=2026-06-01&until=2026-06-30")
    page = client.get(group_url).get_data(as_text=True)
    assert page.count('data-testid="group-ticket"') == 3 and june["third"].number in page
    assert 'data-testid="class-matter-form"' not in page            # the desk may look, not take up
    form = {"category": "dispute", "industry": "袜业", "district": "大唐街道", "since": "2026-06-01",
            "until": "2026-06-30", "owner_id": str(city.users["desk"].id), "note": "", "title": ""}
    assert client.post("/tickets/classes/group", data=form).status_code == 403
    assert count(ClassMatter) == 0
    assert count(AuditEntry, AuditEntry.action == "ticket.class_matter", AuditEntry.result == "denied") == 1
    client.post("/logout")

    login(client, "leader")
    page = client.get(group_url).get_data(as_text=True)
    assert 'data-testid="class-matter-form"' in page
    response = client.post("/tickets/classes/group", data={**form, "title": "袜业欠薪纠纷",
                                                           "note": "约谈企业负责人"})
    assert response.status_code == 302
    matter = db.session.scalar(select(ClassMatter))
    assert response.headers["Location"].endswith(f"/tickets/classes/{matter.id}")
    detail = client.get(f"/tickets/classes/{matter.id}").get_data(as_text=True)
    assert "袜业欠薪纠纷" in detail and "约谈企业负责人" in detail and detail.count('data-testid="group-ticket"') == 3
    again = client.post("/tickets/classes/group", data={**form, "title": "again"})
    assert again.status_code == 200 and "袜业欠薪纠纷" in again.get_data(as_text=True)  # refused, shown on the form
    assert count(ClassMatter) == 1
    client.post("/logout")

    login(client, "desk_b")
    assert client.get(f"/tickets/classes/{matter.id}").status_code == 404
    assert client.get("/tickets/classes").status_code == 200
    client.post("/logout")
    login(client, "officer_a")
    assert client.get("/tickets/classes").status_code == 403
