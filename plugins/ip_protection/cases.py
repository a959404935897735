"""Infringement cases (知识产权类案件): a report opens a core ticket of the
plugin's category ``ip_protection.infringement`` and the case keeps its id, so
the case page links to the ticket and the ticket page (``anqi_ticket_panels``)
links back. The case holds the rights involved, the suspected infringer, the
evidence files and the handling status."""
import hashlib
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import clock
from core.audit import services as audit
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.plugins.toolkit import Finding, TicketCategory
from core.tickets import services as tickets
from core.tickets.deadlines import local_date
from core.tickets.vocabulary import INTAKE_CHANNELS
from core.text import clean_text
from plugins.ip_protection import access, files
from plugins.ip_protection.models import BrandAlert, Case, CaseEvent, Evidence

CATEGORY = TicketCategory("ip_protection.infringement", _l("Intellectual property (知识产权)"))
KINDS = {"trademark": _l("Counterfeit trademark"), "patent": _l("Patent infringement"),
         "trade_secret": _l("Trade secret"), "copyright": _l("Copyright")}
KIND_WORDS = {"trademark": "假冒注册商标", "patent": "专利侵权", "trade_secret": "侵犯商业秘密", "copyright": "侵犯著作权"}
STATUSES = {"registered": _l("Registered"), "investigating": _l("Under investigation"),
            "filed": _l("Filed as a criminal case"), "transferred": _l("Transferred to another authority"),
            "closed": _l("Closed")}
NEXT = {"registered": ("investigating", "transferred", "closed"), "investigating": ("filed", "transferred", "closed"),
        "filed": ("closed",), "transferred": ("closed",), "closed": ()}


@dataclass
class Report:
    kind: str = ""
    rights: str = ""
    infringer: str = ""
    infringer_details: str = ""
    description: str = ""
    channel: str = "walk_in"
    ticket_class: str = "general"
    unit_id: int | None = None
    evidence: list = field(default_factory=list)    # core.tickets.attachments.Prepared, already checked
    # A message for each refused file (core.tickets.attachments.inspect_uploads), shown with the fields' errors.
    evidence_problems: list = field(default_factory=list)
    alert_id: int | None = None
    submission_key: str | None = None


def _visible(actor):
    actor.require("ip_protection.read")
    return select(Case).where(actor.scope.filter(Case.unit_id))


def get(actor, case_id) -> Case:
    row = db.session.scalar(_visible(actor).where(Case.id == case_id)) if case_id else None
    if row is None:
        raise NotFound(_l("There is no such case."))
    return row


def listing(actor, status: str = "", limit: int = 100) -> list[Case]:
    stmt = _visible(actor)
    if status in STATUSES:
        stmt = stmt.where(Case.status == status)
    return list(db.session.scalars(stmt.order_by(Case.id.desc()).limit(limit)))


def of_enterprise(actor, enterprise_id, limit: int = 20) -> list[Case]:
    return list(db.session.scalars(_visible(actor).where(Case.enterprise_id == enterprise_id)
                                   .order_by(Case.id.desc()).limit(limit)))


def of_ticket(actor, ticket_id) -> Case | None:
    if not actor.can("ip_protection.read"):
        return None
    return db.session.scalar(_visible(actor).where(Case.ticket_id == ticket_id))


def report(actor, enterprise_id, data: Report) -> Case:
    """Register the report: validate everything, open the ticket, then the case.

    Core's ``register`` commits the ticket itself, so the case follows in a
    second transaction. Should that one fail, the form sent again (same
    submission key) finds the same ticket through its derived key and the case
    is made then: never a second ticket, never a case without its ticket."""
    from plugins.ip_protection import brands

    actor.require("ip_protection.case")
    if data.submission_key:
        existing = db.session.scalar(select(Case).where(Case.submission_key == data.submission_key))
        if existing is not None:
            return existing
    errors = {}
    enterprise = None
    if not enterprise_id:
        errors["enterprise_id"] = [_l("Choose the enterprise whose rights are infringed.")]
    else:
        try:
            enterprise = access.enterprise(actor, enterprise_id)
        except NotFound as error:
            errors["enterprise_id"] = [error.message]
    unit_id = None
    try:
        unit_id = access.handling_unit(actor, data.unit_id)
    except ValidationError as error:
        errors["unit_id"] = [error.message]
    if data.kind not in KINDS:
        errors["kind"] = [_l("Choose the kind of infringement.")]
    rights = clean_text(data.rights, 500)
    if not rights or len(rights) > 500:
        errors["rights"] = [_l("Name the rights involved (e.g. the trademark's registration number).")]
    infringer = clean_text(data.infringer, 200)
    if not infringer or len(infringer) > 200:
        errors["infringer"] = [_l("Name the suspected infringer (a person, a company, a shop).")]
    description = clean_text(data.description, tickets.MAX_TEXT)
    if not description or len(description) > tickets.MAX_TEXT:
        errors["description"] = [_l("Describe what happened.")]
    if data.channel not in INTAKE_CHANNELS:
        errors["channel"] = [_l("Choose how the demand came in.")]
    alert = None
    if data.alert_id:
        try:
            alert = brands.get_alert(actor, data.alert_id)
        except NotFound as error:
            errors["alert_id"] = [error.message]
    if data.evidence_problems:
        errors["evidence"] = list(data.evidence_problems)
    if errors:
        audit.record_failure(actor, "ip_protection.case", object_type="ip_protection_case",
                             detail={"fields": sorted(errors)})
        raise ValidationError.of(errors)
    text = f"【{KIND_WORDS[data.kind]}】涉及权利：{rights}；涉嫌侵权方：{infringer}。{description}"
    ticket = tickets.register(actor, tickets.Intake(
        enterprise_id=enterprise.id, channel=data.channel, category=CATEGORY.code, ticket_class=data.ticket_class,
        handling_mode="follow", description=text[:tickets.MAX_TEXT],
        submission_key=_ticket_key(data.submission_key)))
    now = clock.now()
    case = Case(unit_id=unit_id, enterprise_id=enterprise.id, ticket_id=ticket.id, kind=data.kind, rights=rights,
                infringer=infringer, infringer_details=clean_text(data.infringer_details, 500)[:500],
                description=description, status="registered", reported_by_id=actor.user_id, reported_at=now,
                submission_key=data.submission_key)
    case.events.append(CaseEvent(status="registered", note="", by_id=actor.user_id, at=now))
    db.session.add(case)
    try:
        with files.writing() as write:
            for item in data.evidence:
                case.evidence.append(_evidence(actor, item, write, "", now))
            if alert is not None:
                alert.case = case
            db.session.flush()
            audit.record(actor, "ip_protection.case", case, detail={"ticket_id": ticket.id, "kind": data.kind,
                                                                   "evidence": len(data.evidence)})
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return case


