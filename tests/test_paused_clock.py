"""The paused clock (暂停计时): a ticket waiting for the enterprise is neither
warned nor marked overdue; its deadlines move on by the time paused (an
instant ticket by the time itself, a general one by the working days the pause
covered, a complex one's progress report likewise); on-time counts by the
paused clock; a pause is refused outside the clock holder's statuses and while
overdue, audited, on the timeline with its length, counted in the statistics,
on the pages, the queues and the JSON API. On the working-day calendar of March
2026 (no holidays) with the controllable clock."""
import io
from datetime import date, datetime

import pytest
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook
from sqlalchemy import select

from core import clock
from core.api import auth
from core.audit.models import AuditEntry
from core.errors import Forbidden, ValidationError
from core.extensions import db
from core.notifications.models import Notification
from core.org.actor import shell_actor
from core.registry import services as registry
from core.tickets import deadlines, pausing, queues, statistics, stats
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketEvent, TicketStatDay, TicketStatMonth
from core.tickets.sweep import sweep
from tests.conftest import actor_for, login
from tests.helpers import code, count, en, fresh_client, system_account
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.portal_world import portal, verified_account

MARCH = statistics.Period(date(2026, 3, 1), date(2026, 3, 31))


def utc(y, m, d, hh=0, mm=0) -> datetime:
    """A Beijing wall-clock time as the naive UTC the database stores."""
    return datetime(y, m, d, hh, mm).replace(tzinfo=deadlines.LOCAL).astimezone(deadlines.UTC).replace(tzinfo=None)


def end_of(y, m, d) -> datetime:
    return deadlines.end_of_local_day(date(y, m, d))


def at(d, hh=9, mm=0) -> None:
    """``d`` March 2026 at hh:mm in Beijing."""
    clock.freeze(utc(2026, 3, d, hh, mm))


def zh(message) -> str:
    with force_locale("zh_Hans_CN"):
        return str(message)


@pytest.fixture
def enterprise(city):
    return registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})


def register(enterprise, ticket_class="general") -> Ticket:
    return tickets.register(actor_for("desk"), tickets.Intake(
        enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class=ticket_class,
        handling_mode="follow", description="厂区门口有人堵路，影响出货。"))


def handling(city, enterprise, ticket_class="general") -> Ticket:
    """Registered, dispatched to station A and signed for, at the frozen time."""
    ticket = register(enterprise, ticket_class)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    return tickets.sign(actor_for("officer_a"), ticket.id)


def fresh(ticket_id) -> Ticket:
    db.session.rollback()
    return db.session.get(Ticket, ticket_id)


def events(ticket_id, kind) -> list[TicketEvent]:
    db.session.rollback()
    return list(db.session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                                             TicketEvent.kind == kind).order_by(TicketEvent.id)))


def audited(ticket_id, action, result="ok") -> int:
    return count(AuditEntry, AuditEntry.action == action, AuditEntry.object_id == str(ticket_id),
                 AuditEntry.result == result)


def answer_and_close(ticket_id) -> Ticket:
    tickets.answer(actor_for("officer_a"), ticket_id, "已协调处置。", "resolved")
    return tickets.close(actor_for("desk"), ticket_id)


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


# --- a general ticket: information asked for, answered on the portal ---------------------

@pytest.fixture
def asked(city, enterprise):
    """A general ticket registered on Monday 2 March at 09:00 (due by the end of
    Monday 9 March), signed for; on Tuesday 3 March at 10:00 the officer asks
    the enterprise for more information, which pauses the clock."""
    at(2)
    ticket = handling(city, enterprise)
    assert ticket.due_at == end_of(2026, 3, 9)
    at(3, 10)
    ticket = tickets.request_info(actor_for("officer_a"), ticket.id, "请补充近三个月的出货单据。")
    assert ticket.paused_at == utc(2026, 3, 3, 10)
    return ticket


def supplied_on_the_portal(enterprise, ticket_id):
    account = verified_account("desk_a", 1, enterprise.name, "13900000001")
    return tickets.supply_info(portal(account), ticket_id, "已上传出货单据。")


def test_a_paused_ticket_is_neither_warned_nor_marked_overdue(asked):
    at(8, 12)                                           # past the 80 % mark of the running clock (Sunday 11:24)
    assert sweep().warned == 0
    at(10, 0, 5)                                        # past the running clock's deadline
    summary = sweep()
    assert (summary.overdue, summary.warned, summary.checked) == (0, 0, 0)
    ticket = fresh(asked.id)
    assert not ticket.overdue and ticket.warned_at is None and ticket.paused_at is not None
    assert not count(Notification, Notification.ticket_id == asked.id, Notification.kind.in_(("overdue", "warning")))
    countdown = queues.countdown(ticket, clock.now())
    assert countdown.paused and not countdown.overdue and countdown.text == zh(_l("Paused"))


