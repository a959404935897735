"""The figures of a quarter (季度风险报告) for the actor's units: risks found in
the quarter counted by category, industry, district and level beside the
previous quarter's, the ten most serious, and the letters issued in the
quarter with what became of them. Every count is one grouped query: the
database counts, not a loop over the risks. A risk counts in the industry and
district its enterprise had when the risk was recorded (kept on the risk), not
in those it is registered with now."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, select

from core import clock
from core.documents.models import Document
from core.errors import ValidationError
from core.extensions import db
from core.registry.models import Enterprise
from core.tickets.deadlines import LOCAL, UTC, local_date
from plugins.risk_assessment import matrix
from plugins.risk_assessment.assessments import CATEGORY_WORDS
from plugins.risk_assessment.models import Letter, Response, RiskItem

DIMENSIONS = ("category", "industry", "district", "level")
TOP = 10
LETTER_WORDS = {"notice": "提示书", "advice": "意见建议书", "warning": "风险预警单"}


@dataclass(frozen=True)
class Quarter:
    year: int
    quarter: int

    @property
    def first(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def last(self) -> date:
        following = date(self.year + 1, 1, 1) if self.quarter == 4 else date(self.year, 3 * self.quarter + 1, 1)
        return following - timedelta(days=1)

    @property
    def previous(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.quarter == 1 else Quarter(self.year, self.quarter - 1)

    @property
    def name(self) -> str:
        return f"{self.year}年第{'一二三四'[self.quarter - 1]}季度"

    def ended(self, today: date) -> bool:
        return today > self.last


def quarter_of(day: date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def check(year, quarter) -> Quarter:
    """The quarter asked for; ValidationError for one not begun yet or not a quarter."""
    try:
        chosen = Quarter(int(year), int(quarter))
    except (TypeError, ValueError):
        raise ValidationError(_l("Choose a year and a quarter."), field="quarter") from None
    if chosen.quarter not in (1, 2, 3, 4) or not 2000 <= chosen.year <= 2100:
        raise ValidationError(_l("Choose a year and a quarter."), field="quarter")
    if chosen.first > local_date(clock.now()):
        raise ValidationError(_l("This quarter has not begun yet."), field="quarter")
    return chosen


def _utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL).astimezone(UTC).replace(tzinfo=None)


def _change(current: int, previous: int) -> dict:
    return {"current": current, "previous": previous, "change": current - previous,
            "percent": round(100 * (current - previous) / previous) if previous else None}


def _keys(dimension):
    return {"category": RiskItem.category, "industry": RiskItem.industry, "district": RiskItem.district,
            "level": RiskItem.level}[dimension]


def _label(dimension, key) -> str:
    if dimension == "category":
        return CATEGORY_WORDS.get(key, key)
    if dimension == "level":
        return matrix.LEVEL_WORDS.get(key, key)
    return key or "未填写"


def counts_by(actor, q: Quarter, dimension: str) -> list[dict]:
    """One line per value of ``dimension``: risks found in the quarter and in the
    previous one, the change; the largest first (levels in their order)."""
    key = _keys(dimension)
    in_quarter = RiskItem.found_on >= q.first
    stmt = (select(key, func.count().filter(in_quarter), func.count().filter(~in_quarter))
            .select_from(RiskItem)
            .where(actor.scope.filter(RiskItem.unit_id), RiskItem.found_on >= q.previous.first,
                   RiskItem.found_on <= q.last)
            .group_by(key))
    lines = [{"key": value or "", "label": _label(dimension, value), **_change(current, previous)}
             for value, current, previous in db.session.execute(stmt)]
    if dimension == "level":
        found = {line["key"]: line for line in lines}
        return [found.get(code) or {"key": code, "label": matrix.LEVEL_WORDS[code], **_change(0, 0)}
                for code in matrix.LEVEL_ORDER]
    lines.sort(key=lambda line: (-line["current"], -line["previous"], line["key"]))
    return lines


def totals(actor, q: Quarter) -> dict:
    in_quarter = RiskItem.found_on >= q.first
    current, previous, closed, enterprises = db.session.execute(
        select(func.count().filter(in_quarter), func.count().filter(~in_quarter),
               func.count().filter(and_(in_quarter, RiskItem.status == "closed")),
               func.count(func.distinct(case((in_quarter, RiskItem.enterprise_id)))))
        .where(actor.scope.filter(RiskItem.unit_id), RiskItem.found_on >= q.previous.first,
               RiskItem.found_on <= q.last)).one()
    return {**_change(current, previous), "closed": closed, "open": current - closed, "enterprises": enterprises}


def most_serious(actor, q: Quarter, limit: int = TOP) -> list[dict]:
    """The quarter's most serious risks: highest likelihood × impact, then the
    highest level (a unit's matrix may grade alike scores apart), the newest."""
    rank = case((RiskItem.level == "high", 0), (RiskItem.level == "medium", 1), else_=2)
    stmt = (select(RiskItem.id, RiskItem.title, RiskItem.category, RiskItem.level, RiskItem.score, RiskItem.status,
                   Enterprise.name, RiskItem.industry, RiskItem.district)
            .join(Enterprise, Enterprise.id == RiskItem.enterprise_id)
            .where(actor.scope.filter(RiskItem.unit_id), RiskItem.found_on >= q.first, RiskItem.found_on <= q.last)
            .order_by(RiskItem.score.desc(), rank, RiskItem.found_on.desc(), RiskItem.id.desc()).limit(limit))
    return [{"id": i, "title": title, "category": CATEGORY_WORDS.get(category, category),
             "level": matrix.LEVEL_WORDS.get(level, level), "score": score,
             "status": "已销号" if status == "closed" else "未销号", "enterprise": name,
             "industry": industry or "未填写", "district": district or "未填写"}
            for i, title, category, level, score, status, name, industry, district in db.session.execute(stmt)]


def letters_issued(actor, q: Quarter) -> list[dict]:
    """Letters issued in the quarter by kind: answered in time, answered late,
    awaiting a response (delivered or not yet)."""
    on_time = exists().where(Response.letter_id == Letter.id, Response.late.is_(False))
    late = exists().where(Response.letter_id == Letter.id, Response.late.is_(True))
    stmt = (select(Letter.kind, func.count(), func.count().filter(on_time), func.count().filter(and_(late, ~on_time)))
            .join(Document, Document.id == Letter.document_id)
            .where(actor.scope.filter(Letter.unit_id), Document.issued_at >= _utc(q.first),
                   Document.issued_at < _utc(q.last + timedelta(days=1)),
                   Document.status.in_(("issued", "delivered")))
            .group_by(Letter.kind))
    found = {kind: (issued, answered, answered_late)
             for kind, issued, answered, answered_late in db.session.execute(stmt)}
    lines = []
    for kind, words in LETTER_WORDS.items():
        issued, answered, answered_late = found.get(kind, (0, 0, 0))
        lines.append({"kind": kind, "label": words, "issued": issued, "answered": answered,
                      "late": answered_late, "awaiting": issued - answered - answered_late})
    return lines


OUTCOME_WORDS = {"rectified": "企业已整改", "mitigated": "已化解", "case_filed": "已移交立案", "not_confirmed": "经核实不存在",
                 "withdrawn": "企业撤离或项目终止"}


def outcomes(actor, q: Quarter) -> list[dict]:
    """The quarter's risks closed so far, by the outcome recorded."""
    stmt = (select(RiskItem.outcome, func.count()).where(
        actor.scope.filter(RiskItem.unit_id), RiskItem.found_on >= q.first, RiskItem.found_on <= q.last,
        RiskItem.status == "closed").group_by(RiskItem.outcome))
    found = dict(db.session.execute(stmt).all())
    return [{"key": key, "label": words, "count": found.get(key, 0)} for key, words in OUTCOME_WORDS.items()]


STEPS = [("total", totals)] + [(f"by_{d}", lambda actor, q, d=d: counts_by(actor, q, d)) for d in DIMENSIONS] + [
    ("top", most_serious), ("letters", letters_issued), ("outcomes", outcomes)]


def figures(actor, q: Quarter, on_step=None) -> dict:
    """Every figure of the report, as plain JSON values; ``on_step(done, total)``
    after each (the job's progress)."""
    out = {"year": q.year, "quarter": q.quarter, "name": q.name, "first": q.first.isoformat(),
           "last": q.last.isoformat(), "previous": q.previous.name}
    for n, (name, compute) in enumerate(STEPS, start=1):
        out[name] = compute(actor, q)
        if on_step:
            on_step(n, len(STEPS))
    return out