def _ticket_key(key: str | None) -> str | None:
    """The ticket's own one-time key, derived from the case form's: the same form sent again finds the same ticket."""
    return "ip-case-" + hashlib.sha256(key.encode()).hexdigest()[:48] if key else None


def _evidence(actor, item, write, description, now) -> Evidence:
    return Evidence(description=description, stored_name=write(item), original_name=item.name,
                    content_type=item.content_type, size=item.size, sha256=item.sha256, added_by_id=actor.user_id,
                    added_at=now)


EVIDENCE_DESCRIPTION_MAX = 500


def add_evidence(actor, case_id, prepared, description: str = "", problems=()) -> Case:
    """Files added to a case's evidence, with one description. ``problems``: a
    message per refused file, refused together with the description's problems."""
    actor.require("ip_protection.handle")
    case = get(actor, case_id)
    errors = {}
    if problems:
        errors["evidence"] = list(problems)
    elif not prepared:
        errors["evidence"] = [_l("Choose the evidence files.")]
    description = clean_text(description, EVIDENCE_DESCRIPTION_MAX)
    if len(description) > EVIDENCE_DESCRIPTION_MAX:
        errors["description"] = [_l("Keep this under %(n)d characters.", n=EVIDENCE_DESCRIPTION_MAX)]
    if errors:
        audit.record_failure(actor, "ip_protection.evidence", object_type="ip_protection_case", object_id=case.id,
                             detail={"fields": sorted(errors)})
        raise ValidationError.of(errors)
    now = clock.now()
    try:
        with files.writing() as write:
            for item in prepared:
                case.evidence.append(_evidence(actor, item, write, description, now))
            audit.record(actor, "ip_protection.evidence", case, detail={"files": len(prepared)})
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return case


def evidence_file(actor, evidence_id) -> Evidence:
    row = db.session.get(Evidence, evidence_id) if evidence_id else None
    if row is None:
        raise NotFound(_l("There is no such file."))
    get(actor, row.case_id)
    audit.record(actor, "ip_protection.evidence_read", row, detail={"case_id": row.case_id})
    db.session.commit()
    return row


def move(actor, case_id, status: str, note: str = "") -> Case:
    """A step of the handling: registered → investigating → filed / transferred → closed."""
    actor.require("ip_protection.handle")
    case = get(actor, case_id)
    note = clean_text(note, 1000)[:1000]
    if status not in NEXT[case.status]:
        audit.record_failure(actor, "ip_protection.case_status", object_type="ip_protection_case", object_id=case.id,
                             detail={"from": case.status, "to": status})
        raise ValidationError(_l("A case that is %(status)s cannot move there.", status=STATUSES[case.status]),
                              field="status")
    if status in ("transferred", "closed") and not note:
        audit.record_failure(actor, "ip_protection.case_status", object_type="ip_protection_case", object_id=case.id,
                             detail={"reason": "no note"})
        raise ValidationError(_l("Say where it went or how it ended."), field="note")
    now = clock.now()
    before, case.status = case.status, status
    if status == "closed":
        case.closed_at = now
        for alert in db.session.scalars(select(BrandAlert).where(BrandAlert.case_id == case.id)):
            alert.status = "closed"
    case.events.append(CaseEvent(status=status, note=note, by_id=actor.user_id, at=now))
    audit.record(actor, "ip_protection.case_status", case, detail={"from": before, "to": status})
    db.session.commit()
    return case


def findings_of(actor, enterprise_id) -> list[Finding]:
    """The enterprise's open cases (those not closed)."""
    rows = db.session.scalars(_visible(actor).where(Case.enterprise_id == enterprise_id, Case.status != "closed")
                              .order_by(Case.id))
    return [Finding(source="ip_protection.case", ref=case.id, title=KIND_WORDS[case.kind],
                    detail=f"涉嫌侵权方：{case.infringer}；涉及权利：{case.rights}", category=KIND_WORDS[case.kind],
                    found_on=local_date(case.reported_at), level="high", is_open=True,
                    endpoint="ip_protection.case", values={"ip_case_id": case.id}) for case in rows]


def counts_by_kind(actor) -> dict[str, int]:
    actor.require("ip_protection.read")
    return dict(db.session.execute(select(Case.kind, func.count()).where(actor.scope.filter(Case.unit_id))
                                   .group_by(Case.kind)).all())
