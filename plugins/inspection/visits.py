"""The combined visit (只进一次门、检查多项事): every item of the form recorded
once; issues become rectification orders (整改) with a deadline on the
working-day calendar, then a re-check and closure."""
import secrets
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.plugins.toolkit import Finding as ToolkitFinding
from core.tickets import attachments
from core.tickets.deadlines import after_working_days, end_of_local_day, local_date
from core.text import clean_text
from plugins.inspection import plans
from plugins.inspection.models import Finding, Photo, Rectification, Visit

RESULTS = {"compliant": _l("Compliant"), "issue": _l("Issue"), "na": _l("Not applicable")}
RECTIFY_WORKING_DAYS = 10


@dataclass
class ItemResult:
    result: str = ""
    description: str = ""
    photos: list = field(default_factory=list)      # attachments.Prepared, already checked
    # A message for each refused photo (attachments.inspect_uploads), reported with the other fields' errors.
    photo_problems: list = field(default_factory=list)


def get(actor, visit_id) -> Visit:
    visit = db.session.get(Visit, visit_id) if visit_id else None
    if visit is None:
        raise NotFound(_l("There is no such visit."))
    plans.get(actor, visit.plan_id)           # NotFound when the plan is not visible
    return visit


def may_record(actor, visit) -> bool:
    if not actor.can("inspection.inspect") or visit.status != "planned" or visit.plan.status == "draft":
        return False
    return actor.user_id in visit.inspector_ids or (actor.can("inspection.plan") and actor.scope.allows(visit.plan.unit_id))


def photo_folder() -> Path:
    path = attachments.folder() / "inspection"
    path.mkdir(parents=True, exist_ok=True)
    return path


def record(actor, visit_id, results: dict, due_on: date | None = None) -> Visit:
    """``results``: {item id: ItemResult} for every item of the plan's form."""
    visit = get(actor, visit_id)
    if not may_record(actor, visit):
        audit.record_failure(actor, "inspection.visit", result=audit.DENIED, object_type="inspection_visit",
                             object_id=visit.id)
        raise Forbidden(_l("Only an inspector drawn for this visit, or the lead unit, records it, once."))
    items = [i for i in visit.plan.form.items if i.active]
    errors = {}
    for item in items:
        given = results.get(item.id)
        if given is None or given.result not in RESULTS:
            errors[f"result_{item.id}"] = [_l("Record a result for every item.")]
        elif given.result == "issue" and not clean_text(given.description, 2000):
            errors[f"description_{item.id}"] = [_l("Describe the issue.")]
        if given is not None and given.photo_problems:
            errors[f"photos_{item.id}"] = list(given.photo_problems)
    now = clock.now()
    today = local_date(now)
    if due_on is not None and due_on <= today:
        errors["due_on"] = [_l("The rectification deadline must be after today.")]
    if errors:
        audit.record_failure(actor, "inspection.visit", object_type="inspection_visit", object_id=visit.id,
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    due_at = end_of_local_day(due_on) if due_on else after_working_days(now, RECTIFY_WORKING_DAYS).at
    written = []
    try:
        issues = 0
        for item in items:
            given = results[item.id]
            finding = Finding(visit=visit, item_id=item.id, result=given.result,
                              description=clean_text(given.description, 2000)[:2000] if given.result == "issue" else "")
            db.session.add(finding)
            if given.result == "issue":
                issues += 1
                for prepared in given.photos:
                    stored = f"{secrets.token_hex(16)}.{prepared.extension}"
                    path = photo_folder() / stored
                    with open(path, "xb") as out:
                        written.append(path)
                        out.write(prepared.data)
                    finding.photos.append(Photo(stored_name=stored, original_name=prepared.name,
                                                content_type=prepared.content_type, size=prepared.size,
                                                sha256=prepared.sha256))
                db.session.add(Rectification(finding=finding, enterprise_id=visit.enterprise_id,
                                             unit_id=visit.plan.unit_id, due_at=due_at))
        visit.status, visit.outcome = "done", "issues" if issues else "pass"
        visit.visited_at, visit.recorded_by_id = now, actor.user_id
        visit.year = today.year
        db.session.flush()
        audit.record(actor, "inspection.visit", visit, detail={"plan_id": visit.plan_id, "issues": issues,
                                                               "items": len(items)})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return visit


def photo(actor, photo_id) -> tuple[Photo, Path]:
    row = db.session.get(Photo, photo_id) if photo_id else None
    if row is None:
        raise NotFound(_l("There is no such photo."))
    finding = db.session.get(Finding, row.finding_id)
    get(actor, finding.visit_id)
    return row, photo_folder() / row.stored_name


# --- rectification -------------------------------------------------------------------

def get_rectification(actor, rectification_id) -> Rectification:
    row = db.session.get(Rectification, rectification_id) if rectification_id else None
    if row is None:
        raise NotFound(_l("There is no such rectification order."))
    get(actor, row.finding.visit_id)
    return row


def open_rectifications(enterprise_id) -> list[Rectification]:
    return list(db.session.scalars(select(Rectification).where(Rectification.enterprise_id == enterprise_id,
                                                               Rectification.status == "open")))


def recheck(actor, rectification_id, passed: bool, note: str = "", due_on: date | None = None) -> Rectification:
    """复查: passed closes the order; not passed gives a new deadline."""
    row = get_rectification(actor, rectification_id)
    actor.require("inspection.inspect")
    visit = row.finding.visit
    if not (actor.user_id in visit.inspector_ids or actor.scope.allows(row.unit_id)):
        raise Forbidden(_l("Only the visit's inspectors or the lead unit re-check it."))
    if row.status != "open":
        raise ValidationError(_l("This rectification order is closed."))
    now = clock.now()
    note = clean_text(note, 500)[:500]
    if not passed:
        if due_on is not None and due_on <= local_date(now):
            audit.record_failure(actor, "inspection.recheck", object_type="inspection_rectification", object_id=row.id,
                                 detail={"reason": "deadline in the past"})
            raise ValidationError(_l("The rectification deadline must be after today."), field="due_on")
        row.due_at = end_of_local_day(due_on) if due_on else after_working_days(now, RECTIFY_WORKING_DAYS).at
    else:
        row.status, row.closed_at, row.closed_by_id = "closed", now, actor.user_id
    row.rechecks += 1
    row.last_recheck_note = note
    audit.record(actor, "inspection.recheck", row, detail={"passed": passed})
    db.session.commit()
    return row


def findings_of(actor, enterprise_id) -> list:
    """The issues found on the enterprise's visits of plans the actor sees, as
    ``toolkit.Finding`` for other plugins (a risk assessment's sources)."""
    if not actor.can("inspection.read"):
        return []          # a role that may not read the plugin learns nothing from it
    visible = plans.visible_ids(actor)
    rows = db.session.scalars(
        select(Finding).join(Visit).where(Visit.enterprise_id == enterprise_id, Finding.result == "issue",
                                          Visit.plan_id.in_(visible)).order_by(Finding.id))
    found = []
    for finding in rows:
        order = finding.rectification
        found.append(ToolkitFinding(
            source="inspection.issue", ref=finding.id, title=finding.item.name, detail=finding.description,
            category=finding.item.name, found_on=local_date(finding.visit.visited_at or clock.now()),
            is_open=order is not None and order.status == "open",
            endpoint="inspection.visit", values={"visit_id": finding.visit_id}))
    return found
