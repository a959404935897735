"""The home page (工作台) per role: the queues' counts are what the database
holds for the user's units, the next deadlines are the open tickets due first,
a leader sees the register, the complaints, the extension requests and the
month against last month, another unit sees none of it, and a plugin widget
with nothing to show is left out."""
import re
from datetime import timedelta

import pytest
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import func, or_, select

from core import clock
from core.calendar import services as calendar
from core.dashboard import home, services
from core.extensions import db
from core.plugins.toolkit import Widget
from core.registry import services as registry
from core.registry.models import Enterprise
from core.tickets import services as tickets
from core.tickets import queues, statistics
from core.tickets.deadlines import local_date
from core.tickets.models import Ticket
from tests.conftest import actor_for, login
from tests.helpers import code, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.registers_world import at, enterprise_of, handling, registered


@pytest.fixture
def day(city):
    """At the centre: two tickets to dispatch, one dispatched to station A and not
    signed for, two being handled there (one of them overdue), one answered, one
    closed and rated; station B has one ticket being handled."""
    a1, a2 = enterprise_of("station_a", 1), enterprise_of("station_a", 2)
    b1 = enterprise_of("station_b", 3)
    made = {
        "waiting_1": registered(a1, when=(2026, 3, 2, 9)),
        "waiting_2": registered(a2, when=(2026, 3, 2, 10)),
        "late": handling(a1, city.station_a, when=(2026, 2, 2, 9)),
        "handled": handling(a2, city.station_a, when=(2026, 3, 3, 9)),
        "answered": handling(a1, city.station_a, when=(2026, 3, 3, 10)),
        "rated": handling(a2, city.station_a, when=(2026, 2, 10, 9)),
        "b": handling(b1, city.station_b, officer="officer_b", when=(2026, 3, 3, 11)),
    }
    at(2026, 3, 3, 12)
    made["to_sign"] = registered(a1, when=(2026, 3, 3, 12))
    tickets.dispatch(actor_for("desk"), made["to_sign"].id, city.station_a.id)
    tickets.answer(actor_for("officer_a"), made["answered"].id, "已协调处理。", "resolved")
    tickets.answer(actor_for("officer_a"), made["rated"].id, "已处理。", "resolved")
    tickets.close(actor_for("desk"), made["rated"].id)
    tickets.rate(actor_for("desk"), made["rated"].id, "satisfied")
    tickets.complain(actor_for("desk"), made["handled"].id, "民警答复后一直没有回音。")
    at(2026, 3, 16, 10)      # two weeks on: some deadlines have passed
    return {name: db.session.get(Ticket, t.id) for name, t in made.items()}


def in_units(unit_ids, *where) -> int:
    """What the database holds: the tickets registered or handled in these units."""
    db.session.rollback()
    stmt = select(func.count(Ticket.id)).where(or_(Ticket.registering_unit_id.in_(unit_ids),
                                                   Ticket.handling_unit_id.in_(unit_ids)), *where)
    return db.session.scalar(stmt)


def open_overdue(now):
    return Ticket.status.in_(("registered", "dispatched", "handling", "returned", "transferred")), or_(
        Ticket.overdue.is_(True), Ticket.due_at < now, Ticket.progress_due_at < now)


def tiles(username) -> dict[str, int]:
    return {t.name: t.count for t in home.home(actor_for(username)).queues}


def test_the_desk_sees_its_queues_counted_as_the_database_holds_them(city, day):
    units = [city.centre.id, city.station_a.id, city.station_b.id]   # the centre's scope: the city
    counted = tiles("desk")
    assert counted["to_dispatch"] == in_units(units, Ticket.status == "registered") == 2
    assert counted["to_sign"] == in_units(units, Ticket.status == "dispatched") == 1
    assert counted["handling"] == in_units(units, Ticket.status == "handling") == 3
    assert counted["answered"] == in_units(units, Ticket.status == "answered") == 1
    assert counted["overdue"] == in_units(units, *open_overdue(clock.now())) > 0
    assert "closed" in counted and "due_soon" in counted
    assert "following" not in counted       # follows nothing: no empty tile


def test_the_officer_sees_the_stations_queues_and_not_the_other_stations(city, day):
    counted = tiles("officer_a")
    station_a = [city.station_a.id]
    assert counted["to_sign"] == in_units(station_a, Ticket.status == "dispatched") == 1
    assert counted["handling"] == in_units(station_a, Ticket.status == "handling") == 2
    assert counted["overdue"] == in_units(station_a, *open_overdue(clock.now()))
    # Confirming answers and dispatching are the centre's: not on the officer's page.
    assert "to_dispatch" not in counted and "answered" not in counted and "closed" not in counted
    b = tiles("officer_b")
    assert b["handling"] == in_units([city.station_b.id], Ticket.status == "handling") == 1
    assert b["to_sign"] == 0
    seen_by_b = {row.ticket.id for row in home.next_deadlines(actor_for("officer_b"))}
    assert seen_by_b == {day["b"].id}


