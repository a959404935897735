"""Two deadline rules settled:

- a late sign-for is recorded as late (counted in the sign-for figures) but
  does not keep the ticket overdue once signed for: from then on the handling
  deadline alone decides;
- when the calendar changes or a provisional year is confirmed, deadlines are
  counted again for open and answered tickets alike, and on-time is judged
  against the recounted deadline: nobody is late because of a holiday the State
  Council moved, and the running counts follow (closed tickets keep theirs).

On the working-day calendar with the controllable clock."""
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from core import clock
from core.calendar import services as calendar
from core.extensions import db
from core.registry import services as registry
from core.tickets import deadlines, statistics, stats
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketEvent, TicketStatDay, TicketStatMonth
from core.tickets.sweep import answered_in_time, sweep
from tests.conftest import actor_for, login
from tests.helpers import code, csv_bytes, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

MARCH = statistics.Period(date(2026, 3, 1), date(2026, 3, 31))


def utc(y, m, d, hh=0, mm=0) -> datetime:
    """A Beijing wall-clock time as the naive UTC the database stores."""
    return datetime(y, m, d, hh, mm).replace(tzinfo=deadlines.LOCAL).astimezone(deadlines.UTC).replace(tzinfo=None)


def end_of(y, m, d) -> datetime:
    return deadlines.end_of_local_day(date(y, m, d))


def at(y, m, d, hh=0, mm=0) -> None:
    clock.freeze(utc(y, m, d, hh, mm))


@pytest.fixture
def enterprise(city):
    return registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})


def register(enterprise, ticket_class="general") -> Ticket:
    return tickets.register(actor_for("desk"), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class=ticket_class,
        handling_mode="follow", description="厂区门口有人堵路，影响出货。"))


def fresh(ticket_id) -> Ticket:
    db.session.rollback()
    return db.session.get(Ticket, ticket_id)


def totals(period=MARCH) -> statistics.Figures:
    db.session.rollback()
    return statistics.report(actor_for("leader"), period).total


def counts_agree_with_a_recount() -> None:
    """The running counts kept on every change are those a recount from the tickets gives."""
    def snapshot():
        db.session.expire_all()
        return {table.__tablename__: sorted(
            (r.bucket, r.dimension, r.unit_id, r.value, *(getattr(r, c) for c in stats.COUNTERS))
            for r in db.session.scalars(select(table)) if any(getattr(r, c) for c in stats.COUNTERS))
            for table in (TicketStatDay, TicketStatMonth)}

    kept = snapshot()
    stats.recount()
    assert snapshot() == kept
    db.session.rollback()


# --- a late sign-for ------------------------------------------------------------------------

@pytest.fixture
def signed_late(city, enterprise):
    """A general ticket registered and dispatched on Monday 2 March 2026 at 09:00
    (to be signed for by the end of Tuesday 3, answered by the end of Monday 9);
    the sweep marks it overdue after midnight; station A signs for it on
    Wednesday 4 March at 09:00."""
    at(2026, 3, 2, 9)
    ticket = register(enterprise)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    at(2026, 3, 4, 0, 5)
    assert sweep().overdue == 1 and fresh(ticket.id).overdue
    assert totals().overdue == 1
    at(2026, 3, 4, 9)
    return tickets.sign(actor_for("officer_a"), ticket.id)


def test_a_late_sign_for_is_recorded_as_late(signed_late):
    ticket = fresh(signed_late.id)
    assert ticket.late_sign_fors == 1
    signed = db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                          TicketEvent.kind == "signed")).one()
    assert signed.data == {"late": True}
    figures = totals()
    assert figures.signed_late == 1
    counts_agree_with_a_recount()


def test_a_late_sign_for_does_not_keep_the_ticket_overdue(signed_late):
    ticket = fresh(signed_late.id)
    assert not ticket.overdue and ticket.due_at == end_of(2026, 3, 9)
    assert totals().overdue == 0
    at(2026, 3, 9, 12)
    assert sweep().overdue == 0                         # the handling deadline alone decides now
    at(2026, 3, 9, 15)
    tickets.answer(actor_for("officer_a"), ticket.id, "已协调处置。", "resolved")
    assert tickets.close(actor_for("desk"), ticket.id).closed_on_time is True
    figures = totals()
    assert (figures.closed, figures.closed_on_time, figures.overdue, figures.signed_late) == (1, 1, 0, 1)
    counts_agree_with_a_recount()


def test_the_handling_deadline_still_marks_it_once_signed_for(signed_late):
    at(2026, 3, 10, 0, 5)
    assert sweep().overdue == 1 and fresh(signed_late.id).overdue


