"""上门帮办: staff go to an enterprise to take a large batch of applications on site."""
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.calendar.services import is_workday
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.registry import services as registry
from core.text import clean_text
from core.tickets.deadlines import local_date
from plugins.exit_entry.models import OnsiteRequest

ONSITE_MIN_PEOPLE = 10


def get(actor, onsite_id) -> OnsiteRequest:
    actor.require("exit_entry.read")
    row = db.session.get(OnsiteRequest, onsite_id) if onsite_id else None
    if row is None or not actor.scope.allows(row.unit_id):
        raise NotFound(_l("There is no such on-site service request."))
    return row


def open_requests(actor, limit: int = 100) -> list[OnsiteRequest]:
    actor.require("exit_entry.read")
    return list(db.session.scalars(select(OnsiteRequest).where(actor.scope.filter(OnsiteRequest.unit_id),
                                                               OnsiteRequest.status != "done")
                                   .order_by(OnsiteRequest.wanted_on).limit(limit)))


def _working_day(day: date | None, field: str) -> date:
    if day is None:
        raise ValidationError(_l("Give the day."), field=field)
    if day < local_date(clock.now()):
        raise ValidationError(_l("The day is in the past."), field=field)
    if not is_workday(day):
        raise ValidationError(_l("%(day)s is not a working day.", day=f"{day.year}年{day.month}月{day.day}日"),
                              field=field)
    return day


def request(actor, enterprise_id, people, address: str, wanted_on: date | None, note: str = "") -> OnsiteRequest:
    actor.require("exit_entry.handle")
    enterprise = registry.get(actor, enterprise_id)
    try:
        people = int(people)
    except (TypeError, ValueError):
        people = 0
    if not ONSITE_MIN_PEOPLE <= people <= 1000:
        raise ValidationError(_l("On-site service is for batches of %(n)d people or more.", n=ONSITE_MIN_PEOPLE),
                              field="people")
    address = clean_text(address, 200)[:200] or (enterprise.address or "")[:200]
    if not address:
        raise ValidationError(_l("Give the address to go to."), field="address")
    wanted_on = _working_day(wanted_on, "wanted_on")
    row = OnsiteRequest(unit_id=actor.unit_id or enterprise.unit_id, enterprise_id=enterprise.id, people=people,
                        address=address, wanted_on=wanted_on, note=clean_text(note, 500)[:500],
                        created_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "exit_entry.onsite", row, detail={"enterprise_id": enterprise.id, "people": people})
    db.session.commit()
    return row


def schedule(actor, onsite_id, day: date | None) -> OnsiteRequest:
    row = get(actor, onsite_id)
    actor.require("exit_entry.handle")
    if row.status != "requested":
        raise ValidationError(_l("This request has already been scheduled."))
    row.scheduled_on = _working_day(day, "scheduled_on")
    row.status = "scheduled"
    audit.record(actor, "exit_entry.onsite_schedule", row, detail={"day": row.scheduled_on.isoformat()})
    db.session.commit()
    return row


def done(actor, onsite_id) -> OnsiteRequest:
    row = get(actor, onsite_id)
    actor.require("exit_entry.handle")
    if row.status != "scheduled":
        raise ValidationError(_l("Schedule the visit before marking it done."))
    row.status = "done"
    audit.record(actor, "exit_entry.onsite_done", row)
    db.session.commit()
    return row
