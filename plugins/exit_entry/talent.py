"""Foreign talent (引进来): the foreign experts and overseas talents enterprises
bring in, their permit applications, talent-policy events (政策宣讲), one-to-one
pairings (结对), and the year's progress against the unit's targets."""
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import distinct, func, select

from core import clock
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.org.models import User
from core.registry import services as registry
from core.text import clean_text
from core.tickets.deadlines import local_date
from plugins.exit_entry import settings
from plugins.exit_entry.models import Event, Pairing, Permit, Talent
from plugins.exit_entry.vocabulary import PERMIT_KINDS, RESIDENCE_KINDS, TALENT_KINDS


def _today() -> date:
    return local_date(clock.now())


def _not_future(day: date | None, field: str) -> date:
    if day is None:
        raise ValidationError(_l("Give the date."), field=field)
    if day > _today():
        raise ValidationError(_l("The date is in the future."), field=field)
    return day


# --- talents and permits -------------------------------------------------------------------

def get(actor, talent_id) -> Talent:
    actor.require("exit_entry.read")
    talent = db.session.get(Talent, talent_id) if talent_id else None
    if talent is None or not actor.scope.allows(talent.unit_id):
        raise NotFound(_l("There is no such talent record."))
    return talent


def talents(actor, limit: int = 200) -> list[Talent]:
    actor.require("exit_entry.read")
    return list(db.session.scalars(select(Talent).where(actor.scope.filter(Talent.unit_id))
                                   .order_by(Talent.id.desc()).limit(limit)))


def add(actor, enterprise_id, name: str, nationality: str, kind: str, position: str = "",
        arrived_on: date | None = None) -> Talent:
    actor.require("exit_entry.talent")
    enterprise = registry.get(actor, enterprise_id)
    errors = {}
    name, nationality = clean_text(name, 100)[:100], clean_text(nationality, 50)[:50]
    if not name:
        errors["name"] = [_l("Give the talent's name.")]
    if not nationality:
        errors["nationality"] = [_l("Give the nationality.")]
    if kind not in TALENT_KINDS:
        errors["kind"] = [_l("Choose foreign expert or overseas talent.")]
    if arrived_on is not None and arrived_on > _today():
        errors["arrived_on"] = [_l("The date is in the future.")]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    talent = Talent(unit_id=actor.unit_id or enterprise.unit_id, enterprise_id=enterprise.id, name=name,
                    nationality=nationality, kind=kind, position=clean_text(position, 100)[:100],
                    arrived_on=arrived_on)
    db.session.add(talent)
    db.session.flush()
    audit.record(actor, "exit_entry.talent", talent, detail={"enterprise_id": enterprise.id, "kind": kind})
    db.session.commit()
    return talent


def get_permit(actor, permit_id) -> Permit:
    permit = db.session.get(Permit, permit_id) if permit_id else None
    if permit is None:
        raise NotFound(_l("There is no such permit application."))
    get(actor, permit.talent_id)
    return permit


def apply_permit(actor, talent_id, kind: str, applied_on: date | None, note: str = "") -> Permit:
    talent = get(actor, talent_id)
    actor.require("exit_entry.talent")
    if kind not in PERMIT_KINDS:
        raise ValidationError(_l("Choose the permit applied for."), field="kind")
    applied_on = _not_future(applied_on, "applied_on")
    if any(p.kind == kind and p.status == "applied" for p in talent.permits):
        raise ValidationError(_l("An application for this permit is already pending."), field="kind")
    permit = Permit(talent=talent, kind=kind, applied_on=applied_on, note=clean_text(note, 500)[:500])
    db.session.add(permit)
    db.session.flush()
    audit.record(actor, "exit_entry.permit", permit, detail={"talent_id": talent.id, "kind": kind})
    db.session.commit()
    return permit


def decide_permit(actor, permit_id, approved: bool, decided_on: date | None) -> Permit:
    permit = get_permit(actor, permit_id)
    actor.require("exit_entry.talent")
    if permit.status != "applied":
        raise ValidationError(_l("This permit application has been decided."))
    decided_on = _not_future(decided_on, "decided_on")
    if decided_on < permit.applied_on:
        raise ValidationError(_l("The decision comes before the application."), field="decided_on")
    permit.status, permit.decided_on = ("approved" if approved else "refused"), decided_on
    audit.record(actor, "exit_entry.permit_decision", permit, detail={"status": permit.status})
    db.session.commit()
    return permit


# --- events and pairings ------------------------------------------------------------------

