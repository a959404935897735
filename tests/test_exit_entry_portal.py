"""The enterprise books its own exit-entry appointment on the portal: the
service is offered only where the unit enabled the plugin, a booking takes a
place the desk sees, capacity and double booking hold (also against the desk at
the same moment), refusals write nothing, and another enterprise's appointment
is 404 and audited."""
import threading
from datetime import date, datetime

import pytest
from flask import current_app
from sqlalchemy import func, select

from core import clock
from core.audit.models import AuditEntry
from core.calendar import services as calendar
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.org.actor import shell_actor
from core.plugins import services as plugin_services
from core.portal.models import PortalAccount
from plugins.exit_entry import appointments
from plugins.exit_entry.models import Appointment, Slot
from tests.conftest import actor_for, login
from tests.exit_entry_world import build
from tests.helpers import en, fresh_client
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)
from tests.portal_world import portal, portal_login, verified_account

BOOK = "/p/exit_entry/portal/book"
KEY = "k" * 24


@pytest.fixture
def world(app, city):
    return build(city)       # 2026-09-30 10:00 in Beijing, exit_entry enabled for both stations


@pytest.fixture
def window(world):
    return appointments.add_window(actor_for("desk_a"), "出入境专窗1号")


@pytest.fixture
def mine(world):
    """A verified account of the first enterprise of station A."""
    return verified_account("desk_a", 300, "", "13700137001")


def _slot(day: date, starts="09:00", capacity=2, desk="desk_a", window=None):
    actor = actor_for(desk)
    window = window or appointments.windows(actor)[0]
    ends = f"{int(starts[:2]) + 1:02d}:00"
    appointments.open_slots(actor, window.id, day, day, [(starts, ends)], capacity)
    return next(s for s in appointments.slots(actor, day, 1) if s.starts == starts)


def _client(phone="13700137001"):
    client = fresh_client(current_app._get_current_object())
    portal_login(client, phone)
    return client


def _written():
    db.session.rollback()
    return (db.session.scalar(select(func.count()).select_from(Appointment)),
            db.session.scalar(select(func.sum(Slot.booked))) or 0)


def test_the_service_is_offered_only_where_the_unit_enabled_exit_entry(world, window, mine):
    theirs = verified_account("desk_b", 501, "乙区贸易有限公司", "13700137002")
    plugin_services.set_enabled(shell_actor(), "STB", "exit_entry", False)
    client, other = _client(), _client("13700137002")
    home = client.get("/portal/home").get_data(as_text=True)
    assert "预约办理出入境证件" in home and BOOK in home
    assert "预约办理出入境证件" not in other.get("/portal/home").get_data(as_text=True)
    assert client.get(BOOK).status_code == 200
    assert other.get(BOOK).status_code == 404
    # The plugin's stylesheet and script reach its pages on the portal, only where it is enabled.
    assert client.get("/p/exit_entry/static/exit_entry.css").status_code == 200
    assert other.get("/p/exit_entry/static/exit_entry.css").status_code == 302
    assert fresh_client(current_app._get_current_object()).get("/p/exit_entry/static/slip.js").status_code == 302
    with pytest.raises(NotFound):
        appointments.free_slots(portal(theirs))
    assert fresh_client(current_app._get_current_object()).get(BOOK).status_code == 302    # the portal's sign-in
    staff = fresh_client(current_app._get_current_object())
    login(staff, "desk_a")
    assert staff.get(BOOK).status_code == 403                                               # no staff session
    plugin_services.set_enabled(shell_actor(), "STA", "exit_entry", False)
    assert BOOK not in client.get("/portal/home").get_data(as_text=True)
    assert client.get(BOOK).status_code == 404


