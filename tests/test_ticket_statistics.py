"""Ticket statistics: figures checked against tickets made and moved through the
services and counted by hand; the running counts (ticket_stat_day/_month)
follow every transition and agree with a recount from the tickets; scoping,
periods, links, the SVG charts and the Excel export."""
import io
import re
from datetime import date, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select, update

from core import clock
from core.audit.models import AuditEntry
from core.errors import Forbidden, ValidationError
from core.extensions import db
from core.registry import services as registry
from core.tickets import services as tickets
from core.tickets import statistics
from core.tickets import stats
from core.tickets.models import TicketStatDay, TicketStatMonth
from core.tickets.vocabulary import MODES
from core.tickets.sweep import sweep
from tests.conftest import actor_for, login
from tests.helpers import code, count, en
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

MONDAY_9AM = datetime(2026, 3, 2, 1, 0)   # 09:00 on Monday 2 March 2026 in China
MARCH = statistics.Period(date(2026, 3, 1), date(2026, 3, 31))


def intake(enterprise, **changes):
    values = dict(enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
                  handling_mode="follow", description="厂区门口有人堵路，影响出货。")
    values.update(changes)
    return tickets.Intake(**values)


def at(day, hour=9, minute=0):
    """``day`` of March 2026 at hour:minute in China, as stored (naive UTC)."""
    return datetime(2026, 3, day, hour, minute) - timedelta(hours=8)


@pytest.fixture
def enterprises(city):
    a = registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})
    b = registry.create(actor_for("desk_b"), {"name": "诸暨市宏达袜业有限公司", "credit_code": code(2)})
    return a, b


@pytest.fixture
def march(city, enterprises):
    """Hand-counted March 2026:

    - T1 general, hotline, dispute, enterprise A → station A; answered on time,
      closed 3 March, rated satisfied;
    - T2 instant, online, safety, enterprise A → station A; the sweep finds it
      overdue on 2 March (due 21:00), answered late, closed 3 March, not rated;
    - T3 general, walk-in, dispute, enterprise B → station B; answered, closed
      4 March, rated dissatisfied (so it comes back for rework, open again);
    - T4 registered 1 April (outside March).

    The tickets registered in March: received 3, of them closed now 2 (T1, T2,
    both at station A; T3 is open again), closed on time 1, rated 1,
    satisfied 1, overdue 1 (T2).
    """
    a, b = enterprises
    desk, officer_a, officer_b = actor_for("desk"), actor_for("officer_a"), actor_for("officer_b")
    clock.freeze(at(2, 9))
    t1 = tickets.register(desk, intake(a))
    t2 = tickets.register(desk, intake(a, channel="online", category="safety", ticket_class="instant",
                                       handling_mode="listed"))
    t3 = tickets.register(desk, intake(b, channel="walk_in"))
    for ticket, unit in ((t1, city.station_a), (t2, city.station_a), (t3, city.station_b)):
        tickets.dispatch(desk, ticket.id, unit.id)
    clock.freeze(at(2, 10))
    tickets.sign(officer_a, t1.id)
    tickets.sign(officer_a, t2.id)
    tickets.sign(officer_b, t3.id)
    tickets.answer(officer_a, t1.id, "已协调处置。", "resolved")
    clock.freeze(at(2, 22))                      # T2 was due at 21:00
    assert sweep().overdue == 1
    clock.freeze(at(3, 9))
    tickets.answer(officer_a, t2.id, "已处置。", "resolved")
    tickets.close(desk, t1.id)
    tickets.close(desk, t2.id)
    tickets.rate(desk, t1.id, "satisfied")
    clock.freeze(at(4, 9))
    tickets.answer(officer_b, t3.id, "已处置。", "resolved")
    tickets.close(desk, t3.id)
    tickets.rate(desk, t3.id, "dissatisfied", "没有解决")
    clock.freeze(datetime(2026, 4, 1, 2, 0))
    t4 = tickets.register(desk, intake(b, channel="government"))
    clock.freeze(datetime(2026, 4, 10, 2, 0))
    return t1, t2, t3, t4


