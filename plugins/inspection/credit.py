"""A simple credit grade from inspection outcomes (信用评价), and credit repair
(信用修复) applied for after rectification and approved by a leader.

Grades, counting the rectification orders made since the last approved repair:
A none; B all rectified; C some still open; D some open past their deadline."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import clock
from core.audit import services as audit
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.registry import services as registry
from core.text import clean_text
from plugins.inspection.models import CreditRepair, Rectification

GRADES = {"A": _l("A: no issues"), "B": _l("B: issues rectified"), "C": _l("C: rectification under way"),
          "D": _l("D: rectification overdue")}


def _since(enterprise_id):
    return db.session.scalar(select(func.max(CreditRepair.decided_at)).where(
        CreditRepair.enterprise_id == enterprise_id, CreditRepair.status == "approved"))


def grade(enterprise_id) -> str:
    stmt = select(Rectification.status, Rectification.due_at).where(Rectification.enterprise_id == enterprise_id)
    since = _since(enterprise_id)
    if since is not None:
        stmt = stmt.where(Rectification.created_at > since)
    rows = db.session.execute(stmt).all()
    if not rows:
        return "A"
    now = clock.now()
    open_rows = [due for status, due in rows if status == "open"]
    if any(due < now for due in open_rows):
        return "D"
    return "C" if open_rows else "B"


def pending(enterprise_id) -> CreditRepair | None:
    return db.session.scalar(select(CreditRepair).where(CreditRepair.enterprise_id == enterprise_id,
                                                        CreditRepair.status == "pending"))


def request_repair(actor, enterprise_id, reason: str) -> CreditRepair:
    actor.require("inspection.inspect")
    enterprise = registry.get(actor, enterprise_id)
    reason = clean_text(reason, 500)[:500]
    problem = None
    if grade(enterprise.id) != "B":
        problem = _l("Credit repair is applied for once every issue has been rectified.")
    elif pending(enterprise.id):
        problem = _l("An application for credit repair is already waiting for a decision.")
    elif not reason:
        problem = _l("Say why the credit should be repaired.")
    if problem:
        audit.record_failure(actor, "inspection.credit_repair", object_type="enterprise", object_id=enterprise.id,
                             detail={"reason": str(problem)})
        raise ValidationError(problem, field="reason")
    row = CreditRepair(enterprise_id=enterprise.id, unit_id=actor.unit_id, reason=reason,
                       requested_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "inspection.credit_repair", row, detail={"enterprise_id": enterprise.id})
    db.session.commit()
    return row


def pending_for(actor) -> list[CreditRepair]:
    actor.require("inspection.read")
    return list(db.session.scalars(select(CreditRepair).where(CreditRepair.status == "pending",
                                                              actor.scope.filter(CreditRepair.unit_id))))


def decide(actor, repair_id, approve: bool) -> CreditRepair:
    row = db.session.get(CreditRepair, repair_id) if repair_id else None
    if row is None or not actor.scope.allows(row.unit_id):
        raise NotFound(_l("There is no such application."))
    if not actor.can("inspection.decide"):
        audit.record_failure(actor, "inspection.credit_decide", result=audit.DENIED,
                             object_type="inspection_credit_repair", object_id=row.id)
        raise Forbidden(_l("Only a leader decides on credit repair."))
    if row.status != "pending":
        raise ValidationError(_l("This application has been decided already."))
    if approve and grade(row.enterprise_id) != "B":
        raise ValidationError(_l("Credit repair is applied for once every issue has been rectified."))
    row.status = "approved" if approve else "refused"
    row.decided_by_id, row.decided_at = actor.user_id, clock.now()
    audit.record(actor, "inspection.credit_decide", row, detail={"approved": approve,
                                                                 "enterprise_id": row.enterprise_id})
    db.session.commit()
    return row
