"""From one case to a class of cases (一件事 → 一类事).

Tickets are grouped by category × the enterprise's industry × the enterprise's
district over a period (by default the last 30 days, Chinese days) and compared
with the period just before it. A group is *flagged* when it holds at least
``min_count`` tickets (``CLASS_MATTER_MIN_COUNT`` in the app's config, 3 unless
set: three or more similar demands from one industry in one district within 30
days) and *rising* when it holds more than in the previous period. A leader can
take a group up as a class matter (``ClassMatter``) with an owner and a note.

``similar_groups`` and ``tickets_of_group`` are the service the risk_assessment
plugin calls to turn a group into a warning letter; like every service they
see only the tickets in the actor's scope (registered or handled there).
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from core import clock
from core.audit import services as audit
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.notifications.services import notify_users
from core.org.models import User, UserRole
from core.org.roles import BUSINESS_ROLES
from core.registry.models import Enterprise
from core.text import clean_text
from core.tickets import services
from core.tickets.deadlines import LOCAL, UTC, local_date
from core.tickets.models import ClassMatter, Ticket

DEFAULT_DAYS = 30
DEFAULT_MIN_COUNT = 3
MAX_DAYS = 366
MAX_TICKETS = 1000      # tickets listed for a group, and kept on a class matter
MAX_GROUPS = 500        # groups shown at once
READ_PERMISSION = "ticket.stats"
# Taking a group up is a leader's decision; core's matrix gives ticket.supervise
# (督办) to leaders only, which is the same kind of act.
CREATE_PERMISSION = "ticket.supervise"


@dataclass(frozen=True)
class Window:
    since: date            # first day, in China
    until: date            # last day, inclusive
    previous_since: date   # the period just before, of the same length
    previous_until: date

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


@dataclass
class Group:
    category: str
    industry: str
    district: str
    count: int
    previous: int
    min_count: int
    matter_id: int | None = None
    category_label: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return self.category, self.industry, self.district

    @property
    def flagged(self) -> bool:
        return self.count >= self.min_count

    @property
    def rising(self) -> bool:
        return self.count > self.previous

    @property
    def growth(self) -> float | None:
        """The change against the previous period, as a share of it (None when
        the previous period had none)."""
        return (self.count - self.previous) / self.previous if self.previous else None


def min_count_setting() -> int:
    value = current_app.config.get("CLASS_MATTER_MIN_COUNT", DEFAULT_MIN_COUNT)
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return DEFAULT_MIN_COUNT


def window(since: date | None = None, until: date | None = None) -> Window:
    """The period (default: the 30 days up to today in China) and the one before it."""
    today = local_date(clock.now())
    until = until or (today if since is None else min(today, since + timedelta(days=DEFAULT_DAYS - 1)))
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise ValidationError(_l("The first day is after the last day."), field="since")
    if (until - since).days + 1 > MAX_DAYS:
        raise ValidationError(_l("Choose at most a year."), field="since")
    length = (until - since).days + 1
    return Window(since, until, since - timedelta(days=length), since - timedelta(days=1))


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)


def _counted():
    """A duplicate merged into another ticket is one demand with it, not a second."""
    return Ticket.status != "merged"


def _registered_within(first: date, last: date):
    return and_(Ticket.registered_at >= _utc_midnight(first),
                Ticket.registered_at < _utc_midnight(last + timedelta(days=1)))


def similar_groups(actor, since: date | None = None, until: date | None = None, min_count: int | None = None,
                   *, everything: bool = False, industry: str | None = None,
                   district: str | None = None) -> list[Group]:
    """The groups of similar tickets in the period: category × industry ×
    district, with the previous period's count beside each. Only flagged groups
    (at least ``min_count`` tickets) unless ``everything``; only one industry's
    or one district's when ``industry`` / ``district`` is given ("" is the
    enterprises that have none). Flagged and rising groups first, then the
    largest. One grouped count over the two periods."""
    actor.require(READ_PERMISSION)
    w = window(since, until)
    min_count = min_count_setting() if min_count is None else max(1, int(min_count))
    current_start = _utc_midnight(w.since)
    current = func.count(Ticket.id).filter(Ticket.registered_at >= current_start)
    previous = func.count(Ticket.id).filter(Ticket.registered_at < current_start)
    keys = (Ticket.category, Enterprise.industry, Enterprise.district)
    stmt = (select(*keys, current, previous)
            .join(Enterprise, Enterprise.id == Ticket.enterprise_id)
            .where(_registered_within(w.previous_since, w.until), services.visible(actor), _counted())
            .group_by(*keys))
    if industry is not None:
        stmt = stmt.where(func.coalesce(Enterprise.industry, "") == industry)
    if district is not None:
        stmt = stmt.where(func.coalesce(Enterprise.district, "") == district)
    if not everything:
        stmt = stmt.having(current >= min_count)
    groups = [Group(category, industry or "", district or "", count, before, min_count)
              for category, industry, district, count, before in db.session.execute(stmt) if count]
    groups.sort(key=lambda g: (not g.flagged, not g.rising, -g.count, -(g.count - g.previous), g.key))
    groups = groups[:MAX_GROUPS]
    if groups:
        taken = {}
        for matter in _matters_overlapping(actor, w):
            taken.setdefault((matter.category, matter.industry, matter.district), matter.id)
        labels = category_names(actor)
        for group in groups:
            group.matter_id = taken.get(group.key)
            group.category_label = labels.get(group.category, group.category)
    return groups


def category_names(actor) -> dict[str, str]:
    """code -> the category's name in the reader's language."""
    from core.tickets.statistics import category_labels

    return {code: label for code, (_order, label) in category_labels(actor).items()}


def _group_condition(category: str, industry: str, district: str):
    return and_(Ticket.category == category, Enterprise.industry == industry, Enterprise.district == district)


def tickets_of_group(actor, category: str, industry: str, district: str, since: date | None = None,
                     until: date | None = None, limit: int = MAX_TICKETS) -> list[Ticket]:
    """The tickets of one group in the period, newest first (those in the actor's scope)."""
    actor.require(READ_PERMISSION)
    w = window(since, until)
    ids = db.session.scalars(
        select(Ticket.id).join(Enterprise, Enterprise.id == Ticket.enterprise_id)
        .where(_registered_within(w.since, w.until), services.visible(actor), _counted(),
               _group_condition(category, industry or "", district or ""))
        .order_by(Ticket.registered_at.desc(), Ticket.id.desc()).limit(limit)).all()
    if not ids:
        return []
    found = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids))).unique()}
    return [found[i] for i in ids if i in found]


