"""Liaison visits (走访纳谏): an officer visits an enterprise, hears what it says,
records what was done, with photos; a demand heard there becomes a ticket of
channel ``visit`` in one step.

A visit is scoped by its enterprise's unit (``core.registry.services.get``): who
may read the enterprise may read its visits. Photos are read as a stream within
the limits and checked by content like every upload (``core.tickets.attachments``,
images only), kept across a failed submit by ``core.uploads.held``, and stored in
the attachments' folder under generated names in the visit's own transaction.

A demand is registered through ``core.tickets.services.register`` (the intake of
every ticket), never written here. Registering commits the ticket; the link to
the visit (``liaison_visit_ticket``) is committed right after it. The intake's
submission key makes the step safe to repeat: sent again, it finds the same
ticket and links it once.
"""
import dataclasses
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, tuple_

from core import clock, paging, versioning
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.liaison.models import LiaisonVisit, LiaisonVisitPhoto, LiaisonVisitTicket
from core.org.models import User
from core.registry import services as registry
from core.registry.models import Enterprise
from core.text import clean_text
from core.tickets import attachments
from core.tickets import services as tickets
from core.tickets.deadlines import local_date

MAX_TEXT = 5000
PAGE = 30
ENTERPRISE_ROWS = 10
PHOTOS = "photos"
CHANNEL = "visit"


def today() -> date:
    return local_date(clock.now())


# --- photos ----------------------------------------------------------------------

def photo_problems(files) -> list:
    """The checked uploads that are not images: a visit keeps photos only."""
    return [_l("“%(name)s”: only photos (%(formats)s) can be kept with a visit.", name=f.name,
               formats=attachments.allowed_text(("photo",)))
            for f in files if f.kind != "photo"]


def photo_accept() -> str:
    return attachments.accept(("photo",))


def _store_photos(visit, prepared) -> list:
    """Write the files into the attachments' folder and add their rows; the caller
    commits, and removes the returned paths if that fails."""
    written = []
    target = attachments.folder()
    for item in prepared:
        stored = f"{secrets.token_hex(16)}.{item.extension}"
        path = target / stored
        with open(path, "xb") as out:
            written.append(path)
            out.write(item.data)
        visit.photos.append(LiaisonVisitPhoto(stored_name=stored, original_name=item.name,
                                              content_type=item.content_type, size=item.size, sha256=item.sha256))
    return written


def photo(actor, visit_id, photo_id):
    """A photo of a visit the actor may read, and its file; else NotFound."""
    visit = get(actor, visit_id)
    row = db.session.get(LiaisonVisitPhoto, photo_id)
    if row is None or row.visit_id != visit.id or "/" in row.stored_name or "\\" in row.stored_name:
        raise NotFound(_l("There is no such photo."))
    path = attachments.folder() / row.stored_name
    if not path.is_file():
        raise NotFound(_l("The file of this photo is missing. Tell the administrator."))
    return row, path


# --- recording -------------------------------------------------------------------

@dataclass
class VisitInput:
    enterprise_id: int | None
    visited_on: object = None          # a date, or its ISO text from a form
    heard: str = ""
    done: str = ""
    officer_id: int | None = None      # who visited; the actor when empty
    submission_key: str | None = None
    photos: list = field(default_factory=list)   # checked uploads (core.tickets.attachments.Prepared)


@dataclass
class DemandInput:
    """A demand heard on a visit, to be registered as a ticket."""
    category: str = ""
    description: str = ""
    contact_name: str = ""
    contact_phone: str = ""


def _date(value):
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


def _validate(actor, data: VisitInput) -> dict:
    errors, values = {}, {}
    try:
        values["enterprise"] = registry.get(actor, data.enterprise_id) if data.enterprise_id else None
    except NotFound as exc:
        values["enterprise"] = None
        errors["enterprise_id"] = [exc.message]
    if values["enterprise"] is None and "enterprise_id" not in errors:
        errors["enterprise_id"] = [_l("Choose the enterprise visited.")]
    visited_on = _date(data.visited_on)
    if visited_on is None:
        errors["visited_on"] = [_l("Give the date of the visit.")]
    elif visited_on > today():
        errors["visited_on"] = [_l("A visit is recorded once it has taken place: the date cannot be in the future.")]
    values["visited_on"] = visited_on
    officer_id = data.officer_id or actor.user_id
    officer = db.session.get(User, officer_id) if officer_id else None
    if officer is None or (officer.id != actor.user_id and officer.id not in registry.officer_ids(actor)):
        errors["officer_id"] = [_l("Choose the officer who visited, of your units.")]
    values["officer"] = officer
    heard = clean_text(data.heard, MAX_TEXT)
    if not heard:
        errors["heard"] = [_l("Write what the enterprise said.")]
    for name, text in (("heard", heard), ("done", clean_text(data.done, MAX_TEXT))):
        if len(text) > MAX_TEXT:
            errors[name] = [_l("Keep this under %(n)d characters.", n=MAX_TEXT)]
        values[name] = text[:MAX_TEXT]
    problems = photo_problems(data.photos)
    if problems:
        errors[PHOTOS] = problems
    return values if not errors else {"errors": errors}


