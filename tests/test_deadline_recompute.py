"""Deadlines counted again: after a reopening for rework, an approved extension
or a calendar change every path gives the same deadlines; a deadline moved
later takes back the overdue mark it no longer deserves; the sign-for deadline's
provisional count shows on the ticket while it waits to be signed for."""
from datetime import datetime

import pytest
from sqlalchemy import select

from core import clock
from core.calendar import services as calendar
from core.extensions import db
from core.registry import services as registry
from core.tickets import deadlines
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketEvent
from core.tickets.sweep import sweep
from tests.conftest import actor_for
from tests.helpers import code
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


def utc(y, m, d, hh=0, mm=0) -> datetime:
    """A Beijing wall-clock time as the naive UTC the database stores."""
    return datetime(y, m, d, hh, mm).replace(tzinfo=deadlines.LOCAL).astimezone(deadlines.UTC).replace(tzinfo=None)


def end_of(y, m, d) -> datetime:
    return deadlines.end_of_local_day(datetime(y, m, d).date())


@pytest.fixture
def enterprise(city):
    return registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})


def at(y, m, d, hh=0, mm=0) -> None:
    clock.freeze(utc(y, m, d, hh, mm))


def register(enterprise, ticket_class="general") -> Ticket:
    return tickets.register(actor_for("desk"), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class=ticket_class,
        handling_mode="follow", description="厂区门口有人堵路，影响出货。"))


def handling(city, enterprise, ticket_class="general") -> Ticket:
    """Registered, dispatched to station A and signed for, all at the frozen time."""
    ticket = register(enterprise, ticket_class)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    return tickets.sign(actor_for("officer_a"), ticket.id)


def reopen(ticket) -> Ticket:
    """Answered, closed and rated dissatisfied: back for rework (重办)."""
    tickets.answer(actor_for("officer_a"), ticket.id, "已处理。", "resolved")
    tickets.close(actor_for("desk"), ticket.id)
    return tickets.rate(actor_for("desk"), ticket.id, "dissatisfied", "没有解决")


def extend(ticket, days) -> Ticket:
    extension = tickets.request_extension(actor_for("officer_a"), ticket.id, days, "需等待检测报告")
    return tickets.decide_extension(actor_for("leader"), extension.id, True)


def set_day(day, workday, name="临时调整"):
    calendar.set_day(actor_for("admin"), day, workday, name)


def fresh(ticket_id) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def deadlines_of(ticket_ids) -> dict:
    db.session.expire_all()
    return {i: (t.due_at, t.progress_due_at, t.sign_due_at, t.deadline_provisional)
            for i in ticket_ids for t in [db.session.get(Ticket, i)]}


# --- 1. a reworked ticket counts from the reopening ------------------------------------------

def test_a_reworked_general_ticket_counts_from_the_reopening_when_the_calendar_changes(city, enterprise):
    at(2026, 3, 2, 9)                                # Monday: first due by the end of Monday 9 March
    ticket = handling(city, enterprise)
    at(2026, 3, 11, 10)                              # reopened on Wednesday 11 March
    ticket = reopen(ticket)
    assert ticket.status == "handling" and ticket.due_at == end_of(2026, 3, 18)
    set_day("2026-03-13", False)                     # Friday 13 March off
    ticket = fresh(ticket.id)
    assert ticket.due_at == end_of(2026, 3, 19) and not ticket.overdue


