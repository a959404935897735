"""Appointments: slots only on working days, capacity held by the database
under concurrent bookings (threads with their own sessions, SQLite and
PostgreSQL), one booking per enterprise and slot, the printable slip, and
on-site service for large batches."""
import threading
from datetime import date, datetime

import pytest
from flask import current_app
from sqlalchemy import func, select

from core import clock
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.registry import services as registry
from plugins.exit_entry import appointments, onsite
from plugins.exit_entry.models import Appointment, Slot
from tests.conftest import actor_for, login
from tests.exit_entry_world import build
from tests.helpers import code, en, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

TIMES = [("09:00", "10:00"), ("14:00", "15:00")]


@pytest.fixture
def world(app, city):
    return build(city)


@pytest.fixture
def window(world):
    return appointments.add_window(actor_for("desk_a"), "出入境专窗1号")


def test_slots_are_opened_on_working_days_only(world, window):
    desk = actor_for("desk_a")
    # 30 September to 12 October 2026: 30 Sep, 8, 9, 10 (worked Saturday) and 12 October.
    made = appointments.open_slots(desk, window.id, date(2026, 9, 30), date(2026, 10, 12), TIMES, 3)
    assert made == 10
    days = sorted({s.day for s in appointments.slots(desk, date(2026, 9, 30), 14)})
    assert days == [date(2026, 9, 30), date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10), date(2026, 10, 12)]
    assert appointments.open_slots(desk, window.id, date(2026, 9, 30), date(2026, 10, 12), TIMES, 3) == 0
    with pytest.raises(ValidationError) as refused:
        appointments.open_slots(desk, window.id, date(2026, 10, 1), date(2026, 10, 1), TIMES, 3)
    assert "2026年10月1日" in en(refused.value.message) and "not a working day" in en(refused.value.message)
    for bad in (dict(first_day=date(2026, 9, 29)), dict(capacity=0), dict(times=[("10:00", "09:00")]),
                dict(last_day=date(2027, 1, 30))):
        values = {**dict(first_day=date(2026, 9, 30), last_day=date(2026, 10, 9), times=TIMES, capacity=3), **bad}
        with pytest.raises(ValidationError):
            appointments.open_slots(desk, window.id, values["first_day"], values["last_day"], values["times"],
                                    values["capacity"])
    with pytest.raises(NotFound):
        appointments.open_slots(actor_for("desk_b"), window.id, date(2026, 10, 8), date(2026, 10, 9), TIMES, 3)


def test_a_slot_is_refused_when_full_twice_past_or_on_a_holiday(world, window):
    desk = actor_for("desk_a")
    appointments.open_slots(desk, window.id, date(2026, 10, 8), date(2026, 10, 8), [("09:00", "10:00")], 1)
    slot = appointments.slots(desk, date(2026, 10, 8), 1)[0]
    first = appointments.book(desk, world.enterprises[0], slot.id, 2, "护照加急")
    assert (first.people, len(first.code)) == (2, 8)
    with pytest.raises(Conflict) as refused:
        appointments.book(desk, world.enterprises[1], slot.id)
    assert en(refused.value.message) == "This slot is full: choose another."
    assert db.session.get(Slot, slot.id).booked == 1
    appointments.open_slots(desk, window.id, date(2026, 10, 9), date(2026, 10, 9), [("09:00", "10:00")], 5)
    friday = appointments.slots(desk, date(2026, 10, 9), 1)[0]
    appointments.book(desk, world.enterprises[0], friday.id)
    with pytest.raises(Conflict) as refused:
        appointments.book(desk, world.enterprises[0], friday.id)
    assert "already booked" in en(refused.value.message)
    assert db.session.get(Slot, friday.id).booked == 1            # the refused booking took no place
    # A day declared a holiday after the slot was opened is refused at booking.
    from core.calendar import services as calendar
    from core.org.actor import shell_actor

    calendar.set_day(shell_actor(), date(2026, 10, 9), False, "临时调整")
    with pytest.raises(ValidationError) as refused:
        appointments.book(desk, world.enterprises[1], friday.id)
    assert "not a working day" in en(refused.value.message)
    clock.freeze(datetime(2026, 10, 12, 2, 0))
    with pytest.raises(ValidationError):
        appointments.book(desk, world.enterprises[1], slot.id)
    with pytest.raises(NotFound):
        appointments.book(actor_for("desk_b"), world.enterprises[1], friday.id)


