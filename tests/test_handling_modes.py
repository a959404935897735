"""Handling modes as workflow (立即办, 提级办 at intake, 限期办), the centre's
return for rework (退回重办) with its deadline rule, and the mode as a breakdown
of the statistics: through the services, the pages and the JSON API, on the
working-day calendar with the controllable clock."""
import re
from datetime import date, datetime

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit.models import AuditEntry
from core.calendar.services import nth_working_day_after
from core.errors import Forbidden, ValidationError
from core.extensions import db
from core.notifications.models import Notification
from core.org.actor import shell_actor
from core.org.services import save_user
from core.registry import services as registry
from core.tickets import deadlines, queues, rework, statistics, stats
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketEvent, TicketStatDay, TicketStatMonth
from core.tickets.sweep import sweep
from tests.conftest import PASSWORD, actor_for, enrol_second_factor, login
from tests.helpers import code, count, en, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


def utc(y, m, d, hh=0, mm=0) -> datetime:
    """A Beijing wall-clock time as the naive UTC the database stores."""
    return datetime(y, m, d, hh, mm).replace(tzinfo=deadlines.LOCAL).astimezone(deadlines.UTC).replace(tzinfo=None)


def end_of(y, m, d) -> datetime:
    return deadlines.end_of_local_day(date(y, m, d))


def at(y, m, d, hh=0, mm=0) -> None:
    clock.freeze(utc(y, m, d, hh, mm))


MARCH = statistics.Period(date(2026, 3, 1), date(2026, 3, 31))
ANSWER = "已当场答复：营业执照变更须携带原件到政务中心窗口办理。"


@pytest.fixture
def enterprise(city):
    return registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})


@pytest.fixture
def city_leader(city):
    """A leader of the city bureau, the centre's parent unit."""
    save_user(shell_actor(), {"username": "city_leader", "name": "CITY_LEADER", "unit_id": city.city.id,
                              "roles": ["leader"], "password": PASSWORD})
    return actor_for("city_leader")


def intake(enterprise, **changes) -> tickets.Intake:
    values = dict(enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
                  handling_mode="follow", description="企业咨询营业执照变更手续。")
    values.update(changes)
    return tickets.Intake(**values)


def register(enterprise, username="desk", **changes) -> Ticket:
    return tickets.register(actor_for(username), intake(enterprise, **changes))


def immediate(enterprise, **changes) -> Ticket:
    return register(enterprise, handling_mode="immediate", answer=ANSWER, result="resolved", **changes)


def handled(city, enterprise, **changes) -> Ticket:
    ticket = register(enterprise, **changes)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    return tickets.sign(actor_for("officer_a"), ticket.id)


def answered(city, enterprise, **changes) -> Ticket:
    ticket = handled(city, enterprise, **changes)
    return tickets.answer(actor_for("officer_a"), ticket.id, "已处理。", "resolved")


def fresh(ticket_id) -> Ticket:
    db.session.rollback()
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def audit_actions(ticket_id, result="ok") -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.object_type == "ticket", AuditEntry.object_id == str(ticket_id), AuditEntry.result == result)
        .order_by(AuditEntry.id)))


def notified(username, ticket_id=None) -> list[str]:
    db.session.rollback()
    stmt = select(Notification.kind).where(Notification.user_id == actor_for(username).user_id)
    if ticket_id is not None:
        stmt = stmt.where(Notification.ticket_id == ticket_id)
    return list(db.session.scalars(stmt.order_by(Notification.id)))


def figures(f) -> tuple:
    return f.received, f.closed, f.closed_on_time, f.rated, f.satisfied, f.overdue


def by_mode(actor="desk") -> dict:
    return {line.key: figures(line.figures) for line in statistics.report(actor_for(actor), MARCH).by_mode}


def client_for(app, username):
    client = fresh_client(app)
    login(client, username)
    return client


def shows(html: str, message) -> bool:
    return str(message) in html or en(message) in html


# --- 立即办: answered and closed at intake ------------------------------------------------------------

