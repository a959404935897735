"""Visit plans (走访计划): an officer's rule of visits, and the visits it makes due.

A plan is "every key enterprise (重点企业) I am liaison officer for" or one
enterprise, once a month, a quarter or a half-year. An enterprise's next visit
is due that many calendar months after its last visit, by whoever made it; an
enterprise never visited is due by the end of the calendar month, quarter or
half-year in which the plan was made. Dates are local (Asia/Shanghai) calendar
days: a plan is not a deadline of the working-day calendar.

What a plan covers is read through indexes: the officer's enterprises are a range
of ``ix_enterprise_officer`` (at most ``MAX_ENTERPRISES``), their last visits a
range of ``ix_liaison_visit_enterprise`` each, so the officer's page and home
card cost the same however many enterprises the city has.
"""
import calendar as month_days
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import clock
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.liaison.models import LiaisonVisit, VisitPlan
from core.liaison.visits import today
from core.tickets.deadlines import local_date
from core.org.models import User
from core.registry import services as registry
from core.registry.models import Enterprise

INTERVALS = {"month": _l("Once a month"), "quarter": _l("Once a quarter"), "half_year": _l("Once every half-year")}
MONTHS = {"month": 1, "quarter": 3, "half_year": 6}
MAX_ENTERPRISES = 1000     # what one plan of key enterprises covers, at most
HOME_ROWS = 5


def add_months(day: date, months: int) -> date:
    """The same day ``months`` calendar months later (the month's last day when it is shorter)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    return date(year, month, min(day.day, month_days.monthrange(year, month)[1]))


def period_end(day: date, interval: str) -> date:
    """The last day of the calendar month, quarter or half-year holding ``day``."""
    months = MONTHS[interval]
    first = (day.month - 1) // months * months + 1
    last_month = first + months - 1
    return date(day.year, last_month, month_days.monthrange(day.year, last_month)[1])


def due_on(last_visit: date | None, interval: str, planned_on: date) -> date:
    if last_visit is None:
        return period_end(planned_on, interval)
    return add_months(last_visit, MONTHS[interval])


# --- keeping plans ----------------------------------------------------------------

def _officer(actor, officer_id) -> User:
    """The officer whose plans the actor may see and keep: themselves, or an officer of their units."""
    actor.require("visit.record")
    officer_id = officer_id or actor.user_id
    officer = db.session.get(User, officer_id) if officer_id else None
    if officer is None or (officer.id != actor.user_id and officer.id not in registry.officer_ids(actor)):
        raise NotFound(_l("There is no such officer in your units."))
    return officer


def plans(actor, officer_id=None) -> list[VisitPlan]:
    officer = _officer(actor, officer_id)
    return list(db.session.scalars(select(VisitPlan).where(VisitPlan.officer_id == officer.id)
                                   .order_by(VisitPlan.id)).unique())


def add(actor, officer_id, interval: str, enterprise_id=None) -> VisitPlan:
    """Add a plan: the officer's key enterprises (no ``enterprise_id``) or one enterprise, audited."""
    officer = _officer(actor, officer_id)
    errors = {}
    if interval not in INTERVALS:
        errors["interval"] = [_l("Choose how often: once a month, a quarter or a half-year.")]
    enterprise = None
    if enterprise_id:
        try:
            enterprise = registry.get(actor, enterprise_id)
        except NotFound as exc:
            errors["enterprise_id"] = [exc.message]
    same = select(VisitPlan.id).where(VisitPlan.officer_id == officer.id, VisitPlan.enterprise_id.is_(None)
                                      if enterprise is None else VisitPlan.enterprise_id == enterprise.id)
    if not errors and db.session.scalar(same) is not None:
        errors["enterprise_id"] = [_l("This plan already exists; remove it first to change how often.")]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    plan = VisitPlan(officer_id=officer.id, enterprise_id=enterprise.id if enterprise else None, interval=interval,
                     created_by_id=actor.user_id, created_at=clock.now())
    db.session.add(plan)
    db.session.flush()
    audit.record(actor, "visit_plan.create", plan, detail={"officer": officer.id, "interval": interval,
                                                           "enterprise": plan.enterprise_id})
    db.session.commit()
    return plan


