"""Meetings (座谈, 联席会议): who records them, what they hold, and the demands raised there.

The desk and the leaders record meetings (``meeting.record``) for a unit of their scope;
the officers read those of their units (``meeting.read``). A meeting names its
participants: enterprises of the registry, organisations outside the police (the
federation of industry and commerce 工商联, a chamber of commerce 商会 by name, a
department of the register of outside departments) and police participants. Each demand
raised there is registered through the ticket service (channel ``meeting``) for one of the
participating enterprises, and linked back to the meeting (``MeetingTicket``).
Every change is audited; a form's problems are reported together."""
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, tuple_

from core import clock, paging, versioning
from core.audit import services as audit
from core.departments import services as departments
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.meetings.models import Meeting, MeetingEnterprise, MeetingOfficer, MeetingOrganisation, MeetingTicket
from core.org.models import Unit
from core.record_ids import get_row, record_id
from core.registry import services as registry
from core.text import clean_text
from core.tickets import attachments
from core.tickets import services as tickets
from core.tickets.deadlines import LOCAL, UTC

KINDS = {
    "symposium": _l("Symposium with enterprises (警企座谈会)"),
    "federation": _l("Joint meeting with the federation of industry and commerce and the chambers of commerce "
                     "(联席会议)"),
    "departments": _l("Joint meeting with government departments (联席会议)"),
}
CHANNEL = "meeting"
LIMITS = {"title": 200, "place": 200, "minutes": 20000, "organisation": 100}
MAX_ORGANISATIONS = 30
MAX_ENTERPRISES = 200
# Modes whose own fields the meeting page does not ask for (立即办's answer, 提级办's reason,
# 转交办's department): those demands are registered from the ticket form.
DEMAND_MODES = ("follow", "deadline", "on_site", "listed")


@dataclass
class MeetingInput:
    kind: str = ""
    title: str = ""
    starts_at: str = ""              # the form's datetime-local, China time: 2026-03-18T09:30
    place: str = ""
    unit_id: object = None
    organisations: str = ""          # one name a line: 工商联, 商会 …
    department_ids: list = field(default_factory=list)
    officer_ids: list = field(default_factory=list)
    minutes: str = ""
    submission_key: str | None = None


@dataclass
class DemandInput:
    enterprise_id: object = None
    category: str = ""
    ticket_class: str = "general"
    handling_mode: str = "follow"
    description: str = ""
    contact_name: str = ""
    submission_key: str | None = None


# --- who ------------------------------------------------------------------------------------

def may_record(actor) -> bool:
    return actor.enterprise_id is None and actor.can("meeting.record")


def _require_read(actor) -> None:
    if actor.enterprise_id is not None or not (actor.can("meeting.read") or actor.can("meeting.record")):
        raise Forbidden(_l("You are not allowed to do this."))


def require_record(actor, action: str, meeting_id=None) -> None:
    if not may_record(actor):
        audit.record_failure(actor, action, result=audit.DENIED, object_type="meeting", object_id=meeting_id)
        raise Forbidden(_l("Only the desk and the leaders record meetings."))


# --- reading ----------------------------------------------------------------------------------

def get(actor, meeting_id) -> Meeting:
    _require_read(actor)
    meeting = get_row(Meeting, meeting_id)
    if meeting is None or not actor.scope.allows(meeting.unit_id):
        raise NotFound(_l("There is no such meeting in your units."))
    return meeting


def listing(actor, kind: str = "", cursor: str | None = None, limit: int = 20) -> paging.Page:
    """The meetings of the actor's units, newest first (keyset paging by time and id)."""
    _require_read(actor)
    stmt = select(Meeting).where(actor.scope.filter(Meeting.unit_id))
    if kind in KINDS:
        stmt = stmt.where(Meeting.kind == kind)
    backwards = False
    bound = tuple_(Meeting.starts_at, Meeting.id)
    if cursor:
        values, backwards = paging.decode(cursor)
        try:
            at, last_id = datetime.fromisoformat(values[0]), int(values[1])
            if len(values) != 2 or isinstance(values[1], bool) or not 0 < last_id < 2**31:
                raise ValueError
        except (ValueError, TypeError, IndexError):
            raise ValidationError(_l("The page link is broken; start again from the first page."),
                                  field="cursor") from None
        stmt = stmt.where(bound > tuple_(at, last_id) if backwards else bound < tuple_(at, last_id))
    order = [Meeting.starts_at.asc(), Meeting.id.asc()] if backwards else [Meeting.starts_at.desc(),
                                                                          Meeting.id.desc()]
    rows = list(db.session.scalars(stmt.order_by(*order).limit(limit + 1)).unique())
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()

    def key(m):
        return (m.starts_at.isoformat(), m.id)

    has_next = (more and not backwards) or (backwards and bool(cursor))
    has_prev = (more and backwards) or (bool(cursor) and not backwards)
    return paging.Page(items=rows, limit=limit,
                       next_cursor=paging.encode(key(rows[-1])) if rows and has_next else None,
                       prev_cursor=paging.encode(key(rows[0]), backwards=True) if rows and has_prev else None)


