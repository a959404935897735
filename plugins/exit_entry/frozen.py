"""协助解冻: an enterprise whose bank account was frozen over cross-border trade.

Each case is a demand ticket of core's loop (category
``exit_entry.frozen_account``, registered through core's ticket service), so
it is counted, dispatched and supervised like any other demand; the case keeps
the ticket's id and the ticket page shows the case through
``anqi_ticket_panels``.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.plugins.toolkit import Finding
from core.registry import services as registry
from core.text import clean_text
from core.tickets import services as tickets
from core.tickets.deadlines import local_date
from plugins.exit_entry.models import FrozenCase, FrozenStep
from plugins.exit_entry.vocabulary import OUTCOMES

CATEGORY = "exit_entry.frozen_account"


@dataclass
class CaseInput:
    bank: str = ""
    amount: str = ""
    reason: str = ""
    authority: str = ""
    frozen_on: date | None = None
    submission_key: str | None = None


def get(actor, frozen_case_id) -> FrozenCase:
    actor.require("exit_entry.read")
    case = db.session.get(FrozenCase, frozen_case_id) if frozen_case_id else None
    if case is None or not actor.scope.allows(case.unit_id):
        raise NotFound(_l("There is no such frozen-account case."))
    return case


def cases(actor, limit: int = 100) -> list[FrozenCase]:
    actor.require("exit_entry.read")
    return list(db.session.scalars(select(FrozenCase).where(actor.scope.filter(FrozenCase.unit_id))
                                   .order_by(FrozenCase.status.desc(), FrozenCase.id.desc()).limit(limit)))


def for_ticket(actor, ticket_id) -> FrozenCase | None:
    """The case a ticket was opened for, if the actor's units see it."""
    case = db.session.scalar(select(FrozenCase).where(FrozenCase.ticket_id == ticket_id))
    return case if case is not None and actor.scope.allows(case.unit_id) else None


def findings_of(actor, enterprise_id) -> list[Finding]:
    """The enterprise's frozen-account cases that the actor's units see, as
    ``toolkit.Finding`` for other plugins (a risk assessment's sources)."""
    if not actor.can("exit_entry.read"):
        return []          # a role that may not read the plugin learns nothing from it
    rows = db.session.scalars(select(FrozenCase).where(FrozenCase.enterprise_id == enterprise_id,
                                                       actor.scope.filter(FrozenCase.unit_id)).order_by(FrozenCase.id))
    return [Finding(source=CATEGORY, ref=case.id, title=f"银行账户因跨境贸易被冻结（{case.bank}，{case.amount}元）",
                    found_on=case.frozen_on, detail=case.reason, category="跨境贸易账户冻结",
                    is_open=case.status == "open", endpoint="exit_entry.frozen_case",
                    values={"frozen_case_id": case.id}) for case in rows]


def _amount(value) -> Decimal | None:
    try:
        amount = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e14"):
        return None
    return amount.quantize(Decimal("0.01"))


def open_case(actor, enterprise_id, data: CaseInput) -> FrozenCase:
    """Check the case, register its ticket with core, then record the case with
    the ticket's id."""
    actor.require("exit_entry.handle")
    enterprise = registry.get(actor, enterprise_id)
    errors = {}
    bank = clean_text(data.bank, 100)[:100]
    authority = clean_text(data.authority, 200)[:200]
    reason = clean_text(data.reason, 2000)
    amount = _amount(data.amount)
    if not bank:
        errors["bank"] = [_l("Give the bank holding the account.")]
    if amount is None:
        errors["amount"] = [_l("Give the frozen amount in yuan, such as 125000.00.")]
    if not reason:
        errors["reason"] = [_l("Give the reason for the freeze.")]
    if not authority:
        errors["authority"] = [_l("Give the authority that froze the account.")]
    if data.frozen_on is None:
        errors["frozen_on"] = [_l("Give the date the account was frozen.")]
    elif data.frozen_on > local_date(clock.now()):
        errors["frozen_on"] = [_l("The date is in the future.")]
    if errors:
        audit.record_failure(actor, "exit_entry.frozen_open", object_type="exit_entry_frozen_case",
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    description = (f"企业银行账户因跨境贸易被冻结，申请协助解冻。开户银行：{bank}；冻结金额：{amount}元；"
                   f"冻结机关：{authority}；冻结日期：{data.frozen_on.isoformat()}。原因：{reason}")
    ticket = tickets.register(actor, tickets.Intake(
        enterprise_id=enterprise.id, channel="walk_in", category=CATEGORY, ticket_class="complex",
        handling_mode="follow", description=description[:2000], submission_key=data.submission_key))
    existing = db.session.scalar(select(FrozenCase).where(FrozenCase.ticket_id == ticket.id))
    if existing is not None:            # the same form sent twice: core returned the first ticket
        return existing
    case = FrozenCase(unit_id=actor.unit_id or enterprise.unit_id, enterprise_id=enterprise.id, ticket_id=ticket.id,
                      bank=bank, amount=amount, reason=reason, authority=authority, frozen_on=data.frozen_on,
                      created_by_id=actor.user_id)
    db.session.add(case)
    db.session.flush()
    audit.record(actor, "exit_entry.frozen_open", case, detail={"enterprise_id": enterprise.id,
                                                                "ticket_id": ticket.id})
    db.session.commit()
    return case


def add_step(actor, frozen_case_id, text: str, taken_on: date | None = None) -> FrozenStep:
    case = get(actor, frozen_case_id)
    actor.require("exit_entry.handle")
    if case.status != "open":
        raise ValidationError(_l("The case is closed."))
    text = clean_text(text, 1000)[:1000]
    if not text:
        raise ValidationError(_l("Describe the step taken."), field="text")
    today = local_date(clock.now())
    taken_on = taken_on or today
    if taken_on > today or taken_on < case.frozen_on:
        raise ValidationError(_l("The step's date lies between the freeze and today."), field="taken_on")
    step = FrozenStep(case_id=case.id, taken_on=taken_on, text=text, by_id=actor.user_id)
    case.steps.append(step)
    db.session.flush()
    audit.record(actor, "exit_entry.frozen_step", case, detail={"step_id": step.id})
    db.session.commit()
    return step


def close(actor, frozen_case_id, outcome: str, note: str = "") -> FrozenCase:
    case = get(actor, frozen_case_id)
    actor.require("exit_entry.handle")
    if case.status != "open":
        raise ValidationError(_l("The case is closed."))
    if outcome not in OUTCOMES:
        raise ValidationError(_l("Choose the outcome."), field="outcome")
    if not case.steps:
        raise ValidationError(_l("Record the steps taken before closing the case."))
    case.status, case.outcome, case.outcome_note = "closed", outcome, clean_text(note, 500)[:500]
    case.closed_at = clock.now()
    audit.record(actor, "exit_entry.frozen_close", case, detail={"outcome": outcome})
    db.session.commit()
    return case