def test_answered_on_the_paused_clock_counts_as_on_time(asked, enterprise):
    at(12, 10)                                          # Thursday 12 March: the enterprise answers
    ticket = supplied_on_the_portal(enterprise, asked.id)
    # The pause covered Wednesday 4 to Thursday 12 March: 7 working days, added to Monday 9.
    assert ticket.paused_at is None and ticket.due_at == end_of(2026, 3, 18)
    assert ticket.paused_seconds == 9 * 86400
    resumed = events(asked.id, "resumed")
    assert [(e.data["reason"], e.data["seconds"], e.data["working_days"]) for e in resumed] == [("info", 777600, 7)]
    at(17, 16)                                          # late on the running clock, on time on the paused one
    ticket = answer_and_close(asked.id)
    assert ticket.closed_on_time is True
    figures = statistics.report(actor_for("leader"), MARCH).total
    assert (figures.closed, figures.closed_on_time, figures.overdue) == (1, 1, 0)
    assert (figures.paused, figures.paused_seconds) == (1, 777600)
    counts_agree_with_a_recount()


def test_late_on_the_paused_clock_counts_as_late(asked, enterprise):
    at(12, 10)
    supplied_on_the_portal(enterprise, asked.id)
    at(19, 0, 5)
    assert sweep().overdue == 1                         # the paused clock's deadline has passed too
    at(19, 9)
    ticket = answer_and_close(asked.id)
    assert ticket.closed_on_time is False
    figures = statistics.report(actor_for("leader"), MARCH).total
    assert (figures.closed, figures.closed_on_time, figures.overdue, figures.paused) == (1, 0, 1, 1)
    counts_agree_with_a_recount()


def test_a_pause_within_one_day_moves_a_working_day_deadline_by_nothing(asked, enterprise):
    at(3, 16)
    ticket = supplied_on_the_portal(enterprise, asked.id)
    assert ticket.due_at == end_of(2026, 3, 9) and ticket.paused_seconds == 6 * 3600


def test_a_weekend_pause_gives_back_the_day_it_ended_on(city, enterprise):
    at(2)
    ticket = handling(city, enterprise)
    at(6, 10)                                           # Friday
    tickets.request_info(actor_for("officer_a"), ticket.id, "请补充材料。")
    at(9, 9)                                            # Monday morning: the desk records the answer
    ticket = pausing.resume(actor_for("officer_a"), ticket.id, "企业电话答复：材料已寄出。")
    assert ticket.due_at == end_of(2026, 3, 10)
    assert tickets.awaiting_information(ticket) is None  # the request counts as answered
    assert [e.actor_name for e in events(ticket.id, "info_supplied")] == ["OFFICER_A"]


def test_answering_while_paused_ends_the_pause_and_counts_it(asked):
    at(5, 15)
    ticket = tickets.answer(actor_for("officer_a"), asked.id, "已电话核实情况并处置。", "resolved")
    assert ticket.paused_at is None and ticket.status == "answered"
    assert ticket.due_at == end_of(2026, 3, 11)          # Wednesday 4 and Thursday 5 given back
    kinds = [e.kind for e in fresh(asked.id).events]
    assert kinds[-2:] == ["resumed", "answered"]


def test_counting_again_after_a_calendar_change_gives_the_same_answer(asked, enterprise):
    at(12, 10)
    supplied_on_the_portal(enterprise, asked.id)
    before = fresh(asked.id).due_at
    tickets.recompute_open_deadlines()
    db.session.commit()
    assert fresh(asked.id).due_at == before == end_of(2026, 3, 18)
    # A day off inside the pause gives one working day less back, and the count itself skips it.
    from core.calendar import services as calendar

    calendar.set_day(actor_for("admin"), "2026-03-05", False, "临时调整")
    assert fresh(asked.id).due_at == end_of(2026, 3, 18)


# --- an instant ticket: by the time paused ---------------------------------------------------

