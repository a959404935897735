"""预约办: windows, their slots on working days with a capacity, and bookings.

A booking raises the slot's count with one conditional update
(``booked = booked + 1 WHERE booked < capacity``) in the same transaction as the
appointment row, so two desks booking the last place at once cannot both get
it, on SQLite (one writer at a time) as on PostgreSQL (the row lock, and the
condition evaluated again after it). A unique constraint keeps an enterprise
from booking one slot twice.

The desk (``book``) and the enterprise on the portal (``book_own``) take a
place through one function (``_claim``): the same checks, the same claim.
"""
import re
import secrets
from datetime import UTC, date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core import clock
from core.audit import services as audit
from core.calendar.services import is_workday
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.notifications.services import notify_unit
from core.plugins import services as plugin_services
from core.registry import services as registry
from core.text import clean_text
from core.tickets.deadlines import LOCAL, local_date
from plugins.exit_entry.models import Appointment, Slot, Window

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_OPENING_DAYS = 62
MAX_CAPACITY = 100
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
MAX_PEOPLE = 20
PORTAL_DAYS = 14          # how far ahead an enterprise sees free slots on the portal
BOOKED, CANCELLED = "booked", "cancelled"
APPOINTMENT_STATUSES = {BOOKED: _l("Booked"), CANCELLED: _l("Cancelled")}
MAX_REASON = 200


# --- windows and slots --------------------------------------------------------------------

def windows(actor) -> list[Window]:
    actor.require("exit_entry.read")
    return list(db.session.scalars(select(Window).where(actor.scope.filter(Window.unit_id)).order_by(Window.id)))


def add_window(actor, name: str) -> Window:
    actor.require("exit_entry.handle")
    name = clean_text(name, 50)[:50]
    if not name:
        raise ValidationError(_l("Give the window a name."), field="name")
    if db.session.scalar(select(Window.id).where(Window.unit_id == actor.unit_id, Window.name == name)):
        raise ValidationError(_l("Your unit already has a window of this name."), field="name")
    window = Window(unit_id=actor.unit_id, name=name)
    db.session.add(window)
    db.session.flush()
    audit.record(actor, "exit_entry.window", window, detail={"name": name})
    db.session.commit()
    return window


def _window(actor, window_id) -> Window:
    window = db.session.get(Window, window_id) if window_id else None
    if window is None or window.unit_id != actor.unit_id:
        raise NotFound(_l("There is no such window."))
    return window


PERIOD = re.compile(r"^(\d{1,2})[:：](\d{2})\s*[-–—~～至到]\s*(\d{1,2})[:：](\d{2})$")
PERIOD_SEPARATORS = re.compile(r"[\s,，、;；]+")
DEFAULT_PERIODS = "09:00-10:00 10:00-11:00 14:00-15:00"


def parse_periods(text: str) -> list[tuple[str, str]]:
    """The periods a desk types in one field ("09:00-10:00 14:00-15:00", commas
    or 、 between them, a full-width colon or 至 accepted), in the order given,
    each once: exactly the periods the slots are then opened for."""
    periods, bad = [], []
    for piece in PERIOD_SEPARATORS.split(clean_text(text or "", 500)):
        if not piece:
            continue
        match = PERIOD.match(piece)
        if not match:
            bad.append(piece)
            continue
        h1, m1, h2, m2 = match.groups()
        period = (f"{int(h1):02d}:{m1}", f"{int(h2):02d}:{m2}")
        if period not in periods:
            periods.append(period)
    if bad:
        raise ValidationError(_l("“%(piece)s” is not a period: write each as a start and an end, such as "
                                 "09:00-10:00.", piece=bad[0][:20]), field="times")
    return periods


