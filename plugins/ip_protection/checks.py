"""IP health checks (知识产权保护体检): a visit scoring seven checklist areas.

Each area is scored 0–100 by the officer; the overall score is the plain mean
of the seven, rounded half up to a whole number. The Zhuji plan names the check
but gives no weights, so every area counts the same. An area below
``LOW_SCORE`` is a weak point: the enterprise's latest check offers its weak
areas to a risk assessment as findings."""
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.plugins.toolkit import Finding
from core.tickets.deadlines import local_date
from core.text import clean_text
from plugins.ip_protection import access
from plugins.ip_protection.models import Check, CheckArea

AREAS = {
    "trademarks": _l("Registered trademarks and their classes"),
    "patents": _l("Patents and their status"),
    "trade_secrets": _l("Trade-secret protection measures"),
    "online_monitoring": _l("Online infringement monitoring"),
    "counterfeits": _l("Exposure to counterfeits"),
    "confidentiality": _l("Contracts with confidentiality clauses"),
    "training": _l("Staff training"),
}
AREA_WORDS = {"trademarks": "注册商标及类别", "patents": "专利及法律状态", "trade_secrets": "商业秘密保护措施",
              "online_monitoring": "网络侵权监测", "counterfeits": "假冒风险", "confidentiality": "保密条款合同",
              "training": "员工知识产权培训"}
PATENT_STATUSES = {"granted": _l("Granted"), "pending": _l("Pending"), "lapsed": _l("Lapsed")}
LOW_SCORE = 60


@dataclass
class CheckInput:
    checked_on: date | None = None
    scores: dict = field(default_factory=dict)       # {area: score as typed}
    notes: dict = field(default_factory=dict)        # {area: what was seen}
    trademark_count: object = 0
    trademark_classes: str = ""                      # "9, 25, 35"
    patents: dict = field(default_factory=dict)      # {status: count as typed}
    findings: str = ""
    recommendations: str = ""
    follow_up_on: date | None = None
    unit_id: int | None = None