def test_a_reworked_instant_ticket_counts_from_the_reopening_when_the_calendar_changes(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = handling(city, enterprise, "instant")
    at(2026, 3, 4, 10)                               # reopened on Wednesday 4 March: due at 22:00
    ticket = reopen(ticket)
    assert ticket.due_at == utc(2026, 3, 4, 22)
    at(2026, 3, 4, 11)
    ticket = extend(ticket, 2)                       # two working days after that day: Friday 6 March
    assert ticket.due_at == end_of(2026, 3, 6)
    set_day("2026-03-05", False)
    assert fresh(ticket.id).due_at == end_of(2026, 3, 9)


# --- 2. one count for intake, extensions, reopening, progress and the calendar -----------------

def test_an_extended_instant_ticket_keeps_its_extension_when_the_calendar_changes(city, enterprise):
    at(2026, 3, 6, 9)                                # Friday: due at 21:00
    ticket = handling(city, enterprise, "instant")
    at(2026, 3, 6, 11)
    ticket = extend(ticket, 2)                       # Monday 9 and Tuesday 10 March
    assert ticket.due_at == end_of(2026, 3, 10)
    set_day("2026-03-09", False)
    assert fresh(ticket.id).due_at == end_of(2026, 3, 11)


def test_an_extension_after_a_reopening_counts_from_the_reopening(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = handling(city, enterprise)
    at(2026, 3, 3, 9)
    extend(ticket, 3)                                # the first round's extension ends with it
    at(2026, 3, 11, 10)
    ticket = reopen(ticket)
    assert ticket.due_at == end_of(2026, 3, 18)      # a fresh 5 working days
    at(2026, 3, 12, 9)
    ticket = extend(ticket, 2)
    assert ticket.due_at == end_of(2026, 3, 20) and ticket.extension_days == 5


def test_a_reopened_complex_ticket_reports_again_within_5_working_days(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = handling(city, enterprise, "complex")
    at(2026, 3, 11, 10)
    ticket = reopen(ticket)
    assert ticket.due_at is None and ticket.progress_due_at == end_of(2026, 3, 18)


def test_an_extension_lengthens_only_the_running_progress_period(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = handling(city, enterprise, "complex")
    at(2026, 3, 3, 9)
    ticket = extend(ticket, 2)
    assert ticket.progress_due_at == end_of(2026, 3, 11)   # 5 + 2 working days
    at(2026, 3, 10, 10)
    ticket = tickets.report_progress(actor_for("officer_a"), ticket.id, "已约谈双方，等待鉴定")
    assert ticket.progress_due_at == end_of(2026, 3, 17)   # the next period is 5 again


def test_counting_again_agrees_with_every_transition(city, enterprise):
    at(2026, 3, 2, 9)
    instant, general, complex_ = (handling(city, enterprise, c) for c in ("instant", "general", "complex"))
    waiting = register(enterprise, "general")
    tickets.dispatch(actor_for("desk"), waiting.id, city.station_a.id)
    at(2026, 3, 2, 11)
    extend(instant, 1)
    at(2026, 3, 3, 9)
    extend(general, 3)
    extend(complex_, 2)
    at(2026, 3, 10, 10)
    tickets.report_progress(actor_for("officer_a"), complex_.id, "已约谈双方，等待鉴定")
    reopen(general)
    at(2026, 3, 11, 9)
    extend(general, 1)
    ids = [instant.id, general.id, complex_.id, waiting.id]
    before = deadlines_of(ids)
    tickets.recompute_open_deadlines()
    assert deadlines_of(ids) == before


# --- 3. a deadline moved by the calendar and the overdue mark ----------------------------------

def test_a_deadline_moved_later_takes_back_the_overdue_mark(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = handling(city, enterprise)              # due by the end of Monday 9 March
    at(2026, 3, 8, 12)
    assert sweep().warned == 1                       # 80 % of the time passed on Sunday at 11:24
    at(2026, 3, 10, 0, 5)
    assert sweep().overdue == 1
    warned_at = fresh(ticket.id).warned_at
    at(2026, 3, 10, 9)
    set_day("2026-03-06", False)                     # Friday 6 March off: due by the end of Tuesday 10
    ticket = fresh(ticket.id)
    assert ticket.due_at == end_of(2026, 3, 10) and not ticket.overdue
    assert ticket.warned_at == warned_at             # the new 80 % mark (Monday 06:36) has passed too
    at(2026, 3, 11, 0, 5)
    assert sweep().overdue == 1 and fresh(ticket.id).overdue


def test_a_warning_mark_moved_into_the_future_is_warned_of_again(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = handling(city, enterprise)
    at(2026, 3, 8, 11, 30)
    assert sweep().warned == 1
    at(2026, 3, 8, 13)
    set_day("2026-03-09", False)                     # due by the end of Tuesday 10: 80 % on Monday at 06:36
    ticket = fresh(ticket.id)
    assert ticket.due_at == end_of(2026, 3, 10) and ticket.warned_at is None
    at(2026, 3, 9, 6, 30)
    assert sweep().warned == 0
    at(2026, 3, 9, 6, 40)
    assert sweep().warned == 1


def test_the_mark_stays_while_a_missed_sign_for_deadline_has_passed(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = register(enterprise)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)   # to sign for by Tuesday
    at(2026, 3, 4, 0, 5)
    assert sweep().overdue == 1
    at(2026, 3, 4, 9)
    set_day("2026-03-06", False)
    ticket = fresh(ticket.id)
    assert ticket.due_at == end_of(2026, 3, 10) and ticket.overdue


def test_the_mark_stays_while_a_supervision_deadline_has_passed(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = handling(city, enterprise)
    tickets.supervise(actor_for("leader"), ticket.id, utc(2026, 3, 3, 18), "请于明日下班前反馈。")
    at(2026, 3, 3, 18, 5)
    assert sweep().overdue == 1
    at(2026, 3, 4, 9)
    set_day("2026-03-06", False)
    assert fresh(ticket.id).overdue
    extend(ticket, 3)                                # an extension does not lift a leader's deadline
    assert fresh(ticket.id).overdue


def test_a_deadline_moved_into_the_past_is_left_to_the_sweep(city, enterprise):
    at(2026, 3, 3, 9)
    ticket = handling(city, enterprise)              # Tuesday: due by the end of Tuesday 10 March
    at(2026, 3, 10, 9)
    set_day("2026-03-07", True)                      # Saturday 7 March worked: due by Monday 9
    ticket = fresh(ticket.id)
    assert ticket.due_at == end_of(2026, 3, 9) and not ticket.overdue
    assert not db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                            TicketEvent.kind == "overdue")).all()
    at(2026, 3, 10, 9, 5)
    summary = sweep()
    assert summary.overdue == 1 and summary.notified > 0 and fresh(ticket.id).overdue


# --- 4. the sign-for deadline's provisional count -----------------------------------------------

def test_a_provisional_sign_for_deadline_shows_while_the_ticket_waits_to_be_signed_for(city, enterprise):
    at(2026, 12, 21, 9)
    ticket = register(enterprise)                    # due Monday 28 December: official
    assert not ticket.deadline_provisional
    desk, officer = actor_for("desk"), actor_for("officer_a")
    at(2026, 12, 31, 10)                             # to sign for on Monday 4 January 2027: provisional
    ticket = tickets.dispatch(desk, ticket.id, city.station_a.id)
    assert ticket.sign_due_at == end_of(2027, 1, 4) and ticket.deadline_provisional
    assert not tickets.return_ticket(officer, ticket.id, "属于乙派出所辖区").deadline_provisional
    assert tickets.dispatch(desk, ticket.id, city.station_a.id).deadline_provisional   # re-dispatched
    assert not tickets.sign(officer, ticket.id).deadline_provisional
    assert tickets.escalate(officer, ticket.id, "涉及多个辖区，需市局统筹").deadline_provisional


def test_a_calendar_change_recounts_the_sign_for_deadlines_provisional_flag(city, enterprise):
    at(2026, 12, 21, 9)
    ticket = register(enterprise)
    at(2026, 12, 30, 10)
    ticket = tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    assert ticket.sign_due_at == end_of(2026, 12, 31) and not ticket.deadline_provisional
    set_day("2026-12-31", False)                     # the count now ends in 2027
    ticket = fresh(ticket.id)
    assert ticket.sign_due_at == end_of(2027, 1, 4) and ticket.deadline_provisional
    calendar.confirm_year(actor_for("admin"), 2027)
    assert not fresh(ticket.id).deadline_provisional