def events(actor, year: int) -> list[Event]:
    actor.require("exit_entry.read")
    return list(db.session.scalars(select(Event).where(actor.scope.filter(Event.unit_id),
                                                       Event.held_on >= date(year, 1, 1),
                                                       Event.held_on <= date(year, 12, 31))
                                   .order_by(Event.held_on.desc())))


def add_event(actor, title: str, held_on: date | None, place: str = "", attendees=0) -> Event:
    actor.require("exit_entry.talent")
    title = clean_text(title, 200)[:200]
    if not title:
        raise ValidationError(_l("Give the event a title."), field="title")
    held_on = _not_future(held_on, "held_on")
    try:
        attendees = int(attendees or 0)
    except (TypeError, ValueError):
        attendees = -1
    if not 0 <= attendees <= 100000:
        raise ValidationError(_l("The number of attendees is a whole number."), field="attendees")
    event = Event(unit_id=actor.unit_id, title=title, held_on=held_on, place=clean_text(place, 200)[:200],
                  attendees=attendees)
    db.session.add(event)
    db.session.flush()
    audit.record(actor, "exit_entry.event", event, detail={"held_on": held_on.isoformat()})
    db.session.commit()
    return event


def officers(actor) -> list[User]:
    """The officers a talent may be paired with: the business users of the actor's units."""
    return [u for u in db.session.scalars(select(User).where(actor.scope.filter(User.unit_id)).order_by(User.id))
            if u.active and u.roles & {"leader", "desk", "officer"}]


def pairings(actor, talent_id=None) -> list[Pairing]:
    actor.require("exit_entry.read")
    stmt = select(Pairing).where(actor.scope.filter(Pairing.unit_id)).order_by(Pairing.started_on.desc())
    if talent_id:
        stmt = stmt.where(Pairing.talent_id == talent_id)
    return list(db.session.scalars(stmt))


def pair(actor, talent_id, officer_id, started_on: date | None, note: str = "") -> Pairing:
    talent = get(actor, talent_id)
    actor.require("exit_entry.talent")
    officer = db.session.get(User, officer_id) if officer_id else None
    if officer is None or officer not in officers(actor):
        raise ValidationError(_l("Choose an officer of your units."), field="officer_id")
    started_on = _not_future(started_on, "started_on")
    if db.session.scalar(select(Pairing.id).where(Pairing.talent_id == talent.id, Pairing.officer_id == officer.id)):
        raise ValidationError(_l("This officer is already paired with the talent."), field="officer_id")
    pairing = Pairing(unit_id=talent.unit_id, talent_id=talent.id, officer_id=officer.id, started_on=started_on,
                      note=clean_text(note, 500)[:500])
    db.session.add(pairing)
    db.session.flush()
    audit.record(actor, "exit_entry.pairing", pairing, detail={"talent_id": talent.id, "officer_id": officer.id})
    db.session.commit()
    return pairing


# --- progress against the year's targets --------------------------------------------------

@dataclass(frozen=True)
class Progress:
    year: int
    targets: dict          # events, pairings, residences
    done: dict

    def share(self, key) -> int | None:
        goal = self.targets[key]
        return min(100, round(100 * self.done[key] / goal)) if goal else None


def progress(actor, year: int | None = None) -> Progress:
    """Events held, talents paired (each counted once, in the year of their
    first pairing) and long-term or permanent residences granted in ``year``,
    in the actor's units, against the targets of the actor's unit."""
    actor.require("exit_entry.read")
    year = year or _today().year
    first, last = date(year, 1, 1), date(year, 12, 31)
    held = db.session.scalar(select(func.count()).select_from(Event).where(
        actor.scope.filter(Event.unit_id), Event.held_on >= first, Event.held_on <= last))
    first_pairing = (select(Pairing.talent_id, func.min(Pairing.started_on).label("first"))
                     .where(actor.scope.filter(Pairing.unit_id)).group_by(Pairing.talent_id).subquery())
    paired = db.session.scalar(select(func.count(distinct(first_pairing.c.talent_id))).where(
        first_pairing.c.first >= first, first_pairing.c.first <= last))
    residences = db.session.scalar(select(func.count()).select_from(Permit).join(Talent).where(
        actor.scope.filter(Talent.unit_id), Permit.kind.in_(RESIDENCE_KINDS), Permit.status == "approved",
        Permit.decided_on >= first, Permit.decided_on <= last))
    return Progress(year, settings.targets_of(actor.unit_id, year),
                    {"events": held, "pairings": paired, "residences": residences})