def for_enterprise(actor, enterprise_id, limit: int = 10) -> list[Meeting]:
    """The meetings of the actor's units the enterprise took part in, newest first."""
    if actor.enterprise_id is not None or not (actor.can("meeting.read") or actor.can("meeting.record")):
        return []
    stmt = (select(Meeting).join(MeetingEnterprise, MeetingEnterprise.meeting_id == Meeting.id)
            .where(MeetingEnterprise.enterprise_id == enterprise_id, actor.scope.filter(Meeting.unit_id))
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc()).limit(limit))
    return list(db.session.scalars(stmt).unique())


def for_ticket(actor, ticket_id) -> Meeting | None:
    """The meeting a ticket was raised at, if the actor may read it."""
    link = db.session.scalar(select(MeetingTicket).where(MeetingTicket.ticket_id == ticket_id))
    if link is None or actor.enterprise_id is not None:
        return None
    meeting = db.session.get(Meeting, link.meeting_id)
    return meeting if meeting is not None and actor.scope.allows(meeting.unit_id) else None


def units(actor) -> list[Unit]:
    """The units a meeting may be organised by: those of the actor's scope."""
    return registry.units(actor)


def officers(actor) -> list:
    """The police who may be named as participants: the officers and leaders of the actor's units."""
    return registry.officers(actor)


# --- recording ----------------------------------------------------------------------------------

def parse_time(value: str) -> datetime | None:
    """The form's China time (``2026-03-18T09:30``) as naive UTC; None if it is not one."""
    value = (value or "").strip()
    if not value or len(value) > 19:
        return None
    try:
        local = datetime.fromisoformat(value.replace(" ", "T"))
    except ValueError:
        return None
    if local.tzinfo is not None or not 2000 <= local.year <= 2100:
        return None
    return local.replace(tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)


def local_input(at: datetime) -> str:
    """A stored time as the form's datetime-local value."""
    return at.replace(tzinfo=UTC).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


def _validate(actor, data: MeetingInput) -> dict:
    errors: dict[str, list] = {}
    clean = {}
    if data.kind not in KINDS:
        errors["kind"] = [_l("Choose the kind of meeting.")]
    for name in ("title", "place", "minutes"):
        text = clean_text(getattr(data, name) or "", LIMITS[name] + 1)
        if len(text) > LIMITS[name]:
            errors[name] = [_l("Keep this under %(n)d characters.", n=LIMITS[name])]
        clean[name] = text[:LIMITS[name]]
    if not clean["title"] and "title" not in errors:
        errors["title"] = [_l("Give the meeting a title.")]
    starts_at = parse_time(data.starts_at)
    if starts_at is None:
        errors["starts_at"] = [_l("Give the date and time of the meeting.")]
    unit_id = record_id(data.unit_id)
    if unit_id is None or not actor.scope.allows(unit_id) or db.session.get(Unit, unit_id) is None:
        errors["unit_id"] = [_l("Choose the organising unit among your units.")]
    names = []
    for line in (data.organisations or "").splitlines():
        name = clean_text(line, LIMITS["organisation"] + 1)
        if not name:
            continue
        if len(name) > LIMITS["organisation"]:
            errors["organisations"] = [_l("Keep each name under %(n)d characters.", n=LIMITS["organisation"])]
        elif name not in names:
            names.append(name)
    if len(names) > MAX_ORGANISATIONS:
        errors["organisations"] = [_l("Name at most %(n)d organisations.", n=MAX_ORGANISATIONS)]
    offered = {d.id: d for d in departments.choices(actor)}
    chosen_departments = []
    for value in data.department_ids or ():
        department_id = record_id(value)
        if department_id not in offered:
            errors["department_ids"] = [_l("Choose the departments from the register.")]
            break
        if offered[department_id] not in chosen_departments:
            chosen_departments.append(offered[department_id])
    eligible = {u.id: u for u in officers(actor)}
    chosen_officers = []
    for value in data.officer_ids or ():
        user_id = record_id(value)
        if user_id not in eligible:
            errors["officer_ids"] = [_l("Choose the police participants among the officers of your units.")]
            break
        if user_id not in chosen_officers:
            chosen_officers.append(user_id)
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    return {**clean, "kind": data.kind, "starts_at": starts_at, "unit_id": unit_id, "names": names,
            "departments": chosen_departments, "officer_ids": chosen_officers}


