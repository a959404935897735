"""Plans (no plan, no inspection), their targets and THE DRAW (双随机).

Before the draw the candidates are filtered: exempt enterprises and those at
the yearly visit cap leave the list; the inspectors who are a target's liaison
officer or declared a conflict with it are recused for that target. The draw
(``plugins.inspection.draw.run``) then samples with ``random.Random(seed)``;
the seed, the inputs and the result are stored with the plan and audited."""
import math
import secrets
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from core import clock
from core.audit import services as audit
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.registry import services as registry
from core.registry.models import Enterprise
from core.text import clean_text
from plugins.inspection import catalogue, draw
from plugins.inspection.labels import DEFAULT_INSPECTION_TYPE, INSPECTION_TYPES
from plugins.inspection.models import Plan, PlanUnit, Visit, VisitInspector

MAX_TARGETS = 5000


@dataclass
class PlanInput:
    title: str = ""
    inspection_type: str = DEFAULT_INSPECTION_TYPE
    form_id: int | None = None
    police_types: list = field(default_factory=list)
    unit_ids: list = field(default_factory=list)          # participating units
    period_start: date | None = None
    period_end: date | None = None
    selection: str = "draw"
    district: str = ""
    industry: str = ""
    draw_count: int | None = None
    draw_percent: int | None = None
    inspectors_per_target: int = 2


# --- reading ---------------------------------------------------------------------------

def _visible(actor):
    actor.require("inspection.read")
    participating = select(PlanUnit.plan_id).where(PlanUnit.unit_id == actor.unit_id)
    return select(Plan).where(or_(actor.scope.filter(Plan.unit_id), Plan.id.in_(participating)))


def visible_ids(actor):
    """The ids of the plans the actor sees, as a subquery."""
    return _visible(actor).with_only_columns(Plan.id).scalar_subquery()


def plans(actor, limit=100, inspection_type: str = "") -> list[Plan]:
    """The plans the actor sees, newest first; of one inspection type when one is given."""
    stmt = _visible(actor)
    if inspection_type:
        if inspection_type not in INSPECTION_TYPES:
            raise ValidationError(_l("There is no such inspection type."), field="inspection_type")
        stmt = stmt.where(Plan.inspection_type == inspection_type)
    return list(db.session.scalars(stmt.order_by(Plan.id.desc()).limit(limit)))


def get(actor, plan_id) -> Plan:
    plan = db.session.scalar(_visible(actor).where(Plan.id == plan_id)) if plan_id else None
    if plan is None:
        raise NotFound(_l("There is no such inspection plan."))
    return plan


def may_manage(actor, plan) -> bool:
    """Whether the actor may change the plan: planners of the lead unit's area."""
    return actor.can("inspection.plan") and actor.scope.allows(plan.unit_id)


def managed(actor, plan_id, action: str) -> Plan:
    """A plan the actor's units lead, for a change: others may read it, not change it."""
    plan = get(actor, plan_id)
    actor.require("inspection.plan")
    if not may_manage(actor, plan):
        audit.record_failure(actor, action, result=audit.DENIED, object_type="inspection_plan", object_id=plan.id)
        raise Forbidden(_l("Only the lead unit changes this plan."))
    return plan


def _refuse(actor, action, plan, message, field=None, **detail):
    audit.record_failure(actor, action, object_type="inspection_plan", object_id=getattr(plan, "id", None),
                         detail={"reason": str(message), **detail})
    raise ValidationError(message, field=field)


# --- visits counted against the cap -------------------------------------------------------

def visit_counts(enterprise_ids, year: int) -> dict[int, int]:
    """Visits of each enterprise counted in ``year``, across every plan, unit and police type."""
    ids = sorted(set(enterprise_ids))
    counts = {}
    for start in range(0, len(ids), 900):
        counts.update(db.session.execute(
            select(Visit.enterprise_id, func.count()).where(Visit.year == year,
                                                             Visit.enterprise_id.in_(ids[start:start + 900]))
            .group_by(Visit.enterprise_id)).all())
    return counts


def capped_ids(year: int, cap: int) -> set[int]:
    return set(db.session.scalars(select(Visit.enterprise_id).where(Visit.year == year)
                                  .group_by(Visit.enterprise_id).having(func.count() >= cap)))


# --- plans ------------------------------------------------------------------------------