def open_slots(actor, window_id, first_day: date | None, last_day: date | None, times: list[tuple[str, str]],
               capacity) -> int:
    """Slots for each working day from ``first_day`` to ``last_day`` and each
    (start, end) of ``times``; non-working days are skipped, slots that exist
    are left as they are. Returns how many were made."""
    actor.require("exit_entry.handle")
    window = _window(actor, window_id)
    errors = {}
    today = local_date(clock.now())
    if first_day is None or last_day is None:
        errors["first_day"] = [_l("Give the first and the last day.")]
    elif first_day < today:
        errors["first_day"] = [_l("Slots cannot be opened in the past.")]
    elif last_day < first_day or (last_day - first_day).days >= MAX_OPENING_DAYS:
        errors["last_day"] = [_l("The last day is after the first and at most %(n)d days later.",
                                 n=MAX_OPENING_DAYS)]
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        capacity = 0
    if not 1 <= capacity <= MAX_CAPACITY:
        errors["capacity"] = [_l("The capacity is a number from 1 to %(n)d.", n=MAX_CAPACITY)]
    times = [(s.strip(), e.strip()) for s, e in times if s.strip() or e.strip()]
    if not times or not all(TIME.match(s) and TIME.match(e) and s < e for s, e in times):
        errors["times"] = [_l("Give each period as a start and an end such as 09:00 and 10:00.")]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    if first_day == last_day and not is_workday(first_day):
        raise ValidationError(_l("%(day)s is not a working day: no slots on holidays and rest days.",
                                 day=_day(first_day)), field="first_day")
    existing = set(db.session.execute(select(Slot.day, Slot.starts).where(
        Slot.window_id == window.id, Slot.day >= first_day, Slot.day <= last_day)).all())
    made, day = 0, first_day
    while day <= last_day:
        if is_workday(day):
            for starts, ends in times:
                if (day, starts) not in existing:
                    db.session.add(Slot(unit_id=window.unit_id, window_id=window.id, day=day, starts=starts,
                                        ends=ends, capacity=capacity, booked=0))
                    made += 1
        day += timedelta(days=1)
    db.session.flush()
    audit.record(actor, "exit_entry.slots", window, detail={"from": first_day.isoformat(),
                                                            "to": last_day.isoformat(), "made": made,
                                                            "capacity": capacity})
    db.session.commit()
    return made


def slots(actor, first_day: date | None = None, days: int = 14) -> list[Slot]:
    """The slots from ``first_day`` (today) for ``days`` calendar days, by day and time."""
    actor.require("exit_entry.read")
    first_day = first_day or local_date(clock.now())
    return list(db.session.scalars(select(Slot).where(actor.scope.filter(Slot.unit_id), Slot.day >= first_day,
                                                      Slot.day < first_day + timedelta(days=days))
                                   .order_by(Slot.day, Slot.starts, Slot.window_id)))


def get_slot(actor, slot_id) -> Slot:
    actor.require("exit_entry.read")
    slot = db.session.get(Slot, slot_id) if slot_id else None
    if slot is None or not actor.scope.allows(slot.unit_id):
        raise NotFound(_l("There is no such slot."))
    return slot


# --- bookings -----------------------------------------------------------------------------

def get(actor, appointment_id) -> Appointment:
    actor.require("exit_entry.read")
    appointment = db.session.get(Appointment, appointment_id) if appointment_id else None
    if appointment is None or not actor.scope.allows(appointment.unit_id):
        raise NotFound(_l("There is no such appointment."))
    return appointment


def upcoming(actor, limit: int = 100) -> list[Appointment]:
    actor.require("exit_entry.read")
    today = local_date(clock.now())
    return list(db.session.scalars(select(Appointment).join(Slot).where(actor.scope.filter(Appointment.unit_id),
                                                                        Slot.day >= today,
                                                                        Appointment.status == BOOKED)
                                   .order_by(Slot.day, Slot.starts).limit(limit)))


def for_enterprise(actor, enterprise_id, limit: int = 20) -> list[Appointment]:
    actor.require("exit_entry.read")
    return list(db.session.scalars(select(Appointment).join(Slot).where(actor.scope.filter(Appointment.unit_id),
                                                                        Appointment.enterprise_id == enterprise_id)
                                   .order_by(Slot.day.desc(), Slot.starts.desc()).limit(limit)))