def test_next_deadlines_are_the_open_tickets_due_first(city, day):
    fresh = handling(enterprise_of("station_a", 4), city.station_a, when=(2026, 3, 16, 9))   # due days from now
    at(2026, 3, 16, 10)
    rows = home.next_deadlines(actor_for("desk"))
    db.session.rollback()
    due = func.coalesce(Ticket.due_at, Ticket.progress_due_at)
    expected = list(db.session.scalars(
        select(Ticket.id).where(Ticket.status.in_(("registered", "dispatched", "handling", "returned",
                                                   "transferred")),
                                Ticket.paused_at.is_(None), due.is_not(None))
        .order_by(due, Ticket.id).limit(home.DEADLINE_ROWS)))
    assert [row.ticket.id for row in rows] == expected and expected
    assert rows[0].ticket.id == day["late"].id and rows[0].overdue
    assert all(row.due_at <= later.due_at for row, later in zip(rows, rows[1:]))
    assert day["answered"].id not in expected and day["rated"].id not in expected
    # Further off than a day, the time left is in working days, as the calendar counts them.
    now = clock.now()
    far = [row for row in rows if not row.overdue and row.due_at - now > timedelta(hours=24)]
    assert fresh.id in {row.ticket.id for row in far}
    for row in far:
        days, _provisional = calendar.working_days_between(local_date(now), local_date(row.due_at))
        assert row.text == gettext("%(n)d working days left", n=days)
    officer_a = home.next_deadlines(actor_for("officer_a"))
    assert day["b"].id not in {row.ticket.id for row in officer_a} and day["late"].id == officer_a[0].ticket.id
    # An officer's are those the station must meet, not a ticket of their own enterprise
    # that waits at the centre for dispatch (which they see, as its liaison officer).
    served = registry.create(actor_for("desk_a"), {"name": "浙江联络企业有限公司", "credit_code": code(9),
                                                   "liaison_officer_id": actor_for("officer_a").user_id})
    waiting = registered(served, when=(2026, 3, 16, 9))
    at(2026, 3, 16, 10)
    tickets.get(actor_for("officer_a"), waiting.id)      # visible to the officer
    assert waiting.id in {row.ticket.id for row in home.next_deadlines(actor_for("desk"), limit=50)}
    officer_rows = home.next_deadlines(actor_for("officer_a"), limit=50)
    assert waiting.id not in {row.ticket.id for row in officer_rows}
    assert {row.ticket.status for row in officer_rows} == {"dispatched", "handling"}


def test_the_officer_counts_the_tickets_of_their_enterprises_handled_elsewhere(city, day):
    """A ticket of an enterprise the officer serves, registered at the centre and
    handled by station B, is the officer's to see: counted on the home page as the
    ticket list lists it, and among their deadlines; read again after a change,
    even by the same actor in the same session."""
    officer = actor_for("officer_a")
    served = registry.create(actor_for("desk_a"), {"name": "浙江联络企业有限公司", "credit_code": code(9),
                                                   "liaison_officer_id": officer.user_id})
    before = queues.counts(officer)["handling"]
    elsewhere = handling(served, city.station_b, officer="officer_b", when=(2026, 3, 16, 9))
    at(2026, 3, 16, 10)
    listed = select(func.count(Ticket.id)).where(tickets.visible(officer), Ticket.status == "handling")
    assert queues.counts(officer)["handling"] == before + 1 == db.session.scalar(listed)
    assert tiles("officer_a")["handling"] == before + 1
    assert elsewhere.id in {row.ticket.id for row in home.next_deadlines(officer, limit=50)}
    assert tiles("officer_b")["handling"] == in_units([city.station_b.id], Ticket.status == "handling") == 2
    tickets.answer(actor_for("officer_b"), elsewhere.id, "已处理。", "resolved")
    tickets.close(actor_for("desk"), elsewhere.id)
    tickets.rate(actor_for("desk"), elsewhere.id, "satisfied")
    assert queues.counts(officer)["handling"] == before
    assert elsewhere.id not in {row.ticket.id for row in home.next_deadlines(officer, limit=50)}
    assert tickets.get(officer, elsewhere.id).status == "rated"      # finished, still theirs to read


