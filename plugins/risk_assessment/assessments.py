"""Assessments (风险评估备忘录) and their risk items.

An assessment belongs to the unit that made it and to one enterprise of that
unit's area (an enterprise being brought in by investment promotion is marked
so). Its risk items fall in the three areas the plan names (risk management,
business management, business processes), each with a category, a likelihood
and an impact on the fixed scales, the level the unit's matrix gives them,
the evidence and the sources. A risk stays open until it is closed with a
recorded outcome.
"""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import clock
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.registry import services as registry
from core.tickets.deadlines import local_date
from core.text import clean_text
from plugins.risk_assessment import matrix
from plugins.risk_assessment.models import Assessment, RiskItem, Source

AREAS = {"risk_management": _l("Risk management"), "business_management": _l("Business management"),
         "business_process": _l("Business processes")}
AREA_WORDS = {"risk_management": "风险管理", "business_management": "业务管理", "business_process": "业务流程"}
CATEGORIES = {
    "fundraising": _l("Illegal fund-raising"),
    "contract_fraud": _l("Contract fraud"),
    "embezzlement": _l("Embezzlement and misappropriation of funds"),
    "bid_rigging": _l("Bid rigging"),
    "bribery": _l("Commercial bribery"),
    "ip": _l("IP infringement"),
    "tax": _l("Tax and invoice offences"),
    "security": _l("Security"),
    "cyber": _l("Network and data security"),
    "reputation": _l("Reputation"),
    "other": _l("Other"),
}
CATEGORY_WORDS = {"fundraising": "非法集资", "contract_fraud": "合同诈骗", "embezzlement": "职务侵占、挪用资金",
                  "bid_rigging": "串通投标", "bribery": "商业贿赂", "ip": "侵犯知识产权", "tax": "涉税违法",
                  "security": "安全防范", "cyber": "网络与数据安全", "reputation": "声誉舆情", "other": "其他"}
OUTCOMES = {"rectified": _l("Rectified by the enterprise"), "mitigated": _l("Mitigated"),
            "case_filed": _l("Handed over as a case"), "not_confirmed": _l("Not confirmed"),
            "withdrawn": _l("Enterprise withdrawn or project stopped")}
MANUAL = "manual"


@dataclass
class SourceInput:
    source_type: str = MANUAL
    ref: str = ""
    title: str = ""
    detail: str = ""


@dataclass
class RiskInput:
    area: str = ""
    category: str = ""
    title: str = ""
    description: str = ""
    evidence: str = ""
    measures: str = ""
    likelihood: object = None
    impact: object = None
    sources: list = field(default_factory=list)     # [SourceInput]


# --- reading ---------------------------------------------------------------------------

def get(actor, assessment_id) -> Assessment:
    actor.require("risk_assessment.read")
    row = db.session.get(Assessment, assessment_id) if assessment_id else None
    if row is None or not actor.scope.allows(row.unit_id):
        raise NotFound(_l("There is no such assessment in your units' area."))
    return row


def get_risk(actor, risk_item_id) -> RiskItem:
    actor.require("risk_assessment.read")
    row = db.session.get(RiskItem, risk_item_id) if risk_item_id else None
    if row is None or not actor.scope.allows(row.unit_id):
        raise NotFound(_l("There is no such risk in your units' area."))
    return row


def recent(actor, limit: int = 50) -> list[Assessment]:
    actor.require("risk_assessment.read")
    return list(db.session.scalars(select(Assessment).where(actor.scope.filter(Assessment.unit_id))
                                   .order_by(Assessment.id.desc()).limit(limit)))


def of_enterprise(actor, enterprise_id) -> list[Assessment]:
    actor.require("risk_assessment.read")
    return list(db.session.scalars(select(Assessment).where(Assessment.enterprise_id == enterprise_id,
                                                            actor.scope.filter(Assessment.unit_id))
                                   .order_by(Assessment.id.desc())))


def open_risks(actor, enterprise_id=None, limit: int = 200) -> list[RiskItem]:
    actor.require("risk_assessment.read")
    stmt = select(RiskItem).where(RiskItem.status == "open", actor.scope.filter(RiskItem.unit_id))
    if enterprise_id is not None:
        stmt = stmt.where(RiskItem.enterprise_id == enterprise_id)
    return list(db.session.scalars(stmt.order_by(RiskItem.score.desc(), RiskItem.id).limit(limit)))


def open_by_level(actor) -> dict[str, int]:
    """Open risks of the actor's units by level (the dashboard widget)."""
    counts = dict(db.session.execute(select(RiskItem.level, func.count()).where(
        RiskItem.status == "open", actor.scope.filter(RiskItem.unit_id)).group_by(RiskItem.level)).all())
    return {name: counts.get(name, 0) for name in matrix.LEVEL_ORDER}


# --- writing ---------------------------------------------------------------------------

def _text(value, limit, name, errors, message=None):
    text = clean_text(value, limit)
    if len(text) > limit:
        errors[name] = [_l("Keep this under %(n)d characters.", n=limit)]
    elif message and not text:
        errors[name] = [message]
    return text[:limit]


