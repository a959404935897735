"""Every transition of the ticket loop and every refusal, through the services."""
import threading
from datetime import datetime, timedelta

import pytest

from core import clock
from core.audit.models import AuditEntry
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.notifications.models import Notification
from core.registry import services as registry
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketComplaint, TicketEvent, TicketExtension
from tests.conftest import actor_for
from tests.helpers import code, count
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

MONDAY_9AM = datetime(2026, 3, 2, 1, 0)  # 09:00 in China, an ordinary working Monday


@pytest.fixture
def enterprise(city):
    return registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})


@pytest.fixture
def desk():
    return actor_for("desk")


@pytest.fixture
def officer():
    return actor_for("officer_a")


def new_ticket(desk, enterprise, **changes):
    values = dict(enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
                  handling_mode="follow", description="厂区门口有人堵路，影响出货。")
    values.update(changes)
    return tickets.register(desk, tickets.Intake(**values))


@pytest.fixture
def handling(city, desk, officer, enterprise):
    """A ticket dispatched to station A and signed for by its officer."""
    clock.freeze(MONDAY_9AM)
    ticket = new_ticket(desk, enterprise)
    tickets.dispatch(desk, ticket.id, city.station_a.id)
    tickets.sign(officer, ticket.id)
    return ticket


def audit_actions(ticket_id, result="ok"):
    db.session.rollback()
    return [e.action for e in db.session.query(AuditEntry).filter_by(object_type="ticket", object_id=str(ticket_id),
                                                                   result=result).order_by(AuditEntry.id)]


# --- intake ------------------------------------------------------------------

def test_intake_refuses_bad_input_and_writes_nothing(city, desk, enterprise):
    with pytest.raises(ValidationError) as refused:
        tickets.register(desk, tickets.Intake(enterprise_id=enterprise.id, channel="fax", category="nope",
                                              ticket_class="urgent", handling_mode="x", description=" "))
    assert set(refused.value.errors) == {"channel", "category", "ticket_class", "handling_mode", "description"}
    assert count(Ticket) == 0
    assert db.session.query(AuditEntry).filter_by(action="ticket.register", result="rejected").count() == 1


def test_transfer_mode_needs_the_receiving_department(city, desk, enterprise):
    with pytest.raises(ValidationError) as refused:
        new_ticket(desk, enterprise, handling_mode="transfer")
    assert "department_id" in refused.value.errors   # the register's department (core/departments)


def test_an_enterprise_outside_the_scope_cannot_be_used(city, enterprise):
    with pytest.raises(ValidationError):
        new_ticket(actor_for("desk_b"), enterprise)
    assert count(Ticket) == 0


# --- the main path -----------------------------------------------------------

def test_dispatch_sets_the_sign_for_deadline_and_notifies_the_unit(city, desk, enterprise):
    clock.freeze(MONDAY_9AM)
    ticket = new_ticket(desk, enterprise)
    tickets.dispatch(desk, ticket.id, city.station_a.id, officer_id=city.user("officer_a").id)
    assert ticket.status == "dispatched" and ticket.handling_officer_id == city.user("officer_a").id
    assert ticket.sign_due_at == datetime(2026, 3, 3, 15, 59, 59)  # end of Tuesday, China time
    assert count(Notification, Notification.user_id == city.user("officer_a").id) == 1


def test_dispatch_outside_the_centres_tree_is_refused(city, desk, enterprise):
    from core.org.actor import shell_actor
    from core.org.services import save_unit

    other_city = save_unit(shell_actor(), {"code": "OTHER", "name": "外市公安局", "kind": "city_bureau"})
    ticket = new_ticket(desk, enterprise)
    with pytest.raises(ValidationError):
        tickets.dispatch(desk, ticket.id, other_city.id)
    assert db.session.get(Ticket, ticket.id).status == "registered"
    assert "ticket.dispatch" in audit_actions(ticket.id, "rejected")