def test_the_enterprise_figures_are_what_the_registry_holds(city):
    """The four figures beside the queues (each its own count), for a station and for
    the whole city."""
    officer = actor_for("officer_a").user_id
    flags = [(True, False, 0), (True, True, officer), (False, True, 0), (False, False, officer), (False, False, 0)]
    for n, (key, above, liaison) in enumerate(flags, start=1):
        registry.create(actor_for("desk_a"), {"name": f"浙江图表{n}有限公司", "credit_code": code(n), "is_key": key,
                                              "above_scale": above, "liaison_officer_id": liaison})
    registry.create(actor_for("desk_b"), {"name": "浙江乙所图表有限公司", "credit_code": code(8), "is_key": True,
                                          "above_scale": True})
    db.session.rollback()

    def held(*where):
        return db.session.scalar(select(func.count(Enterprise.id)).where(*where))

    for username, units in (("officer_a", [city.station_a.id]), ("desk", None)):
        scope = [] if units is None else [Enterprise.unit_id.in_(units)]
        figures = services.summary(actor_for(username))
        assert figures == {"enterprises": held(*scope), "key": held(*scope, Enterprise.is_key.is_(True)),
                           "above_scale": held(*scope, Enterprise.above_scale.is_(True)),
                           "without_officer": held(*scope, Enterprise.liaison_officer_id.is_(None))}
    assert services.summary(actor_for("officer_a")) == {"enterprises": 5, "key": 2, "above_scale": 2,
                                                        "without_officer": 3}
    assert services.summary(actor_for("desk"))["enterprises"] == 6


def test_the_leader_sees_the_tree_the_complaints_and_the_month_against_the_last(city, day):
    page = home.home(actor_for("leader"))
    assert page.role == "leader"
    counted = {t.name: t.count for t in page.queues}
    assert counted == {t.name: t.count for t in home.home(actor_for("desk")).queues}   # the same city
    assert page.complaint_count == 1 and page.complaints[0].ticket_id == day["handled"].id
    assert page.supervision is not None and page.supervision.listed == 0
    # The month's figures are the statistics page's totals, this month and last.
    leader = actor_for("leader")
    march = statistics.report(leader, statistics.preset_period("month")).total
    february = statistics.report(leader, statistics.period(since=statistics.date(2026, 2, 1),
                                                           until=statistics.date(2026, 2, 28))).total
    assert page.month.this == march and page.month.last == february
    assert (february.received, february.closed, february.rated, february.satisfied) == (2, 1, 1, 1)
    assert page.month.this.received == 6
    # Desk and officers get no leader's panels.
    for username in ("desk", "officer_a"):
        other = home.home(actor_for(username))
        assert other.month is None and other.supervision is None and other.complaint_count == 0


def test_a_leader_of_station_b_sees_nothing_of_station_a(city, day):
    from tests.registers_world import add_user

    add_user("leader_b", city.station_b, ["leader"])
    page = home.home(actor_for("leader_b"))
    counted = {t.name: t.count for t in page.queues}
    assert counted["handling"] == 1 and counted["to_sign"] == 0 and counted["to_dispatch"] == 0
    assert page.complaint_count == 0 and page.complaints == []
    assert {row.ticket.id for row in page.deadlines} == {day["b"].id}
    assert page.month.this.received == 1 and page.month.last.received == 0


def test_the_page_links_each_count_to_its_queue(app, city, day):
    client = fresh_client(app)
    login(client, "desk")
    html = client.get("/").get_data(as_text=True)
    counted = tiles("desk")
    for name, n in counted.items():
        tile = re.search(rf'href="/tickets/\?queue={name}" data-testid="queue-{name}">\s*'
                         rf'<span class="figure" data-testid="queue-count">(\d+)</span>', html)
        assert tile and int(tile.group(1)) == n, name
    assert "待派发" in html or "待转办" in html
    assert day["late"].number in html                       # the first deadline, linked
    assert f'/tickets/{day["late"].id}"' in html
    assert 'data-testid="month-figures"' not in html and 'data-testid="complaints-panel"' not in html
    leader = fresh_client(app)
    login(leader, "leader")
    html = leader.get("/").get_data(as_text=True)
    assert 'data-testid="month-figures"' in html and 'data-testid="complaint-count">1<' in html
    assert 'data-testid="supervision-panel"' in html


def test_a_plugin_widget_with_nothing_to_show_is_left_out(app, city, monkeypatch):
    shown = [Widget(title="有内容", html=Markup('<p data-testid="full-widget">3</p>'), order=2),
             Widget(title="空的", html=Markup("  "), order=1)]
    monkeypatch.setattr(services, "call_for_unit", lambda *args, **kwargs: list(shown))
    assert [w.title for w in services.widgets(actor_for("desk"))] == ["有内容"]
    client = fresh_client(app)
    login(client, "desk")
    html = client.get("/").get_data(as_text=True)
    assert 'data-testid="full-widget"' in html and "空的" not in html
