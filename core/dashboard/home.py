"""The home page (工作台): the day's work of the user's units, per role.

Desk staff and officers get their ticket queues with counts (``core.tickets.queues.counts``,
the very figures of the ticket list) and the open tickets due soonest; leaders get
the same for their unit tree, the 挂牌督办 register's open entries, the newest
complaints, what waits for their decision (tickets escalated to the unit, extension
requests) and the month's figures against last month's, summed from the running
counts of ``core.tickets.statistics``. Everything is scoped by ``services.visible``
and read with indexed counts and LIMITed queries: the page costs the same whatever
the number of tickets.
"""
import bisect
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union_all

from core import clock
from core.calendar import services as calendar
from core.extensions import db
from core.supervision import services as supervision
from core.tickets import consultations, queues, statistics
from core.tickets import services as tickets
from core.tickets.deadlines import local_date
from core.tickets.models import Ticket, TicketComplaint, TicketExtension

# The queues a home page shows, in this order, of those the user may open.
HOME_QUEUES = ("to_dispatch", "escalated", "returned", "to_sign", "handling", "overdue", "due_soon", "answered",
               "closed", "following")
# Shown only to those who act on them: confirming an answer (办结) and recording
# the rating are the centre's; the followed tickets only to a follower.
DISPATCHERS_ONLY = ("answered", "returned")
WHEN_ANY = ("following", "escalated")
URGENT = ("overdue", "due_soon", "returned", "escalated")
DEADLINE_ROWS = 8
# An officer's deadlines are those the station meets (sign for, answer); a ticket
# waiting for dispatch, returned or transferred out waits for the centre.
HANDLERS_STATUSES = ("dispatched", "handling")
COMPLAINT_ROWS = 5
COMPLAINT_DAYS = 30
EXTENSION_ROWS = 5


@dataclass(frozen=True)
class QueueTile:
    name: str            # the queue's key in core.tickets.queues.QUEUES (the list's ?queue=)
    label: object
    count: int
    urgent: bool = False


@dataclass(frozen=True)
class NextDeadline:
    ticket: Ticket
    due_at: datetime
    overdue: bool
    text: str            # "2 working days left", "5 hours 10 minutes left", "overdue by …"
    progress: bool       # the deadline is a complex ticket's next progress report


@dataclass
class MonthFigures:
    this: statistics.Figures
    last: statistics.Figures
    this_label: str
    last_label: str
    since: date          # the first day of this month (the statistics page's link)


@dataclass
class Home:
    role: str                                     # leader / desk / officer: the page's layout
    queues: list[QueueTile] = field(default_factory=list)
    deadlines: list[NextDeadline] = field(default_factory=list)
    supervision: object = None                    # core.supervision.services.Dashboard, leaders only
    complaints: list = field(default_factory=list)
    complaint_count: int = 0                      # in the last COMPLAINT_DAYS days
    extensions: list = field(default_factory=list)
    extension_count: int = 0
    month: MonthFigures | None = None
    consultations: list = field(default_factory=list)
    visits_overdue: object = None                 # core.liaison.visit_plans.HomeCard, when there is one


def role_of(actor) -> str:
    if actor.can("ticket.supervise"):
        return "leader"
    if actor.can("ticket.dispatch"):
        return "desk"
    return "officer"


def queue_tiles(actor) -> list[QueueTile]:
    """The user's queues with their counts, as on the ticket list."""
    counted = queues.counts(actor, names=HOME_QUEUES)
    tiles = []
    for name in HOME_QUEUES:
        if name not in counted:
            continue
        if name in DISPATCHERS_ONLY and not actor.can("ticket.dispatch"):
            continue
        if name in WHEN_ANY and not counted[name]:
            continue
        tiles.append(QueueTile(name, queues.QUEUES[name].label, counted[name], name in URGENT and counted[name] > 0))
    return tiles


def _deadline_texts(rows, now: datetime) -> list[str]:
    """"5 hours 10 minutes left" within the last day (or how long it is overdue);
    further off, the working days left, counted from one read of the calendar."""
    from flask_babel import gettext as _

    far = [due_at for due_at, late in rows if not (late or due_at - now <= queues.DUE_SOON)]
    today = local_date(now)
    workdays = calendar.working_days_after(today, max(local_date(d) for d in far)) if far else []
    texts = []
    for due_at, late in rows:
        if late or due_at - now <= queues.DUE_SOON:
            texts.append(queues.countdown_to(due_at, now, overdue=late).text)
            continue
        days = bisect.bisect_right(workdays, local_date(due_at))
        texts.append(_("%(n)d working days left", n=days) if days else queues.countdown_to(due_at, now).text)
    return texts