def test_the_enterprise_books_a_free_slot_and_the_desk_sees_it(world, window, mine):
    ended = _slot(date(2026, 9, 30), "09:00")                 # today, over at 10:00
    later = _slot(date(2026, 9, 30), "14:00")
    chosen = _slot(date(2026, 10, 8), "09:00", capacity=3)
    full = _slot(date(2026, 10, 9), "09:00", capacity=1)
    appointments.book(actor_for("desk_a"), world.enterprises[1], full.id)
    too_far = _slot(date(2026, 10, 14), "09:00")              # the 15th day
    elsewhere = _slot(date(2026, 10, 8), "10:00", desk="desk_b",
                      window=appointments.add_window(actor_for("desk_b"), "乙所专窗"))
    listed = [s.id for s in appointments.free_slots(portal(mine))]
    assert listed == [later.id, chosen.id]
    assert not {ended.id, full.id, too_far.id, elsewhere.id} & set(listed)

    client = _client()
    page = client.get(BOOK).get_data(as_text=True)
    assert page.count('data-testid="portal-slot"') == 2 and "2026年10月8日" in page
    assert 'name="submission_key"' in page and 'name="csrf_token"' in page
    response = client.post(BOOK, data={"slot_id": chosen.id, "people": "3", "purpose": "商务签注",
                                       "submission_key": KEY})
    assert response.status_code == 303 and "/p/exit_entry/portal/appointments/" in response.headers["Location"]
    slip = client.get(response.headers["Location"]).get_data(as_text=True)
    booked = db.session.scalar(select(Appointment).where(Appointment.slot_id == chosen.id))
    assert booked.code in slip and "甲区外贸企业0号" in slip and "2026年10月8日 09:00–10:00" in slip
    assert (booked.people, booked.purpose, booked.portal_account_id, booked.booked_by_id) == (3, "商务签注", mine.id,
                                                                                             None)
    assert db.session.get(Slot, chosen.id).booked == 1
    entry = AuditEntry.query.filter_by(action="exit_entry.book", object_id=str(booked.id)).one()
    assert entry.username == f"portal:{mine.id}"
    # The same form sent again: the first booking, no second place taken.
    again = client.post(BOOK, data={"slot_id": chosen.id, "people": "3", "submission_key": KEY})
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/appointments/{booked.id}")
    assert _written() == (2, 2)
    listing = client.get("/p/exit_entry/portal/appointments").get_data(as_text=True)
    assert listing.count('data-testid="portal-appointment"') == 1 and booked.code in listing
    # The desk sees the booking among the unit's appointments, marked as booked online.
    desk = fresh_client(current_app._get_current_object())
    login(desk, "desk_a")
    desk_page = desk.get("/p/exit_entry/appointments").get_data(as_text=True)
    assert "甲区外贸企业0号" in desk_page and 'data-testid="booked-online"' in desk_page
    assert appointments.get(actor_for("desk_a"), booked.id).enterprise_id == world.enterprises[0]


def test_refusals_say_why_and_write_nothing(world, window, mine):
    actor = portal(mine)
    full = _slot(date(2026, 10, 8), "09:00", capacity=1)
    appointments.book(actor_for("desk_a"), world.enterprises[1], full.id)
    open_slot = _slot(date(2026, 10, 9), "09:00", capacity=5)
    appointments.book_own(actor, open_slot.id)
    holiday = _slot(date(2026, 10, 12), "09:00")
    calendar.set_day(shell_actor(), date(2026, 10, 12), False, "临时调整")
    past = _slot(date(2026, 9, 30), "09:00")
    foreign = _slot(date(2026, 10, 8), "10:00", desk="desk_b",
                    window=appointments.add_window(actor_for("desk_b"), "乙所专窗"))
    before = _written()
    refusals = AuditEntry.query.filter_by(action="exit_entry.book", result="rejected").count()
    cases = [(full.id, 1, Conflict, "This slot is full: choose another."),
             (open_slot.id, 1, Conflict, "The enterprise has already booked this slot."),
             (holiday.id, 1, ValidationError, "2026年10月12日 is not a working day: choose another slot."),
             (past.id, 1, ValidationError, "This slot is in the past."),
             (foreign.id, 1, NotFound, "There is no such slot."),
             (999999, 1, NotFound, "There is no such slot.")]
    for slot_id, people, error, message in cases:
        with pytest.raises(error) as refused:
            appointments.book_own(actor, slot_id, people)
        assert en(refused.value.message) == message
        assert _written() == before, message
    assert AuditEntry.query.filter_by(action="exit_entry.book", result="rejected").count() == refusals + len(cases)
    for people in (0, 21, "viele"):
        with pytest.raises(ValidationError) as refused:
            appointments.book_own(actor, full.id, people)
        assert refused.value.field == "people"
    assert _written() == before
    # Through the page: the message on the form, a 400, nothing written; another unit's slot is 404.
    client = _client()
    response = client.post(BOOK, data={"slot_id": full.id, "people": "1", "submission_key": KEY})
    assert response.status_code == 400 and "该时段已约满" in response.get_data(as_text=True)
    response = client.post(BOOK, data={"slot_id": open_slot.id, "people": "25"})
    assert response.status_code == 400 and 'data-testid="error-people"' in response.get_data(as_text=True)
    assert client.post(BOOK, data={"slot_id": foreign.id, "people": "1"}).status_code == 404
    response = client.post(BOOK, data={"people": "1"})                  # no time chosen
    assert response.status_code == 400 and "请先选择办理时段" in response.get_data(as_text=True)
    assert _written() == before