def test_only_the_handling_unit_signs_answers_and_returns(city, desk, enterprise):
    ticket = new_ticket(desk, enterprise)
    tickets.dispatch(desk, ticket.id, city.station_a.id)
    for action in (lambda a: tickets.sign(a, ticket.id),
                   lambda a: tickets.return_ticket(a, ticket.id, "不属于本所")):
        with pytest.raises((Forbidden, NotFound)):
            action(actor_for("officer_b"))
        with pytest.raises(Forbidden):
            action(desk)  # the centre is not the handling unit
    assert db.session.get(Ticket, ticket.id).status == "dispatched"


def test_answer_needs_a_reply_and_a_result(handling, officer):
    with pytest.raises(ValidationError):
        tickets.answer(officer, handling.id, "", "resolved")
    with pytest.raises(ValidationError):
        tickets.answer(officer, handling.id, "已处理", "maybe")
    assert db.session.get(Ticket, handling.id).status == "handling"


def test_closing_late_counts_as_not_on_time(handling, desk, officer):
    clock.freeze(MONDAY_9AM + timedelta(days=10))
    tickets.answer(officer, handling.id, "已处理", "resolved")
    ticket = tickets.close(desk, handling.id)
    assert ticket.closed_on_time is False


def test_rating_an_open_ticket_is_refused(handling, desk):
    with pytest.raises(tickets.IllegalTransition) as refused:
        tickets.rate(desk, handling.id, "satisfied")
    assert "办理中" in str(refused.value) or "Being handled" in str(refused.value)
    assert "ticket.rate" in audit_actions(handling.id, "rejected")


# --- side paths --------------------------------------------------------------

def test_return_then_dispatch_again(city, handling, desk, officer):
    tickets.return_ticket(officer, handling.id, "属于乙派出所辖区")
    ticket = db.session.get(Ticket, handling.id)
    assert ticket.status == "returned" and ticket.handling_unit_id is None
    tickets.dispatch(desk, handling.id, city.station_b.id)
    tickets.sign(actor_for("officer_b"), handling.id)
    assert db.session.get(Ticket, handling.id).status == "handling"


def test_return_needs_a_reason(handling, officer):
    with pytest.raises(ValidationError):
        tickets.return_ticket(officer, handling.id, "  ")


def test_transfer_to_an_outside_department_and_its_reply(city, desk, enterprise):
    ticket = new_ticket(desk, enterprise)
    tickets.transfer(desk, ticket.id, "市场监管局")
    assert ticket.status == "transferred" and ticket.external_department == "市场监管局"
    tickets.record_transfer_reply(desk, ticket.id, "已立案调查", "partly")
    tickets.close(desk, ticket.id)
    assert db.session.get(Ticket, ticket.id).status == "closed"


def test_escalate_goes_to_the_parent_unit(city, handling, officer):
    tickets.escalate(officer, handling.id, "涉及多个辖区，需市局统筹")
    ticket = db.session.get(Ticket, handling.id)
    assert ticket.status == "dispatched" and ticket.handling_unit_id == city.city.id


def test_supervision_by_a_leader_with_a_future_deadline(city, handling):
    leader = actor_for("leader")
    with pytest.raises(ValidationError):
        tickets.supervise(leader, handling.id, clock.now() - timedelta(hours=1), "抓紧办理")
    tickets.supervise(leader, handling.id, clock.now() + timedelta(days=2), "抓紧办理")
    assert db.session.get(Ticket, handling.id).supervision_due_at is not None
    assert count(Notification, Notification.kind == "supervised") >= 1
    with pytest.raises(Forbidden):
        tickets.supervise(actor_for("desk"), handling.id, clock.now() + timedelta(days=2), "抓紧")