def next_deadlines(actor, limit: int = DEADLINE_ROWS) -> list[NextDeadline]:
    """The open tickets in the user's scope whose deadline (final, or a complex
    ticket's next progress report) comes first; a paused clock waits apart. For
    those who do not dispatch, the tickets their unit must sign for or answer.

    Each (status, overdue flag, kind of deadline) is read in deadline order from
    the status-and-deadlines index, stopping at ``limit`` rows in scope, and the
    few found are sorted together: no sort of all the open tickets, which a
    station's officer would otherwise pay for the whole city's."""
    actor.require("ticket.read")
    parts = []
    for status in queues.WAITING if actor.can("ticket.dispatch") else HANDLERS_STATUSES:
        for flagged in (False, True):
            for column, other in ((Ticket.due_at, None), (Ticket.progress_due_at, Ticket.due_at)):
                part = (select(Ticket.id.label("id"), column.label("due"))
                        .where(Ticket.status == status, Ticket.overdue == flagged, column.is_not(None),
                               Ticket.paused_at.is_(None), tickets.visible(actor, unfinished=True)))
                if other is not None:     # a complex ticket: no final deadline, the next progress report
                    part = part.where(other.is_(None))
                parts.append(part.order_by(column).limit(limit).subquery())
    found = union_all(*[select(p.c.id, p.c.due) for p in parts]).subquery()
    ids = list(db.session.scalars(select(found.c.id).order_by(found.c.due, found.c.id).limit(limit)))
    if not ids:
        return []
    found = {t.id: t for t in db.session.scalars(select(Ticket).options(*queues.ROW_OPTIONS)
                                                 .where(Ticket.id.in_(ids))).unique()}
    now = clock.now()
    found_rows = [found[i] for i in ids if i in found]
    dues = [(t.due_at or t.progress_due_at, bool(t.overdue) or (t.due_at or t.progress_due_at) <= now)
            for t in found_rows]
    return [NextDeadline(ticket, due_at, late, text, progress=ticket.due_at is None)
            for ticket, (due_at, late), text in zip(found_rows, dues, _deadline_texts(dues, now))]


def _complaints(actor) -> tuple[int, list]:
    # The recent complaints, each looked up in the tickets by its key: a join lets
    # the planner walk all the tickets for the few complaints.
    since = clock.now() - timedelta(days=COMPLAINT_DAYS)
    in_scope = select(Ticket.id).where(Ticket.id == TicketComplaint.ticket_id, tickets.visible(actor)).exists()
    recent = select(TicketComplaint).where(TicketComplaint.recorded_at >= since, in_scope)
    total = db.session.scalar(recent.with_only_columns(func.count(TicketComplaint.id)))
    rows = list(db.session.scalars(recent.order_by(TicketComplaint.id.desc()).limit(COMPLAINT_ROWS)).unique())
    return total, rows


def _extensions(actor) -> tuple[int, list]:
    waiting = (select(TicketExtension).join(Ticket, Ticket.id == TicketExtension.ticket_id)
               .where(tickets.visible(actor), TicketExtension.status == "pending"))
    total = db.session.scalar(waiting.with_only_columns(func.count(TicketExtension.id)))
    rows = db.session.execute(waiting.add_columns(Ticket).order_by(TicketExtension.requested_at, TicketExtension.id)
                              .limit(EXTENSION_ROWS)).all() if total else []
    return total, [tuple(row) for row in rows]


def month_figures(actor, on: date | None = None) -> MonthFigures:
    """This month so far against the whole of last month: the statistics page's totals."""
    on = on or statistics.today()
    this = statistics.preset_period("month", on)
    last_day = this.since - timedelta(days=1)
    last = statistics.period(since=last_day.replace(day=1), until=last_day)
    return MonthFigures(statistics.totals(actor, this), statistics.totals(actor, last),
                        statistics.month_label(this.since.year, this.since.month),
                        statistics.month_label(last.since.year, last.since.month), this.since)


def home(actor) -> Home:
    actor.require("dashboard.read")
    page = Home(role=role_of(actor))
    if actor.can("ticket.read"):
        page.queues = queue_tiles(actor)
        page.deadlines = next_deadlines(actor)
        page.consultations = consultations.waiting_for(actor)
    from core.liaison import visit_plans

    page.visits_overdue = visit_plans.home_card(actor)   # the user's own visit plans: overdue visits
    if page.role == "leader":
        page.supervision = supervision.dashboard(actor)
        page.complaint_count, page.complaints = _complaints(actor)
        if actor.can("ticket.decide_extension"):
            page.extension_count, page.extensions = _extensions(actor)
        if actor.can("ticket.stats"):
            page.month = month_figures(actor)
    return page