def test_another_enterprises_appointment_is_404_and_audited(world, window, mine):
    slot = _slot(date(2026, 10, 8), "09:00", capacity=5)
    own = appointments.book_own(portal(mine), slot.id)
    neighbour = appointments.book(actor_for("desk_a"), world.enterprises[1], slot.id)      # same unit, not ours
    far = appointments.book(actor_for("desk_b"), verified_account("desk_b", 502, "乙区企业", "13700137003")
                            .enterprise_id, _slot(date(2026, 10, 8), "10:00", desk="desk_b", window=appointments
                                                  .add_window(actor_for("desk_b"), "乙所专窗")).id)
    client = _client()
    assert client.get(f"/p/exit_entry/portal/appointments/{own.id}").status_code == 200
    for other in (neighbour, far):
        denied = AuditEntry.query.filter_by(action="portal.not_found").count()
        assert client.get(f"/p/exit_entry/portal/appointments/{other.id}").status_code == 404
        entry = AuditEntry.query.filter_by(action="portal.not_found").order_by(AuditEntry.id.desc()).first()
        assert AuditEntry.query.filter_by(action="portal.not_found").count() == denied + 1
        assert (entry.object_type, entry.object_id, entry.username) == ("exit_entry_appointment", str(other.id),
                                                                       f"portal:{mine.id}")
    assert [a.id for a in appointments.own_appointments(portal(mine))] == [own.id]
    with pytest.raises(NotFound):
        appointments.own_appointment(portal(mine), neighbour.id)


def test_the_portal_and_the_desk_booking_the_last_places_at_once_never_exceed_the_capacity(app, world, window):
    """Three enterprises on the portal and three bookings at the desk take the
    last two places of a slot at the same moment, each in its own thread,
    application context and database session."""
    slot_id = _slot(date(2026, 10, 8), "09:00", capacity=3).id
    appointments.book(actor_for("desk_a"), world.enterprises[0], slot_id)
    accounts = [verified_account("desk_a", 510 + n, f"门户企业{n}有限公司", f"1370013701{n}").id for n in range(3)]
    desk_companies = [verified_account("desk_a", 520 + n, f"窗口企业{n}有限公司", f"1370013702{n}").enterprise_id
                      for n in range(3)]
    db.session.commit()
    start = threading.Barrier(6)
    results, errors = [], []

    def work(book):
        with app.app_context():
            clock.freeze(datetime(2026, 9, 30, 2, 0))
            try:
                start.wait()
                book()
                results.append("booked")
            except Conflict:
                results.append("full")
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    def on_portal(account_id):
        return lambda: appointments.book_own(portal(db.session.get(PortalAccount, account_id)), slot_id)

    def at_desk(enterprise_id):
        return lambda: appointments.book(actor_for("desk_a"), enterprise_id, slot_id)

    threads = [threading.Thread(target=work, args=(on_portal(a),)) for a in accounts] + \
        [threading.Thread(target=work, args=(at_desk(e),)) for e in desk_companies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(results) == ["booked"] * 2 + ["full"] * 4
    db.session.rollback()
    assert db.session.get(Slot, slot_id).booked == 3
    assert db.session.scalar(select(func.count()).select_from(Appointment).where(Appointment.slot_id == slot_id)) == 3


def test_the_same_enterprise_on_the_portal_and_at_the_desk_at_once_gets_one_place(app, world, window, mine):
    slot_id = _slot(date(2026, 10, 8), "09:00", capacity=10).id
    account_id, enterprise_id = mine.id, mine.enterprise_id
    db.session.commit()
    start = threading.Barrier(4)
    results = []

    def work(on_portal):
        with app.app_context():
            clock.freeze(datetime(2026, 9, 30, 2, 0))
            try:
                start.wait()
                if on_portal:
                    appointments.book_own(portal(db.session.get(PortalAccount, account_id)), slot_id)
                else:
                    appointments.book(actor_for("desk_a"), enterprise_id, slot_id)
                results.append("booked")
            except Conflict:
                results.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(n % 2 == 0,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["booked"] + ["refused"] * 3
    db.session.rollback()
    assert db.session.get(Slot, slot_id).booked == 1


def test_the_same_form_sent_three_times_at_once_books_once(app, world, window, mine):
    slot_id = _slot(date(2026, 10, 8), "09:00", capacity=10).id
    account_id = mine.id
    db.session.commit()
    start = threading.Barrier(3)
    booked = []

    def work():
        with app.app_context():
            clock.freeze(datetime(2026, 9, 30, 2, 0))
            try:
                start.wait()
                booked.append(appointments.book_own(portal(db.session.get(PortalAccount, account_id)), slot_id,
                                                    2, submission_key=KEY).id)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(booked) == 3 and len(set(booked)) == 1
    db.session.rollback()
    assert db.session.get(Slot, slot_id).booked == 1
