"""The ticket's closed loop through the services: the happy path and the basics."""
from datetime import datetime

import pytest

from core import clock
from core.registry import services as registry
from core.tickets import services as tickets
from core.tickets.models import Ticket, TicketEvent
from tests.conftest import actor_for
from tests.helpers import code, count
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)


@pytest.fixture
def enterprise(city):
    return registry.create(actor_for("desk_a"), {"name": "浙江华达科技有限公司", "credit_code": code(1)})


def intake(enterprise, **changes):
    values = dict(enterprise_id=enterprise.id, channel="hotline", category="dispute", ticket_class="general",
                  handling_mode="follow", description="厂区门口有人堵路，影响出货。")
    values.update(changes)
    return tickets.Intake(**values)


def test_the_whole_loop(city, enterprise):
    clock.freeze(datetime(2026, 3, 2, 1, 0))  # Monday 09:00 in China
    desk, officer = actor_for("desk"), actor_for("officer_a")
    ticket = tickets.register(desk, intake(enterprise))
    assert ticket.status == "registered" and ticket.number == "2026-000001"
    assert ticket.due_at == datetime(2026, 3, 9, 15, 59, 59)  # end of Monday 9 March, Beijing time
    tickets.dispatch(desk, ticket.id, city.station_a.id)
    tickets.sign(officer, ticket.id)
    tickets.answer(officer, ticket.id, "已协调属地派出所处置，道路已恢复通行。", "resolved")
    tickets.close(desk, ticket.id)
    ticket = tickets.rate(desk, ticket.id, "satisfied", "处理及时")
    assert ticket.status == "rated" and ticket.closed_on_time
    kinds = [e.kind for e in ticket.events]
    assert kinds == ["registered", "dispatched", "signed", "answered", "closed", "rated"]


def test_a_station_cannot_sign_for_another_stations_ticket(city, enterprise):
    desk = actor_for("desk")
    ticket = tickets.register(desk, intake(enterprise))
    tickets.dispatch(desk, ticket.id, city.station_a.id)
    with pytest.raises(Exception) as refused:
        tickets.sign(actor_for("officer_b"), ticket.id)
    assert "404" in type(refused.value).__name__ or getattr(refused.value, "status", None) in (403, 404)
    assert count(TicketEvent, TicketEvent.kind == "signed") == 0


def test_an_illegal_transition_is_refused_by_name(city, enterprise):
    desk = actor_for("desk")
    ticket = tickets.register(desk, intake(enterprise))
    with pytest.raises(tickets.IllegalTransition):
        tickets.close(desk, ticket.id)


def test_sending_the_form_twice_makes_one_ticket(city, enterprise):
    desk = actor_for("desk")
    first = tickets.register(desk, intake(enterprise, submission_key="k-1"))
    second = tickets.register(desk, intake(enterprise, submission_key="k-1"))
    assert first.id == second.id and count(Ticket) == 1


def test_numbers_run_on_per_year(city, enterprise):
    desk = actor_for("desk")
    numbers = [tickets.register(desk, intake(enterprise)).seq for _ in range(3)]
    assert numbers == [1, 2, 3]


def test_a_dissatisfied_rating_reopens_once_then_flags_the_leader(city, enterprise):
    desk, officer = actor_for("desk"), actor_for("officer_a")
    ticket = tickets.register(desk, intake(enterprise))
    tickets.dispatch(desk, ticket.id, city.station_a.id)
    tickets.sign(officer, ticket.id)
    for round_ in (1, 2):
        tickets.answer(officer, ticket.id, "已处理。", "resolved")
        tickets.close(desk, ticket.id)
        ticket = tickets.rate(desk, ticket.id, "dissatisfied", "没有解决")
        if round_ == 1:
            assert ticket.status == "handling" and ticket.rework_count == 1
    assert ticket.status == "rated" and ticket.flagged_for_leader