def test_an_immediate_demand_is_registered_answered_and_closed_in_one_step(city, enterprise, monkeypatch):
    announced = []
    monkeypatch.setattr(tickets, "broadcast", lambda hook, event, ticket, actor: announced.append(event))
    at(2026, 3, 2, 9)
    ticket = immediate(enterprise)
    ticket = fresh(ticket.id)
    assert (ticket.status, ticket.handling_unit_id, ticket.handling_officer_id) == (
        "closed", city.centre.id, city.user("desk").id)
    assert ticket.answer == ANSWER and ticket.result == "resolved"
    assert ticket.answered_at == ticket.closed_at == ticket.registered_at == utc(2026, 3, 2, 9)
    assert ticket.closed_on_time is True and ticket.due_at == end_of(2026, 3, 9)
    assert [(e.kind, e.to_status) for e in ticket.events] == [
        ("registered", "registered"), ("answered", "answered"), ("closed", "closed")]
    assert audit_actions(ticket.id) == ["ticket.register", "ticket.answer", "ticket.close"]
    assert announced == ["registered", "answered", "closed"]
    # It waits for the enterprise's rating, in the desk's queue.
    assert [t.id for t in queues.page(actor_for("desk"), "closed").items] == [ticket.id]
    # Received, closed and closed on time, under the centre and the mode 立即办.
    assert by_mode() == {"immediate": (1, 1, 1, 0, 0, 0)}
    report = statistics.report(actor_for("desk"), MARCH)
    assert {line.key: figures(line.figures) for line in report.by_unit} == {city.centre.id: (1, 1, 1, 0, 0, 0)}


