"""The sweep: marks overdue tickets and sends the pre-deadline warnings.

Run every five minutes by the background worker (``core.tasks``) and on demand
by ``anqi tickets sweep``. It reads only open tickets (through the status
index) and is idempotent: a ticket is marked overdue, counted and notified
once; a warning is sent once per deadline. Two sweeps running at once (the
embedded worker and ``anqi worker``, or several workers on PostgreSQL) cannot
notify twice: the tickets to change are locked and checked again before they
are changed, and tickets another transaction holds are left to the next run.
A ticket's follower (转盯办, ``core.tickets.follow``) hears of both with the unit.

Deadlines watched, each only while it applies:

- ``due_at``, the final deadline, until the handling unit answers;
- ``sign_due_at``, the sign-for deadline, while the ticket waits to be signed for;
- ``progress_due_at``, the next progress report of a complex ticket being handled;
- ``supervision_due_at``, a leader's supervision deadline, until the answer.

A ticket whose clock is paused (``paused_at``, core/tickets/pausing.py) is
neither warned nor marked overdue while paused; a pause whose day has ended
(``pause_until``) is ended first, at the end of that day, and the ticket is
then watched again with its deadlines moved. A late sign-for does not keep a
ticket overdue once it is signed for: from then on the handling deadlines
alone decide (``clear_if_on_time`` after signing); and an answer is judged on
time against the deadlines as counted now (``answered_in_time``).
"""
from dataclasses import asdict, dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from core import clock
from core.audit import services as audit
from core.extensions import db
from core.notices import services as notices
from core.notifications.services import notify_users
from core.org.actor import Actor
from core.org.models import User, UserRole
from core.org.roles import LEADER
from core.tickets import deadlines
from core.tickets.models import Ticket, TicketEvent

# Statuses in which the ticket still waits for the handling unit's answer.
WATCHED_STATUSES = ("registered", "dispatched", "handling", "returned", "transferred")

DEADLINE_NAMES = {
    "final": _l("the deadline"),
    "sign": _l("the sign-for deadline"),
    "progress": _l("the progress report deadline"),
    "supervision": _l("the supervision deadline"),
}

COLUMNS = (Ticket.id, Ticket.status, Ticket.ticket_class, Ticket.registered_at, Ticket.dispatched_at,
           Ticket.rated_at, Ticket.rework_count, Ticket.reworked_at, Ticket.due_at, Ticket.sign_due_at,
           Ticket.progress_due_at, Ticket.supervision_due_at, Ticket.warned_at, Ticket.overdue, Ticket.paused_at)


@dataclass
class SweepSummary:
    checked: int = 0     # open tickets looked at
    overdue: int = 0     # tickets marked overdue by this run
    warned: int = 0      # pre-deadline warnings sent
    notified: int = 0    # notifications written
    skipped: int = 0     # tickets another transaction held; the next run takes them
    resumed: int = 0     # paused clocks started again because their day had ended

    def as_dict(self) -> dict:
        return asdict(self)


def system_actor() -> Actor:
    """Who the sweep acts as: no user, the background job."""
    return Actor(user=None, address="sweep", is_shell=True)


def _deadlines(t, starts) -> list[tuple[str, datetime | None, datetime]]:
    """The deadlines that apply to a ticket now: (kind, when the time began, due)."""
    found = []
    if t.status not in WATCHED_STATUSES or t.paused_at is not None:
        return found
    if t.due_at is not None:
        # A ticket sent back for rework (重办) counts afresh from then.
        begun = t.reworked_at or t.registered_at
        found.append(("final", begun, t.due_at))
    if t.status == "dispatched" and t.sign_due_at is not None:
        found.append(("sign", t.dispatched_at, t.sign_due_at))
    if t.status == "handling" and t.ticket_class == "complex" and t.progress_due_at is not None:
        found.append(("progress", starts.get(("progress", t.id)) or t.registered_at, t.progress_due_at))
    if t.supervision_due_at is not None:
        found.append(("supervision", starts.get(("supervision", t.id)), t.supervision_due_at))
    return found


def _missed(t, starts, now) -> list[tuple[str, datetime]]:
    return sorted(((kind, due) for kind, _begun, due in _deadlines(t, starts) if due < now), key=lambda x: x[1])


def missed(ticket, now: datetime) -> list[str]:
    """The watched deadlines of ``ticket`` that have passed at ``now`` (swept or not)."""
    return [kind for kind, _due in _missed(ticket, {}, now)]


