"""挂牌督办: the register of tickets a leader lists for supervision.

A leader puts an open ticket of their units' area on the register with a
deadline (a day in China, in the future) and a responsible leader. From then
on progress is due every week: the handling unit, or the responsible leader,
writes a progress note on the entry. "A week" is 7 calendar days from the
listing or from the last note, whatever the holidays: the register asks for a
note every 7 days as a rhythm of supervision, not for a deadline of the
working-day calendar. An entry without a note for 7 days counts as lacking its
weekly progress; the sweep (``core.supervision.sweep``) reminds its
responsible leader and the handling unit, once a week per entry.

The entry is taken off the register (销号) when the ticket is closed (闭环销号,
``take_off_closed``, called by the ticket loop's commit), or by a leader with
a note. Every step is audited and written on the ticket's timeline.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError

from core import clock, paging
from core.audit import services as audit
from core.errors import Forbidden, ValidationError
from core.extensions import db
from core.notifications.services import notify_users
from core.org.models import PERSON, Unit, User, UserRole
from core.org.roles import LEADER
from core.org.scope import WHOLE_TREE_KINDS
from core.record_ids import record_id
from core.supervision.models import SupervisionEntry, SupervisionProgress
from core.text import clean_text
from core.tickets import deadlines
from core.tickets import services as tickets
from core.tickets.models import Ticket
from core.tickets.vocabulary import OPEN_STATUSES, STATUSES

PROGRESS_INTERVAL = timedelta(days=7)
MAX_DEADLINE_DAYS = 366
MAX_NOTE = 2000
CLOSED_SHOWN = 50        # entries taken off the register shown under the open ones
AWAITING_SHOWN = 50      # tickets taken in as 挂牌办 and not yet listed
READ_PERMISSION = "ticket.read"
# Listing, taking off and 包案 are a leader's decisions, the same kind of act as 督办.
LEAD_PERMISSION = "ticket.supervise"


# --- who ---------------------------------------------------------------------------

def in_scope(actor, ticket) -> bool:
    """The ticket was registered or is handled in the actor's own units' area (an
    invitation to give an opinion on it does not count)."""
    if actor.enterprise_id is not None:
        return False
    return actor.scope.allows(ticket.registering_unit_id) or (
        ticket.handling_unit_id is not None and actor.scope.allows(ticket.handling_unit_id))


def may_lead(actor, ticket) -> bool:
    """List, take off, take up (包案): a leader whose area holds the ticket."""
    return actor.can(LEAD_PERMISSION) and in_scope(actor, ticket)


def may_report(actor, ticket, entry) -> bool:
    """Write the weekly progress: the handling unit, or the responsible leader."""
    if actor.user_id is not None and actor.user_id == entry.responsible_id:
        return True
    return (actor.can("ticket.handle") and ticket.handling_unit_id is not None
            and actor.unit_id == ticket.handling_unit_id)


def leaders_for(ticket) -> list[User]:
    """Who may answer for a ticket on a register: the active leaders of the
    centre's tree whose area holds the ticket — those of the units that
    coordinate the whole tree (the centre, the city bureau) and of the
    registering or handling unit and the units above them."""
    registering = db.session.get(Unit, ticket.registering_unit_id)
    root = registering.path.strip("/").split("/")[0]
    above = {int(i) for i in registering.path.strip("/").split("/")}
    if ticket.handling_unit_id is not None:
        handling = db.session.get(Unit, ticket.handling_unit_id)
        above |= {int(i) for i in handling.path.strip("/").split("/")}
    stmt = (select(User).join(Unit, Unit.id == User.unit_id)
            .where(User.active.is_(True), User.kind == PERSON, User.role_rows.any(UserRole.role == LEADER),
                   Unit.active.is_(True), Unit.path.startswith(f"/{root}/"),
                   or_(Unit.kind.in_(tuple(WHOLE_TREE_KINDS)), Unit.id.in_(sorted(above))))
            .order_by(Unit.path, User.name))
    return list(db.session.scalars(stmt).unique())


def _leader(ticket, responsible_id) -> User | None:
    chosen = record_id(responsible_id)
    if chosen is None:
        return None
    return next((u for u in leaders_for(ticket) if u.id == chosen), None)


def unit_users(unit_id) -> set[int]:
    if unit_id is None:
        return set()
    return set(db.session.scalars(select(User.id).where(User.unit_id == unit_id, User.active.is_(True))))


def _audience(actor, ticket, responsible_id) -> set[int]:
    """Who hears of a listing or a taking off: the responsible leader and the
    handling unit's users, not the one who did it."""
    return ({responsible_id} | unit_users(ticket.handling_unit_id)) - {actor.user_id}