def test_an_instant_ticket_moves_by_the_hours_paused(city, enterprise):
    at(2)                                               # due at 21:00
    ticket = register(enterprise, "instant")
    at(2, 10)
    ticket = tickets.request_info(actor_for("desk"), ticket.id, "请提供车辆号牌。")   # the centre, before dispatch
    assert ticket.paused_at is not None
    at(2, 13, 30)
    ticket = pausing.resume(actor_for("desk"), ticket.id, "企业电话告知：浙D12345。")
    assert ticket.due_at == utc(2026, 3, 3, 0, 30)       # 21:00 + 3 h 30 min
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    tickets.sign(actor_for("officer_a"), ticket.id)
    at(2, 23)
    assert sweep().overdue == 0                         # late on the running clock, not on the paused one
    assert answer_and_close(ticket.id).closed_on_time is True


def test_dispatching_ends_the_centres_pause(city, enterprise):
    at(2)
    ticket = register(enterprise, "instant")
    at(2, 10)
    tickets.request_info(actor_for("desk"), ticket.id, "请提供车辆号牌。")
    at(2, 11)
    ticket = tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    assert ticket.paused_at is None and ticket.due_at == utc(2026, 3, 2, 22)
    assert [e.kind for e in fresh(ticket.id).events][-2:] == ["resumed", "dispatched"]


# --- a complex ticket: the progress report -----------------------------------------------------

def test_a_complex_tickets_progress_report_moves_by_the_working_days_paused(city, enterprise):
    at(2)
    ticket = handling(city, enterprise, "complex")
    assert ticket.progress_due_at == end_of(2026, 3, 9)
    at(4, 10)
    tickets.request_info(actor_for("officer_a"), ticket.id, "请提供合同原件。")
    at(6, 10)
    tickets.report_progress(actor_for("officer_a"), ticket.id, "已约谈双方，等待企业材料")   # during the pause
    assert fresh(ticket.id).progress_due_at == end_of(2026, 3, 13)
    at(10, 10)
    ticket = pausing.resume(actor_for("officer_a"), ticket.id, "企业已提交合同原件。")
    # The report on Friday 6 starts the count; the pause after it covered Monday 9 and Tuesday 10.
    assert ticket.progress_due_at == end_of(2026, 3, 17)


# --- an appointment the enterprise chose -----------------------------------------------------

def test_an_appointment_pauses_until_its_day_ends(city, enterprise):
    at(2)
    ticket = handling(city, enterprise)
    at(3, 10)
    ticket = pausing.pause(actor_for("officer_a"), ticket.id, "appointment", "企业预约3月5日到窗口办理",
                           date(2026, 3, 5))
    assert ticket.pause_until == end_of(2026, 3, 5) and audited(ticket.id, "ticket.pause") == 1
    at(5, 23)
    assert sweep().resumed == 0 and fresh(ticket.id).paused_at is not None
    at(6, 0, 5)
    summary = sweep()
    assert summary.resumed == 1
    ticket = fresh(ticket.id)
    assert ticket.paused_at is None and ticket.due_at == end_of(2026, 3, 11)   # Wednesday 4 and Thursday 5
    resumed = events(ticket.id, "resumed")[-1]
    assert resumed.at == end_of(2026, 3, 5) and resumed.actor_name == "system"
    # Station A's desk and officer hear that the clock runs again.
    assert count(Notification, Notification.ticket_id == ticket.id, Notification.kind == "resumed") == 2
    assert db.session.scalar(select(AuditEntry.username).where(AuditEntry.action == "ticket.resume")) == "system"


def test_a_pause_is_checked_all_at_once(city, enterprise):
    at(2)
    ticket = handling(city, enterprise)
    officer = actor_for("officer_a")
    with pytest.raises(ValidationError) as refused:
        pausing.pause(officer, ticket.id, "holiday", "", "2026-02-01")
    assert set(refused.value.errors) == {"reason", "until", "note"}
    with pytest.raises(ValidationError) as refused:
        pausing.pause(officer, ticket.id, "info", "等企业材料", None)
    assert set(refused.value.errors) == {"reason"}          # information is asked for, which pauses
    with pytest.raises(ValidationError) as refused:
        pausing.pause(officer, ticket.id, "appointment", "企业预约", date(2026, 4, 2))
    assert set(refused.value.errors) == {"until"}           # more than 30 days ahead
    assert fresh(ticket.id).paused_at is None
    assert audited(ticket.id, "ticket.pause", "rejected") == 3


# --- a pause cannot hide a late ticket ----------------------------------------------------------