def check(actor, data: MeetingInput) -> dict:
    """Every problem of ``data`` by field, writing nothing (for a form whose file was refused)."""
    try:
        _validate(actor, data)
    except ValidationError as exc:
        return dict(exc.errors or {})
    return {}


CONFLICT = _l("Someone else saved this meeting in the meantime. Here is their version; your entries are kept "
              "below it — save again to apply them.")


def save(actor, data: MeetingInput, minutes_file=None, meeting_id=None, version=None) -> Meeting:
    """Record a meeting, or change one (``meeting_id``) when it is still at
    ``version``, the one its form was built from (else Conflict). ``minutes_file``:
    an upload already checked (core.tickets.attachments.Prepared), kept as the
    minutes' file."""
    action = "meeting.update" if meeting_id else "meeting.create"
    require_record(actor, action, meeting_id)
    meeting = get(actor, meeting_id) if meeting_id else None
    if meeting is None and data.submission_key:
        existing = db.session.scalar(select(Meeting).where(Meeting.submission_key == data.submission_key))
        if existing is not None:   # the same form sent twice
            return existing
    try:
        values = _validate(actor, data)
    except ValidationError as exc:
        audit.record_failure(actor, action, object_type="meeting", object_id=meeting_id,
                             detail={"fields": sorted(exc.errors or [])})
        raise
    now = clock.now()
    if meeting is None:
        meeting = Meeting(created_by_id=actor.user_id, created_at=now, submission_key=data.submission_key or None)
        db.session.add(meeting)
    else:
        versioning.claim(Meeting, meeting.id, versioning.as_version(version), CONFLICT)
    for name in ("kind", "title", "starts_at", "place", "minutes", "unit_id"):
        setattr(meeting, name, values[name])
    meeting.updated_at = now
    meeting.organisations = (
        [MeetingOrganisation(name=d.name, department_id=d.id) for d in values["departments"]]
        + [MeetingOrganisation(name=name) for name in values["names"]])
    meeting.officers = [MeetingOfficer(user_id=user_id) for user_id in values["officer_ids"]]
    written, old = None, ""
    try:
        if minutes_file is not None:
            stored = f"{secrets.token_hex(16)}.{minutes_file.extension}"
            written = attachments.folder() / stored
            with open(written, "xb") as out:
                out.write(minutes_file.data)
            old = meeting.file_stored
            meeting.file_name, meeting.file_stored = minutes_file.name, stored
            meeting.file_type, meeting.file_size = minutes_file.content_type, minutes_file.size
            meeting.file_sha256 = minutes_file.sha256
        db.session.flush()
        audit.record(actor, action, meeting, detail={
            "kind": meeting.kind, "title": meeting.title, "organisations": len(meeting.organisations),
            "officers": len(meeting.officers), "minutes_file": minutes_file is not None})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    if minutes_file is not None and meeting_id and old and "/" not in old and "\\" not in old:
        (attachments.folder() / old).unlink(missing_ok=True)
    return meeting


def minutes_file(actor, meeting_id) -> tuple[Meeting, Path]:
    meeting = get(actor, meeting_id)
    stored = meeting.file_stored
    if not stored or "/" in stored or "\\" in stored:
        raise NotFound(_l("This meeting has no minutes file."))
    path = attachments.folder() / stored
    if not path.is_file():
        raise NotFound(_l("The file of this attachment is missing. Tell the administrator."))
    return meeting, path


# --- the enterprises taking part ---------------------------------------------------------------