def create(actor, data: PlanInput) -> Plan:
    actor.require("inspection.plan")
    errors = {}
    title = clean_text(data.title, 200)[:200]
    if not title:
        errors["title"] = [_l("Give the plan a title.")]
    if data.inspection_type not in INSPECTION_TYPES:
        errors["inspection_type"] = [_l("Choose the inspection type.")]
    form = None
    try:
        form = catalogue.get_form(actor, data.form_id)
    except NotFound:
        errors["form_id"] = [_l("Choose a checklist form.")]
    if form is not None and not [i for i in form.items if i.active]:
        errors["form_id"] = [_l("The checklist form has no items: a plan needs at least one item to check.")]
    types = [t for t in data.police_types if t in catalogue.POLICE_TYPES]
    if not types or len(types) != len(data.police_types):
        errors["police_types"] = [_l("Choose the police types taking part.")]
    allowed = {u.id for u in registry.units(actor)}
    unit_ids = sorted({int(u) for u in data.unit_ids if str(u).isdigit()})
    if not unit_ids or not set(unit_ids) <= allowed:
        errors["unit_ids"] = [_l("Choose the participating units among your units.")]
    if data.period_start is None or data.period_end is None or data.period_end < data.period_start:
        errors["period_end"] = [_l("Give the period: a start and an end no earlier than the start.")]
    if data.selection not in ("draw", "manual"):
        errors["selection"] = [_l("Choose how targets are chosen.")]
    if data.selection == "draw":
        if bool(data.draw_count) == bool(data.draw_percent):
            errors["draw_count"] = [_l("Give either a number of targets or a percentage, not both.")]
        elif data.draw_count and not 1 <= data.draw_count <= MAX_TARGETS:
            errors["draw_count"] = [_l("Draw from 1 to %(n)d targets.", n=MAX_TARGETS)]
        elif data.draw_percent and not 1 <= data.draw_percent <= 100:
            errors["draw_count"] = [_l("The percentage is from 1 to 100.")]
    if not 2 <= (data.inspectors_per_target or 0) <= 10:
        errors["inspectors_per_target"] = [_l("At least 2 inspectors go to each target (at most 10).")]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    plan = Plan(unit_id=actor.unit_id, title=title, inspection_type=data.inspection_type, form_id=form.id,
                police_types=types,
                period_start=data.period_start, period_end=data.period_end, selection=data.selection,
                filter_district=clean_text(data.district, 50)[:50], filter_industry=clean_text(data.industry, 50)[:50],
                draw_count=data.draw_count if data.selection == "draw" else None,
                draw_percent=data.draw_percent if data.selection == "draw" else None,
                inspectors_per_target=data.inspectors_per_target, created_by_id=actor.user_id)
    plan.unit_rows = [PlanUnit(unit_id=u) for u in unit_ids]
    db.session.add(plan)
    db.session.flush()
    audit.record(actor, "inspection.plan_create", plan, detail={"units": unit_ids, "police_types": types,
                                                                "selection": plan.selection,
                                                                "inspection_type": plan.inspection_type})
    db.session.commit()
    return plan


def add_target(actor, plan_id, enterprise_id, override_reason: str = "") -> Visit:
    """A target listed by hand. An exempt enterprise is refused; one at the yearly
    cap too, unless a leader overrides with a reason (audited)."""
    plan = managed(actor, plan_id, "inspection.target_add")
    if plan.selection != "manual" or plan.status != "draft":
        _refuse(actor, "inspection.target_add", plan, _l("Targets are added by hand only to a manual plan before its draw."))
    enterprise = registry.get(actor, enterprise_id)
    if any(v.enterprise_id == enterprise.id for v in plan.visits):
        _refuse(actor, "inspection.target_add", plan, _l("This enterprise is already a target of the plan."))
    if enterprise.id in catalogue.exempt_ids(plan.period_start, plan.period_end):
        _refuse(actor, "inspection.target_add", plan, _l("This enterprise is on the exemption list for the plan's period."),
                enterprise_id=enterprise.id)
    year = plan.period_start.year
    cap = catalogue.settings_of(plan.unit_id).visit_cap
    reason = clean_text(override_reason, 500)[:500]
    over_cap = visit_counts([enterprise.id], year).get(enterprise.id, 0) >= cap
    if over_cap:
        if not reason:
            _refuse(actor, "inspection.target_add", plan,
                    _l("This enterprise has reached the yearly cap of %(n)d visits. A leader may add it with a reason.",
                       n=cap), field="override_reason", enterprise_id=enterprise.id)
        if not actor.can("inspection.decide"):
            audit.record_failure(actor, "inspection.cap_override", result=audit.DENIED,
                                 object_type="inspection_plan", object_id=plan.id, detail={"enterprise_id": enterprise.id})
            raise Forbidden(_l("Only a leader can add an enterprise over the yearly cap."))
    visit = Visit(plan=plan, enterprise_id=enterprise.id, year=year, source="manual",
                  override_reason=reason if over_cap else "")
    db.session.add(visit)
    db.session.flush()
    audit.record(actor, "inspection.cap_override" if over_cap else "inspection.target_add", plan,
                 detail={"enterprise_id": enterprise.id, "visit_id": visit.id, **({"reason": reason} if over_cap else {})})
    db.session.commit()
    return visit


