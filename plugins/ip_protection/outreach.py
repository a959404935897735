"""Outreach (预防、宣传、培训): talks and trainings given in enterprises, counted
per enterprise and per officer."""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import clock
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.org.models import User
from core.tickets.deadlines import local_date
from core.text import clean_text
from plugins.ip_protection import access
from plugins.ip_protection.checks import whole
from plugins.ip_protection.models import Outreach, OutreachEnterprise, OutreachOfficer

MAX_ID = 2**31 - 1
KINDS = {"talk": _l("Prevention talk"), "training": _l("Training")}


@dataclass
class OutreachInput:
    kind: str = "talk"
    held_on: date | None = None
    topic: str = ""
    audience: str = ""
    attendance: object = 0
    enterprise_ids: list = field(default_factory=list)
    officer_ids: list = field(default_factory=list)      # the actor when empty
    unit_id: int | None = None


def _visible(actor):
    actor.require("ip_protection.read")
    return select(Outreach).where(actor.scope.filter(Outreach.unit_id))


def listing(actor, limit: int = 100) -> list[Outreach]:
    return list(db.session.scalars(_visible(actor).order_by(Outreach.held_on.desc(), Outreach.id.desc()).limit(limit)))


def get(actor, outreach_id) -> Outreach:
    row = db.session.scalar(_visible(actor).where(Outreach.id == outreach_id)) if outreach_id else None
    if row is None:
        raise NotFound(_l("There is no such talk or training."))
    return row


def record(actor, data: OutreachInput) -> Outreach:
    actor.require("ip_protection.outreach")
    errors = {}
    unit_id = None
    try:
        unit_id = access.handling_unit(actor, data.unit_id)
    except ValidationError as error:
        errors["unit_id"] = [error.message]
    if data.kind not in KINDS:
        errors["kind"] = [_l("Choose a talk or a training.")]
    if data.held_on is None or data.held_on > local_date(clock.now()):
        errors["held_on"] = [_l("Give the day it was held (not in the future).")]
    topic = clean_text(data.topic, 200)
    if not topic or len(topic) > 200:
        errors["topic"] = [_l("Give the topic.")]
    attendance = whole(data.attendance, 0, 100000)
    if attendance is None:
        errors["attendance"] = [_l("Give the attendance as a whole number.")]
    enterprise_ids = []
    for value in data.enterprise_ids[:200]:
        try:
            enterprise_ids.append(access.enterprise(actor, whole(value, 1, MAX_ID)).id)
        except NotFound:
            errors["enterprise_ids"] = [_l("There is no such enterprise in your units' area.")]
    if not enterprise_ids and "enterprise_ids" not in errors:
        errors["enterprise_ids"] = [_l("Name the enterprises it was held for.")]
    typed = [whole(v, 1, MAX_ID) for v in data.officer_ids[:50]]
    officer_ids = sorted({i for i in typed if i is not None}) or ([actor.user_id] if actor.user_id else [])
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(officer_ids), User.active.is_(True)))}
    if None in typed or not officer_ids or any(i not in users or not actor.scope.allows(users[i].unit_id)
                                               for i in officer_ids):
        errors["officer_ids"] = [_l("Choose officers of your units.")]
    if errors:
        audit.record_failure(actor, "ip_protection.outreach", object_type="ip_protection_outreach",
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    row = Outreach(unit_id=unit_id, kind=data.kind, held_on=data.held_on, topic=topic,
                   audience=clean_text(data.audience, 200)[:200], attendance=attendance, recorded_by_id=actor.user_id)
    row.enterprise_rows = [OutreachEnterprise(enterprise_id=i) for i in sorted(set(enterprise_ids))]
    row.officer_rows = [OutreachOfficer(user_id=i) for i in officer_ids]
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "ip_protection.outreach", row, detail={"enterprises": len(row.enterprise_rows),
                                                               "attendance": attendance})
    db.session.commit()
    return row


def per_enterprise(actor, enterprise_id=None) -> list[tuple]:
    """(enterprise id, name, events, attendance) for the outreach the actor sees."""
    from core.registry.models import Enterprise

    actor.require("ip_protection.read")
    stmt = (select(OutreachEnterprise.enterprise_id, Enterprise.name, func.count(),
                   func.coalesce(func.sum(Outreach.attendance), 0))
            .select_from(OutreachEnterprise).join(Outreach, Outreach.id == OutreachEnterprise.outreach_id)
            .join(Enterprise, Enterprise.id == OutreachEnterprise.enterprise_id)
            .where(actor.scope.filter(Outreach.unit_id)).group_by(OutreachEnterprise.enterprise_id, Enterprise.name))
    if enterprise_id is not None:
        stmt = stmt.where(OutreachEnterprise.enterprise_id == enterprise_id)
    return [tuple(r) for r in db.session.execute(stmt.order_by(OutreachEnterprise.enterprise_id)).all()]


def per_officer(actor) -> list[tuple]:
    """(user id, name, events, attendance) for the outreach the actor sees."""
    actor.require("ip_protection.read")
    stmt = (select(OutreachOfficer.user_id, User.name, func.count(), func.coalesce(func.sum(Outreach.attendance), 0))
            .select_from(OutreachOfficer).join(Outreach, Outreach.id == OutreachOfficer.outreach_id)
            .join(User, User.id == OutreachOfficer.user_id)
            .where(actor.scope.filter(Outreach.unit_id)).group_by(OutreachOfficer.user_id, User.name)
            .order_by(OutreachOfficer.user_id))
    return [tuple(r) for r in db.session.execute(stmt).all()]