def overall(scores: dict) -> int:
    """The mean of the seven area scores, rounded half up."""
    if set(scores) != set(AREAS):
        raise ValueError("a score for every area")
    mean = Decimal(sum(scores.values())) / len(AREAS)
    return int(mean.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def whole(value, low, high):
    """A whole number typed in a form, within [low, high]; None otherwise."""
    text = str(value if value is not None else "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        return None
    number = int(text)
    return number if low <= number <= high else None


def parse_classes(text: str) -> list[int] | None:
    """Nice classes typed as "9, 25，35"; None when one is not a class 1–45."""
    classes = set()
    for part in str(text or "").replace("，", ",").replace("、", ",").replace(" ", ",").split(","):
        if not part.strip():
            continue
        number = whole(part, 1, 45)
        if number is None:
            return None
        classes.add(number)
    return sorted(classes)


def get(actor, check_id) -> Check:
    actor.require("ip_protection.read")
    row = db.session.scalar(select(Check).where(Check.id == check_id, actor.scope.filter(Check.unit_id))) \
        if check_id else None
    if row is None:
        raise NotFound(_l("There is no such health check."))
    return row


def history(actor, enterprise_id, limit: int = 50) -> list[Check]:
    """The enterprise's checks the actor sees, oldest first: the trend."""
    actor.require("ip_protection.read")
    rows = db.session.scalars(select(Check).where(Check.enterprise_id == enterprise_id,
                                                  actor.scope.filter(Check.unit_id))
                              .order_by(Check.checked_on.desc(), Check.id.desc()).limit(limit))
    return list(reversed(list(rows)))


def trend(checks: list[Check]) -> list[dict]:
    """Each check with its change against the one before, overall and per area."""
    rows, before = [], None
    for check in checks:
        scores = {a.area: a.score for a in check.areas}
        rows.append({"check": check, "scores": scores,
                     "change": None if before is None else check.overall - before.overall,
                     "area_changes": {} if before is None else
                     {a: scores[a] - s for a, s in ((a.area, a.score) for a in before.areas) if a in scores}})
        before = check
    return rows


def record(actor, enterprise_id, data: CheckInput) -> Check:
    actor.require("ip_protection.check")
    errors = {}
    enterprise = None
    try:
        enterprise = access.enterprise(actor, enterprise_id)
    except NotFound as error:
        errors["enterprise_id"] = [error.message]
    unit_id = None
    try:
        unit_id = access.handling_unit(actor, data.unit_id)
    except ValidationError as error:
        errors["unit_id"] = [error.message]
    today = local_date(clock.now())
    if data.checked_on is None or data.checked_on > today:
        errors["checked_on"] = [_l("Give the day of the check (not in the future).")]
    scores = {}
    for area in AREAS:
        score = whole(data.scores.get(area), 0, 100)
        if score is None:
            errors[f"score_{area}"] = [_l("Score every area from 0 to 100: %(area)s is missing.", area=AREAS[area])]
        else:
            scores[area] = score
    count = whole(data.trademark_count or 0, 0, 100000)
    if count is None:
        errors["trademark_count"] = [_l("Give the number of registered trademarks.")]
    classes = parse_classes(data.trademark_classes)
    if classes is None:
        errors["trademark_classes"] = [_l("Trademark classes are numbers from 1 to 45.")]
    patents = {}
    for status in PATENT_STATUSES:
        number = whole(data.patents.get(status) or 0, 0, 100000)
        if number is None:
            errors[f"patents_{status}"] = [_l("Give the number of patents as a whole number.")]
        else:
            patents[status] = number
    if data.follow_up_on is not None and data.checked_on is not None and data.follow_up_on <= data.checked_on:
        errors["follow_up_on"] = [_l("The follow-up comes after the check.")]
    if errors:
        audit.record_failure(actor, "ip_protection.check", object_type="ip_protection_check",
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    check = Check(unit_id=unit_id, enterprise_id=enterprise.id, checked_on=data.checked_on, officer_id=actor.user_id,
                  overall=overall(scores), trademark_count=count, trademark_classes=classes, patents=patents,
                  findings=clean_text(data.findings, 5000)[:5000],
                  recommendations=clean_text(data.recommendations, 5000)[:5000], follow_up_on=data.follow_up_on)
    for position, area in enumerate(AREAS):
        check.areas.append(CheckArea(area=area, position=position, score=scores[area],
                                     note=clean_text(data.notes.get(area, ""), 1000)[:1000]))
    db.session.add(check)
    db.session.flush()
    audit.record(actor, "ip_protection.check", check, detail={"enterprise_id": enterprise.id, "overall": check.overall})
    db.session.commit()
    return check


def latest(actor, enterprise_id) -> Check | None:
    actor.require("ip_protection.read")
    return db.session.scalar(select(Check).where(Check.enterprise_id == enterprise_id, actor.scope.filter(Check.unit_id))
                             .order_by(Check.checked_on.desc(), Check.id.desc()).limit(1))


def findings_of(actor, enterprise_id) -> list[Finding]:
    """The weak areas (below ``LOW_SCORE``) of the enterprise's checks; open for the latest check."""
    rows = history(actor, enterprise_id)
    newest = rows[-1].id if rows else None
    found = []
    for check in rows:
        for area in check.areas:
            if area.score < LOW_SCORE:
                found.append(Finding(
                    source="ip_protection.check", ref=area.id, title=AREA_WORDS[area.area],
                    detail=f"{area.score}分" + (f"：{area.note}" if area.note else ""), category=AREA_WORDS[area.area],
                    found_on=check.checked_on, level="high" if area.score < 40 else "medium",
                    is_open=check.id == newest, endpoint="ip_protection.check", values={"check_id": check.id}))
    return found


def follow_ups_due(actor, within_days: int = 7, limit: int = 50) -> list[Check]:
    """Checks whose follow-up falls within ``within_days`` (or has passed) and that no later check replaced."""
    from datetime import timedelta

    from sqlalchemy.orm import aliased

    actor.require("ip_protection.read")
    later = aliased(Check)
    horizon = local_date(clock.now()) + timedelta(days=within_days)
    replaced = select(later.id).where(later.enterprise_id == Check.enterprise_id, later.checked_on > Check.checked_on,
                                      actor.scope.filter(later.unit_id)).exists()
    return list(db.session.scalars(select(Check).where(
        actor.scope.filter(Check.unit_id), Check.follow_up_on.is_not(None), Check.follow_up_on <= horizon, ~replaced)
        .order_by(Check.follow_up_on, Check.id).limit(limit)))


def done_count(actor, year: int) -> int:
    from sqlalchemy import func

    actor.require("ip_protection.read")
    return db.session.scalar(select(func.count()).select_from(Check).where(
        actor.scope.filter(Check.unit_id), Check.checked_on >= date(year, 1, 1), Check.checked_on <= date(year, 12, 31)))