def figures(f):
    return (f.received, f.closed, f.closed_on_time, f.rated, f.satisfied, f.overdue)


def by_key(lines):
    return {line.key: figures(line.figures) for line in lines}


def test_march_as_counted_by_hand(city, march):
    result = statistics.report(actor_for("desk"), MARCH)
    assert figures(result.total) == (3, 2, 1, 1, 1, 1)
    assert result.total.closure_rate == pytest.approx(2 / 3)
    assert result.total.on_time_rate == pytest.approx(1 / 2)
    assert result.total.satisfaction_rate == pytest.approx(1.0)
    assert by_key(result.by_category) == {"dispute": (2, 1, 1, 1, 1, 0), "safety": (1, 1, 0, 0, 0, 1)}
    assert by_key(result.by_class) == {"general": (2, 1, 1, 1, 1, 0), "instant": (1, 1, 0, 0, 0, 1)}
    assert by_key(result.by_channel) == {"hotline": (1, 1, 1, 1, 1, 0), "online": (1, 1, 0, 0, 0, 1),
                                         "walk_in": (1, 0, 0, 0, 0, 0)}
    assert [line.key for line in result.by_class] == ["instant", "general"]  # the vocabulary's order
    assert by_key(result.by_mode) == {"follow": (2, 1, 1, 1, 1, 0), "listed": (1, 1, 0, 0, 0, 1)}
    assert by_key(result.by_month) == {(2026, 3): (3, 2, 1, 1, 1, 1)}
    # Every figure counts under the unit that holds the ticket: the stations, not the centre.
    assert by_key(result.by_unit) == {city.station_a.id: (2, 2, 1, 1, 1, 1), city.station_b.id: (1, 0, 0, 0, 0, 0)}
    for breakdown in (result.by_unit, result.by_category, result.by_class, result.by_channel, result.by_mode,
                      result.by_month):
        assert tuple(map(sum, zip(*(figures(line.figures) for line in breakdown)))) == figures(result.total)


def test_april_and_a_range_across_months(city, march):
    desk = actor_for("desk")
    april = statistics.report(desk, statistics.Period(date(2026, 4, 1), date(2026, 4, 30)))
    assert figures(april.total) == (1, 0, 0, 0, 0, 0)
    spring = statistics.report(desk, statistics.Period(date(2026, 2, 15), date(2026, 4, 10)))
    assert [line.key for line in spring.by_month] == [(2026, 2), (2026, 3), (2026, 4)]
    assert [figures(line.figures)[0] for line in spring.by_month] == [0, 3, 1]   # empty months shown too
    assert spring.by_month[0].filters == {"since": "2026-02-15", "until": "2026-02-28"}
    assert spring.by_month[2].filters == {"since": "2026-04-01", "until": "2026-04-10"}


def test_each_transition_moves_the_figures_at_once(city, enterprises):
    a, _b = enterprises
    desk, officer = actor_for("desk"), actor_for("officer_a")
    clock.freeze(at(10, 9))
    period = statistics.Period(date(2026, 3, 1), date(2026, 3, 31))

    def now():
        return figures(statistics.report(desk, period).total)

    assert now() == (0, 0, 0, 0, 0, 0)
    ticket = tickets.register(desk, intake(a))
    assert now() == (1, 0, 0, 0, 0, 0)
    tickets.dispatch(desk, ticket.id, city.station_a.id)
    tickets.sign(officer, ticket.id)
    tickets.answer(officer, ticket.id, "已处置。", "resolved")
    assert now() == (1, 0, 0, 0, 0, 0)
    tickets.close(desk, ticket.id)
    assert now() == (1, 1, 1, 0, 0, 0)
    tickets.rate(desk, ticket.id, "basic")
    assert now() == (1, 1, 1, 1, 1, 0)
    assert statistics.report(desk, period).total.satisfaction_rate == 1.0  # basically satisfied counts