def test_a_pause_is_refused_outside_the_clock_holders_statuses(city, enterprise):
    at(2)
    ticket = register(enterprise)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    with pytest.raises(tickets.IllegalTransition):      # waiting to be signed for
        pausing.pause(actor_for("officer_a"), ticket.id, "appointment", "企业预约", date(2026, 3, 4))
    tickets.sign(actor_for("officer_a"), ticket.id)
    with pytest.raises(Forbidden):                      # the centre does not hold the clock once signed for
        pausing.pause(actor_for("desk"), ticket.id, "appointment", "企业预约", date(2026, 3, 4))
    with pytest.raises((Forbidden, tickets.NotFound)):  # another station
        pausing.pause(actor_for("officer_b"), ticket.id, "appointment", "企业预约", date(2026, 3, 4))
    tickets.answer(actor_for("officer_a"), ticket.id, "已处置。", "resolved")
    with pytest.raises(tickets.IllegalTransition):
        pausing.pause(actor_for("officer_a"), ticket.id, "appointment", "企业预约", date(2026, 3, 4))
    assert fresh(ticket.id).paused_at is None
    assert audited(ticket.id, "ticket.pause", "rejected") == 2 and audited(ticket.id, "ticket.pause", "denied") >= 1


def test_a_transferred_ticket_asks_for_information_without_pausing(city, enterprise):
    at(2)
    ticket = register(enterprise)
    tickets.transfer(actor_for("desk"), ticket.id, "市场监管局")
    ticket = tickets.request_info(actor_for("desk"), ticket.id, "请提供营业执照。")
    assert ticket.paused_at is None and tickets.awaiting_information(ticket) is not None


@pytest.mark.parametrize("swept", [True, False], ids=["marked", "not yet swept"])
def test_an_overdue_ticket_cannot_be_paused(city, enterprise, swept):
    at(2)
    ticket = handling(city, enterprise)
    at(10, 0, 5)
    if swept:
        assert sweep().overdue == 1
    officer = actor_for("officer_a")
    with pytest.raises(ValidationError) as refused:
        pausing.pause(officer, ticket.id, "appointment", "企业预约", date(2026, 3, 12))
    assert en(refused.value.message).startswith("This ticket is overdue: its clock cannot be paused.")
    assert audited(ticket.id, "ticket.pause", "rejected") == 1
    # Asking for information is still possible; the clock keeps running.
    ticket = tickets.request_info(officer, ticket.id, "请补充材料。")
    assert ticket.paused_at is None and not events(ticket.id, "paused")
    assert "pause" not in tickets.available_actions(officer, fresh(ticket.id))


def test_only_the_holder_or_a_leader_restarts_the_clock(asked):
    with pytest.raises(Forbidden):                      # the centre does not hold the clock once signed for
        pausing.resume(actor_for("desk"), asked.id, "答复")
    at(4, 9)
    ticket = pausing.resume(actor_for("leader"), asked.id, "领导核实：企业已电话答复。")
    assert ticket.paused_at is None
    with pytest.raises(tickets.IllegalTransition):      # it runs already
        pausing.resume(actor_for("officer_a"), asked.id, "再次答复")
    assert audited(asked.id, "ticket.resume", "rejected") == 1


# --- the pages ------------------------------------------------------------------------------

def test_the_ticket_page_shows_the_pause_and_its_total(app, city, asked, enterprise):
    officer = fresh_client(app)
    login(officer, "officer_a")
    page = officer.get(f"/tickets/{asked.id}").get_data(as_text=True)
    assert 'data-testid="clock-paused"' in page and "countdown paused" in page
    assert 'data-testid="action-resume"' in page and 'data-testid="action-pause"' not in page
    at(5, 10)
    response = officer.post(f"/tickets/{asked.id}/resume", data={"resume-note": ""})
    assert response.status_code == 400 and zh(_l("Write what the enterprise answered.")) in \
        response.get_data(as_text=True)
    assert fresh(asked.id).paused_at is not None
    response = officer.post(f"/tickets/{asked.id}/resume", data={"resume-note": "企业电话答复。"})
    assert response.status_code == 302
    leader = fresh_client(app)
    login(leader, "leader")
    page = leader.get(f"/tickets/{asked.id}").get_data(as_text=True)
    assert 'data-testid="paused-total"' in page and pausing.length_text(2 * 86400) in page
    assert 'data-testid="pause-length"' in page and 'data-testid="clock-paused"' not in page