def _day(value: date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def _refused(actor, slot_id, message, error=ValidationError, **detail):
    audit.record_failure(actor, "exit_entry.book", object_type="exit_entry_slot", object_id=slot_id,
                         detail=detail or None)
    raise error(message, field="slot_id")


def book(actor, enterprise_id, slot_id, people=1, purpose: str = "") -> Appointment:
    """The desk books one place of ``slot_id`` for the enterprise."""
    actor.require("exit_entry.handle")
    enterprise = registry.get(actor, enterprise_id)
    slot = get_slot(actor, slot_id)
    return _claim(actor, enterprise.id, slot, people, purpose, booked_by_id=actor.user_id)


def _people(value) -> int:
    try:
        people = int(value)
    except (TypeError, ValueError):
        people = 0
    if not 1 <= people <= MAX_PEOPLE:
        raise ValidationError(_l("Between 1 and 20 people come to one appointment; ask for on-site service "
                                 "for more."), field="people")
    return people


def _claim(actor, enterprise_id, slot: Slot, people, purpose: str, *, booked_by_id=None, portal_account_id=None,
           submission_key=None) -> Appointment:
    """Take one place of ``slot`` for the enterprise, for the desk and the portal
    alike: every check before the first write, then the conditional update and
    the appointment row in one transaction."""
    slot_id = slot.id           # kept: after a failed flush the row's attributes cannot be read
    people = _people(people)
    if slot.day < local_date(clock.now()):
        _refused(actor, slot_id, _l("This slot is in the past."), reason="past")
    if not is_workday(slot.day):
        _refused(actor, slot_id, _l("%(day)s is not a working day: choose another slot.", day=_day(slot.day)),
                 reason="holiday")
    claimed = db.session.execute(
        update(Slot).where(Slot.id == slot_id, Slot.booked < Slot.capacity)
        .values(booked=Slot.booked + 1).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        _refused(actor, slot_id, _l("This slot is full: choose another."), Conflict, reason="full")
    appointment = Appointment(unit_id=slot.unit_id, slot_id=slot_id, enterprise_id=enterprise_id, people=people,
                              purpose=clean_text(purpose, 200)[:200], booked_by_id=booked_by_id,
                              portal_account_id=portal_account_id, submission_key=submission_key,
                              code="".join(secrets.choice(CODE_ALPHABET) for _ in range(8)))
    db.session.add(appointment)
    try:
        db.session.flush()
    except IntegrityError:
        _refused(actor, slot_id, _l("The enterprise has already booked this slot."), Conflict, reason="twice")
    audit.record(actor, "exit_entry.book", appointment, detail={"slot_id": slot_id, "enterprise_id": enterprise_id,
                                                                "people": people})
    db.session.commit()
    db.session.refresh(slot)
    return appointment


# --- the enterprise's own bookings on the portal ------------------------------------------
#
# The actor is the portal's (``core.web.portal_actor()``): a verified account of
# one enterprise, holding no staff permission. Everything is narrowed to its
# enterprise, and the slots to its enterprise's unit.

def _portal_enterprise(actor):
    account = getattr(actor, "account", None)
    if account is None or account.status != "verified" or actor.enterprise is None:
        raise Forbidden(_l("You are not allowed to do this."))
    if not plugin_services.is_enabled(actor.enterprise.unit_id, "exit_entry"):
        raise NotFound(_l("There is no such slot."))
    return actor.enterprise


def _ended(slot: Slot) -> bool:
    """The slot is over: an earlier day, or today after its end."""
    now = clock.now()
    today = local_date(now)
    return slot.day < today or (slot.day == today and slot.ends <= _local_time(now))


def _local_time(now) -> str:
    return now.replace(tzinfo=UTC).astimezone(LOCAL).strftime("%H:%M")      # clock.now() is naive UTC


def free_slots(actor, days: int = PORTAL_DAYS) -> list[Slot]:
    """The slots the enterprise may book: its unit's, from today for ``days``
    calendar days, on working days, not full, not over."""
    enterprise = _portal_enterprise(actor)
    today = local_date(clock.now())
    found = db.session.scalars(select(Slot).where(Slot.unit_id == enterprise.unit_id, Slot.day >= today,
                                                  Slot.day < today + timedelta(days=days),
                                                  Slot.booked < Slot.capacity)
                               .order_by(Slot.day, Slot.starts, Slot.window_id))
    return [slot for slot in found if is_workday(slot.day) and not _ended(slot)]


def book_own(actor, slot_id, people=1, purpose: str = "", submission_key: str | None = None) -> Appointment:
    """The enterprise books one place of a slot of its unit for itself. The same
    form sent again (its ``submission_key``) returns the first booking."""
    enterprise = _portal_enterprise(actor)
    sent = _sent(enterprise.id, submission_key)
    if sent is not None:
        return sent
    if not slot_id:
        raise ValidationError(_l("Choose a time first."), field="slot_id")
    slot = db.session.get(Slot, slot_id)
    if slot is None or slot.unit_id != enterprise.unit_id:
        _refused(actor, slot_id, _l("There is no such slot."), NotFound, reason="unknown")
    if slot.day == local_date(clock.now()) and _ended(slot):
        _refused(actor, slot.id, _l("This slot is in the past."), reason="past")
    try:
        return _claim(actor, enterprise.id, slot, people, purpose, portal_account_id=actor.account.id,
                      submission_key=submission_key)
    except Conflict:
        sent = _sent(enterprise.id, submission_key)      # the same form sent twice at the same moment
        if sent is not None:
            return sent
        raise


def _sent(enterprise_id, submission_key) -> Appointment | None:
    if not submission_key:
        return None
    return db.session.scalar(select(Appointment).where(Appointment.submission_key == submission_key,
                                                       Appointment.enterprise_id == enterprise_id))


def own_appointments(actor, limit: int = 50) -> list[Appointment]:
    """The enterprise's appointments (whoever booked them), the latest slot first."""
    enterprise = _portal_enterprise(actor)
    return list(db.session.scalars(select(Appointment).join(Slot).where(Appointment.enterprise_id == enterprise.id)
                                   .order_by(Slot.day.desc(), Slot.starts.desc()).limit(limit)))


def own_appointment(actor, appointment_id) -> Appointment:
    enterprise = _portal_enterprise(actor)
    appointment = db.session.get(Appointment, appointment_id) if appointment_id else None
    if appointment is None or appointment.enterprise_id != enterprise.id:
        raise NotFound(_l("There is no such appointment."))
    return appointment


# --- cancelling -------------------------------------------------------------------------------
#
# Either side may cancel a booking before its slot is over: the appointment
# stays (status "cancelled", who and why), its place in the slot is given back
# in the same transaction, and the other side is told: the desk's clerks of the
# unit by a notification when the enterprise
# cancels; the enterprise on its portal list of appointments, with the reason,
# when the desk cancels.

def _cancel(actor, appointment: Appointment, reason: str, *, by_enterprise: bool) -> Appointment:
    if appointment.status == CANCELLED:
        raise Conflict(_l("This appointment has already been cancelled."))
    if _ended(appointment.slot):
        audit.record_failure(actor, "exit_entry.cancel", object_type="exit_entry_appointment",
                             object_id=appointment.id, detail={"reason": "over"})
        raise Conflict(_l("This appointment's time is over: it can no longer be cancelled."))
    appointment.status = CANCELLED
    appointment.cancelled_at = clock.now()
    appointment.cancelled_by_enterprise = by_enterprise
    appointment.cancelled_by_id = None if by_enterprise else actor.user_id
    appointment.cancel_reason = clean_text(reason, MAX_REASON)[:MAX_REASON]
    db.session.execute(update(Slot).where(Slot.id == appointment.slot_id, Slot.booked > 0)
                       .values(booked=Slot.booked - 1).execution_options(synchronize_session=False))
    audit.record(actor, "exit_entry.cancel", appointment,
                 detail={"slot_id": appointment.slot_id, "enterprise_id": appointment.enterprise_id,
                         "by": "enterprise" if by_enterprise else "desk"})
    return appointment


def cancel(actor, appointment_id, reason: str = "") -> Appointment:
    """The desk cancels a booking (the enterprise sees it cancelled, with the reason)."""
    actor.require("exit_entry.handle")
    appointment = get(actor, appointment_id)
    if not clean_text(reason, MAX_REASON):
        raise ValidationError(_l("Say why the appointment is cancelled: the enterprise reads it."), field="reason")
    _cancel(actor, appointment, reason, by_enterprise=False)
    db.session.commit()
    db.session.refresh(appointment)
    return appointment


def cancel_own(actor, appointment_id, reason: str = "") -> Appointment:
    """The enterprise cancels its own booking on the portal; the unit's desk is told."""
    appointment = own_appointment(actor, appointment_id)
    _cancel(actor, appointment, reason, by_enterprise=True)
    slot = appointment.slot
    text = _l("%(name)s cancelled its appointment of %(day)s %(starts)s at %(window)s.",
              name=appointment.enterprise.name, day=_day(slot.day), starts=slot.starts, window=slot.window.name)
    notify_unit(appointment.unit_id, "exit_entry_cancel", text, roles=("desk",))
    db.session.commit()
    db.session.refresh(appointment)
    return appointment


def may_cancel(appointment: Appointment) -> bool:
    return appointment.status == BOOKED and not _ended(appointment.slot)
