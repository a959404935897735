"""The ticket queues of the desk and of every unit, with their counts, filters
and keyset pages.

A queue is a condition on the tickets the actor may see (``services.visible``).
The same filters serve the list page and the statistics pages, which link to
the tickets behind a figure. A page costs the same whatever the number of
tickets: keyset paging, ids first, then the page's rows with their enterprise,
units and officer loaded in the same query.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, func, or_, select, tuple_
from sqlalchemy.orm import defaultload

from core import clock, paging
from core.errors import ValidationError
from core.extensions import db
from core.org.models import User
from core.registry import services as registry
from core.registry.models import Enterprise
from core.search import query as search
from core.tickets import follow, services
from core.tickets.deadlines import LOCAL, UTC
from core.tickets.models import Ticket
from core.tickets.vocabulary import CHANNELS, CLASSES, MODES, STATUSES

# Statuses in which someone still has to act before the deadline.
WAITING = ("registered", "dispatched", "handling", "returned", "transferred")
FAR = datetime(9999, 12, 31)
DUE_SOON = timedelta(hours=24)


def _past_due(now):
    # A paused clock (core/tickets/pausing.py) is neither late nor due soon while it stands still.
    return and_(Ticket.paused_at.is_(None), or_(Ticket.due_at < now, Ticket.progress_due_at < now))


def _soon(now):
    soon = now + DUE_SOON
    return and_(Ticket.paused_at.is_(None),
                or_(and_(Ticket.due_at >= now, Ticket.due_at <= soon),
                    and_(Ticket.progress_due_at >= now, Ticket.progress_due_at <= soon)))


def _paused():
    return and_(Ticket.status.in_(WAITING), Ticket.paused_at.is_not(None))


def _overdue(now):
    # Flagged by the sweep, or past due and not yet swept.
    return and_(Ticket.status.in_(WAITING), or_(Ticket.overdue.is_(True), _past_due(now)))


def _due_soon(now):
    return and_(Ticket.status.in_(WAITING), Ticket.overdue.is_(False), _soon(now))


def _mine(actor):
    return Ticket.enterprise_id.in_(select(Enterprise.id).where(Enterprise.liaison_officer_id == actor.user_id))


def _escalated_waiting():
    # 提级办 at intake: registered, waiting in the unit it went up to (core.tickets.modes)
    # for that unit's leaders, not in the desk's queue.
    return and_(Ticket.status == "registered", Ticket.handling_mode == "escalate",
                Ticket.handling_unit_id.is_not(None))


def _escalated_to_us(actor):
    return and_(_escalated_waiting(), Ticket.handling_unit_id == actor.unit_id)


def _to_dispatch():
    return and_(Ticket.status == "registered", ~_escalated_waiting())


@dataclass(frozen=True)
class Queue:
    label: object
    condition: object          # (actor, now) -> a WHERE clause
    permission: str = "ticket.read"
    sort: str = "due"          # the order it opens in
    status: str = ""           # a queue of one status: counted from the per-status totals


def _status(name):
    return lambda a, now: Ticket.status == name


QUEUES = {
    # The registered tickets less those escalated at intake (counted apart, see counts()).
    "to_dispatch": Queue(_l("To dispatch"), lambda a, now: _to_dispatch(), "ticket.dispatch", sort="oldest"),
    # For the leaders (who alone hold ticket.supervise) of the unit a ticket was escalated to.
    "escalated": Queue(_l("Escalated to us (提级办)"), lambda a, now: _escalated_to_us(a), "ticket.supervise",
                       sort="oldest"),
    "to_sign": Queue(_l("To sign for"), _status("dispatched"), status="dispatched"),
    "handling": Queue(_l("Being handled"), _status("handling"), status="handling"),
    "overdue": Queue(_l("Overdue"), lambda a, now: _overdue(now)),
    "due_soon": Queue(_l("Due within 24 hours"), lambda a, now: _due_soon(now)),
    "paused": Queue(_l("Clock paused"), lambda a, now: _paused(), sort="oldest"),
    "answered": Queue(_l("Awaiting confirmation"), _status("answered"), sort="oldest", status="answered"),
    "closed": Queue(_l("Awaiting rating"), _status("closed"), "ticket.rate", sort="oldest", status="closed"),
    "returned": Queue(_l("Returned"), _status("returned"), "ticket.dispatch", sort="oldest", status="returned"),
    "transferred": Queue(_l("Transferred out"), _status("transferred"), "ticket.dispatch", sort="oldest",
                         status="transferred"),
    "mine": Queue(_l("My enterprises"), lambda a, now: _mine(a), sort="newest"),
    "following": Queue(_l("I follow (盯办)"), lambda a, now: follow.following(a), sort="due"),
    "all": Queue(_l("All"), lambda a, now: True, sort="newest"),
}
# The statuses the counted queues draw from (all but "mine"), so that counting
# reads the open tickets only, never the whole history.
COUNTED_STATUSES = WAITING + ("answered", "closed")

# A ticket whose clock is paused waits for the enterprise: it sorts after every running deadline.
_DUE = case((Ticket.paused_at.is_not(None), FAR), else_=func.coalesce(Ticket.due_at, Ticket.progress_due_at, FAR))
SORTS = {
    # name: (label, columns, descending)
    "newest": (_l("Newest first"), (Ticket.id,), True),
    "oldest": (_l("Oldest first"), (Ticket.id,), False),
    "due": (_l("Deadline"), (_DUE, Ticket.id), False),
}


def available(actor) -> dict[str, Queue]:
    return {name: q for name, q in QUEUES.items() if actor.can(q.permission)}


def default_queue(actor) -> str:
    return "to_dispatch" if actor.can("ticket.dispatch") else "to_sign"


# --- filters --------------------------------------------------------------------

@dataclass
class TicketFilter:
    q: str = ""
    statuses: tuple = ()
    category: str = ""
    unit_id: int | None = None          # the handling or the registering unit
    ticket_class: str = ""
    channel: str = ""
    since: date | None = None           # registration date, in China
    until: date | None = None
    overdue: bool = False
    enterprise_id: int | None = None
    officer_id: int | None = None       # the handling officer
    handling_mode: str = ""
    onsite_confirmed: bool = False      # 现场办: the enterprise confirmed the on-site result
    paused: bool = False                # the clock has been paused (the statistics' figure)
    signed_late: bool = False           # signed for late at least once
    # What the search box matched, read once for a page and its counts (see _found).
    found: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def active(self) -> bool:
        return any((self.q, self.statuses, self.category, self.unit_id, self.ticket_class, self.channel,
                    self.since, self.until, self.overdue, self.enterprise_id, self.officer_id, self.handling_mode,
                    self.onsite_confirmed, self.paused, self.signed_late))


def _id(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 2**31 else None


def _day(value, problems) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is None or not 1900 <= day.year <= 9998:  # beyond, the time-zone arithmetic overflows
        problems.append(_("“%(value)s” is not a date; write it as YYYY-MM-DD.", value=value[:20]))
        return None
    return day


def parse_filters(args) -> tuple[TicketFilter, list[str]]:
    """Filters from query-string arguments (a mapping); the second value lists
    what was not understood, which is then left out."""
    problems = []
    statuses = []
    for raw in args.getlist("status") if hasattr(args, "getlist") else [args.get("status", "")]:
        for value in (raw or "").split(","):
            value = value.strip()
            if value in STATUSES:
                statuses.append(value)
            elif value:
                problems.append(_("There is no status “%(value)s”.", value=value[:20]))
    f = TicketFilter(
        q=(args.get("q") or "").strip()[:100],
        statuses=tuple(dict.fromkeys(statuses)),
        category=(args.get("category") or "").strip()[:64],
        unit_id=_id(args.get("unit")),
        ticket_class=args.get("ticket_class") if args.get("ticket_class") in CLASSES else "",
        channel=args.get("channel") if args.get("channel") in CHANNELS else "",
        since=_day(args.get("since"), problems),
        until=_day(args.get("until"), problems),
        overdue=args.get("overdue") in ("1", "true", "on"),
        enterprise_id=_id(args.get("enterprise")),
        officer_id=_id(args.get("officer")),
        handling_mode=args.get("handling_mode") if args.get("handling_mode") in MODES else "",
        onsite_confirmed=args.get("onsite") == "confirmed",
        paused=args.get("paused") in ("1", "true", "on"),
        signed_late=args.get("signed_late") in ("1", "true", "on"),
    )
    if f.since and f.until and f.since > f.until:
        problems.append(_("The start date is after the end date."))
        f.since = f.until = None
    return f, problems


def local_midnight(day: date) -> datetime:
    """The start of ``day`` in China, as naive UTC (how times are stored)."""
    return datetime.combine(day, time.min, tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)


NUMBER = re.compile(r"^(\d{4})-?(\d{1,6})$")


ENTERPRISES_LISTED = 1000   # more enterprises matching the search box are given to the database as a subquery


def _found(actor, f: TicketFilter):
    """The search box's condition: the tickets of the enterprises whose name (its
    pinyin, its credit code) matches, or whose text holds the words (core.search).
    Both are read once for the page and its counts, which run the condition
    several times: the text's matches are bounded; the enterprises are listed
    when they are few, else left as a subquery."""
    if "condition" not in f.found:
        enterprises = registry.scoped_select(actor, registry.EnterpriseFilter(q=f.q)).with_only_columns(Enterprise.id)
        listed = list(db.session.scalars(enterprises.limit(ENTERPRISES_LISTED + 1)))
        conditions = [Ticket.enterprise_id.in_(listed if len(listed) <= ENTERPRISES_LISTED else enterprises)]
        written = search.matching_ids(f.q)
        if written:
            conditions.append(Ticket.id.in_(written))
        f.found["condition"] = or_(*conditions)
        # What the list tells the user about the search's bounds (core/search/query.py).
        f.found["capped"] = len(written or ()) >= search.MATCH_LIMIT
        f.found["short_word"] = any(search.unindexed(w) for w in search.words(f.q))
    return f.found["condition"]


def _apply(actor, stmt, f: TicketFilter, now):
    if f.q:
        number = NUMBER.match(f.q)
        if number:
            stmt = stmt.where(Ticket.year == int(number.group(1)), Ticket.seq == int(number.group(2)))
        else:
            stmt = stmt.where(_found(actor, f))
    if f.statuses:
        stmt = stmt.where(Ticket.status.in_(f.statuses))
    elif not (f.q and NUMBER.match(f.q)):
        # A duplicate merged into another ticket is listed only when asked for (by its
        # status or its number): the demand counts once, in the figures and in the lists.
        stmt = stmt.where(Ticket.status != "merged")
    if f.category:
        stmt = stmt.where(Ticket.category == f.category)
    if f.unit_id:
        stmt = stmt.where(or_(Ticket.handling_unit_id == f.unit_id, Ticket.registering_unit_id == f.unit_id))
    if f.ticket_class:
        stmt = stmt.where(Ticket.ticket_class == f.ticket_class)
    if f.channel:
        stmt = stmt.where(Ticket.channel == f.channel)
    if f.since:
        stmt = stmt.where(Ticket.registered_at >= local_midnight(f.since))
    if f.until:
        stmt = stmt.where(Ticket.registered_at < local_midnight(f.until + timedelta(days=1)))
    if f.overdue:
        stmt = stmt.where(or_(Ticket.overdue.is_(True), _overdue(now)))
    if f.enterprise_id:
        stmt = stmt.where(Ticket.enterprise_id == f.enterprise_id)
    if f.officer_id:
        stmt = stmt.where(Ticket.handling_officer_id == f.officer_id)
    if f.handling_mode:
        stmt = stmt.where(Ticket.handling_mode == f.handling_mode)
    if f.onsite_confirmed:
        stmt = stmt.where(Ticket.onsite_confirmed_at.is_not(None))
    if f.paused:
        stmt = stmt.where(or_(Ticket.paused_seconds > 0, Ticket.paused_at.is_not(None)))
    if f.signed_late:
        stmt = stmt.where(Ticket.late_sign_fors > 0)
    return stmt


def _base(actor, queue: str, f: TicketFilter, now):
    actor.require("ticket.read")
    spec = available(actor).get(queue)
    if spec is None:
        raise ValidationError(_l("There is no such queue."), field="queue")
    stmt = select(Ticket).where(services.visible(actor), spec.condition(actor, now))
    return _apply(actor, stmt, f, now)


# --- pages and counts ------------------------------------------------------------------

def _cursor_values(cursor, columns):
    values, backwards = paging.decode(cursor)
    if len(values) != len(columns):
        raise ValidationError(_l("The page link is broken; start again from the first page."), field="cursor")
    converted = []
    for value, column in zip(values, columns):
        if column is _DUE:
            try:
                value = datetime.fromisoformat(value)
            except (TypeError, ValueError):
                raise ValidationError(_l("The page link is broken; start again from the first page."),
                                      field="cursor") from None
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
            raise ValidationError(_l("The page link is broken; start again from the first page."), field="cursor")
        converted.append(value)
    return tuple(converted), backwards


def _key(ticket, columns):
    values = []
    for column in columns:
        if column is _DUE:
            values.append((FAR if ticket.paused_at else ticket.due_at or ticket.progress_due_at or FAR).isoformat())
        else:
            values.append(ticket.id)
    return tuple(values)


# The list shows the officers' names only: their roles (loaded eagerly by
# default, one extra query per relationship path) are left until asked for.
ROW_OPTIONS = (
    defaultload(Ticket.handling_officer).lazyload(User.role_rows),
    defaultload(Ticket.enterprise).defaultload(Enterprise.liaison_officer).lazyload(User.role_rows),
)


def page(actor, queue: str, f: TicketFilter | None = None, *, sort: str = "due", cursor: str | None = None,
         limit: int = 20) -> paging.Page:
    """One page of a queue. Keyset paging in both directions (newest first is
    descending), ids first, then the rows in one query with their joins."""
    now = clock.now()
    stmt = _base(actor, queue, f or TicketFilter(), now)
    _label, columns, descending = SORTS.get(sort) or SORTS["due"]
    backwards = False
    if cursor:
        values, backwards = _cursor_values(cursor, columns)
        forward = not backwards
        after = forward != descending   # ascending forward, or descending backward: greater than
        bound = tuple_(*columns)
        stmt = stmt.where(bound > tuple_(*values) if after else bound < tuple_(*values))
    reverse = descending != backwards
    order = [c.desc() if reverse else c.asc() for c in columns]
    ids = list(db.session.scalars(stmt.with_only_columns(Ticket.id).order_by(*order).limit(limit + 1)))
    more = len(ids) > limit
    ids = ids[:limit]
    found = {t.id: t for t in db.session.scalars(select(Ticket).options(*ROW_OPTIONS).where(Ticket.id.in_(ids)))
             .unique()} if ids else {}
    rows = [found[i] for i in ids if i in found]
    if backwards:
        rows.reverse()
    has_next = (more and not backwards) or (backwards and bool(cursor))
    has_prev = (more and backwards) or (bool(cursor) and not backwards)
    return paging.Page(
        items=rows,
        next_cursor=paging.encode(_key(rows[-1], columns)) if rows and has_next else None,
        prev_cursor=paging.encode(_key(rows[0], columns), backwards=True) if rows and has_prev else None,
        limit=limit,
    )


def ordered(actor, queue: str, f: TicketFilter | None = None, sort: str = "due"):
    """The whole queue (within the filters) as one ordered statement, as the
    pages list it: for exporting, which reads it as a stream."""
    _label, columns, descending = SORTS.get(sort) or SORTS["due"]
    stmt = _base(actor, queue, f or TicketFilter(), clock.now())
    return stmt.order_by(*[c.desc() if descending else c.asc() for c in columns])


def count_overdue() -> int:
    """Open tickets overdue now in all units, for no one in particular: the
    instance-wide figure monitoring reads (the "Overdue" queue, unscoped)."""
    return db.session.scalar(select(func.count(Ticket.id)).where(_overdue(clock.now())))


def counts(actor, f: TicketFilter | None = None, names=None) -> dict[str, int]:
    """How many tickets each queue holds (within the filters), or only the queues
    ``names`` (the home page leaves out "mine", which reads the history of the
    officer's enterprises). Counting reads the open and the not-yet-rated tickets
    only, so it stays cheap as history grows."""
    actor.require("ticket.read")
    now, f = clock.now(), f or TicketFilter()
    wanted = available(actor) if names is None else {n: q for n, q in available(actor).items() if n in names}
    # One pass grouped by status and overdue flag, reading the status-and-
    # deadlines index alone; the per-status queues, "overdue" and "due soon"
    # are added up from its rows (two conditions a row instead of one per queue).
    stmt = (select(Ticket.status, Ticket.overdue, func.count(Ticket.id), func.count(Ticket.id).filter(_past_due(now)),
                   func.count(Ticket.id).filter(_soon(now)), func.count(Ticket.paused_at))
            .where(services.visible(actor, unfinished=True), Ticket.status.in_(COUNTED_STATUSES))
            .group_by(Ticket.status, Ticket.overdue))
    by_status, overdue, due_soon, paused = {}, 0, 0, 0
    for status, flagged, total, past_due, soon, stopped in db.session.execute(_apply(actor, stmt, f, now)):
        by_status[status] = by_status.get(status, 0) + total
        if status in WAITING:
            overdue += total if flagged else past_due
            due_soon += 0 if flagged else soon
            paused += stopped
    result = {}
    for name, queue in wanted.items():
        if queue.status:
            result[name] = by_status.get(queue.status, 0)
        elif name == "overdue":
            result[name] = overdue
        elif name == "due_soon":
            result[name] = due_soon
        elif name == "paused":
            result[name] = paused
    if "to_dispatch" in wanted:
        # The escalated ones are few (registered and waiting above): read apart from the
        # grouped pass, which stays on the status-and-deadlines index.
        escalated = select(func.count(Ticket.id)).where(services.visible(actor, unfinished=True), _escalated_waiting())
        result["to_dispatch"] = by_status.get("registered", 0) - db.session.scalar(_apply(actor, escalated, f, now))
    if "mine" in wanted:
        mine = select(func.count(Ticket.id)).where(services.visible(actor), _mine(actor))
        result["mine"] = db.session.scalar(_apply(actor, mine, f, now))
    if "escalated" in wanted:
        escalated = select(func.count(Ticket.id)).where(services.visible(actor, unfinished=True),
                                                        _escalated_to_us(actor))
        result["escalated"] = db.session.scalar(_apply(actor, escalated, f, now))
    if "following" in wanted:
        # Most people follow nothing: then the count is known without reading the open tickets.
        following = (select(func.count(Ticket.id))
                     .where(services.visible(actor, unfinished=True), follow.following(actor)))
        result["following"] = db.session.scalar(_apply(actor, following, f, now)) if follow.follows_any(actor) else 0
    return result


# --- countdowns -------------------------------------------------------------------

@dataclass(frozen=True)
class Countdown:
    text: str
    overdue: bool
    due_at: datetime
    provisional: bool = False
    paused: bool = False      # the clock stands still (the text says so)


def _span(delta: timedelta) -> tuple[int, int, int]:
    seconds = int(delta.total_seconds())
    return seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60


def countdown_to(due_at: datetime | None, now: datetime, provisional: bool = False,
                 overdue: bool = False) -> Countdown | None:
    """Server-computed text: "2 days 3 hours left", or how long it is overdue."""
    if due_at is None:
        return None
    if overdue or due_at <= now:
        days, hours, minutes = _span(max(now - due_at, timedelta(0)))
        text = (_("Overdue by %(days)d days %(hours)d hours", days=days, hours=hours) if days else
                _("Overdue by %(hours)d hours %(minutes)d minutes", hours=hours, minutes=minutes))
        return Countdown(text, True, due_at, provisional)
    days, hours, minutes = _span(due_at - now)
    text = (_("%(days)d days %(hours)d hours left", days=days, hours=hours) if days else
            _("%(hours)d hours %(minutes)d minutes left", hours=hours, minutes=minutes))
    return Countdown(text, False, due_at, provisional)


def countdown(ticket, now: datetime | None = None) -> Countdown | None:
    """The countdown that matters while someone still has to act: to the final
    deadline, or for a complex ticket to its next progress report."""
    if ticket.status not in WAITING:
        return None
    due_at = ticket.due_at or ticket.progress_due_at
    if ticket.paused_at is not None and due_at is not None:
        return Countdown(_("Paused"), False, due_at, ticket.deadline_provisional, paused=True)
    now = now or clock.now()
    return countdown_to(due_at, now, ticket.deadline_provisional, overdue=ticket.overdue)