# --- class matters -------------------------------------------------------------------

def _scope_condition(actor):
    return actor.scope.filter(ClassMatter.unit_id)


def _matters_overlapping(actor, w: Window) -> list[ClassMatter]:
    return list(db.session.scalars(select(ClassMatter).where(
        _scope_condition(actor), ClassMatter.period_start <= w.until, ClassMatter.period_end >= w.since)))


def class_matters(actor, limit: int = 100) -> list[ClassMatter]:
    """The class matters of the actor's units, newest first."""
    actor.require(READ_PERMISSION)
    return list(db.session.scalars(select(ClassMatter).where(_scope_condition(actor))
                                   .order_by(ClassMatter.id.desc()).limit(limit)))


def get_class_matter(actor, matter_id) -> ClassMatter:
    actor.require(READ_PERMISSION)
    matter = db.session.get(ClassMatter, matter_id)
    if matter is None or not actor.scope.allows(matter.unit_id):
        raise NotFound(_l("There is no such class matter in your units' area."))
    return matter


def tickets_of_matter(actor, matter: ClassMatter) -> list[Ticket]:
    """The matter's tickets that the actor may see, newest first."""
    ids = [int(i) for i in (matter.ticket_ids or []) if isinstance(i, int)][:MAX_TICKETS]
    if not ids:
        return []
    return list(db.session.scalars(select(Ticket).where(Ticket.id.in_(ids), services.visible(actor))
                                   .order_by(Ticket.registered_at.desc(), Ticket.id.desc())).unique())


