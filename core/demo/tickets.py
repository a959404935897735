"""Demo tickets: a year of demands for the demo city, made in bulk.

``build(count)`` simulates each ticket's loop in memory (registration, dispatch,
signing, answer, closing, rating, rework after a dissatisfied rating, transfers
to outside departments, complex tickets' progress reports, lateness) on the
working-day calendar, cuts it at "now", and inserts tickets, timeline events
and the year's number counters with bulk ``INSERT``s in batches; then
``core.tickets.stats.recount`` builds the dashboard's counts from the tickets,
by the rules that keep them up to date afterwards. 300,000 tickets take a few
minutes.

A few groups of similar demands (one category, one industry, one district) are
made to grow over the last 30 days, so the 一件事→一类事 page has something to show.
"""
import bisect
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, insert, select, text

from core import clock
from core.audit import services as audit
from core.calendar.models import CalendarDay
from core.calendar.services import ensure_year
from core.demo.data import _person
from core.departments.models import OutsideDepartment
from core.extensions import db
from core.privacy.fields import hash_of
from core.org.actor import shell_actor
from core.org.models import Unit, User, UserRole
from core.registry.models import Enterprise
from core.search import index as search_index
from core.tickets.deadlines import LOCAL, UTC, end_of_local_day, local_date
from core.tickets import stats
from core.tickets.models import Ticket, TicketCategory, TicketEvent, TicketSequence

DAYS = 365
HOT_DAYS = 30

CLASS_WEIGHTS = {"instant": 25, "general": 65, "complex": 10}
CHANNEL_WEIGHTS = {"hotline": 34, "online": 24, "walk_in": 14, "visit": 11, "federation": 6, "government": 11}
CATEGORY_WEIGHTS = {"dispute": 24, "service": 20, "consultation": 18, "safety": 13, "crime": 11, "other": 8,
                    "conduct": 6}
# Categories a brigade rather than the enterprise's station often handles.
BRIGADE_FOR = {"crime": ("ZJ-JZ", 0.55), "safety": ("ZJ-ZA", 0.4), "service": ("ZJ-CRJ", 0.15)}
TRANSFER_SHARE = 0.04
DEPARTMENTS = ["市场监管局", "人力社保局", "住建局", "生态环境分局", "税务局", "应急管理局", "12345热线"]
DESCRIPTIONS = {
    "dispute": ["与供货商货款纠纷，对方多次上门吵闹，影响正常生产。", "离职员工聚集讨要工资，情绪激动。",
                "厂区门口有人堵路，影响出货。", "与邻近企业因排水问题发生争执。"],
    "service": ["外籍技术人员办理居留许可，需加急。", "企业新址需办理剧毒化学品购买许可证。",
                "员工户籍迁移手续咨询办理进度。", "申请大型活动安全许可，材料已提交。"],
    "consultation": ["咨询企业内部治安保卫制度建设要求。", "咨询涉企政策及报案流程。",
                     "咨询员工出国出境证件办理条件。", "咨询反诈宣传进企业的安排。"],
    "safety": ["仓库消防通道被占用，存在安全隐患。", "厂区周边夜间照明不足，多次发生盗窃。",
               "企业周边道路大货车超速，存在交通隐患。", "危化品仓库管理存在漏洞，请求指导。"],
    "crime": ["仓库原材料被盗，损失约八万元。", "员工利用职务便利侵占公司货款。",
              "接到冒充客户的诈骗电话，已转账五万元。", "企业商标被仿冒，市场出现假冒产品。"],
    "other": ["企业反映周边噪声扰民问题。", "希望派出所开展企业员工安全培训。", "反映快递网点违规停放车辆。"],
    "conduct": ["反映某窗口办事人员态度生硬。", "反映报案后长时间无人回复。"],
}
ANSWERS = {"resolved": ["已协调处置，问题已解决。", "已依法受理并办结，企业认可。", "已现场核查并整改完毕。"],
           "partly": ["已部分解决，其余事项已告知企业后续办理途径。"],
           "unresolvable": ["经核查不属于公安职能，已向企业解释并引导至相关部门。"]}
RESULT_WEIGHTS = {"resolved": 86, "partly": 10, "unresolvable": 4}
RATING_WEIGHTS = {"satisfied": 78, "basic": 16, "dissatisfied": 6}
HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)