def test_the_pause_form_refuses_bad_input_all_at_once_and_changes_nothing(app, city, enterprise):
    at(2)
    ticket = handling(city, enterprise)
    officer = fresh_client(app)
    login(officer, "officer_a")
    page = officer.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="action-pause"' in page
    response = officer.post(f"/tickets/{ticket.id}/pause", data={"pause-reason": "appointment",
                                                                 "pause-until": "", "pause-note": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert zh(_l("Give the day of the appointment.")) in body
    assert zh(_l("Say what the enterprise chose, e.g. the appointment.")) in body
    assert fresh(ticket.id).paused_at is None
    response = officer.post(f"/tickets/{ticket.id}/pause", data={
        "pause-reason": "appointment", "pause-until": "2026-03-04", "pause-note": "企业预约3月4日上午到窗口"})
    assert response.status_code == 302 and fresh(ticket.id).paused_at is not None


def test_the_queues_sort_and_count_a_paused_ticket_apart(app, city, enterprise, asked):
    at(3, 11)
    running = handling(city, enterprise)                # due by the end of Tuesday 10 March
    leader = actor_for("leader")
    ids = [t.id for t in queues.page(leader, "handling", sort="due").items]
    assert ids == [running.id, asked.id]                # the paused ticket waits for the enterprise: last
    assert [t.id for t in queues.page(leader, "paused").items] == [asked.id]
    at(10, 12)                                          # the paused ticket's stored deadline has passed
    counts = queues.counts(leader)
    assert counts["paused"] == 1 and counts["overdue"] == 0 and counts["due_soon"] == 1
    assert [t.id for t in queues.page(leader, "overdue").items] == []
    client = fresh_client(app)
    login(client, "leader")
    page = client.get("/tickets/?queue=handling").get_data(as_text=True)
    assert "countdown paused" in page and 'data-testid="count-paused">1<' in page


def test_the_statistics_page_and_export_show_the_time_paused(app, city, asked, enterprise):
    at(12, 10)
    supplied_on_the_portal(enterprise, asked.id)
    client = fresh_client(app)
    login(client, "leader")
    page = client.get("/tickets/stats?since=2026-03-01&until=2026-03-31").get_data(as_text=True)
    assert pausing.length_text(9 * 86400) in page and "paused=1" in page
    listed = client.get("/tickets/?since=2026-03-01&until=2026-03-31&paused=1").get_data(as_text=True)
    assert asked.number in listed
    book = load_workbook(io.BytesIO(client.get("/tickets/stats.xlsx?since=2026-03-01&until=2026-03-31").data))
    sheet = book.worksheets[1]
    header = [c.value for c in sheet[1]]
    total = [c.value for c in sheet[sheet.max_row]]
    assert total[header.index(zh(_l("Time paused (hours)")))] == 216.0


# --- the JSON API ---------------------------------------------------------------------------

def test_the_api_pauses_resumes_and_shows_the_clock(app, city, enterprise):
    at(2)
    ticket = handling(city, enterprise)
    system_account("sys_station", city.station_a.id, roles=["officer"], leader="leader")
    _row, token = auth.issue(shell_actor(), "sys_station", "appointments")
    db.session.commit()
    client = fresh_client(app)
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    at(3, 10)
    response = client.post(f"/api/v1/tickets/{ticket.id}/pause", headers=headers,
                           json={"reason": "appointment", "until": "2026-03-05", "note": "企业预约3月5日"})
    assert response.status_code == 200, response.get_data(as_text=True)
    clock_state = response.get_json()["deadlines"]
    assert clock_state["paused"] and clock_state["pause_reason"] == "appointment"
    assert clock_state["pause_until"].startswith("2026-03-05T23:59:59")
    assert client.get("/api/v1/tickets?queue=paused", headers=headers).get_json()["items"][0]["paused"]
    response = client.post(f"/api/v1/tickets/{ticket.id}/pause", headers=headers,
                           json={"reason": "appointment", "until": "2026-03-05", "note": "再次"})
    assert response.status_code == 422 and "already paused" in response.get_json()["error"]["message"]
    at(4, 10)
    response = client.post(f"/api/v1/tickets/{ticket.id}/resume", headers=headers, json={"note": "企业提前到窗口"})
    assert response.status_code == 200
    clock_state = response.get_json()["deadlines"]
    assert not clock_state["paused"] and clock_state["paused_seconds"] == 86400
    assert response.get_json()["due_at"].startswith("2026-03-10T23:59:59")
    operations = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert {"/api/v1/tickets/{ticket_id}/pause", "/api/v1/tickets/{ticket_id}/resume"} <= set(operations)