def test_extension_moves_the_deadline_only_when_approved(handling, officer):
    before = db.session.get(Ticket, handling.id).due_at
    extension = tickets.request_extension(officer, handling.id, 3, "需等待检测报告")
    with pytest.raises(ValidationError):
        tickets.request_extension(officer, handling.id, 2, "再申请")  # one pending at a time
    assert db.session.get(Ticket, handling.id).due_at == before
    with pytest.raises(Forbidden):
        tickets.decide_extension(officer, extension.id, True)
    tickets.decide_extension(actor_for("leader"), extension.id, False, "理由不充分")
    assert db.session.get(Ticket, handling.id).due_at == before
    second = tickets.request_extension(officer, handling.id, 3, "检测报告延迟")
    tickets.decide_extension(actor_for("leader"), second.id, True)
    ticket = db.session.get(Ticket, handling.id)
    assert ticket.due_at == datetime(2026, 3, 12, 15, 59, 59)  # 5 + 3 working days after 2 March
    assert db.session.get(TicketExtension, second.id).status == "approved"


def test_extension_days_are_bounded(handling, officer):
    for days in (0, 31, "x"):
        with pytest.raises(ValidationError):
            tickets.request_extension(officer, handling.id, days, "理由")


def test_complex_tickets_report_progress(city, desk, officer, enterprise):
    clock.freeze(MONDAY_9AM)
    ticket = new_ticket(desk, enterprise, ticket_class="complex")
    assert ticket.due_at is None and ticket.progress_due_at == datetime(2026, 3, 9, 15, 59, 59)
    tickets.dispatch(desk, ticket.id, city.station_a.id)
    tickets.sign(officer, ticket.id)
    clock.freeze(datetime(2026, 3, 5, 2, 0))
    tickets.report_progress(officer, ticket.id, "已约谈双方，等待鉴定")
    assert db.session.get(Ticket, ticket.id).progress_due_at == datetime(2026, 3, 12, 15, 59, 59)


def test_progress_is_only_for_complex_tickets(handling, officer):
    with pytest.raises(ValidationError):
        tickets.report_progress(officer, handling.id, "进展")


def test_complaint_is_held_against_the_handling_unit(city, handling, desk):
    complaint = tickets.complain(desk, handling.id, "民警态度生硬")
    assert complaint.unit_id == city.station_a.id
    assert count(TicketComplaint) == 1
    with pytest.raises(Forbidden):
        tickets.complain(actor_for("officer_a"), handling.id, "投诉")


def test_internal_notes_are_marked_internal(handling, desk):
    event = tickets.add_note(desk, handling.id, "企业负责人电话已核实")
    assert event.internal


def test_every_transition_is_on_the_timeline_and_in_the_audit_trail(handling, desk, officer):
    tickets.answer(officer, handling.id, "已处理", "resolved")
    tickets.close(desk, handling.id)
    tickets.rate(desk, handling.id, "basic")
    kinds = [e.kind for e in db.session.query(TicketEvent).filter_by(ticket_id=handling.id).order_by(TicketEvent.id)]
    assert kinds == ["registered", "dispatched", "signed", "answered", "closed", "rated"]
    assert audit_actions(handling.id) == ["ticket.register", "ticket.dispatch", "ticket.sign", "ticket.answer",
                                          "ticket.close", "ticket.rate"]


# --- scoping and numbering ------------------------------------------------------

def test_station_b_cannot_open_station_as_ticket(city, handling):
    with pytest.raises(NotFound):
        tickets.get(actor_for("desk_b"), handling.id)
    assert tickets.get(actor_for("desk"), handling.id).id == handling.id


def test_concurrent_intake_numbers_are_unique_and_gap_free(app, city, enterprise):
    """Eight desks registering at once (threads with their own sessions)."""
    errors, enterprise_id = [], enterprise.id
    db.session.commit()

    def work():
        with app.app_context():
            try:
                for _ in range(5):
                    new_ticket(actor_for("desk"), db.session.get(type(enterprise), enterprise_id))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    db.session.rollback()
    assert sorted(db.session.scalars(db.select(Ticket.seq))) == list(range(1, 41))