class Calendar:
    """Working days held in memory (read once from calendar_day), so that a
    deadline costs a bisect instead of a query."""

    def __init__(self, first_year: int, last_year: int):
        self.provisional = {year for year in range(first_year, last_year + 1) if ensure_year(year).provisional}
        rows = db.session.execute(select(CalendarDay.day, CalendarDay.workday).where(
            CalendarDay.day >= date(first_year, 1, 1), CalendarDay.day <= date(last_year, 12, 31))).all()
        self.workdays = sorted(d.toordinal() for d, workday in rows if workday)

    def nth_after(self, day: date, n: int) -> date:
        index = bisect.bisect_right(self.workdays, day.toordinal()) + n - 1
        return date.fromordinal(self.workdays[index])

    def provisional_between(self, start: datetime, end: datetime | None) -> bool:
        if end is None:
            return False
        return any(y in self.provisional for y in range(local_date(start).year, local_date(end).year + 1))

    def end_after(self, at: datetime, n: int) -> datetime:
        """The end of the ``n``-th working day after the Chinese day of ``at`` (naive UTC)."""
        return end_of_local_day(self.nth_after(local_date(at), n))


def _weighted(rng, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass
class _City:
    centre: int
    registering: list            # unit ids that register tickets, with weights
    registering_weights: list
    brigades: dict               # code -> unit id
    desk: dict                   # unit id -> [(user id, name)]
    handlers: dict               # unit id -> [(user id, name)]
    leader: dict                 # unit id -> (user id, name)
    parent: dict                 # unit id -> its parent unit's id (提级办 goes there)
    enterprises: list            # (id, unit_id, district, industry)
    categories: list = field(default_factory=list)
    departments: dict = field(default_factory=dict)   # 转交办: the register's name -> id


def _load_city(rng) -> _City:
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    centre = next((u for u in units.values() if u.kind == "centre"), None)
    if centre is None:
        raise RuntimeError("demo tickets need the demo city: run the demo builder first")
    users = defaultdict(list)
    for user, role in db.session.execute(select(User, UserRole.role).join(UserRole, UserRole.user_id == User.id)
                                         .where(User.active.is_(True))):
        users[(user.unit_id, role)].append((user.id, user.name))
    stations = [u for u in units.values() if u.kind == "station"]
    registering = [centre.id] + [s.id for s in stations]
    weights = [85] + [15 / max(1, len(stations))] * len(stations)
    handlers = {}
    for unit in units.values():
        people = users[(unit.id, "officer")] or users[(unit.id, "leader")] or users[(unit.id, "desk")]
        if people:
            handlers[unit.id] = people
    desk = {unit_id: users[(unit_id, "desk")] or users[(unit_id, "leader")] or handlers.get(unit_id, [])
            for unit_id in registering}
    leader = {unit.id: (users[(unit.id, "leader")] or [(None, "系统")])[0] for unit in units.values()}
    enterprises = db.session.execute(select(Enterprise.id, Enterprise.unit_id, Enterprise.district,
                                            Enterprise.industry).order_by(Enterprise.id)).all()
    if not enterprises:
        raise RuntimeError("demo tickets need enterprises: run the demo builder first")
    known = set(db.session.scalars(select(TicketCategory.code).where(TicketCategory.active.is_(True))))
    categories = {c: w for c, w in CATEGORY_WEIGHTS.items() if c in known} or {c: 1 for c in known}
    departments = {name: department_id for name, department_id in db.session.execute(
        select(OutsideDepartment.name, OutsideDepartment.id))}
    return _City(centre=centre.id, registering=registering, registering_weights=weights, departments=departments,
                 brigades={code: u.id for code, u in units.items() if u.kind == "brigade"},
                 desk=desk, handlers=handlers, leader=leader, parent={u.id: u.parent_id for u in units.values()},
                 enterprises=[tuple(e) for e in enterprises],
                 categories=categories)


def _registration_times(rng, count: int, now: datetime) -> list[datetime]:
    """``count`` moments over the last year, mostly on weekdays in office hours."""
    today = local_date(now)
    days = [today - timedelta(days=n) for n in range(DAYS)]
    weights = [1.0 if d.weekday() < 5 else 0.35 for d in days]
    moments = []
    for day in rng.choices(days, weights=weights, k=count):
        if rng.random() < 0.85:
            minute = rng.randint(8 * 60, 18 * 60 - 1)
        else:
            minute = rng.randint(0, 24 * 60 - 1)
        local = datetime.combine(day, time(minute // 60, minute % 60, rng.randint(0, 59)), tzinfo=LOCAL)
        at = local.astimezone(UTC).replace(tzinfo=None)
        moments.append(min(at, now - MINUTE * rng.randint(1, 30)))
    return moments


def _hot_groups(rng, city: _City, count: int, now: datetime) -> list[tuple]:
    """(registered_at, enterprise) for a few groups of similar demands that grow
    over the last 30 days: one industry in one district, one category."""
    by_group = defaultdict(list)
    for enterprise in city.enterprises:
        by_group[(enterprise[2], enterprise[3])].append(enterprise)
    groups = sorted(g for g, members in by_group.items() if len(members) >= 3)
    if not groups:
        return []
    extra = 3 + count // 2000
    made = []
    for category, (district, industry) in zip(("dispute", "safety", "crime", "service"),
                                              rng.sample(groups, min(4, len(groups)))):
        members = by_group[(district, industry)]
        for _ in range(extra):
            at = now - timedelta(minutes=rng.randint(60, HOT_DAYS * 24 * 60 - 60))
            made.append((at, rng.choice(members), category))
    return made


class _Simulation:
    """One ticket's loop, simulated up to ``now``; collects rows and counts."""

    def __init__(self, rng, city: _City, calendar: Calendar, now: datetime):
        self.rng, self.city, self.calendar, self.now = rng, city, calendar, now

    def due(self, ticket_class: str, start: datetime):
        if ticket_class == "instant":
            return start + timedelta(hours=12)
        if ticket_class == "general":
            return self.calendar.end_after(start, 5)
        return None

    def ticket(self, ticket_id: int, registered_at: datetime, enterprise, category=None):
        rng, city, now = self.rng, self.city, self.now
        enterprise_id, station_id, _district, _industry = enterprise
        category = category or _weighted(rng, city.categories)
        ticket_class = _weighted(rng, CLASS_WEIGHTS)
        channel = _weighted(rng, CHANNEL_WEIGHTS)
        registering = rng.choices(city.registering, weights=city.registering_weights)[0]
        desk = rng.choice(city.desk[registering] or [(None, "系统")])
        transfer = rng.random() < TRANSFER_SHARE
        handling = None
        if not transfer:
            handling = station_id
            brigade = BRIGADE_FOR.get(category)
            if brigade and brigade[0] in city.brigades and rng.random() < brigade[1]:
                handling = city.brigades[brigade[0]]
            if handling not in city.handlers:
                handling = station_id if station_id in city.handlers else registering
        mode = ("transfer" if transfer else "immediate" if ticket_class == "instant"
                else "escalate" if ticket_class == "complex" and rng.random() < 0.4 else "follow")
        phone = "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))
        t = {
            "id": ticket_id, "year": local_date(registered_at).year, "seq": 0, "submission_key": None,
            "enterprise_id": enterprise_id, "contact_name": _person(rng),
            # Inserted in bulk, past the ORM: the column type encrypts, the hash is set here.
            "contact_phone_encrypted": phone, "contact_phone_hash": hash_of("phone", phone),
            "channel": channel, "category": category, "ticket_class": ticket_class, "handling_mode": mode,
            "external_department": rng.choice(DEPARTMENTS) if transfer else "",
            "external_department_id": None,
            "description": rng.choice(DESCRIPTIONS.get(category, DESCRIPTIONS["other"])),
            "status": "registered", "registering_unit_id": registering, "registered_by_id": desk[0],
            "handling_unit_id": None, "handling_officer_id": None, "registered_at": registered_at,
            "dispatched_at": None, "signed_at": None, "answered_at": None, "closed_at": None, "rated_at": None,
            "due_at": self.due(ticket_class, registered_at), "sign_due_at": None, "progress_due_at": None,
            "deadline_provisional": False, "extension_days": 0, "supervision_due_at": None, "warned_at": None,
            "overdue": False, "overdue_at": None, "answer": "", "result": "", "rating": "", "rating_comment": "",
            "rework_count": 0, "flagged_for_leader": False, "closed_on_time": None, "version": 1,
            "deadline_set_on": None, "reworked_at": None,
            "paused_at": None, "pause_until": None, "paused_seconds": 0, "late_sign_fors": 0,
        }
        t["external_department_id"] = city.departments.get(t["external_department"])
        if ticket_class == "complex":
            t["progress_due_at"] = self.calendar.end_after(registered_at, 5)
        t["deadline_provisional"] = self.calendar.provisional_between(
            registered_at, t["due_at"] or t["progress_due_at"])
        events = []

        def event(at, kind, to_status, actor, unit_id, text="", data=None, internal=False):
            events.append({"ticket_id": ticket_id, "at": at, "kind": kind, "from_status": t["status"],
                           "to_status": to_status, "actor_id": actor[0], "actor_name": actor[1],
                           "unit_id": unit_id, "text": text, "data": data, "internal": internal})
            t["status"] = to_status

        event(registered_at, "registered", "registered", desk, registering, t["description"][:200])

        # 立即办 (core.tickets.modes): answered and closed by the desk at intake.
        immediate = mode == "immediate"
        # 提级办 at intake: held by the parent unit until its leader dispatches it.
        dispatcher = desk
        if mode == "escalate" and city.parent.get(registering) in city.leader:
            parent = city.parent[registering]
            t["handling_unit_id"] = parent
            event(registered_at, "escalated", "registered", desk, registering, "案情复杂，需上级统筹协调。",
                  {"from_unit": registering, "to_unit": parent, "at_intake": True})
            dispatcher = city.leader[parent]
        dispatched = registered_at + MINUTE * rng.randint(5, 90)
        if not immediate and dispatched > now:
            return t, events
        signed = None
        if immediate:
            t["handling_unit_id"], t["handling_officer_id"] = registering, desk[0]
            handler, handler_unit, answered = desk, registering, registered_at
        elif transfer:
            t["dispatched_at"] = dispatched
            event(dispatched, "transferred", "transferred", desk, registering,
                  data={"department": t["external_department"]})
            handler, handler_unit = desk, registering
            answered = dispatched + HOUR * rng.uniform(4, 24 * 8)
        else:
            t["dispatched_at"] = dispatched
            t["handling_unit_id"] = handling
            t["sign_due_at"] = self.calendar.end_after(dispatched, 1)
            event(dispatched, "dispatched", "dispatched", dispatcher,
                  registering if dispatcher is desk else city.parent[registering])
            quick = 2 if ticket_class == "instant" else 6
            signed = dispatched + HOUR * (rng.uniform(0.1, quick) if rng.random() < 0.95 else rng.uniform(quick, 30))
            if signed > now:
                self.watch(t, signed, None)
                return t, events
            handler, handler_unit = rng.choice(city.handlers[handling]), handling
            t["signed_at"], t["handling_officer_id"] = signed, handler[0]
            t["late_sign_fors"] = int(signed > t["sign_due_at"])
            event(signed, "signed", "handling", handler, handling)
            answered = signed + self.answer_delay(ticket_class)
        if ticket_class == "complex":
            report = signed or dispatched
            while True:
                report = report + timedelta(days=rng.uniform(3, 6.5))
                if report >= min(answered, now):
                    break
                event(report, "progress", t["status"], handler, handler_unit, "已与企业沟通，正在协调处理。")
                t["progress_due_at"] = self.calendar.end_after(report, 5)

        for round_ in (0, 1):
            self.watch(t, signed, answered)
            if answered > now:
                return t, events
            result = _weighted(rng, RESULT_WEIGHTS)
            t["answer"], t["result"], t["answered_at"] = rng.choice(ANSWERS[result]), result, answered
            event(answered, "transfer_replied" if transfer else "answered", "answered", handler, handler_unit,
                  t["answer"], {"result": result})
            closed = answered if immediate and round_ == 0 else answered + HOUR * rng.uniform(0.3, 30)
            if closed > now:
                return t, events
            late = t["overdue"] or (t["due_at"] is not None and answered > t["due_at"])
            t["closed_at"], t["closed_on_time"] = closed, not late
            event(closed, "closed", "closed", desk, registering)
            # The follow-up call (回访): within three days, a few only after some days.
            rated = closed + (HOUR * rng.uniform(2, 72) if rng.random() < 0.95 else timedelta(days=rng.uniform(3, 10)))
            if rated > now:
                return t, events
            rating = _weighted(rng, RATING_WEIGHTS if round_ == 0 else
                               {"satisfied": 45, "basic": 30, "dissatisfied": 25})
            t["rating"], t["rated_at"] = rating, rated
            event(rated, "rated", "rated", desk, registering, data={"rating": rating})
            if rating != "dissatisfied":
                return t, events
            if round_ == 1 or t["handling_unit_id"] is None:
                t["flagged_for_leader"] = True
                event(rated, "flagged", "rated", desk, registering, internal=True)
                return t, events
            # 重办: back to the handling unit once, with the deadline started again
            # (services.rate); overdue_at stays, so a second lateness is not counted again.
            t["rework_count"], t["reworked_at"] = 1, rated
            t["answered_at"] = t["closed_at"] = None
            t["due_at"] = self.due(ticket_class, rated) or t["due_at"]
            t["overdue"], t["warned_at"] = False, None
            event(rated, "reopened", "handling", desk, registering)
            signed = None
            answered = rated + self.answer_delay(ticket_class)
        return t, events

    def answer_delay(self, ticket_class: str) -> timedelta:
        rng = self.rng
        if ticket_class == "instant":
            return HOUR * (rng.uniform(0.3, 6) if rng.random() < 0.96 else rng.uniform(6, 30))
        if ticket_class == "general":
            return timedelta(days=rng.uniform(0.5, 6) if rng.random() < 0.94 else rng.uniform(6, 14))
        return timedelta(days=rng.uniform(8, 45))

    def watch(self, t: dict, signed: datetime | None, answered: datetime | None) -> None:
        """What the sweep would have done: mark the ticket overdue a few minutes
        after the first deadline it missed (signing for it while it waits to be
        signed for — a late sign-for does not keep it overdue once signed —, or
        answering), and count it once, on the day of that deadline."""
        if t["overdue"]:
            return
        missed = [due for due, done in ((t["sign_due_at"] if t["status"] == "dispatched" else None, signed),
                                        (t["due_at"] if t["ticket_class"] != "complex" else None, answered))
                  if due is not None and min(done or self.now, self.now) > due]
        if not missed:
            return
        due = min(missed)
        marked = due + MINUTE * self.rng.randint(1, 5)
        if marked > self.now:
            return
        t["overdue"], t["overdue_at"] = True, marked


def build(count: int, seed: int = 7110, now: datetime | None = None, progress=print, batch: int = 5000,
          events: bool = True) -> dict:
    """Make ``count`` demo tickets registered over the year before ``now`` (by
    default the clock's now). Returns a summary. Refuses when tickets exist."""
    if db.session.scalar(select(func.count(Ticket.id))):
        raise RuntimeError("the database already holds tickets; demo tickets go into a fresh demo city")
    rng = random.Random(seed * 31 + 7)
    now = now or clock.now()
    city = _load_city(rng)
    calendar = Calendar(local_date(now).year - 1, local_date(now).year + 1)
    progress(f"Simulating {count:,} tickets …")
    moments = [(at, rng.choice(city.enterprises), None) for at in _registration_times(rng, count, now)]
    hot = _hot_groups(rng, city, count, now)[: max(0, count // 4)] if count >= 20 else []
    if hot:
        moments = moments[: count - len(hot)] + hot
    moments.sort(key=lambda m: m[0])
    simulation = _Simulation(rng, city, calendar, now)
    sequences: dict = defaultdict(int)
    tickets, timeline, statuses = [], [], defaultdict(int)
    for ticket_id, (at, enterprise, category) in enumerate(moments, start=1):
        ticket, ticket_events = simulation.ticket(ticket_id, at, enterprise, category)
        sequences[ticket["year"]] += 1
        ticket["seq"] = sequences[ticket["year"]]
        statuses[ticket["status"]] += 1
        tickets.append(ticket)
        if events:
            timeline.extend(ticket_events)
        if len(tickets) >= batch:
            _flush(tickets, timeline)
            tickets, timeline = [], []
            if ticket_id % (batch * 10) == 0:
                progress(f"  {ticket_id:,} tickets …")
    _flush(tickets, timeline)
    db.session.execute(insert(TicketSequence.__table__), [{"year": y, "last": n} for y, n in sorted(sequences.items())])
    stats.recount()
    search_index.rebuild(db.session.connection())   # the bulk inserts passed the ORM's flush listener
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT setval(pg_get_serial_sequence('ticket', 'id'), "
                                "(SELECT max(id) FROM ticket))"))
    summary = {"tickets": len(moments), "statuses": dict(statuses),
               "years": dict(sequences)}
    audit.record(shell_actor(), "demo.tickets", detail={"tickets": len(moments)})
    db.session.commit()
    progress(f"Created {len(moments):,} tickets ({', '.join(f'{k} {v:,}' for k, v in sorted(statuses.items()))}) "
             f"and their dashboard counts.")
    return summary


def _flush(tickets: list, timeline: list) -> None:
    if tickets:
        db.session.execute(insert(Ticket.__table__), tickets)
    if timeline:
        db.session.execute(insert(TicketEvent.__table__), timeline)
