"""Exit-entry desk work: the slot form opens exactly the periods typed, an
enterprise is named by its name or pinyin initials as well as its credit code,
and an appointment is cancelled by the desk or by the enterprise (audited, the
place freed, the other side told)."""
import re
from datetime import date, datetime

import pytest
from flask import current_app
from sqlalchemy import func, select

from core import clock
from core.audit.models import AuditEntry
from core.errors import Conflict, ValidationError
from core.extensions import db
from core.notifications.models import Notification
from core.org.services import user_by_username
from plugins.exit_entry import appointments
from plugins.exit_entry.models import Appointment, Slot
from tests.conftest import actor_for, login
from tests.exit_entry_world import build
from tests.helpers import fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.portal_world import portal, portal_login, verified_account

PAGE = "/p/exit_entry/appointments"


@pytest.fixture
def world(app, city):
    return build(city)       # 2026-09-30 10:00 in Beijing


@pytest.fixture
def window(world):
    return appointments.add_window(actor_for("desk_a"), "出入境专窗1号")


@pytest.fixture
def desk(app, world):
    client = fresh_client(app)
    login(client, "desk_a")
    return client


def _slots():
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(Slot))


def _flashes(client, path=PAGE):
    """The messages the next page shows, joined (each read once: a message is shown once)."""
    html = client.get(path).get_data(as_text=True)
    return " | ".join(re.findall(r'<div class="flash flash-\w+[^"]*"[^>]*>(.*?)</div>', html, re.S))


def test_the_slot_form_is_one_field_of_periods_and_opens_exactly_those(desk, window):
    page = desk.get(PAGE).get_data(as_text=True)
    assert page.count('name="periods"') == 1 and 'name="starts"' not in page and 'name="ends"' not in page
    # 8 and 9 October 2026 are working days: five periods typed, ten slots made, no other.
    response = desk.post("/p/exit_entry/slots", data={
        "window_id": window.id, "first_day": "2026-10-08", "last_day": "2026-10-09", "capacity": "3",
        "periods": "09:00-10:00, 10:00-11:00、14:00–15:00 15:00至16:00 16:00-17:00"})
    assert response.status_code == 303
    assert _slots() == 10
    assert sorted({s.starts for s in db.session.scalars(select(Slot))}) == ["09:00", "10:00", "14:00", "15:00", "16:00"]
    assert _flashes(desk) == "已开放10个时段。"


def test_a_period_that_is_not_one_opens_nothing_and_says_which(desk, window):
    desk.post("/p/exit_entry/slots", data={
        "window_id": window.id, "first_day": "2026-10-08", "last_day": "2026-10-09", "capacity": "3",
        "periods": "09:00-10:00 9点到10点"})
    assert _slots() == 0
    assert "9点到10点" in _flashes(desk)
    with pytest.raises(ValidationError):
        appointments.parse_periods("10:00-09:00 25:00-26:00 x")
    assert appointments.parse_periods("9：00-10:00 09:00-10:00") == [("09:00", "10:00")]


def _open(window, day=date(2026, 10, 8), capacity=2):
    desk = actor_for("desk_a")
    appointments.open_slots(desk, window.id, day, day, [("09:00", "10:00")], capacity)
    return db.session.scalar(select(Slot).where(Slot.day == day))


def test_the_desk_books_by_name_or_pinyin_initials_as_well_as_credit_code(desk, world, window):
    slot = _open(window, capacity=5)
    response = desk.post("/p/exit_entry/appointments", data={"slot_id": slot.id, "enterprise": "甲区外贸企业1号",
                                                            "people": "2"})
    assert response.status_code == 303 and "/slip" in response.headers["Location"]
    db.session.rollback()
    booked = db.session.scalar(select(Appointment))
    assert booked.enterprise_id == world.enterprises[1]
    # Initials that name three enterprises: nothing booked, the three named.
    desk.post("/p/exit_entry/appointments", data={"slot_id": slot.id, "enterprise": "jqwmqy"})
    page = _flashes(desk)
    assert "甲区外贸企业0号" in page and "甲区外贸企业2号" in page
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Appointment)) == 1
    # Nothing in the area matches: a message, not a 404 or a 500.
    response = desk.post("/p/exit_entry/appointments", data={"slot_id": slot.id, "enterprise": "不存在的公司"})
    assert response.status_code == 303
    assert "不存在的公司" in _flashes(desk)


