"""The plugins' part of the demo city: a year of records made through the
plugins' own services (hook ``anqi_demo_data``), so they are checked, linked
and audited as real ones are.

Core never imports a plugin: it hands each plugin a ``DemoContext`` — the
demo's units, users and enterprises, the year the demo covers, actors for its
users, the clock pinned at a chosen moment (services read ``core.clock``) and
a random generator of the plugin's own, drawn from the demo's seed. The same
seed gives the same records whatever the other plugins do; only the secrets a
service makes itself (an appointment's code, a PDF's file name, a unit's
signing key) differ from run to run.
"""
from random import Random
from bisect import bisect_left, bisect_right
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from core import clock
from core.calendar.models import CalendarDay
from core.calendar.services import ensure_year
from core.extensions import db
from core.org.actor import Actor
from core.org.models import Unit, User
from core.org.scope import WHOLE_TREE_KINDS
from core.plugins.services import broadcast, units_enabled
from core.registry.models import Enterprise
from core.tickets.deadlines import LOCAL, UTC, local_date

DAYS = 365


@dataclass
class DemoContext:
    seed: int
    first_day: date                         # the year the demo covers, in local days
    last_day: date                          # today
    units: dict[str, int] = field(default_factory=dict)          # unit code → id
    unit_paths: dict[int, str] = field(default_factory=dict)     # unit id → its path in the tree
    users: dict[str, int] = field(default_factory=dict)          # username → id
    enterprises: dict[int, list[int]] = field(default_factory=dict)  # unit id → its enterprises' ids
    rng: Random = field(default=None)     # the demo's own; plugins take theirs with ``random(name)``
    now: datetime = field(default=None)          # when the demo is built: no record is made after it
    workdays: list[date] = field(default_factory=list)   # the working days of the demo's year and the next weeks

    def random(self, name: str) -> Random:
        """A generator of the plugin's own: its records do not depend on the other plugins'."""
        return Random(f"{self.seed}:{name}")

    def unit(self, code: str) -> Unit:
        return db.session.get(Unit, self.units[code])

    def user(self, username: str) -> User:
        return db.session.get(User, self.users[username])

    def actor(self, username: str) -> Actor:
        """The demo user ``username`` acting, as on a page."""
        return Actor(user=self.user(username), address="demo")

    def units_with(self, plugin: str) -> list[Unit]:
        """The demo's units that enabled ``plugin``, in the tree's order."""
        ids = set(units_enabled(plugin))
        return sorted((db.session.get(Unit, i) for i in self.units.values() if i in ids), key=lambda u: u.path)

    def users_of(self, unit_id: int, role: str) -> list[str]:
        """The usernames of the unit's users holding ``role``, sorted."""
        return sorted(u.username for u in db.session.scalars(select(User).where(User.unit_id == unit_id))
                      if role in u.roles)

    def units_under(self, unit: Unit) -> list[int]:
        """The ids of the units a user of ``unit`` sees (``core.org.scope``): its own and those below it,
        the whole tree for the centre."""
        root = unit.path
        if unit.kind in WHOLE_TREE_KINDS:
            root = "/" + unit.path.strip("/").split("/")[0] + "/"
        return sorted(i for i, path in self.unit_paths.items() if path.startswith(root))

    def enterprises_under(self, unit: Unit) -> list[int]:
        """The ids of the enterprises a user of ``unit`` sees."""
        return sorted(e for i in self.units_under(unit) for e in self.enterprises.get(i, []))

    def days(self, rng: Random, count: int, first: date | None = None, last: date | None = None) -> list[date]:
        """``count`` working days drawn between ``first`` and ``last`` (the demo's year), in order."""
        first, last = first or self.first_day, last or self.last_day
        workdays = self.workdays[bisect_left(self.workdays, first):bisect_right(self.workdays, last)]
        return sorted(rng.choice(workdays) for _ in range(count)) if workdays else []

    def work_ticket(self, ticket_id: int, dispatcher: str, officer: str, day: date, answered_on: date, reply: str,
                    result: str = "resolved", follower_id=None) -> None:
        """Take a ticket a plugin registered through the loop: dispatched to ``officer``'s unit, signed
        for, answered on ``answered_on`` and closed by the centre the next day — what is due by now."""
        from core.tickets import services as tickets

        handler = self.user(officer)
        with self.at(day, 11):
            tickets.dispatch(self.actor(dispatcher), ticket_id, handler.unit_id, handler.id, follower_id=follower_id)
        with self.at(day, 14):
            tickets.sign(self.actor(officer), ticket_id)
        if answered_on < self.last_day:
            with self.at(answered_on, 16):
                tickets.answer(self.actor(officer), ticket_id, reply, result)
            with self.at(answered_on + timedelta(days=1), 10):
                tickets.close(self.actor(dispatcher), ticket_id)

    @staticmethod
    def moment(day: date, hour: int = 10, minute: int = 0) -> datetime:
        """The local ``day`` at ``hour``:``minute``, as the naive UTC the clock keeps."""
        return datetime.combine(day, time(hour, minute), tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)

    @contextmanager
    def at(self, day: date, hour: int = 10, minute: int = 0):
        """The clock pinned at the local ``day`` and hour, never past the real now."""
        moment = min(self.moment(day, hour, minute), self.now)
        with clock.pinned(moment):
            yield moment


def context(seed: int) -> DemoContext:
    """The context of the demo city in the database (``core.demo.data.build`` made it)."""
    now = clock.now()
    today = local_date(now)
    first = today - timedelta(days=DAYS)
    horizon = today + timedelta(days=60)
    for year in range(first.year, horizon.year + 1):
        ensure_year(year)
    workdays = list(db.session.scalars(select(CalendarDay.day).where(
        CalendarDay.day >= first, CalendarDay.day <= horizon, CalendarDay.workday.is_(True)).order_by(CalendarDay.day)))
    rows = db.session.execute(select(Unit.code, Unit.id, Unit.path).order_by(Unit.id)).all()
    units = {code: unit_id for code, unit_id, _ in rows}
    paths = {unit_id: path for _, unit_id, path in rows}
    users = dict(db.session.execute(select(User.username, User.id).order_by(User.id)).all())
    enterprises: dict[int, list[int]] = {}
    for unit_id, enterprise_id in db.session.execute(select(Enterprise.unit_id, Enterprise.id).order_by(Enterprise.id)):
        enterprises.setdefault(unit_id, []).append(enterprise_id)
    result = DemoContext(seed=seed, first_day=first, last_day=today, units=units, unit_paths=paths, users=users,
                         enterprises=enterprises, rng=Random(seed), now=now, workdays=workdays)
    return result


def build(seed: int = 7110, progress=print) -> DemoContext:
    """Ask every loaded plugin for its part of the demo city."""
    demo = context(seed)
    broadcast("anqi_demo_data", context=demo)
    db.session.commit()
    progress("Created the plugins' records for the year.")
    return demo