def test_the_desk_records_the_rating_of_an_immediate_demand(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = immediate(enterprise)
    at(2026, 3, 3, 10)
    tickets.rate(actor_for("desk"), ticket.id, "satisfied", "当场解决")
    assert fresh(ticket.id).status == "rated"
    assert by_mode() == {"immediate": (1, 1, 1, 1, 1, 0)}


def test_the_enterprise_rates_an_immediate_demand_on_the_portal(city, enterprise):
    from tests.portal_world import portal, verified_account

    account = verified_account("desk_a", 1, enterprise.name, "13800001111")
    at(2026, 3, 2, 9)
    ticket = immediate(enterprise)
    tickets.rate(portal(account), ticket.id, "basic")
    ticket = fresh(ticket.id)
    assert (ticket.status, ticket.rating) == ("rated", "basic")


def test_a_dissatisfied_rating_sends_an_immediate_demand_back_to_the_centre(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = immediate(enterprise)
    at(2026, 3, 4, 10)
    tickets.rate(actor_for("desk"), ticket.id, "dissatisfied", "答复不清楚")
    ticket = fresh(ticket.id)
    assert (ticket.status, ticket.handling_unit_id) == ("handling", city.centre.id)
    assert ticket.reworked_at == utc(2026, 3, 4, 10) and ticket.due_at == end_of(2026, 3, 11)
    # The centre answers again; the desk closes it.
    tickets.answer(actor_for("desk"), ticket.id, "已书面补充答复。", "resolved")
    assert tickets.close(actor_for("desk"), ticket.id).closed_on_time is True


def test_an_immediate_demand_needs_the_answer_and_the_result_all_errors_at_once(city, enterprise):
    with pytest.raises(ValidationError) as refused:
        register(enterprise, handling_mode="immediate", description=" ", answer=" ", result="great")
    assert set(refused.value.errors) == {"description", "answer", "result"}
    assert count(Ticket) == 0 and count(TicketEvent) == 0
    assert count(AuditEntry, AuditEntry.action == "ticket.register", AuditEntry.result == "rejected") == 1
    with pytest.raises(ValidationError) as refused:
        register(enterprise, handling_mode="immediate", answer="x" * 6000, result="resolved")
    assert set(refused.value.errors) == {"answer"}
    assert count(Ticket) == 0


def test_the_enterprise_cannot_choose_immediate_or_escalate_itself(city, enterprise):
    from tests.portal_world import portal, verified_account

    account = verified_account("desk_a", 1, enterprise.name, "13800001111")
    for mode in ("immediate", "escalate"):
        with pytest.raises(ValidationError) as refused:
            tickets.register(portal(account), intake(enterprise, channel="online", handling_mode=mode,
                                                     answer=ANSWER, result="resolved", escalation_reason="急"))
        assert set(refused.value.errors) == {"handling_mode"}
    assert count(Ticket) == 0


# --- 提级办 at intake ----------------------------------------------------------------------------------

def test_escalated_at_intake_the_ticket_waits_for_the_parent_units_leader(city, enterprise, city_leader):
    at(2026, 3, 2, 9)
    ticket = register(enterprise, handling_mode="escalate", escalation_reason="涉及多个部门，需市局统筹。")
    ticket = fresh(ticket.id)
    assert (ticket.status, ticket.handling_unit_id, ticket.handling_officer_id) == ("registered", city.city.id,
                                                                                     None)
    escalated = ticket.events[-1]
    assert (escalated.kind, escalated.text) == ("escalated", "涉及多个部门，需市局统筹。")
    assert escalated.data == {"from_unit": city.centre.id, "to_unit": city.city.id, "at_intake": True}
    assert audit_actions(ticket.id) == ["ticket.register", "ticket.escalate"]
    # The parent unit's leaders are told and find it in their queue; the centre's leader is not told.
    assert notified("city_leader", ticket.id) == ["escalated"]
    assert notified("leader", ticket.id) == []
    assert [t.id for t in queues.page(city_leader, "escalated").items] == [ticket.id]
    assert queues.counts(city_leader)["escalated"] == 1
    assert "escalated" not in queues.available(actor_for("desk"))
    # Counted under the unit that holds it, in the mode 提级办.
    assert by_mode() == {"escalate": (1, 0, 0, 0, 0, 0)}
    report = statistics.report(actor_for("desk"), MARCH)
    assert {line.key for line in report.by_unit} == {city.city.id}

    # The centre may no longer dispatch (or transfer) it; the parent unit's leader does.
    for username in ("desk", "leader"):
        assert "dispatch" not in tickets.available_actions(actor_for(username), ticket)
        with pytest.raises(Forbidden):
            tickets.dispatch(actor_for(username), ticket.id, city.station_a.id)
        with pytest.raises(Forbidden):
            tickets.transfer(actor_for(username), ticket.id, "市场监管局")
    assert {"dispatch", "transfer"} <= tickets.available_actions(city_leader, fresh(ticket.id))
    tickets.dispatch(city_leader, ticket.id, city.station_a.id)
    ticket = fresh(ticket.id)
    assert (ticket.status, ticket.handling_unit_id) == ("dispatched", city.station_a.id)
    assert ticket.sign_due_at == end_of(2026, 3, 3)
    assert queues.counts(city_leader)["escalated"] == 0
    # From here on the loop goes as usual, back to the centre to close.
    tickets.sign(actor_for("officer_a"), ticket.id)
    tickets.answer(actor_for("officer_a"), ticket.id, "已会同相关部门处理。", "resolved")
    assert tickets.close(actor_for("desk"), ticket.id).status == "closed"


def test_a_ticket_escalated_at_intake_is_not_in_the_desks_queue_to_dispatch(city, enterprise, city_leader):
    at(2026, 3, 2, 9)
    escalated = register(enterprise, handling_mode="escalate", escalation_reason="涉及多个部门，需市局统筹。")
    plain = register(enterprise)
    desk = actor_for("desk")
    assert [t.id for t in queues.page(desk, "to_dispatch").items] == [plain.id]
    assert queues.counts(desk)["to_dispatch"] == 1
    # Once the parent unit's leader has dispatched it, it is an ordinary dispatched ticket.
    tickets.dispatch(city_leader, escalated.id, city.station_a.id)
    assert queues.counts(actor_for("desk"))["to_dispatch"] == 1
    assert queues.counts(city_leader)["escalated"] == 0


def test_escalation_at_intake_needs_a_reason_and_a_parent_unit(city, enterprise):
    with pytest.raises(ValidationError) as refused:
        register(enterprise, handling_mode="escalate", escalation_reason="  ", category="")
    assert set(refused.value.errors) == {"escalation_reason", "category"}
    # A desk of the city bureau, the root, has nowhere to escalate to.
    save_user(shell_actor(), {"username": "city_desk", "name": "CITY_DESK", "unit_id": city.city.id,
                              "roles": ["desk"], "password": PASSWORD})
    with pytest.raises(ValidationError) as refused:
        register(enterprise, "city_desk", handling_mode="escalate", escalation_reason="需上级协调")
    assert set(refused.value.errors) == {"handling_mode"}
    assert count(Ticket) == 0


def test_escalated_at_intake_through_the_pages(app, city, enterprise, city_leader):
    enrol_second_factor("city_leader")
    desk = client_for(app, "desk")
    response = desk.post("/tickets/new", data={
        "enterprise_id": str(enterprise.id), "channel": "hotline", "category": "dispute", "ticket_class": "general",
        "handling_mode": "escalate", "description": "企业反映跨区域执法问题。", "escalation_reason": "跨区域，需市局协调"})
    assert response.status_code == 302
    ticket_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="mode-escalated"' in page and "跨区域，需市局协调" in page and city.city.name in page
    assert 'data-testid="action-dispatch"' not in page
    leader = client_for(app, "city_leader")
    queue = leader.get("/tickets/?queue=escalated").get_data(as_text=True)
    assert re.search(r'data-testid="count-escalated">\s*1\s*<', queue) and fresh(ticket_id).number in queue
    page = leader.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert 'data-testid="action-dispatch"' in page
    response = leader.post(f"/tickets/{ticket_id}/dispatch", data={"dispatch-unit_id": str(city.station_a.id)})
    assert response.status_code == 302 and fresh(ticket_id).status == "dispatched"


def test_after_escalating_later_the_officer_lands_on_the_queue_with_the_notice(app, city, enterprise):
    ticket = handled(city, enterprise)
    officer = client_for(app, "officer_a")
    response = officer.post(f"/tickets/{ticket.id}/escalate", data={"escalate-reason": "需市局协调"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/tickets/")
    page = officer.get(response.headers["Location"])
    assert page.status_code == 200 and shows(page.get_data(as_text=True), _l("The ticket has been escalated."))
    assert fresh(ticket.id).handling_unit_id == city.city.id
    # One who can still see the ticket stays on its page.
    ticket = answered(city, enterprise)
    response = client_for(app, "desk").post(f"/tickets/{ticket.id}/close", data={})
    assert response.headers["Location"].endswith(f"/tickets/{ticket.id}")


# --- 限期办: the deadline set at dispatch ------------------------------------------------------------

def test_a_deadline_set_at_dispatch_is_the_tickets_deadline(city, enterprise):
    at(2026, 3, 2, 9)                                     # Monday; the class's deadline is Monday 9 March
    ticket = register(enterprise, handling_mode="deadline")
    assert fresh(ticket.id).due_at == end_of(2026, 3, 9)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id, due_on="2026-03-05", note="限周四前")
    ticket = fresh(ticket.id)
    assert ticket.deadline_set_on == date(2026, 3, 5) and ticket.due_at == end_of(2026, 3, 5)
    assert ticket.events[-1].data["due_on"] == "2026-03-05"
    # It counts against that day: overdue on Friday although the class would allow until Monday.
    tickets.sign(actor_for("officer_a"), ticket.id)
    at(2026, 3, 6, 8)
    assert sweep().overdue == 1 and fresh(ticket.id).overdue
    tickets.answer(actor_for("officer_a"), ticket.id, "已处理。", "resolved")
    assert tickets.close(actor_for("desk"), ticket.id).closed_on_time is False
    assert by_mode() == {"deadline": (1, 1, 0, 0, 0, 1)}   # closed late, and counted overdue


def test_an_approved_extension_moves_a_set_deadline_on_by_working_days(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = register(enterprise)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id, due_on=date(2026, 3, 6))
    tickets.sign(actor_for("officer_a"), ticket.id)
    extension = tickets.request_extension(actor_for("officer_a"), ticket.id, 2, "需等待检测报告")
    tickets.decide_extension(actor_for("leader"), extension.id, True)
    ticket = fresh(ticket.id)
    assert ticket.deadline_set_on == date(2026, 3, 6) and ticket.due_at == end_of(2026, 3, 10)  # Fri + 2 w. days


def test_the_limits_of_a_deadline_set_at_dispatch(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = register(enterprise)
    desk = actor_for("desk")
    for day, why in (("2026-03-02", "today: before the end of the next working day"),
                     ("2026-03-10", "after the class's own deadline (9 March)"),
                     ("2026-03-07", "a Saturday"),
                     ("next week", "not a date"), ("2026-02-30", "no such day")):
        with pytest.raises(ValidationError) as refused:
            tickets.dispatch(desk, ticket.id, city.station_a.id, due_on=day)
        assert set(refused.value.errors) == {"due_on"}, why
    # The edges are allowed.
    assert tickets.dispatch(desk, ticket.id, city.station_a.id, due_on="2026-03-03").due_at == end_of(2026, 3, 3)
    other = register(enterprise)
    assert tickets.dispatch(desk, other.id, city.station_a.id, due_on="2026-03-09").due_at == end_of(2026, 3, 9)
    # Several problems are named at once, and nothing changes.
    third = register(enterprise)
    with pytest.raises(ValidationError) as refused:
        tickets.dispatch(desk, third.id, 99999, officer_id=city.user("officer_b").id, due_on="2026-03-20")
    assert set(refused.value.errors) == {"unit_id", "officer_id", "due_on"}
    assert fresh(third.id).status == "registered" and "ticket.dispatch" in audit_actions(third.id, "rejected")


def test_a_complex_ticket_takes_a_set_deadline_of_at_most_60_working_days(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = register(enterprise, ticket_class="complex")
    assert fresh(ticket.id).due_at is None
    limit, _provisional = nth_working_day_after(date(2026, 3, 2), deadlines.SET_DEADLINE_COMPLEX_MAX_WORKING_DAYS)
    beyond, _provisional = nth_working_day_after(limit, 1)
    with pytest.raises(ValidationError):
        tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id, due_on=beyond)
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id, due_on=limit)
    ticket = fresh(ticket.id)
    assert ticket.due_at == deadlines.end_of_local_day(limit) and ticket.progress_due_at == end_of(2026, 3, 9)


def test_the_mode_deadline_needs_its_day_at_dispatch_and_not_for_an_instant_ticket(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = register(enterprise, handling_mode="deadline")
    with pytest.raises(ValidationError) as refused:
        tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id)
    assert set(refused.value.errors) == {"due_on"}
    assert fresh(ticket.id).status == "registered"
    with pytest.raises(ValidationError) as refused:
        register(enterprise, handling_mode="deadline", ticket_class="instant")
    assert set(refused.value.errors) == {"handling_mode"}
    # An instant ticket of another mode: its 12 hours leave no day to set.
    instant = register(enterprise, ticket_class="instant")
    with pytest.raises(ValidationError) as refused:
        tickets.dispatch(actor_for("desk"), instant.id, city.station_a.id, due_on="2026-03-03")
    assert set(refused.value.errors) == {"due_on"}


def test_a_redispatch_after_the_class_deadline_passed_goes_without_a_day(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = register(enterprise, handling_mode="deadline")
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_a.id, due_on="2026-03-06")
    at(2026, 3, 10, 9)                                     # after the class's deadline: returned
    tickets.return_ticket(actor_for("officer_a"), ticket.id, "不属本所管辖")
    tickets.dispatch(actor_for("desk"), ticket.id, city.station_b.id)
    ticket = fresh(ticket.id)
    assert ticket.deadline_set_on is None and ticket.due_at == end_of(2026, 3, 9)


def test_the_ticket_page_shows_a_deadline_set_at_dispatch(app, city, enterprise):
    at(2026, 3, 2, 9)
    ticket = register(enterprise, handling_mode="deadline")
    desk = client_for(app, "desk")
    page = desk.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="mode-deadline"' in page and 'name="dispatch-due_on"' in page
    response = desk.post(f"/tickets/{ticket.id}/dispatch", data={
        "dispatch-unit_id": str(city.station_a.id), "dispatch-due_on": "2026-03-20"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "2026-03-03" in html and "2026-03-09" in html  # the allowed range
    response = desk.post(f"/tickets/{ticket.id}/dispatch", data={
        "dispatch-unit_id": str(city.station_a.id), "dispatch-due_on": "2026-03-05"})
    assert response.status_code == 302
    page = desk.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "限期" in page and "2026-03-05" in page


# --- 退回重办: the centre sends an answer back ----------------------------------------------------------

def test_the_desk_sends_an_answer_back_for_rework_with_a_fresh_deadline(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = handled(city, enterprise)
    at(2026, 3, 4, 10)
    tickets.answer(actor_for("officer_a"), ticket.id, "已处理。", "resolved")
    at(2026, 3, 5, 10)                                     # Thursday
    rework.rework(actor_for("desk"), ticket.id, "答复未说明办理时限，请补充。")
    ticket = fresh(ticket.id)
    assert (ticket.status, ticket.handling_unit_id, ticket.answered_at) == ("handling", city.station_a.id, None)
    assert ticket.reworked_at == utc(2026, 3, 5, 10)
    assert ticket.due_at == end_of(2026, 3, 12)            # 5 working days from Thursday, not from the 2nd
    last = ticket.events[-1]
    assert (last.kind, last.from_status, last.to_status, last.text) == (
        "rework", "answered", "handling", "答复未说明办理时限，请补充。")
    assert audit_actions(ticket.id)[-1] == "ticket.rework"
    assert "rework" in notified("officer_a", ticket.id)
    # Answered again on time, it closes on time.
    at(2026, 3, 11, 10)
    tickets.answer(actor_for("officer_a"), ticket.id, "已补充办理时限。", "resolved")
    assert tickets.close(actor_for("desk"), ticket.id).closed_on_time is True


def test_only_the_centre_sends_back_and_only_an_answer(city, enterprise):
    ticket = handled(city, enterprise)
    with pytest.raises(tickets.IllegalTransition):
        rework.rework(actor_for("desk"), ticket.id, "请重办")     # not answered yet
    tickets.answer(actor_for("officer_a"), ticket.id, "已处理。", "resolved")
    with pytest.raises(Forbidden):
        rework.rework(actor_for("officer_a"), ticket.id, "请重办")
    with pytest.raises(ValidationError) as refused:
        rework.rework(actor_for("desk"), ticket.id, "  ")
    assert refused.value.errors == {"reason": [refused.value.message]}
    assert fresh(ticket.id).status == "answered"
    assert audit_actions(ticket.id, "denied") == ["ticket.rework"]
    assert "rework" in tickets.available_actions(actor_for("desk"), fresh(ticket.id))
    assert "rework" not in tickets.available_actions(actor_for("officer_a"), fresh(ticket.id))
    # An outside department's reply is not sent back: there is no unit to send it to.
    outside = register(enterprise)
    tickets.transfer(actor_for("desk"), outside.id, "市场监管局")
    tickets.record_transfer_reply(actor_for("desk"), outside.id, "已处理", "resolved")
    assert "rework" not in tickets.available_actions(actor_for("desk"), fresh(outside.id))
    with pytest.raises(ValidationError):
        rework.rework(actor_for("desk"), outside.id, "请重办")


@pytest.mark.parametrize("how", ["desk", "rating"])
def test_a_rework_clears_a_passed_supervision_deadline_and_tells_the_supervisor(city, enterprise, how):
    at(2026, 3, 2, 9)
    late, pending = handled(city, enterprise), handled(city, enterprise)
    tickets.supervise(actor_for("leader"), late.id, end_of(2026, 3, 3), "两日内办结")
    tickets.supervise(actor_for("leader"), pending.id, end_of(2026, 3, 20), "本月办结")
    for ticket in (late, pending):
        tickets.answer(actor_for("officer_a"), ticket.id, "已处理。", "resolved")
        if how == "rating":
            tickets.close(actor_for("desk"), ticket.id)
    at(2026, 3, 5, 10)
    for ticket in (late, pending):
        if how == "desk":
            rework.rework(actor_for("desk"), ticket.id, "请补充材料。")
        else:
            tickets.rate(actor_for("desk"), ticket.id, "dissatisfied", "没有解决")
    late, pending = fresh(late.id), fresh(pending.id)
    assert late.supervision_due_at is None and pending.supervision_due_at == end_of(2026, 3, 20)
    assert late.events[-1].data["supervision_cleared"] == end_of(2026, 3, 3).isoformat()
    assert "supervision_clear" not in str(pending.events[-1].data)
    assert notified("leader", late.id).count("supervision_cleared") == 1
    assert "supervision_cleared" not in notified("leader", pending.id)
    assert late.due_at == pending.due_at == end_of(2026, 3, 12) and late.reworked_at == utc(2026, 3, 5, 10)
    assert "ticket.supervision_cleared" in audit_actions(late.id)


def test_a_late_ticket_sent_back_is_no_longer_overdue_and_is_warned_from_the_rework(city, enterprise):
    at(2026, 3, 2, 9)
    ticket = handled(city, enterprise)
    at(2026, 3, 10, 9)                                     # the deadline (end of 9 March) has passed
    assert sweep().overdue == 1
    tickets.answer(actor_for("officer_a"), ticket.id, "已处理。", "resolved")
    assert by_mode() == {"follow": (1, 0, 0, 0, 0, 1)}
    at(2026, 3, 10, 10)
    rework.rework(actor_for("desk"), ticket.id, "请补充。")
    ticket = fresh(ticket.id)
    assert not ticket.overdue and ticket.due_at == end_of(2026, 3, 17)
    assert by_mode() == {"follow": (1, 0, 0, 0, 0, 0)}
    # The 80 % warning counts from the rework, not from the registration.
    at(2026, 3, 10, 11)
    assert sweep().warned == 0
    at(2026, 3, 17, 9)
    assert sweep().warned == 1


def test_rework_through_the_page(app, city, enterprise):
    ticket = answered(city, enterprise)
    desk, officer = client_for(app, "desk"), client_for(app, "officer_a")
    page = desk.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert 'data-testid="action-rework"' in page
    assert 'data-testid="action-rework"' not in officer.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    response = desk.post(f"/tickets/{ticket.id}/rework", data={"rework-reason": ""})
    assert response.status_code == 400 and fresh(ticket.id).status == "answered"
    response = desk.post(f"/tickets/{ticket.id}/rework", data={"rework-reason": "请补充现场照片。"})
    assert response.status_code == 302
    page = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="event-rework"' in page and "请补充现场照片。" in page
    assert shows(page, _l("The ticket has been sent back to the handling unit for rework."))
    assert fresh(ticket.id).status == "handling"


# --- the intake page -------------------------------------------------------------------------------------

def test_the_intake_page_registers_an_immediate_demand_and_names_every_missing_field(app, city, enterprise):
    desk = client_for(app, "desk")
    form = {"enterprise_id": str(enterprise.id), "channel": "walk_in", "category": "dispute",
            "ticket_class": "instant", "handling_mode": "immediate", "description": ""}
    response = desk.post("/tickets/new", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and count(Ticket) == 0
    for message in (_l("Describe the demand."), _l("Write the answer the desk gave (立即办)."),
                    _l("Choose the result of the answer.")):
        assert shows(html, message)
    form.update(description="企业咨询外籍员工签证办理。", answer=ANSWER, result="resolved")
    response = desk.post("/tickets/new", data=form)
    assert response.status_code == 302
    page = desk.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="mode-immediate"' in page and 'data-testid="action-rate"' in page
    for kind in ("registered", "answered", "closed"):
        assert f'data-testid="event-{kind}"' in page
    assert fresh(1).status == "closed"


# --- statistics -----------------------------------------------------------------------------------------

def test_each_mode_is_a_breakdown_of_the_statistics_page_and_links_to_its_tickets(app, city, enterprise,
                                                                                   city_leader):
    at(2026, 3, 2, 9)
    first = immediate(enterprise)
    second = register(enterprise, handling_mode="escalate", escalation_reason="需市局协调")
    register(enterprise, handling_mode="deadline")
    register(enterprise)
    assert by_mode() == {"immediate": (1, 1, 1, 0, 0, 0), "escalate": (1, 0, 0, 0, 0, 0),
                         "deadline": (1, 0, 0, 0, 0, 0), "follow": (1, 0, 0, 0, 0, 0)}
    lines = statistics.report(actor_for("desk"), MARCH).by_mode
    assert [line.key for line in lines] == ["immediate", "follow", "escalate", "deadline"]  # the vocabulary's order
    at(2026, 4, 10, 9)
    desk = client_for(app, "desk")
    html = desk.get("/tickets/stats?since=2026-03-01&until=2026-03-31").get_data(as_text=True)
    assert 'data-testid="stats-handling_mode"' in html and "handling_mode=immediate" in html
    listed = desk.get("/tickets/?queue=all&since=2026-03-01&until=2026-03-31&handling_mode=immediate")
    html = listed.get_data(as_text=True)
    assert first.number in html and second.number not in html


def test_running_counts_by_mode_agree_with_a_recount(city, enterprise, city_leader):
    at(2026, 3, 2, 9)
    immediate(enterprise)
    register(enterprise, handling_mode="escalate", escalation_reason="需市局协调")
    ticket = answered(city, enterprise, handling_mode="listed")
    rework.rework(actor_for("desk"), ticket.id, "请补充。")

    def rows():
        db.session.rollback()
        return sorted((t.__tablename__, r.bucket, r.dimension, r.unit_id, r.value, r.received, r.closed,
                       r.closed_on_time, r.rated, r.satisfied, r.overdue)
                      for t in (TicketStatDay, TicketStatMonth) for r in db.session.scalars(select(t))
                      if r.received)

    kept = rows()
    assert {r[2] for r in kept} == set(stats.DIMENSIONS)
    stats.recount()
    db.session.commit()
    assert rows() == kept


def test_the_migration_fills_the_mode_breakdown_from_the_tickets(app, city, enterprise, city_leader):
    """Down to the revision before and up again: the mode's rows are rebuilt from the
    tickets as they stand, and agree with the running counts."""
    from alembic import command

    at(2026, 3, 2, 9)
    immediate(enterprise)
    register(enterprise, handling_mode="escalate", escalation_reason="需市局协调")
    ticket = answered(city, enterprise)
    tickets.close(actor_for("desk"), ticket.id)
    tickets.rate(actor_for("desk"), ticket.id, "dissatisfied", "没有解决")    # reopened: reworked_at kept

    def mode_rows():
        db.session.rollback()
        return sorted((t.__tablename__, r.bucket, r.unit_id, r.value, r.received, r.closed, r.closed_on_time,
                       r.rated, r.satisfied, r.overdue)
                      for t in (TicketStatDay, TicketStatMonth)
                      for r in db.session.scalars(select(t).where(t.dimension == "handling_mode")) if r.received)

    ticket_id = ticket.id
    kept, reworked_at, events = mode_rows(), fresh(ticket_id).reworked_at, count(TicketEvent)
    assert len(kept) == 6 and reworked_at == utc(2026, 3, 2, 9)
    db.session.remove()
    migrate = app.extensions["migrate"]
    config = migrate.migrate.get_config(migrate.directory)
    command.downgrade(config, "core_0018_ticket_merging")   # the revision before core_0018_handling_modes
    assert mode_rows() == []
    db.session.remove()
    command.upgrade(config, "heads")
    assert mode_rows() == kept
    assert fresh(ticket_id).reworked_at == reworked_at and count(TicketEvent) == events


# --- the JSON API ---------------------------------------------------------------------------------------

def token_for(username, unit_id, roles) -> str:
    """A token of a system account (the API takes no person's token)."""
    from core.api import auth
    from tests.helpers import system_account

    system_account(username, unit_id, roles=roles)
    _row, token = auth.issue(shell_actor(), username, "test")
    db.session.commit()
    return token


@pytest.fixture
def api(app, city, enterprise):
    return app.test_client(), token_for("sys_desk", city.centre.id, ["desk"])


def post(client, token, url, body):
    return client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})


def test_the_api_registers_immediate_and_escalated_demands(city, enterprise, api):
    client, token = api
    at(2026, 3, 2, 9)
    body = {"enterprise_id": enterprise.id, "channel": "government", "category": "dispute",
            "ticket_class": "general", "description": "12345转来：企业咨询证照变更。"}
    response = post(client, token, "/api/v1/tickets", {**body, "handling_mode": "immediate"})
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"answer", "result"}
    response = post(client, token, "/api/v1/tickets", {**body, "handling_mode": "immediate", "answer": ANSWER,
                                                       "result": "resolved"})
    assert response.status_code == 201
    data = response.get_json()
    assert data["status"] == "closed" and [e["kind"] for e in data["timeline"]] == ["registered", "answered",
                                                                                      "closed"]
    response = post(client, token, "/api/v1/tickets", {**body, "handling_mode": "escalate",
                                                       "escalation_reason": "需市局协调"})
    assert response.status_code == 201
    data = response.get_json()
    assert data["status"] == "registered" and data["handling_unit"]["id"] == city.city.id


def test_the_api_dispatches_with_a_deadline_and_sends_back_for_rework(city, enterprise, api):
    client, token = api
    at(2026, 3, 2, 9)
    ticket = register(enterprise, handling_mode="deadline")
    url = f"/api/v1/tickets/{ticket.id}/dispatch"
    response = post(client, token, url, {"unit_id": city.station_a.id})
    assert response.status_code == 422 and set(response.get_json()["error"]["fields"]) == {"deadline"}
    response = post(client, token, url, {"unit_id": 999999, "deadline": "2026-04-30"})
    assert response.status_code == 422 and set(response.get_json()["error"]["fields"]) == {"unit_id", "deadline"}
    response = post(client, token, url, {"unit_id": city.station_a.id, "deadline": "2026-03-05",
                                         "officer_id": city.user("officer_a").id, "note": "限周四前办结"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "dispatched" and data["deadlines"]["set_at_dispatch"] == "2026-03-05"
    assert data["due_at"] == "2026-03-05T23:59:59+08:00"
    tickets.sign(actor_for("officer_a"), ticket.id)
    tickets.answer(actor_for("officer_a"), ticket.id, "已处理。", "resolved")
    rework_url = f"/api/v1/tickets/{ticket.id}/rework"
    assert post(client, token, rework_url, {}).status_code == 422
    at(2026, 3, 4, 10)
    response = post(client, token, rework_url, {"reason": "请补充办理依据。"})
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "handling" and data["timeline"][-1]["kind"] == "rework"
    assert data["deadlines"]["set_at_dispatch"] is None and data["due_at"] == "2026-03-11T23:59:59+08:00"
    assert post(client, token, rework_url, {"reason": "再次"}).status_code == 422   # no longer answered
    # An officer's token may neither dispatch nor send back.
    officer = token_for("sys_officer", city.station_a.id, ["officer"])
    assert post(client, officer, rework_url, {"reason": "x"}).status_code == 403
    assert post(client, officer, url, {"unit_id": city.station_a.id}).status_code == 403


def test_the_openapi_document_declares_dispatch_and_rework(app, api):
    client, _token = api
    document = client.get("/api/v1/openapi.json").get_json()
    assert "post" in document["paths"]["/api/v1/tickets/{ticket_id}/dispatch"]
    assert "post" in document["paths"]["/api/v1/tickets/{ticket_id}/rework"]
    create = document["components"]["schemas"]["TicketCreate"]["properties"]
    assert {"answer", "result", "escalation_reason"} <= set(create)
    assert "deadline" in document["components"]["schemas"]["TicketDispatch"]["properties"]
    modes = document["components"]["schemas"]["TicketSummary"]["properties"]["handling_mode"]["enum"]
    assert {"immediate", "escalate", "deadline", "on_site", "listed"} <= set(modes)