def check(actor, data: VisitInput, demand: DemandInput | None = None) -> dict:
    """Every problem of the visit (and of the demand to register with it) by field,
    writing nothing."""
    actor.require("visit.record")
    found = _validate(actor, data)
    errors = dict(found.get("errors", {}))
    if demand is not None:
        for name, messages in tickets.check_intake(
                _VisitIntake(actor), _intake(data.enterprise_id, demand, None)).items():
            errors.setdefault(DEMAND_FIELDS.get(name, name), messages)
    return errors


def record(actor, data: VisitInput) -> LiaisonVisit:
    """Record a visit with its photos, audited, in one transaction. Sending the
    same ``submission_key`` twice returns the first visit."""
    actor.require("visit.record")
    if data.submission_key:
        existing = db.session.scalar(select(LiaisonVisit).where(LiaisonVisit.submission_key == data.submission_key))
        if existing is not None:
            return existing
    values = _validate(actor, data)
    if "errors" in values:
        errors = values["errors"]
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    visit = LiaisonVisit(enterprise=values["enterprise"], officer=values["officer"], visited_on=values["visited_on"],
                         heard=values["heard"], done=values["done"], recorded_by_id=actor.user_id,
                         recorded_at=clock.now(), submission_key=data.submission_key)
    db.session.add(visit)
    _commit_with_photos(actor, "visit.record", visit, data.photos, {
        "enterprise": visit.enterprise_id, "officer": visit.officer_id,
        "visited_on": visit.visited_on.isoformat(), "photos": len(data.photos)})
    return visit


def _commit_with_photos(actor, action: str, visit, photos, detail: dict) -> None:
    """Write the new photos, audit ``action`` and commit the visit; on any failure
    roll back and remove the files written."""
    written = []
    try:
        written = _store_photos(visit, photos)
        db.session.flush()
        audit.record(actor, action, visit, detail=detail)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise


CONFLICT = _l("Someone else corrected this visit in the meantime. Here is their version; your entries are kept "
              "below it — save again to apply them.")