def remove_target(actor, plan_id, visit_id) -> Enterprise:
    """Take a hand-listed target off a draft plan (a slip, or the enterprise closed):
    once the plan is drawn its targets are on record and stay."""
    action = "inspection.target_remove"
    plan = managed(actor, plan_id, action)
    visit = next((v for v in plan.visits if v.id == visit_id), None)
    if visit is None:
        raise NotFound(_l("There is no such target in this plan."))
    if plan.status != "draft":
        _refuse(actor, action, plan,
                _l("The plan has been drawn: its targets are on record and can no longer be removed."),
                enterprise_id=visit.enterprise_id)
    if visit.source != "manual":
        _refuse(actor, action, plan, _l("Only a target listed by hand can be removed."),
                enterprise_id=visit.enterprise_id)
    detail = {"enterprise_id": visit.enterprise_id, "visit_id": visit.id}
    if visit.override_reason:
        detail["override_reason"] = visit.override_reason
    enterprise = visit.enterprise
    db.session.delete(visit)
    db.session.flush()
    db.session.expire(plan, ["visits"])
    audit.record(actor, action, plan, detail=detail)
    db.session.commit()
    return enterprise


# --- the draw -----------------------------------------------------------------------------

def _pool(actor, plan) -> list[int]:
    return registry.officer_ids(actor, plan.unit_ids)


def prepare(actor, plan) -> tuple[dict, dict, dict | None, list[int] | None]:
    """The draw's inputs, every exclusion applied (the candidates recorded packed,
    ``draw.pack_ids``); what was excluded (for the record); the liaison officers
    of a hand-listed plan's targets; and the candidate ids as a list (a draw)."""
    year = plan.period_start.year
    cap = catalogue.settings_of(plan.unit_id).visit_cap
    exempt = catalogue.exempt_ids(plan.period_start, plan.period_end)
    capped = capped_ids(year, cap)
    pool = _pool(actor, plan)
    inputs = {"plan": plan.id, "year": year, "cap": cap, "mode": plan.selection, "pool": pool,
              "per_target": plan.inspectors_per_target}
    excluded = {"exempt": 0, "capped": 0}
    if plan.selection == "draw":
        scope = registry.scoped_select(actor, registry.EnterpriseFilter(
            district=plan.filter_district, industry=plan.filter_industry)).with_only_columns(Enterprise.id)
        ids = _ids(scope)
        out = exempt | capped
        candidates = [e for e in ids if e not in out] if out else ids
        if len(candidates) < len(ids):
            in_scope = set(ids).intersection(out)
            excluded["exempt"] = len(in_scope & exempt)
            excluded["capped"] = len(in_scope - exempt)
        officer_of = None        # read for the drawn targets only (_recusals)
        count = plan.draw_count or math.ceil(len(candidates) * plan.draw_percent / 100)
        inputs.update(candidates_packed=draw.pack_ids(candidates), candidate_count=len(candidates), count=count)
        return inputs, excluded, officer_of, candidates
    else:
        officer_of = {v.enterprise_id: v.enterprise.liaison_officer_id for v in plan.visits}
        inputs["targets"] = sorted(officer_of)
    return inputs, excluded, officer_of, None


def _ids(stmt) -> list[int]:
    """The ids a one-column select returns, in id order. A city's whole registry
    is read here, so the rows are taken from the database cursor as they come:
    building a SQLAlchemy row for each of 100,000 ids would double the draw."""
    result = db.session.connection().execute(stmt.order_by(Enterprise.id))
    try:
        return [row[0] for row in result.cursor.fetchall()]
    finally:
        result.close()


def _liaison_officers(target_ids) -> dict:
    found = {}
    ids = sorted(target_ids)
    for start in range(0, len(ids), 900):
        found.update(db.session.execute(select(Enterprise.id, Enterprise.liaison_officer_id)
                                        .where(Enterprise.id.in_(ids[start:start + 900]))).all())
    return found