def answered_in_time(ticket) -> bool:
    """Whether the answer came before the deadlines that applied while the ticket
    was handled — the final one, a complex ticket's running progress report and
    a leader's supervision deadline — as they are counted now (pauses,
    extensions and today's calendar given). A late sign-for does not make the
    answer late: once signed for, the handling deadlines alone decide."""
    at = ticket.answered_at
    if at is None:
        return not ticket.overdue
    due = [ticket.due_at, ticket.supervision_due_at]
    if ticket.ticket_class == "complex":
        due.append(ticket.progress_due_at)
    return all(d is None or at <= d for d in due)


def judge_answered(tickets) -> None:
    """After a calendar change: answered tickets judged again against their
    recounted deadlines, overdue or not as the answer found them (closing then
    decides on-time by the same rule). The sweep no longer watches them and
    nobody has to act, so nobody is notified."""
    for t in tickets:
        if t.answered_at is None:
            continue
        in_time = answered_in_time(t)
        if t.overdue and in_time:
            t.overdue = False
        elif not t.overdue and not in_time:
            missed_at = min(d for d in (t.due_at, t.supervision_due_at,
                                        t.progress_due_at if t.ticket_class == "complex" else None)
                            if d is not None and d < t.answered_at)
            t.overdue, t.overdue_at = True, missed_at


def _warning_due(t, starts, now) -> tuple[str, datetime] | None:
    """The deadline whose 80 % mark has passed and that has not been warned of:
    a warning sent before that mark was about an earlier deadline."""
    for kind, begun, due in sorted(_deadlines(t, starts), key=lambda x: x[2]):
        if begun is None or due <= begun or due < now:
            continue
        mark = deadlines.warning_time(begun, due)
        if mark <= now and (t.warned_at is None or t.warned_at < mark):
            return kind, due
    return None


def clear_if_on_time(tickets, now: datetime) -> None:
    """After deadlines moved (an extension, a progress report, a reopening, a
    calendar change): a ticket none of whose watched deadlines has passed is no
    longer overdue, and one none of whose warning marks has passed is no longer
    warned. A deadline moved into the past is left to the next sweep, which
    marks, notifies and counts it. A ticket the sweep no longer watches (an
    answered one) keeps its flags, and so does a paused one until its clock runs again."""
    tickets = [t for t in tickets if t.status in WATCHED_STATUSES and t.paused_at is None
               and (t.overdue or t.warned_at)]
    starts = _starts([t.id for t in tickets])
    for t in tickets:
        if t.overdue and not _missed(t, starts, now):
            t.overdue = False
        if t.warned_at and all(begun is None or deadlines.warning_time(begun, due) > now
                               for _kind, begun, due in _deadlines(t, starts)):
            t.warned_at = None


def _starts(ticket_ids) -> dict:
    """When the running progress period and supervision began, from the timeline
    (one grouped query each, on the (ticket_id, id) index)."""
    starts = {}
    if not ticket_ids:
        return starts
    ids = sorted(ticket_ids)
    for key, kinds in (("progress", ("progress", "reopened", "rework")), ("supervision", ("supervised",))):
        rows = db.session.execute(
            select(TicketEvent.ticket_id, func.max(TicketEvent.at))
            .where(TicketEvent.ticket_id.in_(ids), TicketEvent.kind.in_(kinds))
            .group_by(TicketEvent.ticket_id))
        for ticket_id, at in rows:
            starts[(key, ticket_id)] = at
    return starts


class _Audience:
    """Who hears about a ticket, looked up once per unit and run."""

    def __init__(self):
        self._cache = {}

    def users(self, unit_id, roles=None) -> set[int]:
        if unit_id is None:
            return set()
        key = (unit_id, roles)
        if key not in self._cache:
            stmt = select(User.id).where(User.unit_id == unit_id, User.active.is_(True))
            if roles:
                stmt = stmt.where(User.role_rows.any(UserRole.role.in_(roles)))
            self._cache[key] = set(db.session.scalars(stmt))
        return self._cache[key]

    def follower(self, ticket) -> set[int]:
        """转盯办: the ticket's follower (core/tickets/follow.py), while an active user."""
        if ticket.follower_id is None:
            return set()
        key = ("follower", ticket.follower_id)
        if key not in self._cache:
            self._cache[key] = bool(db.session.scalar(select(User.active).where(User.id == ticket.follower_id)))
        return {ticket.follower_id} if self._cache[key] else set()

    def overdue(self, ticket) -> set[int]:
        """The handling unit's users and the registering unit's leaders (its desk
        too while no unit handles the ticket), and the follower."""
        if ticket.handling_unit_id is None:
            return self.users(ticket.registering_unit_id, ("desk", LEADER)) | self.follower(ticket)
        return (self.users(ticket.handling_unit_id) | self.users(ticket.registering_unit_id, (LEADER,))
                | self.follower(ticket))

    def warning(self, ticket) -> set[int]:
        if ticket.handling_unit_id is None:
            return self.users(ticket.registering_unit_id, ("desk", LEADER)) | self.follower(ticket)
        return self.users(ticket.handling_unit_id) | self.follower(ticket)