def test_a_reopened_ticket_stops_counting_as_closed_and_a_dispatched_one_moves_unit(city, enterprises):
    a, _b = enterprises
    desk, officer = actor_for("desk"), actor_for("officer_a")
    clock.freeze(at(10, 9))

    def units():
        return by_key(statistics.report(desk, MARCH).by_unit)

    ticket = tickets.register(desk, intake(a))
    assert units() == {city.centre.id: (1, 0, 0, 0, 0, 0)}       # the centre holds it until dispatch
    tickets.dispatch(desk, ticket.id, city.station_a.id)
    assert units() == {city.station_a.id: (1, 0, 0, 0, 0, 0)}
    tickets.sign(officer, ticket.id)
    tickets.answer(officer, ticket.id, "已处置。", "resolved")
    tickets.close(desk, ticket.id)
    tickets.rate(desk, ticket.id, "dissatisfied", "没有解决")     # back to the station for rework
    assert units() == {city.station_a.id: (1, 0, 0, 0, 0, 0)}
    tickets.answer(officer, ticket.id, "已重新处置。", "resolved")
    tickets.close(desk, ticket.id)
    tickets.rate(desk, ticket.id, "satisfied")
    assert units() == {city.station_a.id: (1, 1, 1, 1, 1, 0)}    # counted once, not twice
    other = tickets.register(desk, intake(a))
    tickets.dispatch(desk, other.id, city.station_a.id)
    tickets.sign(officer, other.id)
    tickets.escalate(officer, other.id, "需要分局协调。")
    assert units()[city.station_a.id] == (1, 1, 1, 1, 1, 0)
    assert units()[city.station_a.parent_id] == (1, 0, 0, 0, 0, 0)


def test_the_running_counts_equal_a_recount_from_the_tickets(city, march):
    def tables():
        db.session.rollback()
        return {table.__tablename__: sorted(
            (r.bucket, r.dimension, r.unit_id, r.value, r.received, r.closed, r.closed_on_time, r.rated,
             r.satisfied, r.overdue) for r in db.session.scalars(select(table)) if any(
                (r.received, r.closed, r.closed_on_time, r.rated, r.satisfied, r.overdue)))
            for table in (TicketStatDay, TicketStatMonth)}

    kept = tables()
    assert stats.recount() == 4
    db.session.commit()
    assert tables() == kept


def test_a_period_that_starts_or_ends_inside_a_month_counts_by_day(city, march):
    desk = actor_for("desk")
    # T1–T3 were registered on 2 March; T4 on 1 April; "today" is 10 April.
    assert figures(statistics.report(desk, statistics.Period(date(2026, 3, 3), date(2026, 4, 10))).total)[0] == 1
    assert figures(statistics.report(desk, statistics.Period(date(2026, 3, 2), date(2026, 3, 2))).total)[0] == 3
    assert figures(statistics.report(desk, statistics.Period(date(2026, 2, 20), date(2026, 3, 1))).total)[0] == 0
    # April so far, read as the whole month (no ticket is registered after today), and April to the 5th.
    assert figures(statistics.report(desk, statistics.Period(date(2026, 4, 1), date(2026, 4, 10))).total)[0] == 1
    assert figures(statistics.report(desk, statistics.Period(date(2026, 4, 2), date(2026, 4, 5))).total)[0] == 0