@pytest.mark.parametrize("bookers", [6])
def test_concurrent_bookings_never_exceed_the_capacity(app, world, window, bookers):
    """Six desks book the last two places of a slot at the same moment, each in
    its own thread, application context and database session."""
    desk = actor_for("desk_a")
    appointments.open_slots(desk, window.id, date(2026, 10, 8), date(2026, 10, 8), [("09:00", "10:00")], 3)
    slot_id = appointments.slots(desk, date(2026, 10, 8), 1)[0].id
    appointments.book(desk, world.enterprises[0], slot_id)
    companies = [registry.create(desk, {"name": f"并发企业{n}", "credit_code": code(400 + n)}).id for n in range(bookers)]
    db.session.commit()
    start = threading.Barrier(bookers)
    results, errors = [], []

    def work(enterprise_id):
        with app.app_context():
            clock.freeze(datetime(2026, 9, 30, 2, 0))
            try:
                start.wait()
                appointments.book(actor_for("desk_a"), enterprise_id, slot_id)
                results.append("booked")
            except Conflict:
                results.append("full")
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(e,)) for e in companies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == ["booked"] * 2 + ["full"] * (bookers - 2)
    db.session.rollback()
    assert db.session.get(Slot, slot_id).booked == 3
    assert db.session.scalar(select(func.count()).select_from(Appointment).where(Appointment.slot_id == slot_id)) == 3


def test_the_same_enterprise_booking_one_slot_twice_at_once_gets_one(app, world, window):
    desk = actor_for("desk_a")
    appointments.open_slots(desk, window.id, date(2026, 10, 8), date(2026, 10, 8), [("09:00", "10:00")], 10)
    slot_id = appointments.slots(desk, date(2026, 10, 8), 1)[0].id
    enterprise_id = world.enterprises[0]
    db.session.commit()
    start = threading.Barrier(4)
    results = []

    def work():
        with app.app_context():
            clock.freeze(datetime(2026, 9, 30, 2, 0))
            try:
                start.wait()
                appointments.book(actor_for("desk_a"), enterprise_id, slot_id)
                results.append("booked")
            except Conflict:
                results.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["booked"] + ["refused"] * 3
    db.session.rollback()
    assert db.session.get(Slot, slot_id).booked == 1


def test_the_pages_book_a_slot_and_print_its_slip(world, window):
    desk = actor_for("desk_a")
    appointments.open_slots(desk, window.id, date(2026, 9, 30), date(2026, 10, 9), TIMES, 2)
    client = fresh_client(current_app._get_current_object())
    login(client, "desk_a")
    page = client.get("/p/exit_entry/appointments").get_data(as_text=True)
    assert page.count('data-testid="slot"') == 6
    slot = appointments.slots(desk, date(2026, 10, 8), 1)[0]
    enterprise = registry.get(desk, world.enterprises[1])
    response = client.post("/p/exit_entry/appointments", data={"slot_id": slot.id, "enterprise": enterprise.credit_code,
                                                              "people": "3", "purpose": "商务签注"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/slip")
    slip = client.get(response.headers["Location"])
    body = slip.get_data(as_text=True)
    assert slip.status_code == 200 and enterprise.name in body and "2026年10月8日 09:00–10:00" in body
    assert 'data-testid="slip-code"' in body and "出入境专窗1号" in body
    panel = client.get(f"/enterprises/{enterprise.id}").get_data(as_text=True)
    assert 'data-testid="panel-appointment"' in panel
    # A full slot sent again: a message, no 500.
    client.post("/p/exit_entry/appointments", data={"slot_id": slot.id, "enterprise": registry.get(
        desk, world.enterprises[2]).credit_code})
    refused = client.post("/p/exit_entry/appointments", data={"slot_id": slot.id, "enterprise": registry.get(
        desk, world.enterprises[0]).credit_code}, follow_redirects=True)
    assert refused.status_code == 200 and "flash-error" in refused.get_data(as_text=True)


def test_on_site_service_is_for_large_batches_on_working_days(world):
    desk = actor_for("desk_a")
    with pytest.raises(ValidationError) as refused:
        onsite.request(desk, world.enterprises[0], 5, "", date(2026, 10, 8))
    assert "10 people or more" in en(refused.value.message)
    with pytest.raises(ValidationError):
        onsite.request(desk, world.enterprises[0], 30, "", date(2026, 10, 5))        # National Day
    row = onsite.request(desk, world.enterprises[0], 30, "", date(2026, 10, 8), "外派员工集中办证")
    assert row.address == "暨阳街道外贸路0号" and row.status == "requested"
    with pytest.raises(ValidationError):
        onsite.done(desk, row.id)
    onsite.schedule(desk, row.id, date(2026, 10, 9))
    assert onsite.done(desk, row.id).status == "done"
    with pytest.raises(NotFound):
        onsite.get(actor_for("desk_b"), row.id)