def _recusals(target_ids, officer_of) -> dict:
    if officer_of is None:
        officer_of = _liaison_officers(target_ids)
    conflicts = catalogue.conflicts_for(target_ids)
    recusals = {}
    for target in target_ids:
        users = set(conflicts.get(target, ()))
        if officer_of.get(target):
            users.add(officer_of[target])
        if users:
            recusals[str(target)] = sorted(users)
    return recusals


def run_draw(actor, plan_id, seed: str | None = None) -> Plan:
    """Draw targets (for a draw plan) and inspectors, or refuse and draw nothing.
    ``seed`` is for the demo city, which is reproducible; a real draw's is secret and new."""
    action = "inspection.draw"
    plan = managed(actor, plan_id, action)
    if plan.status != "draft":
        _refuse(actor, action, plan, _l("This plan has been drawn already."))
    inputs, excluded, officer_of, candidates = prepare(actor, plan)
    if plan.selection == "draw":
        if inputs["count"] < 1 or inputs["count"] > inputs["candidate_count"]:
            _refuse(actor, action, plan, _l("Only %(n)d enterprises are eligible after the exclusions; nothing was drawn.",
                                            n=inputs["candidate_count"]), count=inputs["count"], **excluded)
    elif not inputs["targets"]:
        _refuse(actor, action, plan, _l("Add the targets before drawing the inspectors."))
    seed = seed or secrets.token_hex(16)
    # Targets first, then the recusals of the drawn targets only; the draw is run
    # again on the full inputs, so the stored inputs reproduce the whole result.
    if plan.selection == "draw":
        import random

        drawn = sorted(random.Random(seed).sample(candidates, inputs["count"]))
    else:
        drawn = inputs["targets"]
    inputs["recusals"] = _recusals(drawn, officer_of)
    try:
        # The same function verification runs, on the recorded inputs (the list already at hand).
        result = draw.run(seed, inputs if candidates is None else dict(inputs, candidates=candidates))
    except draw.TooFewInspectors as short:
        _refuse(actor, action, plan,
                _l("Too few eligible inspectors: %(found)d where %(needed)d are needed for each target; nothing was drawn.",
                   found=short.available, needed=plan.inspectors_per_target),
                enterprise_id=short.enterprise_id, pool=len(inputs["pool"]))
    existing = {v.enterprise_id: v for v in plan.visits}
    for target in result["targets"]:
        visit = existing.get(target) or Visit(plan=plan, enterprise_id=target, year=inputs["year"], source="draw")
        visit.inspector_rows = [VisitInspector(user_id=u) for u in result["inspectors"][str(target)]]
        db.session.add(visit)
    plan.seed, plan.draw_inputs, plan.draw_result = seed, inputs, result
    plan.inputs_sha256 = draw.fingerprint(inputs)
    plan.status, plan.drawn_at, plan.drawn_by_id = "drawn", clock.now(), actor.user_id
    db.session.flush()
    audit.record(actor, action, plan, detail={"seed": seed, "inputs_sha256": plan.inputs_sha256,
                                              "targets": len(result["targets"]), "pool": len(inputs["pool"]),
                                              "excluded": excluded, "recused": len(inputs["recusals"])})
    db.session.commit()
    return plan


@dataclass
class Verification:
    ok: bool
    inputs_ok: bool
    result_ok: bool
    rows_ok: bool
    seed: str
    inputs_sha256: str


def verify(actor, plan_id, *, record=True) -> Verification:
    """Run the draw again from the stored seed and inputs: the same targets and
    inspectors must come out, and they must be the plan's visits."""
    plan = get(actor, plan_id)
    if plan.seed is None:
        raise ValidationError(_l("This plan has not been drawn yet."))
    inputs_ok = draw.fingerprint(plan.draw_inputs) == plan.inputs_sha256
    again = draw.run(plan.seed, plan.draw_inputs)
    result_ok = again == plan.draw_result
    rows = {str(v.enterprise_id): v.inspector_ids for v in plan.visits}
    rows_ok = rows == again["inspectors"]
    outcome = Verification(inputs_ok and result_ok and rows_ok, inputs_ok, result_ok, rows_ok, plan.seed,
                           plan.inputs_sha256)
    if record:
        audit.record(actor, "inspection.verify_draw", plan, result=audit.OK if outcome.ok else audit.REJECTED,
                     detail={"inputs": inputs_ok, "result": result_ok, "rows": rows_ok})
        db.session.commit()
    return outcome