def test_figures_come_from_the_aggregate_never_from_counting_tickets(app, city, march):
    statements = []

    def seen(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        statistics.report(actor_for("desk"), MARCH)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert any("FROM ticket_stat_month" in s for s in statements)
    assert not [s for s in statements if re.search(r"\bFROM ticket\b(?!_)|\bJOIN ticket\b(?!_)", s)]
    assert sum("ticket_stat" in s for s in statements) == 2   # two grouped sums, whatever the rows
    # And what the aggregate says is what the page says.
    db.session.execute(update(TicketStatMonth).where(TicketStatMonth.unit_id == city.station_b.id,
                                                     TicketStatMonth.dimension == "unit")
                       .values(received=TicketStatMonth.received + 12_340))
    db.session.commit()
    assert statistics.report(actor_for("desk"), MARCH).total.received == 12_343


def test_each_user_counts_their_own_units(city, march):
    # desk_b (station B) sees the rows of station B only: T3, open again.
    station_b = statistics.report(actor_for("desk_b"), MARCH)
    assert figures(station_b.total) == (1, 0, 0, 0, 0, 0)
    assert [line.key for line in station_b.by_unit] == [city.station_b.id]
    station_a = statistics.report(actor_for("desk_a"), MARCH)
    assert figures(station_a.total) == (2, 2, 1, 1, 1, 1)
    assert city.station_b.id not in by_key(station_a.by_unit)


def test_officers_and_administrators_have_no_statistics(city, client):
    with pytest.raises(Forbidden):
        statistics.report(actor_for("officer_a"), MARCH)
    for username in ("officer_a", "admin"):
        login(client, username)
        assert client.get("/tickets/stats").status_code == 403
        assert client.get("/tickets/stats.xlsx").status_code == 403
        client.post("/logout")


def test_periods(city):
    on = date(2026, 11, 22)
    assert statistics.period(on=on) == statistics.Period(date(2026, 11, 1), on, "month")
    assert statistics.period("year", on=on) == statistics.Period(date(2026, 1, 1), on, "year")
    assert statistics.period("30d", on=on) == statistics.Period(date(2026, 10, 24), on, "30d")
    assert statistics.period("nonsense", on=on).preset == "month"
    custom = statistics.period(None, date(2025, 12, 20), date(2026, 2, 3))
    assert custom.preset == "" and custom.days == 46
    assert statistics.months(custom) == [(2025, 12), (2026, 1), (2026, 2)]
    with pytest.raises(ValidationError):
        statistics.period(None, date(2026, 3, 2), date(2026, 3, 1))
    with pytest.raises(ValidationError):
        statistics.period(None, date(2026, 3, 2), None)
    with pytest.raises(ValidationError):
        statistics.period(None, date(2016, 1, 1), date(2026, 1, 1))


def test_the_page_shows_the_figures_with_links_to_their_tickets(app, city, march, client):
    login(client, "desk")
    response = client.get("/tickets/stats?since=2026-03-01&until=2026-03-31")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert re.search(r'data-testid="total-received">3<', html)
    assert re.search(r'data-testid="total-closure-rate">66\.7%<', html)
    assert re.search(r'data-testid="total-on-time-rate">50(\.0)?%<', html)
    assert re.search(r'data-testid="total-satisfaction-rate">100(\.0)?%<', html)
    assert re.search(r'data-testid="total-overdue">1<', html)
    # Every figure links to the ticket list with the period and its line's filters.
    links = [dict(parse_qsl(urlsplit(href.replace("&amp;", "&")).query))
             for href in re.findall(r'href="(/tickets/\?[^"]+)"', html)]
    period = {"since": "2026-03-01", "until": "2026-03-31"}
    for wanted in ({"unit": str(city.station_a.id), "status": "closed,rated"}, {"overdue": "1"},
                   {"ticket_class": "instant"}, {"channel": "walk_in"}, {"category": "safety", "status": "rated"},
                   {"since": "2026-03-01", "until": "2026-03-31"}):
        assert {**period, **wanted} in links, wanted
    # Charts are SVG in the page, their bars links too; no inline script or style.
    assert '<svg class="chart"' in html and 'data-testid="chart-month"' in html and 'data-testid="chart-unit"' in html
    assert re.search(r'<a href="/tickets/\?[^"]+"><rect class="bar received"', html)
    assert "style=" not in html and "<script>" not in html
    # The list behind "received" holds the three March tickets.
    received = re.search(r'<a class="tile" href="([^"]+)"><span class="figure" data-testid="total-received"', html)
    listed = client.get(received.group(1).replace("&amp;", "&"))
    assert listed.status_code == 200
    assert listed.get_data(as_text=True).count('data-testid="ticket-row"') == 3


def test_presets_and_a_bad_range_on_the_page(city, client):
    clock.freeze(datetime(2026, 11, 22, 2, 0))
    login(client, "desk")
    html = client.get("/tickets/stats").get_data(as_text=True)
    assert 'data-testid="preset-month" aria-current="page"' in html
    html = client.get("/tickets/stats?preset=year").get_data(as_text=True)
    assert 'data-testid="preset-year" aria-current="page"' in html and 'value="2026-01-01"' in html
    response = client.get("/tickets/stats?since=2026-05-02&until=2026-05-01", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert 'data-testid="preset-month" aria-current="page"' in response.get_data(as_text=True)
    assert client.get("/tickets/stats?since=yesterday&until=2026-05-01").status_code == 200


def test_numbers_are_written_the_chinese_way(app, city, client):
    clock.freeze(datetime(2026, 3, 20, 2, 0))
    db.session.add(TicketStatMonth(bucket=date(2026, 3, 1), unit_id=city.station_a.id, dimension="unit", value="",
                                   received=12_345, closed=9_876, closed_on_time=9_000, rated=3_000,
                                   satisfied=2_900, overdue=7))
    db.session.commit()
    login(client, "desk")
    html = client.get("/tickets/stats").get_data(as_text=True)
    assert 'data-testid="total-received">12,345<' in html
    assert 'data-testid="total-closure-rate">80.0%<' in html
    assert 'data-testid="total-satisfaction-rate">96.7%<' in html


def test_the_excel_export_holds_the_same_tables(app, city, march, client):
    login(client, "desk")
    response = client.get("/tickets/stats.xlsx?since=2026-03-01&until=2026-03-31")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == 7  # the totals and the six breakdowns
    modes = [list(r) for r in book.worksheets[6].iter_rows(values_only=True)]
    assert modes[1][:3] == [str(MODES["follow"]), 2, 1] and modes[2][:3] == [str(MODES["listed"]), 1, 1]
    summary = book.worksheets[0]
    rows = [list(r) for r in summary.iter_rows(values_only=True)]
    total = rows[-1]
    assert total[1:] == [3, 2, pytest.approx(2 / 3), 1, 0.5, 1, 1, 1.0, 1, 0, 0.0, 0]   # none paused or signed late
    assert summary.cell(row=summary.max_row, column=4).number_format == "0.0%"
    units = [list(r) for r in book.worksheets[2].iter_rows(values_only=True)]
    station_a = next(r for r in units if r[0] == city.station_a.name)
    assert station_a[2] == 2 and station_a[9] == 1
    assert units[-1][1:3] == [3, 2]  # the total row
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "ticket.stats_export"))
    assert entry is not None and entry.detail == {"since": "2026-03-01", "until": "2026-03-31"}