def _event(ticket, kind, now, text, data) -> None:
    db.session.add(TicketEvent(ticket_id=ticket.id, kind=kind, from_status=ticket.status, to_status=ticket.status,
                               actor_id=None, actor_name="system", unit_id=None, text=str(text), data=data,
                               internal=True, at=now))


def sweep(now: datetime | None = None, actor: Actor | None = None) -> SweepSummary:
    """Mark the open tickets whose deadline has passed as overdue and warn of
    those at 80 % of their time; notify, count and audit; commit once."""
    now = now or clock.now()
    username = None if actor else "system"
    actor = actor or system_actor()
    summary = SweepSummary()
    # 0. Start the paused clocks whose day has ended (their deadlines move).
    from core.tickets import pausing

    summary.resumed = pausing.end_expired(actor, now, username)
    # 1. Read the open tickets not yet overdue nor paused: plain rows, no locks.
    rows = db.session.execute(
        select(*COLUMNS).where(Ticket.status.in_(WATCHED_STATUSES), Ticket.overdue.is_(False),
                               Ticket.paused_at.is_(None))).all()
    summary.checked = len(rows)
    starts = _starts([r.id for r in rows if r.supervision_due_at is not None
                      or (r.ticket_class == "complex" and r.status == "handling")])
    todo = [r.id for r in rows if _missed(r, starts, now) or _warning_due(r, starts, now)]
    if todo:
        # 2. Lock those tickets (PostgreSQL; SQLite holds its write lock already),
        #    skip any that a user is changing right now, and check them again.
        locked = select(Ticket).where(Ticket.id.in_(todo)).options(lazyload("*")).order_by(Ticket.id)
        locked = locked.with_for_update(of=Ticket, skip_locked=True).execution_options(populate_existing=True)
        tickets = list(db.session.scalars(locked))
        summary.skipped = len(todo) - len(tickets)
        audience = _Audience()
        for ticket in tickets:
            if ticket.overdue:
                continue
            missed = _missed(ticket, starts, now)
            if missed:
                _mark_overdue(ticket, missed, now, audience, summary)
                continue
            warning = _warning_due(ticket, starts, now)
            if warning:
                _warn(ticket, *warning, now=now, audience=audience, summary=summary)
    audit.record(actor, "tickets.sweep", object_type="ticket", detail=summary.as_dict(), username=username)
    db.session.commit()
    notices.send_pending()
    return summary


def _mark_overdue(ticket, missed, now, audience, summary) -> None:
    kind, due = missed[0]
    ticket.overdue, ticket.overdue_at = True, now
    _event(ticket, "overdue", now, _l("Overdue: %(deadline)s (%(due)s) has passed.",
                                      deadline=DEADLINE_NAMES[kind], due=_local(due)),
           {"deadlines": [k for k, _due in missed], "due": due.isoformat()})
    summary.overdue += 1
    users = audience.overdue(ticket)
    summary.notified += notify_users(
        users, "overdue",
        _l("Ticket %(number)s is overdue: %(deadline)s (%(due)s) has passed.", number=ticket.number,
           deadline=DEADLINE_NAMES[kind], due=_local(due)), ticket.id)
    notices.for_staff("officer.overdue", users, ticket, due=due)


def _warn(ticket, kind, due, now, audience, summary) -> None:
    ticket.warned_at = now
    _event(ticket, "warned", now, _l("Warning: %(deadline)s is %(due)s.", deadline=DEADLINE_NAMES[kind],
                                     due=_local(due)), {"deadline": kind, "due": due.isoformat()})
    summary.warned += 1
    users = audience.warning(ticket)
    summary.notified += notify_users(
        users, "warning",
        _l("Ticket %(number)s: %(deadline)s is %(due)s.", number=ticket.number, deadline=DEADLINE_NAMES[kind],
           due=_local(due)), ticket.id)
    notices.for_staff("officer.warning", users, ticket, due=due)


def _local(at: datetime) -> str:
    """A stored (UTC) time as Beijing time, to the minute."""
    return at.replace(tzinfo=deadlines.UTC).astimezone(deadlines.LOCAL).strftime("%Y-%m-%d %H:%M")
