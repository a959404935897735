"""The home page (工作台) in a real browser, as the centre's desk, a station officer
and the centre's leader: every queue's count on the page is what the database
holds for the user's units, each links to its queue on the ticket list, the
next deadline is the open ticket due first, and the page fits a 390 px phone."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, or_, select

from core import clock
from core.extensions import db
from core.org.models import Unit
from core.registry.models import Enterprise
from core.tickets import services as tickets
from core.tickets.models import Ticket
from core.tickets.queues import WAITING
from tests.conftest import actor_for
from tests.e2e.test_ticket_loop import log_in

STATION_CODE = "ZJ-JY"
OFFICER = "jy.officer1"


def day_of_work(app) -> None:
    """Tickets in every state of the loop for 暨阳派出所: two to dispatch, one to sign for, one being handled."""
    with app.app_context():
        station = db.session.scalar(select(Unit).where(Unit.code == STATION_CODE))
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.unit_id == station.id)
                                       .order_by(Enterprise.id).limit(1))
        made = []
        for text in ("厂区门口道路被占，货车无法进出。", "夜间有人翻墙进入仓库，请加强巡逻。",
                     "员工宿舍附近路灯损坏，存在安全隐患。", "客户拖欠货款并威胁员工。"):
            made.append(tickets.register(actor_for("desk"), tickets.Intake(
                enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
                handling_mode="follow", description=text)).id)
        tickets.dispatch(actor_for("desk"), made[2], station.id)
        tickets.dispatch(actor_for("desk"), made[3], station.id)
        tickets.sign(actor_for(OFFICER), made[3])
        db.session.remove()


def in_scope(app, username, *where) -> int:
    """Counted from the tickets table, in the user's units (services.visible)."""
    with app.app_context():
        actor = actor_for(username)
        n = db.session.scalar(select(func.count(Ticket.id)).where(tickets.visible(actor), *where))
        db.session.remove()
        return n


def shown(page, queue) -> int:
    tile = page.get_by_test_id(f"queue-{queue}")
    expect(tile).to_be_visible()
    return int(tile.get_by_test_id("queue-count").inner_text().replace(",", ""))


def first_deadline(app, username, statuses=WAITING) -> str:
    with app.app_context():
        due = func.coalesce(Ticket.due_at, Ticket.progress_due_at)
        number = db.session.scalar(
            select(Ticket).where(tickets.visible(actor_for(username)), Ticket.status.in_(statuses),
                                 Ticket.paused_at.is_(None), due.is_not(None))
            .order_by(due, Ticket.id).limit(1)).number
        db.session.remove()
        return number


def fits_a_phone(page, shots, name) -> None:
    page.screenshot(path=str(shots / f"home-{name}.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.screenshot(path=str(shots / f"home-{name}-390.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the home page is {width} px wide at 390 px"


@pytest.mark.e2e
def test_each_roles_home_page_counts_what_the_database_holds(live_server, visit, browser, report_dir):
    app = live_server.app
    day_of_work(app)
    now = clock.now()
    overdue = (Ticket.status.in_(WAITING),
               or_(Ticket.overdue.is_(True),
                   Ticket.paused_at.is_(None) & or_(Ticket.due_at < now, Ticket.progress_due_at < now)))

    # The centre's desk: its queues, each a link to the ticket list's queue.
    desk = visit.page
    log_in(desk, "desk")
    desk.goto("/")
    assert shown(desk, "to_sign") == in_scope(app, "desk", Ticket.status == "dispatched") >= 1
    assert shown(desk, "handling") == in_scope(app, "desk", Ticket.status == "handling") >= 1
    assert shown(desk, "answered") == in_scope(app, "desk", Ticket.status == "answered")
    assert shown(desk, "overdue") == in_scope(app, "desk", *overdue)
    to_dispatch = in_scope(app, "desk", Ticket.status == "registered",
                           or_(Ticket.handling_mode != "escalate", Ticket.handling_unit_id.is_(None)))
    assert shown(desk, "to_dispatch") == to_dispatch >= 2
    expect(desk.get_by_test_id("next-deadlines").get_by_test_id("deadline-row").first).to_contain_text(
        first_deadline(app, "desk"))
    desk.get_by_test_id("queue-to_dispatch").click()
    expect(desk).to_have_url(re.compile(r"/tickets/\?queue=to_dispatch"))
    desk.go_back()
    fits_a_phone(desk, report_dir, "desk")

    # The station's officer: the station's queues, no dispatching.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768},
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        officer = context.new_page()
        log_in(officer, OFFICER)
        officer.goto("/")
        assert shown(officer, "to_sign") == in_scope(app, OFFICER, Ticket.status == "dispatched") >= 1
        assert shown(officer, "handling") == in_scope(app, OFFICER, Ticket.status == "handling") >= 1
        assert shown(officer, "overdue") == in_scope(app, OFFICER, *overdue)
        expect(officer.get_by_test_id("queue-to_dispatch")).to_have_count(0)
        expect(officer.get_by_test_id("month-figures")).to_have_count(0)
        expect(officer.get_by_test_id("next-deadlines").get_by_test_id("deadline-row").first).to_contain_text(
            first_deadline(app, OFFICER, ("dispatched", "handling")))   # the station's to meet
        fits_a_phone(officer, report_dir, "officer")
    finally:
        context.close()

    # The centre's leader: the same queues for the city, and the month against the last.
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768},
                                  locale="zh-CN", timezone_id="Asia/Shanghai")
    try:
        leader = context.new_page()
        log_in(leader, "leader")
        leader.goto("/")
        assert shown(leader, "to_sign") == in_scope(app, "leader", Ticket.status == "dispatched")
        assert shown(leader, "handling") == in_scope(app, "leader", Ticket.status == "handling")
        assert shown(leader, "overdue") == in_scope(app, "leader", *overdue)
        month = leader.get_by_test_id("month-figures")
        expect(month).to_be_visible()
        with app.app_context():
            from core.tickets import statistics

            this = statistics.report(actor_for("leader"), statistics.preset_period("month")).total.received
            db.session.remove()
        expect(month.get_by_test_id("month-received")).to_have_text(f"{this:,}")
        expect(leader.get_by_test_id("complaints-panel")).to_be_visible()
        fits_a_phone(leader, report_dir, "leader")
    finally:
        context.close()
    assert not visit.console_errors and not live_server.errors