def test_the_menu_offers_the_statistics_to_the_desk_only(city, client):
    login(client, "desk")
    html = client.get("/").get_data(as_text=True)
    assert 'href="/tickets/stats"' in html and 'href="/tickets/classes"' in html
    client.post("/logout")
    login(client, "officer_a")
    assert 'href="/tickets/stats"' not in client.get("/").get_data(as_text=True)


def test_english_labels(app, city, march):
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("en"):
            result = statistics.report(actor_for("desk"), MARCH)
            assert [line.label for line in result.by_month] == ["Mar 2026"]
            assert {line.label for line in result.by_category} == {"Dispute", "Safety hazard"}
    assert en(statistics.PRESETS["month"]) == "This month"
    assert count(TicketStatDay) > 0


def test_anqi_tickets_recount_repairs_the_counts(app, city, march):
    db.session.execute(update(TicketStatMonth).values(received=0))
    db.session.commit()
    assert statistics.report(actor_for("desk"), MARCH).total.received == 0
    result = app.test_cli_runner().invoke(args=["tickets", "recount"])
    assert result.exit_code == 0, result.output
    assert "4" in result.output
    db.session.rollback()
    assert figures(statistics.report(actor_for("desk"), MARCH).total) == (3, 2, 1, 1, 1, 1)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "tickets.recount")) is not None