def test_the_desk_cancels_an_appointment_with_a_reason_and_the_place_is_free_again(desk, world, window):
    slot = _open(window, capacity=1)
    booked = appointments.book(actor_for("desk_a"), world.enterprises[0], slot.id, 2)
    assert _open_places(slot.id) == 0
    # Without a reason the enterprise would not know why: refused, nothing changed.
    desk.post(f"/p/exit_entry/appointments/{booked.id}/cancel", data={"reason": " "})
    assert "取消" in _flashes(desk)
    db.session.rollback()
    assert db.session.get(Appointment, booked.id).status == "booked"
    response = desk.post(f"/p/exit_entry/appointments/{booked.id}/cancel", data={"reason": "窗口设备检修"})
    assert response.status_code == 303
    page = _flashes(desk)
    assert "甲区外贸企业0号" in page and "已取消" in page
    db.session.rollback()
    row = db.session.get(Appointment, booked.id)
    assert (row.status, row.cancel_reason, row.cancelled_by_enterprise) == ("cancelled", "窗口设备检修", False)
    assert row.cancelled_by_id == user_by_username("desk_a").id
    assert _open_places(slot.id) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "exit_entry.cancel")) == 1
    # A second cancel is a conflict shown as a message; the booked list no longer shows it.
    with pytest.raises(Conflict):
        appointments.cancel(actor_for("desk_a"), booked.id, "again")
    assert 'data-testid="appointment"' not in desk.get(PAGE).get_data(as_text=True)
    # The same enterprise may book the freed slot again.
    again = appointments.book(actor_for("desk_a"), world.enterprises[0], slot.id, 1)
    assert again.status == "booked"


def _open_places(slot_id):
    db.session.rollback()
    slot = db.session.get(Slot, slot_id)
    return slot.capacity - slot.booked


def test_the_enterprise_cancels_its_own_appointment_and_the_desk_is_told(app, world, window):
    verified_account("desk_a", 300, "", "13700137001")
    slot = _open(window, capacity=2)
    booked = appointments.book(actor_for("desk_a"), world.enterprises[0], slot.id, 1)
    client = fresh_client(current_app._get_current_object())
    portal_login(client, "13700137001")
    slip = client.get(f"/p/exit_entry/portal/appointments/{booked.id}").get_data(as_text=True)
    assert 'data-testid="portal-cancel"' in slip
    response = client.post(f"/p/exit_entry/portal/appointments/{booked.id}/cancel", data={"reason": "行程推迟"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="portal-cancelled"' in page and "行程推迟" in page
    db.session.rollback()
    row = db.session.get(Appointment, booked.id)
    assert row.status == "cancelled" and row.cancelled_by_enterprise
    assert _open_places(slot.id) == 2
    told = db.session.scalars(select(Notification).where(Notification.kind == "exit_entry_cancel")).all()
    assert user_by_username("desk_a").id in {n.user_id for n in told}
    assert all("甲区外贸企业0号" in n.text for n in told)
    listing = client.get("/p/exit_entry/portal/appointments").get_data(as_text=True)
    assert 'data-testid="portal-appointment-cancelled"' in listing


def test_an_enterprise_cannot_cancel_another_enterprises_appointment(app, world, window):
    verified_account("desk_a", 300, "", "13700137001")
    slot = _open(window, capacity=2)
    theirs = appointments.book(actor_for("desk_a"), world.enterprises[1], slot.id, 1)
    client = fresh_client(current_app._get_current_object())
    portal_login(client, "13700137001")
    assert client.post(f"/p/exit_entry/portal/appointments/{theirs.id}/cancel").status_code == 404
    db.session.rollback()
    assert db.session.get(Appointment, theirs.id).status == "booked"


def test_an_appointment_whose_time_is_over_cannot_be_cancelled(app, world, window):
    slot = _open(window, capacity=2)
    booked = appointments.book(actor_for("desk_a"), world.enterprises[0], slot.id, 1)
    clock.freeze(datetime(2026, 10, 9, 2, 0))
    with pytest.raises(Conflict):
        appointments.cancel(actor_for("desk_a"), booked.id, "太迟")


def test_a_cancelled_appointment_cannot_be_received_as_an_application(app, world, window):
    from plugins.exit_entry import applications
    from tests.exit_entry_world import applicant

    slot = _open(window, capacity=2)
    booked = appointments.book(actor_for("desk_a"), world.enterprises[0], slot.id, 1)
    appointments.cancel(actor_for("desk_a"), booked.id, "企业改期")
    with pytest.raises(ValidationError) as refused:
        applications.register(actor_for("desk_a"), world.enterprises[0], [applicant(1)], appointment_id=booked.id)
    assert "appointment_id" in refused.value.errors