def _refuse(actor, action, errors, **where):
    audit.record_failure(actor, action, detail={"fields": sorted(errors)}, **where)
    raise ValidationError(next(iter(errors.values()))[0], errors=errors)


def create(actor, enterprise_id, title: str, assessed_on: date | None = None, investment_promotion: bool = False,
           summary: str = "") -> Assessment:
    actor.require("risk_assessment.assess")
    enterprise = registry.get(actor, enterprise_id)
    errors = {}
    title = _text(title, 200, "title", errors, _l("Give the assessment a title."))
    summary = _text(summary, 5000, "summary", errors)
    today = local_date(clock.now())
    assessed_on = assessed_on or today
    if assessed_on > today:
        errors["assessed_on"] = [_l("The assessment cannot be dated after today.")]
    if actor.unit_id is None:
        errors["unit"] = [_l("Only a member of a unit can make its assessments.")]
    if errors:
        _refuse(actor, "risk_assessment.assessment", errors, object_type="enterprise", object_id=enterprise.id)
    row = Assessment(unit_id=actor.unit_id, enterprise_id=enterprise.id, title=title, assessed_on=assessed_on,
                     investment_promotion=bool(investment_promotion), summary=summary, created_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "risk_assessment.assessment", row, detail={"enterprise_id": enterprise.id,
                                                                   "investment_promotion": row.investment_promotion})
    db.session.commit()
    return row


def check_risk(actor, unit_id, data: RiskInput) -> dict:
    """The risk's clean values, its level by the unit's matrix; ValidationError
    with every field's message when anything is wrong (nothing written)."""
    errors = {}
    values = {}
    if data.area not in AREAS:
        errors["area"] = [_l("Choose the area of the risk.")]
    if data.category not in CATEGORIES:
        errors["category"] = [_l("Choose the category of the risk.")]
    values["title"] = _text(data.title, 200, "title", errors, _l("Name the risk."))
    values["description"] = _text(data.description, 5000, "description", errors)
    values["evidence"] = _text(data.evidence, 5000, "evidence", errors)
    values["measures"] = _text(data.measures, 2000, "measures", errors)
    for name in ("likelihood", "impact"):
        try:
            values[name] = matrix.scale_value(getattr(data, name), name)
        except ValidationError as error:
            errors[name] = [error.message]
    sources = []
    for given in data.sources or [SourceInput()]:
        kind = clean_text(given.source_type, 64)[:64] or MANUAL
        sources.append({"source_type": kind, "ref": clean_text(given.ref, 200)[:200],
                        "title": clean_text(given.title, 300)[:300], "detail": clean_text(given.detail, 5000)[:5000]})
    if errors:
        _refuse(actor, "risk_assessment.risk", errors, object_type="risk_assessment_assessment")
    values.update(area=data.area, category=data.category, sources=sources,
                  score=values["likelihood"] * values["impact"],
                  level=matrix.level(unit_id, values["likelihood"], values["impact"]))
    return values


def add_risk(actor, assessment_id, data: RiskInput) -> RiskItem:
    assessment = get(actor, assessment_id)
    actor.require("risk_assessment.assess")
    values = check_risk(actor, assessment.unit_id, data)
    sources = values.pop("sources")
    risk = RiskItem(assessment=assessment, unit_id=assessment.unit_id, enterprise_id=assessment.enterprise_id,
                    industry=assessment.enterprise.industry or "", district=assessment.enterprise.district or "",
                    found_on=assessment.assessed_on, created_by_id=actor.user_id, **values)
    risk.sources = [Source(**s) for s in sources]
    db.session.add(risk)
    db.session.flush()
    audit.record(actor, "risk_assessment.risk", risk, detail={
        "assessment_id": assessment.id, "category": risk.category, "likelihood": risk.likelihood,
        "impact": risk.impact, "level": risk.level, "sources": [(s["source_type"], s["ref"]) for s in sources]})
    db.session.commit()
    return risk


def close_risk(actor, risk_item_id, outcome: str, note: str) -> RiskItem:
    """A risk closes only with a recorded outcome: what became of it, and how we know."""
    risk = get_risk(actor, risk_item_id)
    actor.require("risk_assessment.assess")
    errors = {}
    if risk.status != "open":
        errors["status"] = [_l("This risk is already closed.")]
    if outcome not in OUTCOMES:
        errors["outcome"] = [_l("Choose the outcome that closes the risk.")]
    note = _text(note, 1000, "outcome_note", errors, _l("Record the outcome: what was done and how it is known."))
    if errors:
        _refuse(actor, "risk_assessment.close", errors, object_type="risk_assessment_risk_item", object_id=risk.id)
    risk.status, risk.outcome, risk.outcome_note = "closed", outcome, note
    risk.closed_on, risk.closed_by_id = local_date(clock.now()), actor.user_id
    audit.record(actor, "risk_assessment.close", risk, detail={"outcome": outcome})
    db.session.commit()
    return risk