def remove(actor, plan_id) -> None:
    plan = db.session.get(VisitPlan, plan_id)
    if plan is None:
        raise NotFound(_l("There is no such plan."))
    _officer(actor, plan.officer_id)
    audit.record(actor, "visit_plan.delete", plan, detail={"officer": plan.officer_id, "interval": plan.interval,
                                                           "enterprise": plan.enterprise_id})
    db.session.delete(plan)
    db.session.commit()


# --- what is due --------------------------------------------------------------------

@dataclass
class Due:
    enterprise_id: int
    sort_key: str                      # the enterprise's name in pinyin: the order among the same day
    last_visit: date | None
    due_on: date
    interval: str
    enterprise: Enterprise | None = None   # loaded for the rows shown only (``_load``)

    @property
    def overdue(self) -> bool:
        return self.due_on < today()

    @property
    def days_late(self) -> int:
        return (today() - self.due_on).days


def due(actor, officer_id=None, shown: int | None = None) -> list[Due]:
    """Every enterprise the officer's plans cover, with its next visit's due date,
    soonest first (an enterprise under two plans: the sooner). The enterprises of
    the first ``shown`` (all when None) are loaded to be shown."""
    officer = _officer(actor, officer_id)
    return _load(_due_of(officer.id), shown)


def _due_of(officer_id) -> list[Due]:
    """Read as ids and sort keys only: an officer may serve thousands of enterprises,
    of which a page shows a few."""
    rows = list(db.session.scalars(select(VisitPlan).where(VisitPlan.officer_id == officer_id)))
    if not rows:
        return []
    covered: dict[int, list] = {}
    for plan in rows:
        stmt = select(Enterprise.id, Enterprise.name_pinyin)
        if plan.enterprise_id is not None:
            stmt = stmt.where(Enterprise.id == plan.enterprise_id)
        else:
            stmt = (stmt.where(Enterprise.liaison_officer_id == officer_id, Enterprise.is_key.is_(True))
                    .order_by(Enterprise.name_pinyin, Enterprise.id).limit(MAX_ENTERPRISES))
        for enterprise_id, sort_key in db.session.execute(stmt).all():
            covered.setdefault(enterprise_id, []).append((sort_key, plan))
    last = _last_visits(list(covered))
    found = []
    for enterprise_id, pairs in covered.items():
        visited = last.get(enterprise_id)
        found.append(min((Due(enterprise_id, sort_key, visited,
                              due_on(visited, plan.interval, local_date(plan.created_at)), plan.interval)
                          for sort_key, plan in pairs), key=lambda d: d.due_on))
    return sorted(found, key=lambda d: (d.due_on, d.sort_key, d.enterprise_id))


def _load(dues: list[Due], shown: int | None) -> list[Due]:
    wanted = dues if shown is None else dues[:shown]
    if wanted:
        ids = [d.enterprise_id for d in wanted]
        loaded = {}
        for start in range(0, len(ids), 500):
            loaded.update({e.id: e for e in db.session.scalars(
                select(Enterprise).where(Enterprise.id.in_(ids[start:start + 500]))).unique()})
        for d in wanted:
            d.enterprise = loaded.get(d.enterprise_id)
    return dues


def _last_visits(enterprise_ids) -> dict[int, date]:
    last = {}
    for start in range(0, len(enterprise_ids), 500):
        chunk = enterprise_ids[start:start + 500]
        last.update(db.session.execute(
            select(LiaisonVisit.enterprise_id, func.max(LiaisonVisit.visited_on))
            .where(LiaisonVisit.enterprise_id.in_(chunk)).group_by(LiaisonVisit.enterprise_id)).all())
    return last


def overdue(actor, officer_id=None) -> list[Due]:
    return [d for d in due(actor, officer_id) if d.overdue]


@dataclass
class HomeCard:
    count: int
    rows: list


def home_card(actor) -> HomeCard | None:
    """The user's own overdue visits for the home page, or None when there is none."""
    if actor.user_id is None or not actor.can("visit.record"):
        return None
    late = [d for d in _due_of(actor.user_id) if d.overdue]
    return HomeCard(len(late), _load(late, HOME_ROWS)[:HOME_ROWS]) if late else None