def _refuse(actor, ticket, action, message, result=audit.REJECTED, error=ValidationError):
    audit.record_failure(actor, f"supervision.{action}", result=result, object_type="ticket", object_id=ticket.id,
                         detail={"status": ticket.status})
    raise error(message)


def _deadline(due_on) -> tuple[datetime | None, list]:
    """The end of ``due_on`` in China, which must be in the future and within a year."""
    if not isinstance(due_on, date):
        return None, [_l("Choose the deadline (YYYY-MM-DD).")]
    today = deadlines.local_date(clock.now())
    if due_on < today:
        return None, [_l("The deadline must be in the future.")]
    if (due_on - today).days > MAX_DEADLINE_DAYS:
        return None, [_l("Choose a deadline within a year.")]
    return deadlines.end_of_local_day(due_on), []


# --- reading ------------------------------------------------------------------------

def open_entry(ticket_id) -> SupervisionEntry | None:
    return db.session.scalar(select(SupervisionEntry).where(SupervisionEntry.ticket_id == ticket_id,
                                                            SupervisionEntry.closed_at.is_(None)))


def entries_of(ticket_id) -> list[SupervisionEntry]:
    """The ticket's register entries, the newest first."""
    return list(db.session.scalars(select(SupervisionEntry).where(SupervisionEntry.ticket_id == ticket_id)
                                   .order_by(SupervisionEntry.id.desc())).unique())


def lacks_progress(entry, now: datetime | None = None) -> bool:
    """No progress note for 7 days (since the listing or the last note)."""
    return entry.is_open and entry.progress_due_at < (now or clock.now())


@dataclass
class Row:
    entry: SupervisionEntry
    last_progress: SupervisionProgress | None
    lacking: bool


@dataclass
class Register:
    open: list[Row] = field(default_factory=list)
    closed: list[Row] = field(default_factory=list)
    awaiting: list[Ticket] = field(default_factory=list)   # taken in as 挂牌办, not listed yet

    @property
    def lacking(self) -> int:
        return sum(1 for row in self.open if row.lacking)


def _scoped_entries(actor):
    return (select(SupervisionEntry).join(Ticket, Ticket.id == SupervisionEntry.ticket_id)
            .where(tickets.visible(actor)))


def _rows(entries, now) -> list[Row]:
    ids = [e.id for e in entries]
    latest = {}
    if ids:
        newest = (select(func.max(SupervisionProgress.id)).where(SupervisionProgress.entry_id.in_(ids))
                  .group_by(SupervisionProgress.entry_id))
        latest = {p.entry_id: p for p in db.session.scalars(
            select(SupervisionProgress).where(SupervisionProgress.id.in_(newest)))}
    return [Row(e, latest.get(e.id), lacks_progress(e, now)) for e in entries]


def register(actor, closed_limit: int = CLOSED_SHOWN) -> Register:
    """The register as the actor may see it (the tickets of their units' area):
    the open entries by deadline, then the latest taken off; for a leader also
    the tickets taken in as 挂牌办 that no leader has listed yet."""
    actor.require(READ_PERMISSION)
    now = clock.now()
    opened = db.session.scalars(_scoped_entries(actor).where(SupervisionEntry.closed_at.is_(None))
                                .order_by(SupervisionEntry.due_at, SupervisionEntry.id)).unique().all()
    closed = db.session.scalars(_scoped_entries(actor).where(SupervisionEntry.closed_at.is_not(None))
                                .order_by(SupervisionEntry.closed_at.desc(), SupervisionEntry.id.desc())
                                .limit(closed_limit)).unique().all()
    result = Register(open=_rows(opened, now), closed=_rows(closed, now))
    if actor.can(LEAD_PERMISSION):
        listed = select(SupervisionEntry.id).where(SupervisionEntry.ticket_id == Ticket.id,
                                                   SupervisionEntry.closed_at.is_(None))
        result.awaiting = list(db.session.scalars(
            select(Ticket).where(Ticket.status.in_(OPEN_STATUSES), Ticket.handling_mode == "listed",
                                 tickets.visible(actor), ~listed.exists())
            .order_by(Ticket.id).limit(AWAITING_SHOWN)).unique())
    return result