def add_enterprise(actor, meeting_id, enterprise_id) -> MeetingEnterprise:
    require_record(actor, "meeting.add_enterprise", meeting_id)
    meeting = get(actor, meeting_id)
    try:
        enterprise = registry.get(actor, record_id(enterprise_id)) if record_id(enterprise_id) else None
    except NotFound:
        enterprise = None
    if enterprise is None:
        raise ValidationError(_l("There is no such enterprise in your units' area."), field="enterprise_id")
    found = next((p for p in meeting.enterprises if p.enterprise_id == enterprise.id), None)
    if found is not None:
        return found
    if len(meeting.enterprises) >= MAX_ENTERPRISES:
        raise ValidationError(_l("A meeting names at most %(n)d enterprises.", n=MAX_ENTERPRISES),
                              field="enterprise_id")
    participant = MeetingEnterprise(enterprise_id=enterprise.id)
    meeting.enterprises.append(participant)
    db.session.flush()
    audit.record(actor, "meeting.add_enterprise", meeting, detail={"enterprise_id": enterprise.id})
    db.session.commit()
    return participant


def remove_enterprise(actor, meeting_id, enterprise_id) -> None:
    """Take an enterprise off the list, unless a demand of it was raised at the meeting."""
    require_record(actor, "meeting.remove_enterprise", meeting_id)
    meeting = get(actor, meeting_id)
    found = next((p for p in meeting.enterprises if p.enterprise_id == record_id(enterprise_id)), None)
    if found is None:
        raise NotFound(_l("This enterprise did not take part in the meeting."))
    if any(d.ticket.enterprise_id == found.enterprise_id for d in meeting.demands):
        raise ValidationError(_l("A demand of this enterprise was raised at the meeting: it stays on the list."),
                              field="enterprise_id")
    meeting.enterprises.remove(found)
    audit.record(actor, "meeting.remove_enterprise", meeting, detail={"enterprise_id": found.enterprise_id})
    db.session.commit()


# --- the demands raised ------------------------------------------------------------------------------

def _intake(meeting, data: DemandInput) -> tickets.Intake:
    return tickets.Intake(
        enterprise_id=record_id(data.enterprise_id), channel=CHANNEL, category=data.category or "",
        ticket_class=data.ticket_class or "", handling_mode=data.handling_mode or "",
        description=data.description or "", contact_name=data.contact_name or "",
        submission_key=data.submission_key or None, raised_at_meeting=True)


def raise_demand(actor, meeting_id, data: DemandInput):
    """Register a demand raised at the meeting as a ticket of channel ``meeting`` for
    one of the participating enterprises, linked to the meeting. Every problem of the
    form at once (the ticket service's and the meeting's)."""
    meeting = get(actor, meeting_id)
    require_record(actor, "meeting.raise_demand", meeting.id)
    actor.require("ticket.register")
    intake = _intake(meeting, data)
    # A mode the page does not offer is one problem, not its own fields' problems.
    checked = intake if intake.handling_mode in DEMAND_MODES else _intake(meeting, DemandInput(
        **{**data.__dict__, "handling_mode": "follow"}))
    errors = dict(tickets.check_intake(actor, checked))
    if intake.enterprise_id not in {p.enterprise_id for p in meeting.enterprises}:
        errors["enterprise_id"] = [_l("Choose one of the enterprises that took part in the meeting.")]
    if data.handling_mode not in DEMAND_MODES:
        errors["handling_mode"] = [_l("Choose how it will be handled.")]
    if errors:
        audit.record_failure(actor, "meeting.raise_demand", object_type="meeting", object_id=meeting.id,
                             detail={"fields": sorted(errors)})
        db.session.commit()
        raise ValidationError.of(errors)
    ticket = tickets.register(actor, intake)
    if db.session.scalar(select(MeetingTicket.id).where(MeetingTicket.ticket_id == ticket.id)) is None:
        db.session.add(MeetingTicket(meeting_id=meeting.id, ticket_id=ticket.id, created_at=clock.now()))
        audit.record(actor, "meeting.raise_demand", meeting, detail={"ticket": ticket.number})
        db.session.commit()
    return ticket


def participants_of(meeting) -> list:
    """The participating enterprises, by name."""
    return [p.enterprise for p in meeting.enterprises]


def demand_enterprises(meeting) -> set[int]:
    return {d.ticket.enterprise_id for d in meeting.demands}