def owners(actor) -> list[User]:
    """Who may own a class matter: the active business users of the actor's units."""
    return list(db.session.scalars(
        select(User).where(User.active.is_(True), actor.scope.filter(User.unit_id),
                           User.role_rows.any(UserRole.role.in_(tuple(BUSINESS_ROLES))))
        .order_by(User.unit_id, User.name)))


def people(user_ids) -> dict[int, User]:
    """The users with these ids (owners and authors of class matters), by id."""
    ids = sorted(i for i in user_ids if i)
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def can_create(actor) -> bool:
    return actor.can(CREATE_PERMISSION)


def create_class_matter(actor, category: str, industry: str, district: str, since: date | None, until: date | None,
                        owner_id, note: str = "", title: str = "") -> ClassMatter:
    """Take a group up as a class matter (一类事) owned by ``owner_id``: a leader's
    act, audited; the owner is notified. The group must hold tickets in the
    actor's scope, and must not already be a matter for an overlapping period."""
    def refuse(message, result=audit.REJECTED, error=ValidationError, field=None):
        audit.record_failure(actor, "ticket.class_matter", result=result, object_type="class_matter",
                             detail={"category": category, "industry": industry, "district": district})
        raise error(message, field=field) if field else error(message)

    if not actor.can(CREATE_PERMISSION) or actor.unit_id is None:
        refuse(_l("Only a leader can take up a class matter."), result=audit.DENIED, error=Forbidden)
    category, industry, district = (clean_text(v or "", 64)[:64] for v in (category, industry, district))
    try:
        w = window(since, until)
    except ValidationError as exc:
        refuse(exc.message, field=exc.field)
    if not category:
        refuse(_l("Choose a group of tickets."))
    note = clean_text(note or "", 2000)
    if len(note) > 2000:
        refuse(_l("Keep this under %(n)d characters.", n=2000), field="note")
    owner = None
    if str(owner_id or "").isdigit():
        owner = db.session.get(User, int(owner_id))
    if owner is None or not owner.active or not actor.scope.allows(owner.unit_id) \
            or not owner.roles & BUSINESS_ROLES:
        refuse(_l("Choose an owner from your units."), field="owner_id")
    tickets = tickets_of_group(actor, category, industry, district, w.since, w.until)
    if not tickets:
        refuse(_l("There are no tickets in this group in the period."))
    existing = db.session.scalar(select(ClassMatter).where(
        _scope_condition(actor), ClassMatter.category == category, ClassMatter.industry == industry,
        ClassMatter.district == district, ClassMatter.period_start <= w.until, ClassMatter.period_end >= w.since))
    if existing is not None:
        refuse(_l("This group has already been taken up as the class matter “%(title)s”.", title=existing.title))
    labels = category_names(actor)
    title = clean_text(title or "", 200)[:200] or " · ".join(
        v for v in (labels.get(category, category), industry, district) if v)
    matter = ClassMatter(unit_id=actor.unit_id, category=category, industry=industry, district=district,
                         period_start=w.since, period_end=w.until, title=title, owner_id=owner.id, note=note,
                         ticket_ids=[t.id for t in tickets], created_by_id=actor.user_id)
    db.session.add(matter)
    db.session.flush()
    audit.record(actor, "ticket.class_matter", matter,
                 detail={"category": category, "industry": industry, "district": district,
                         "since": w.since.isoformat(), "until": w.until.isoformat(), "tickets": len(tickets),
                         "owner": owner.username})
    notify_users([owner.id], "class_matter",
                 _l("You own the class matter “%(title)s” (%(n)d tickets).", title=title, n=len(tickets)))
    db.session.commit()
    return matter