STATES = ("open", "closed", "all")


def entries_page(actor, state: str = "open", cursor: str | None = None, limit: int = 20) -> paging.Page:
    """The register's entries in the actor's units' area, in the order they were
    listed (keyset by id), for the JSON API; ``state``: open, closed or all."""
    actor.require(READ_PERMISSION)
    stmt = _scoped_entries(actor)
    if state == "open":
        stmt = stmt.where(SupervisionEntry.closed_at.is_(None))
    elif state == "closed":
        stmt = stmt.where(SupervisionEntry.closed_at.is_not(None))
    page = paging.keyset(db.session, stmt, (SupervisionEntry.id,), lambda e: (e.id,), cursor, limit,
                         id_column=SupervisionEntry.id)
    page.items = _rows(page.items, clock.now())
    return page


@dataclass
class Dashboard:
    listed: int
    lacking: int
    rows: list[Row]
    backlog: int


DASHBOARD_ROWS = 5


def dashboard(actor) -> Dashboard | None:
    """The leaders' home-page panel: the open entries (the nearest deadlines
    first), how many lack their weekly progress, and the size of the 积案 register."""
    if not actor.can(LEAD_PERMISSION) or actor.user is None:
        return None
    from core.supervision import backlog

    now = clock.now()
    counted = (select(func.count(SupervisionEntry.id), func.count(SupervisionEntry.id).filter(
        SupervisionEntry.progress_due_at < now)).join(Ticket, Ticket.id == SupervisionEntry.ticket_id)
               .where(SupervisionEntry.closed_at.is_(None), tickets.visible(actor)))
    listed, lacking = db.session.execute(counted).one()
    first = db.session.scalars(_scoped_entries(actor).where(SupervisionEntry.closed_at.is_(None))
                               .order_by(SupervisionEntry.due_at, SupervisionEntry.id)
                               .limit(DASHBOARD_ROWS)).unique().all()
    return Dashboard(listed=listed, lacking=lacking, rows=_rows(first, now), backlog=backlog.count(actor))


# --- changing -------------------------------------------------------------------------