def test_a_late_sign_for_after_the_final_deadline_stays_overdue(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = register(enterprise, "instant")            # due at 21:00
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    at(2026, 3, 4, 9)
    assert sweep().overdue == 1
    ticket = tickets.sign(actor_for("officer_a"), ticket.id)
    assert ticket.late_sign_fors == 1 and ticket.overdue


def test_signing_in_time_is_not_counted_late(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = register(enterprise)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    at(2026, 3, 3, 23, 50)
    ticket = tickets.sign(actor_for("officer_a"), ticket.id)
    assert ticket.late_sign_fors == 0 and totals().signed_late == 0


def test_the_pages_show_the_late_sign_for(app, signed_late):
    leader = fresh_client(app)
    login(leader, "leader")
    page = leader.get(f"/tickets/{signed_late.id}").get_data(as_text=True)
    assert 'data-testid="signed-late"' in page and 'data-testid="late-sign-fors"' in page
    page = leader.get("/tickets/stats?since=2026-03-01&until=2026-03-31").get_data(as_text=True)
    assert "signed_late=1" in page
    listed = leader.get("/tickets/?since=2026-03-01&until=2026-03-31&signed_late=1").get_data(as_text=True)
    assert signed_late.number in listed
    book = load_workbook(io.BytesIO(leader.get("/tickets/stats.xlsx?since=2026-03-01&until=2026-03-31").data))
    sheet = book.worksheets[1]
    assert [c.value for c in sheet[sheet.max_row]][-1] == 1   # the last column: signed for late


# --- a holiday the State Council moved ----------------------------------------------------------

@pytest.fixture
def answered_late(city, enterprise):
    """A general ticket registered on Monday 2 March 2026 at 09:00, due by the end
    of Monday 9; the sweep marks it overdue after midnight and station A answers
    on Tuesday 10 March at 10:00."""
    at(2026, 3, 2, 9)
    ticket = register(enterprise)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), ticket.id)
    at(2026, 3, 10, 0, 5)
    assert sweep().overdue == 1
    at(2026, 3, 10, 10)
    return tickets.answer(actor_for("officer_a"), ticket.id, "已协调处置。", "resolved")


def test_a_moved_holiday_recounts_an_answered_ticket_which_is_then_on_time(answered_late):
    assert totals().overdue == 1
    calendar.set_day(actor_for("admin"), "2026-03-06", False, "调休")   # Friday 6 March off
    ticket = fresh(answered_late.id)
    assert ticket.due_at == end_of(2026, 3, 10) and ticket.status == "answered"
    assert not ticket.overdue and totals().overdue == 0
    assert tickets.close(actor_for("desk"), ticket.id).closed_on_time is True
    figures = totals()
    assert (figures.closed, figures.closed_on_time, figures.overdue) == (1, 1, 0)
    counts_agree_with_a_recount()


def test_a_moved_working_day_makes_an_answered_ticket_late(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = register(enterprise)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), ticket.id)
    at(2026, 3, 9, 10)
    tickets.answer(actor_for("officer_a"), ticket.id, "已协调处置。", "resolved")
    calendar.set_day(actor_for("admin"), "2026-03-07", True, "调休上班")   # Saturday 7 March worked
    ticket = fresh(ticket.id)
    assert ticket.due_at == end_of(2026, 3, 7) and ticket.overdue and ticket.overdue_at == end_of(2026, 3, 7)
    assert tickets.close(actor_for("desk"), ticket.id).closed_on_time is False
    figures = totals()
    assert (figures.closed, figures.closed_on_time, figures.overdue) == (1, 0, 1)
    counts_agree_with_a_recount()


def test_confirming_a_provisional_year_judges_an_answered_ticket_again(city, enterprise):
    """Registered on Tuesday 29 December 2026: five working days on 2027's
    provisional calendar (weekends and New Year's Day) end on Wednesday 6
    January. Answered on Thursday 7, it is late; the State Council's schedule
    then gives Monday 4 January off as well, and it was on time."""
    at(2026, 12, 29, 9)
    ticket = register(enterprise)
    assert ticket.due_at == end_of(2027, 1, 6) and ticket.deadline_provisional
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), ticket.id)
    at(2027, 1, 7, 0, 5)
    assert sweep().overdue == 1
    at(2027, 1, 7, 10)
    ticket = tickets.answer(actor_for("officer_a"), ticket.id, "已协调处置。", "resolved")
    assert not answered_in_time(ticket)
    december = statistics.Period(date(2026, 12, 1), date(2026, 12, 31))
    assert totals(december).overdue == 1
    calendar.import_schedule(actor_for("admin"), csv_bytes([("2027-01-01", "休", "元旦"),
                                                            ("2027-01-04", "休", "元旦")]))
    ticket = fresh(ticket.id)
    assert ticket.due_at == end_of(2027, 1, 7) and not ticket.deadline_provisional and not ticket.overdue
    assert tickets.close(actor_for("desk"), ticket.id).closed_on_time is True
    figures = totals(december)
    assert (figures.closed, figures.closed_on_time, figures.overdue) == (1, 1, 0)
    counts_agree_with_a_recount()


def test_a_closed_ticket_keeps_its_judgement(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = register(enterprise)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), ticket.id)
    at(2026, 3, 10, 10)
    tickets.answer(actor_for("officer_a"), ticket.id, "已协调处置。", "resolved")
    assert tickets.close(actor_for("desk"), ticket.id).closed_on_time is False
    calendar.set_day(actor_for("admin"), "2026-03-06", False, "调休")
    ticket = fresh(ticket.id)
    assert ticket.due_at == end_of(2026, 3, 9) and ticket.closed_on_time is False


def test_open_and_answered_tickets_are_recounted_alike(city, enterprise):
    at(2026, 3, 2, 9)
    open_ticket = register(enterprise)
    answered = register(enterprise)
    tickets.dispatch(actor_for("desk"), answered.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), answered.id)
    tickets.answer(actor_for("officer_a"), answered.id, "已处置。", "resolved")
    calendar.set_day(actor_for("admin"), "2026-03-05", False, "临时调整")
    assert fresh(open_ticket.id).due_at == fresh(answered.id).due_at == end_of(2026, 3, 10)