def update(actor, visit_id, data: VisitInput, version=None) -> LiaisonVisit:
    """Correct a visit's record: its day, its officer, what was heard and done; the
    photos sent are added to it. The enterprise stays. Every problem at once; a
    Conflict when someone saved the visit since ``version`` (its form's)."""
    actor.require("visit.record")
    visit = get(actor, visit_id)
    values = _validate(actor, dataclasses.replace(data, enterprise_id=visit.enterprise_id))
    if "errors" in values:
        errors = values["errors"]
        audit.record_failure(actor, "visit.update", object_type="liaison_visit", object_id=visit.id,
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    versioning.claim(LiaisonVisit, visit.id, versioning.as_version(version), CONFLICT)
    before = {"officer": visit.officer_id, "visited_on": visit.visited_on.isoformat()}
    visit.officer, visit.visited_on = values["officer"], values["visited_on"]
    visit.heard, visit.done = values["heard"], values["done"]
    _commit_with_photos(actor, "visit.update", visit, data.photos, {
        "before": before, "officer": visit.officer_id, "visited_on": visit.visited_on.isoformat(),
        "photos_added": len(data.photos)})
    return visit


# --- a demand heard on a visit: a ticket of channel "visit" ----------------------------

# The intake's fields as the visit's demand form names them.
DEMAND_FIELDS = {"category": "demand_category", "description": "demand_description",
                 "contact_name": "demand_contact_name", "contact_phone": "demand_contact_phone"}


class _VisitIntake:
    """The actor registering a demand heard on a visit: the same person, who may
    register this one demand (channel ``visit``, the visited enterprise) by
    ``visit.record`` without holding ``ticket.register`` for the general intake."""

    def __init__(self, actor):
        self._actor = actor

    def __getattr__(self, name):
        return getattr(self._actor, name)

    def can(self, permission: str) -> bool:
        if permission == "ticket.register":
            return self._actor.can("visit.record")
        return self._actor.can(permission)

    def require(self, permission: str) -> None:
        if permission == "ticket.register":
            self._actor.require("visit.record")
        else:
            self._actor.require(permission)


def _intake(enterprise_id, demand: DemandInput, submission_key) -> tickets.Intake:
    return tickets.Intake(enterprise_id=enterprise_id, channel=CHANNEL, category=demand.category or "",
                          ticket_class="general", handling_mode="follow", description=demand.description or "",
                          contact_name=demand.contact_name or "", contact_phone=demand.contact_phone or "",
                          submission_key=submission_key)


def register_demand(actor, visit_id, demand: DemandInput, submission_key: str | None = None):
    """Register ``demand`` as a ticket of the visited enterprise (channel ``visit``,
    through the intake) and link it to the visit. Returns the ticket."""
    actor.require("visit.record")
    visit = get(actor, visit_id)
    try:
        ticket = tickets.register(_VisitIntake(actor), _intake(visit.enterprise_id, demand, submission_key))
    except ValidationError as exc:
        raise ValidationError(exc.message, errors={DEMAND_FIELDS.get(k, k): v
                                                   for k, v in (exc.errors or {}).items()}) from None
    linked = db.session.scalar(select(LiaisonVisitTicket).where(LiaisonVisitTicket.ticket_id == ticket.id))
    if linked is None:
        db.session.add(LiaisonVisitTicket(visit_id=visit.id, ticket_id=ticket.id))
        audit.record(actor, "visit.register_demand", visit, detail={"ticket": ticket.number})
        db.session.commit()
    return ticket


@dataclass
class Recorded:
    visit: LiaisonVisit
    ticket: object = None


def record_with_demand(actor, data: VisitInput, demand: DemandInput) -> Recorded:
    """Record the visit and register the demand heard on it, from one submit. Both
    are checked first, so that neither is written when either is wrong; then the
    visit is committed, then the ticket (``register_demand``)."""
    errors = check(actor, data, demand)
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    visit = record(actor, data)
    key = f"{data.submission_key[:60]}-d" if data.submission_key else None
    return Recorded(visit, register_demand(actor, visit.id, demand, submission_key=key))


# --- reading ---------------------------------------------------------------------

def get(actor, visit_id) -> LiaisonVisit:
    """The visit, if its enterprise lies in the actor's scope; else NotFound."""
    actor.require("enterprise.read")
    visit = db.session.get(LiaisonVisit, visit_id) if visit_id else None
    if visit is None or not actor.scope.allows(visit.enterprise.unit_id):
        raise NotFound(_l("There is no such visit in your units' area."))
    return visit


def for_enterprise(actor, enterprise_id, limit: int = ENTERPRISE_ROWS) -> list[LiaisonVisit]:
    """The enterprise's newest visits (the enterprise already checked in scope by the caller)."""
    actor.require("enterprise.read")
    return list(db.session.scalars(
        select(LiaisonVisit).where(LiaisonVisit.enterprise_id == enterprise_id)
        .order_by(LiaisonVisit.visited_on.desc(), LiaisonVisit.id.desc()).limit(limit)).unique())


def of_visit_ticket(ticket_id) -> LiaisonVisit | None:
    """The visit a ticket was raised on, if any (the ticket page's link back)."""
    return db.session.scalar(select(LiaisonVisit).join(LiaisonVisitTicket)
                             .where(LiaisonVisitTicket.ticket_id == ticket_id))


def of_officer(actor, officer_id, cursor: str | None = None, limit: int = PAGE) -> paging.Page:
    """An officer's visits to enterprises in the actor's scope, newest first, a page
    at a time: a keyset on ``ix_liaison_visit_officer`` read backwards."""
    actor.require("enterprise.read")
    stmt = (select(LiaisonVisit).join(Enterprise, Enterprise.id == LiaisonVisit.enterprise_id)
            .where(LiaisonVisit.officer_id == officer_id, actor.scope.filter(Enterprise.unit_id)))
    if cursor:
        values, _backwards = paging.decode(cursor)
        day = _date(values[0]) if len(values) == 2 and isinstance(values[0], str) else None
        if day is None or not isinstance(values[1], int) or isinstance(values[1], bool):
            raise ValidationError(_l("The page link is broken; start again from the first page."), field="cursor")
        stmt = stmt.where(tuple_(LiaisonVisit.visited_on, LiaisonVisit.id) < tuple_(day, values[1]))
    rows = list(db.session.scalars(stmt.order_by(LiaisonVisit.visited_on.desc(), LiaisonVisit.id.desc())
                                   .limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    return paging.Page(items=rows, prev_cursor=None, limit=limit,
                       next_cursor=paging.encode((last.visited_on.isoformat(), last.id)) if more else None)