def list_ticket(actor, ticket_id, due_on, responsible_id, note: str = "") -> SupervisionEntry:
    """挂牌: put an open ticket on the register with a deadline and a responsible leader."""
    ticket = tickets.get(actor, ticket_id)
    if not may_lead(actor, ticket):
        _refuse(actor, ticket, "list", _l("Only a leader of the ticket's units can list it for supervision."),
                result=audit.DENIED, error=Forbidden)
    if ticket.status not in OPEN_STATUSES:
        _refuse(actor, ticket, "list", _l("A ticket that is “%(status)s” cannot be listed for supervision.",
                                          status=STATUSES[ticket.status]))
    if open_entry(ticket.id) is not None:
        _refuse(actor, ticket, "list", _l("This ticket is already on the supervision register."))
    errors = {}
    due_at, problems = _deadline(due_on)
    if problems:
        errors["due_on"] = problems
    leader = _leader(ticket, responsible_id)
    if leader is None:
        errors["responsible_id"] = [_l("Choose the responsible leader.")]
    note = clean_text(note or "", MAX_NOTE)
    if len(note) > MAX_NOTE:
        errors["note"] = [_l("Keep this under %(n)d characters.", n=MAX_NOTE)]
    if errors:
        audit.record_failure(actor, "supervision.list", object_type="ticket", object_id=ticket.id,
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    now = clock.now()
    entry = SupervisionEntry(ticket_id=ticket.id, due_at=due_at, responsible_id=leader.id, note=note,
                             listed_by_id=actor.user_id, listed_at=now, progress_due_at=now + PROGRESS_INTERVAL,
                             close_reason="", close_note="")
    db.session.add(entry)
    try:
        db.session.flush()
    except IntegrityError:   # listed by someone else at the same instant (the partial unique index)
        db.session.rollback()
        _refuse(actor, ticket, "list", _l("This ticket is already on the supervision register."))
    due_text = due_on.isoformat()
    summary = str(_l("Deadline %(day)s; responsible leader: %(name)s.", day=due_text, name=leader.name))
    tickets._event(actor, ticket, "listed", ticket.status, ticket.status,
                   text=f"{summary}\n{note}" if note else summary,
                   data={"due_on": due_text, "responsible": leader.name, "note": note})
    audit.record(actor, "supervision.list", entry, detail={"ticket": ticket.id, "due_on": due_text,
                                                           "responsible": leader.username})
    message = _l("Ticket %(number)s is on the supervision register (挂牌督办) until %(day)s; progress is due "
                 "every week.", number=ticket.number, day=due_text)
    notify_users(_audience(actor, ticket, leader.id), "listed", message, ticket.id)
    db.session.commit()
    return entry


def record_progress(actor, ticket_id, text: str) -> SupervisionProgress:
    """The weekly progress note on a listed ticket."""
    ticket = tickets.get(actor, ticket_id)
    entry = open_entry(ticket.id)
    if entry is None:
        _refuse(actor, ticket, "progress", _l("This ticket is not on the supervision register."))
    if not may_report(actor, ticket, entry):
        _refuse(actor, ticket, "progress", _l("Only the handling unit or the responsible leader writes the "
                                              "progress of a listed ticket."), result=audit.DENIED, error=Forbidden)
    text = tickets._text(text, "text", _l("Describe the progress."), MAX_NOTE)
    now = clock.now()
    progress = SupervisionProgress(entry=entry, text=text, author_id=actor.user_id,
                                   author_name=actor.display_name[:100], unit_id=actor.unit_id, at=now)
    db.session.add(progress)
    entry.last_progress_at, entry.progress_due_at = now, now + PROGRESS_INTERVAL
    tickets._event(actor, ticket, "listing_progress", ticket.status, ticket.status, text=text, internal=True)
    audit.record(actor, "supervision.progress", entry, detail={"ticket": ticket.id})
    if entry.responsible_id != actor.user_id:
        notify_users([entry.responsible_id], "listing_progress",
                     _l("Ticket %(number)s (挂牌督办): new progress.", number=ticket.number), ticket.id)
    db.session.commit()
    return progress


def _take_off(actor, ticket, entry, reason: str, note: str, text: str) -> None:
    entry.closed_at, entry.closed_by_id = clock.now(), actor.user_id
    entry.close_reason, entry.close_note = reason, note
    tickets._event(actor, ticket, "delisted", ticket.status, ticket.status, text=text, data={"reason": reason})
    audit.record(actor, "supervision.take_off", entry, detail={"ticket": ticket.id, "reason": reason})


def take_off(actor, ticket_id, note: str) -> SupervisionEntry:
    """销号 by a leader, with a note, before the ticket is closed."""
    ticket = tickets.get(actor, ticket_id)
    if not may_lead(actor, ticket):
        _refuse(actor, ticket, "take_off", _l("Only a leader of the ticket's units can take it off the register."),
                result=audit.DENIED, error=Forbidden)
    entry = open_entry(ticket.id)
    if entry is None:
        _refuse(actor, ticket, "take_off", _l("This ticket is not on the supervision register."))
    note = tickets._text(note, "note", _l("Say why the ticket is taken off the register."), MAX_NOTE)
    _take_off(actor, ticket, entry, "leader", note, note)
    notify_users(_audience(actor, ticket, entry.responsible_id), "delisted",
                 _l("Ticket %(number)s has been taken off the supervision register.", number=ticket.number), ticket.id)
    db.session.commit()
    return entry


def take_off_closed(actor, ticket) -> None:
    """闭环销号: the ticket has been closed, so its entry leaves the register, in the
    transaction that closes it (called by ``core.tickets.services._commit``)."""
    entry = open_entry(ticket.id)
    if entry is None:
        return
    _take_off(actor, ticket, entry, "ticket_closed", "",
              str(_l("Taken off the register: the ticket is closed (闭环销号).")))
    notify_users([entry.responsible_id] if entry.responsible_id != actor.user_id else [], "delisted",
                 _l("Ticket %(number)s is closed and has been taken off the supervision register.",
                    number=ticket.number), ticket.id)


def sweep_condition(now):
    """Open entries whose weekly progress is due, not reminded within the week;
    or whose deadline has passed and nobody was told yet (the sweep's query)."""
    return and_(SupervisionEntry.closed_at.is_(None), or_(
        and_(SupervisionEntry.progress_due_at < now,
             or_(SupervisionEntry.reminded_at.is_(None), SupervisionEntry.reminded_at <= now - PROGRESS_INTERVAL)),
        and_(SupervisionEntry.due_at < now, SupervisionEntry.deadline_notified_at.is_(None))))
