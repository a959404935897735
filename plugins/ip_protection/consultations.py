"""Consultations (知产警官在线): an enterprise's question, registered by the desk
or asked by the enterprise itself on the portal (the same checks, routing and
deadline, channel ``portal``), routed to an IP officer of the handling unit; a thread of messages with files; the first
answer due by the end of the next working day on the calendar, late when it
comes (or is still missing) after that; answers marked publishable go to the
FAQ with the enterprise's names removed."""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from core import clock
from core.audit import services as audit
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.notifications.services import notify_users
from core.plugins.services import is_enabled
from core.portal.actor import PortalActor
from core.tickets.deadlines import after_working_days
from core.text import clean_text
from plugins.ip_protection import access, files, officers
from plugins.ip_protection.models import Consultation, FaqEntry, Message, MessageFile

FIRST_ANSWER_WORKING_DAYS = 1
MAX_TEXT = 5000
TOPICS = {"trademark": _l("Trademarks"), "patent": _l("Patents"), "trade_secret": _l("Trade secrets"),
          "copyright": _l("Copyright"), "counterfeit": _l("Counterfeits"), "other": _l("Other")}
CHANNELS = {"desk": _l("At the desk"), "portal": _l("On the enterprise portal")}
STATUSES = {"waiting": _l("Waiting for an answer"), "answered": _l("Answered by the IP officer"), "closed": _l("Closed")}


@dataclass
class Question:
    question: str = ""
    subject: str = ""
    topic: str = "other"
    contact_name: str = ""
    unit_id: int | None = None            # the handling unit (desk); the actor's own when None
    files: list = field(default_factory=list)   # core.tickets.attachments.Prepared, already checked
    # A message for each refused file (core.tickets.attachments.inspect_uploads), shown with the fields' errors.
    file_problems: list = field(default_factory=list)
    submission_key: str | None = None


# --- reading -------------------------------------------------------------------------

def _visible(actor):
    actor.require("ip_protection.read")
    return select(Consultation).where(or_(actor.scope.filter(Consultation.unit_id),
                                          actor.scope.filter(Consultation.registered_unit_id)))


def get(actor, consultation_id) -> Consultation:
    row = db.session.scalar(_visible(actor).where(Consultation.id == consultation_id)) if consultation_id else None
    if row is None:
        raise NotFound(_l("There is no such consultation."))
    return row


def listing(actor, status: str = "", mine: bool = False, late: bool = False, limit: int = 100) -> list[Consultation]:
    stmt = _visible(actor)
    if status in STATUSES:
        stmt = stmt.where(Consultation.status == status)
    if mine:
        stmt = stmt.where(Consultation.officer_id == actor.user_id)
    if late:
        now = clock.now()
        stmt = stmt.where(or_(Consultation.first_answer_at > Consultation.first_answer_due_at,
                              (Consultation.first_answer_at.is_(None)) & (Consultation.first_answer_due_at < now)))
    return list(db.session.scalars(stmt.order_by(Consultation.id.desc()).limit(limit)))


def of_enterprise(actor, enterprise_id, limit: int = 20) -> list[Consultation]:
    return list(db.session.scalars(_visible(actor).where(Consultation.enterprise_id == enterprise_id)
                                   .order_by(Consultation.id.desc()).limit(limit)))


def may_answer(actor, consultation) -> bool:
    if not actor.can("ip_protection.answer") or consultation.status == "closed":
        return False
    return (actor.user_id == consultation.officer_id or officers.is_ip_officer(actor, consultation.unit_id)
            or ("leader" in actor.roles and actor.scope.allows(consultation.unit_id)))


# --- registering ------------------------------------------------------------------------

def _refuse(actor, action, errors, object_id=None):
    audit.record_failure(actor, action, object_type="ip_protection_consultation", object_id=object_id,
                         detail={"fields": sorted(errors)})
    raise ValidationError.of(errors)


def register(actor, enterprise_id, data: Question) -> Consultation:
    """The desk registers the enterprise's question; it is routed and its first answer falls due."""
    actor.require("ip_protection.consult")
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
    return _register(actor, enterprise, unit_id, data, "desk", errors)


def _register(actor, enterprise, unit_id, data: Question, channel: str, errors: dict) -> Consultation:
    """What the desk and the portal share: the same checks, routing, deadline,
    files and audit entry. ``errors`` holds what the caller already found wrong."""
    if data.submission_key:
        existing = db.session.scalar(select(Consultation).where(Consultation.submission_key == data.submission_key))
        if existing is not None and existing.enterprise_id == getattr(enterprise, "id", None):
            return existing
    if data.file_problems:
        errors["attachments"] = list(data.file_problems)
    question = clean_text(data.question, MAX_TEXT)
    if not question:
        errors["question"] = [_l("Write the enterprise's question.") if channel == "desk"
                              else _l("Write your question.")]
    elif len(question) > MAX_TEXT:
        errors["question"] = [_l("Keep this under %(n)d characters.", n=MAX_TEXT)]
    if data.topic not in TOPICS:
        errors["topic"] = [_l("Choose a topic.")]
    officer_id = officers.route(unit_id) if unit_id else None
    if unit_id and officer_id is None:
        errors["unit_id"] = [_l("The unit has no IP officer to answer; its leader designates one first.")
                             if channel == "desk" else _l("No IP officer can take questions at the moment; "
                                                          "please ask the service centre.")]
    if errors:
        _refuse(actor, "ip_protection.consult", errors)
    now = clock.now()
    subject = clean_text(data.subject, 200)[:200] or question.splitlines()[0][:60]
    row = Consultation(unit_id=unit_id, registered_unit_id=actor.unit_id, enterprise_id=enterprise.id,
                       officer_id=officer_id, channel=channel, topic=data.topic, subject=subject,
                       contact_name=clean_text(data.contact_name, 100)[:100], status="waiting",
                       registered_by_id=actor.user_id, registered_at=now,
                       first_answer_due_at=after_working_days(now, FIRST_ANSWER_WORKING_DAYS).at,
                       submission_key=data.submission_key)
    db.session.add(row)
    try:
        with files.writing() as write:
            _add_message(actor, row, "enterprise", question, data.files, write, now)
            db.session.flush()
            notify_users([officer_id], "ip_consultation", _l("A new question for the IP officer from %(name)s.",
                                                             name=enterprise.name))
            audit.record(actor, "ip_protection.consult", row, detail={
                "enterprise_id": enterprise.id, "channel": channel, "unit_id": unit_id, "officer_id": officer_id})
            db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = db.session.scalar(select(Consultation).where(Consultation.submission_key == data.submission_key))
        if existing is None:
            raise
        return existing
    except BaseException:
        db.session.rollback()
        raise
    return row


def _add_message(actor, consultation, side, body, prepared, write, now) -> Message:
    message = Message(consultation=consultation, side=side, body=body, author_id=actor.user_id, written_at=now)
    for item in prepared or []:
        message.files.append(MessageFile(stored_name=write(item), original_name=item.name,
                                         content_type=item.content_type, size=item.size, sha256=item.sha256))
    db.session.add(message)
    return message


def _message(actor, action, consultation, body, file_problems) -> str:
    """The message's text, cleaned; refused with every problem at once: the text's
    and each refused file's (``file_problems``, under ``attachments``)."""
    body = clean_text(body, MAX_TEXT)
    errors = {}
    if not body:
        errors["body"] = [_l("Write the message.")]
    elif len(body) > MAX_TEXT:
        errors["body"] = [_l("Keep this under %(n)d characters.", n=MAX_TEXT)]
    if file_problems:
        errors["attachments"] = list(file_problems)
    if errors:
        _refuse(actor, action, errors, consultation.id)
    return body


def _write(actor, consultation, side, body, prepared, action, detail) -> Message:
    now = clock.now()
    try:
        with files.writing() as write:
            message = _add_message(actor, consultation, side, body, prepared, write, now)
            if side == "officer" and consultation.first_answer_at is None:
                consultation.first_answer_at = now
                detail["late"] = consultation.is_late(now)
            if side == "officer":
                consultation.status = "answered"
            elif consultation.status == "answered":
                consultation.status = "waiting"
            db.session.flush()
            audit.record(actor, action, consultation, detail={"message_id": message.id, "files": len(prepared or []),
                                                              **detail})
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return message


def answer(actor, consultation_id, body: str, prepared=(), publishable: bool = False,
           file_problems=()) -> Message:
    """An IP officer's answer; the first one stops the clock. ``file_problems``: a
    message per refused file, refused together with the text's problems."""
    consultation = get(actor, consultation_id)
    if not may_answer(actor, consultation):
        audit.record_failure(actor, "ip_protection.answer", result=audit.DENIED,
                             object_type="ip_protection_consultation", object_id=consultation.id)
        raise Forbidden(_l("Only the unit's IP officers or its leader answer this consultation."))
    body = _message(actor, "ip_protection.answer", consultation, body, file_problems)
    message = _write(actor, consultation, "officer", body, prepared, "ip_protection.answer", {})
    if publishable:
        publish(actor, message.id)
    return message


def follow_up(actor, consultation_id, body: str, prepared=(), file_problems=()) -> Message:
    """The enterprise asks again in the same thread, typed by the desk."""
    actor.require("ip_protection.consult")
    return _follow_up(actor, get(actor, consultation_id), body, prepared, file_problems)


def _follow_up(actor, consultation, body, prepared, file_problems=()) -> Message:
    if consultation.status == "closed":
        _refuse(actor, "ip_protection.follow_up", {"body": [_l("This consultation is closed.")]}, consultation.id)
    body = _message(actor, "ip_protection.follow_up", consultation, body, file_problems)
    return _write(actor, consultation, "enterprise", body, prepared, "ip_protection.follow_up", {})


def reassign(actor, consultation_id, user_id) -> Consultation:
    """A leader of the handling unit hands the consultation to another of its IP officers (one on leave …)."""
    consultation = get(actor, consultation_id)
    actor.require("ip_protection.designate")
    if not actor.scope.allows(consultation.unit_id) or consultation.status == "closed":
        audit.record_failure(actor, "ip_protection.reassign", result=audit.DENIED,
                             object_type="ip_protection_consultation", object_id=consultation.id)
        raise Forbidden(_l("Only a leader of the handling unit hands an open consultation on."))
    if user_id not in officers.candidate_ids(consultation.unit_id):
        _refuse(actor, "ip_protection.reassign", {"user_id": [_l("Choose an IP officer of the handling unit.")]},
                consultation.id)
    before, consultation.officer_id = consultation.officer_id, user_id
    audit.record(actor, "ip_protection.reassign", consultation, detail={"from": before, "to": user_id})
    db.session.commit()
    return consultation


def close(actor, consultation_id) -> Consultation:
    consultation = get(actor, consultation_id)
    actor.require("ip_protection.consult")
    if consultation.status != "answered":
        _refuse(actor, "ip_protection.close", {"status": [_l("Only an answered consultation can be closed.")]},
                consultation.id)
    consultation.status, consultation.closed_at = "closed", clock.now()
    audit.record(actor, "ip_protection.close", consultation)
    db.session.commit()
    return consultation


def message_file(actor, file_id) -> MessageFile:
    row = db.session.get(MessageFile, file_id) if file_id else None
    if row is None:
        raise NotFound(_l("There is no such file."))
    message = db.session.get(Message, row.message_id)
    get(actor, message.consultation_id)
    audit.record(actor, "ip_protection.file_read", row, detail={"consultation_id": message.consultation_id})
    db.session.commit()
    return row


# --- the enterprise on the portal ---------------------------------------------------------
# The actor is the enterprise's own (core.portal.actor.PortalActor): it holds no
# staff permission and no unit scope, so these functions narrow everything to
# its enterprise, and the consultation goes to the IP officers of the
# enterprise's unit.

PORTAL_SIDES = ("enterprise", "officer")      # the messages meant for the enterprise


def _portal(actor):
    # "ticket.read" holds for a verified account with an enterprise: the portal actor's own test of that.
    if (not isinstance(actor, PortalActor) or not actor.can("ticket.read")
            or not is_enabled(actor.unit_id, access.PLUGIN)):
        raise Forbidden(_l("You are not allowed to do this."))


def ask(actor, data: Question) -> Consultation:
    """The enterprise asks the IP officers of its unit a question through the portal."""
    _portal(actor)
    data.unit_id = actor.unit_id
    if not data.contact_name:
        data.contact_name = actor.account.name
    return _register(actor, actor.enterprise, actor.unit_id, data, "portal", {})


def _own(actor, consultation_id) -> Consultation:
    row = db.session.scalar(select(Consultation).where(Consultation.id == consultation_id,
                                                       Consultation.enterprise_id == actor.enterprise_id)
                            ) if consultation_id else None
    if row is None:
        audit.record_failure(actor, "portal.not_found", result=audit.DENIED,
                             object_type="ip_protection_consultation", object_id=consultation_id)
        raise NotFound(_l("There is no such consultation."))
    return row


def of_own_enterprise(actor, limit: int = 100) -> list[Consultation]:
    """Every consultation of the actor's enterprise, whether the desk or the portal registered it."""
    _portal(actor)
    return list(db.session.scalars(select(Consultation).where(Consultation.enterprise_id == actor.enterprise_id)
                                   .order_by(Consultation.id.desc()).limit(limit)).unique())


def read_own(actor, consultation_id) -> tuple[Consultation, list[Message]]:
    """One consultation of the actor's enterprise and the messages meant for it, oldest first."""
    _portal(actor)
    row = _own(actor, consultation_id)
    return row, [m for m in row.messages if m.side in PORTAL_SIDES]


def follow_up_own(actor, consultation_id, body: str, prepared=(), file_problems=()) -> Message:
    """The enterprise asks again in the thread of one of its consultations."""
    _portal(actor)
    return _follow_up(actor, _own(actor, consultation_id), body, prepared, file_problems)


def own_file(actor, file_id) -> MessageFile:
    """A file of a message meant for the actor's enterprise; another's is not found (and audited)."""
    _portal(actor)
    row = db.session.scalar(select(MessageFile).join(Message).join(Consultation).where(
        MessageFile.id == file_id, Message.side.in_(PORTAL_SIDES),
        Consultation.enterprise_id == actor.enterprise_id)) if file_id else None
    if row is None:
        audit.record_failure(actor, "portal.not_found", result=audit.DENIED,
                             object_type="ip_protection_message_file", object_id=file_id)
        raise NotFound(_l("There is no such file."))
    message = db.session.get(Message, row.message_id)
    audit.record(actor, "ip_protection.file_read", row, detail={"consultation_id": message.consultation_id})
    db.session.commit()
    return row


# --- publishing to the FAQ ---------------------------------------------------------------

def publish(actor, message_id, question: str | None = None, answer_text: str | None = None) -> FaqEntry:
    """Mark an officer's answer publishable: the FAQ gets the question and the
    answer (as given, or as written) with the enterprise's names removed."""
    from plugins.ip_protection import redaction

    message = db.session.get(Message, message_id) if message_id else None
    if message is None:
        raise NotFound(_l("There is no such message."))
    consultation = get(actor, message.consultation_id)
    if not (actor.can("ip_protection.answer") and (may_answer(actor, consultation) or consultation.status == "closed")
            and actor.scope.allows(consultation.unit_id)):
        audit.record_failure(actor, "ip_protection.publish", result=audit.DENIED,
                             object_type="ip_protection_message", object_id=message.id)
        raise Forbidden(_l("Only the unit's IP officers or its leader publish answers."))
    if message.side != "officer":
        _refuse(actor, "ip_protection.publish", {"message_id": [_l("Only an officer's answer can be published.")]},
                consultation.id)
    asked = clean_text(question if question else "\n".join(
        m.body for m in consultation.messages if m.side == "enterprise" and m.id < message.id), MAX_TEXT)
    answered = clean_text(answer_text if answer_text else message.body, MAX_TEXT)
    if not asked or not answered:
        _refuse(actor, "ip_protection.publish", {"question": [_l("Give the question and the answer to publish.")]},
                consultation.id)
    extra = [consultation.contact_name] if consultation.contact_name else []
    public_question = redaction.redact(asked[:MAX_TEXT], consultation.enterprise, extra)
    public_answer = redaction.redact(answered[:MAX_TEXT], consultation.enterprise, extra)
    entry = db.session.scalar(select(FaqEntry).where(FaqEntry.message_id == message.id))
    if entry is None:
        entry = FaqEntry(unit_id=consultation.unit_id, consultation_id=consultation.id, message_id=message.id)
        db.session.add(entry)
    entry.topic, entry.question, entry.answer = consultation.topic, public_question, public_answer
    entry.published_by_id, entry.published_at, entry.withdrawn_at = actor.user_id, clock.now(), None
    message.publishable = True
    db.session.flush()
    audit.record(actor, "ip_protection.publish", entry, detail={"message_id": message.id})
    db.session.commit()
    return entry


def withdraw(actor, faq_message_id) -> FaqEntry:
    entry = db.session.scalar(select(FaqEntry).where(FaqEntry.message_id == faq_message_id))
    if entry is None:
        raise NotFound(_l("There is no such message."))
    consultation = get(actor, entry.consultation_id)
    actor.require("ip_protection.answer")
    if not actor.scope.allows(consultation.unit_id):
        raise Forbidden(_l("Only the unit's IP officers or its leader publish answers."))
    entry.withdrawn_at = clock.now()
    db.session.get(Message, entry.message_id).publishable = False
    audit.record(actor, "ip_protection.withdraw_faq", entry)
    db.session.commit()
    return entry


def faq(query: str = "", topic: str = "", limit: int = 50) -> list[FaqEntry]:
    """The published answers of the units that have the plugin switched on, newest
    first; every word of ``query`` must appear in the question or the answer. Holds
    nothing that names an enterprise, so a public page may show it."""
    from core.plugins.services import units_enabled

    stmt = select(FaqEntry).where(FaqEntry.withdrawn_at.is_(None), FaqEntry.unit_id.in_(units_enabled("ip_protection")))
    for word in clean_text(query, 100).split()[:5]:
        stmt = stmt.where(or_(FaqEntry.question.contains(word, autoescape=True),
                              FaqEntry.answer.contains(word, autoescape=True)))
    if topic in TOPICS:
        stmt = stmt.where(FaqEntry.topic == topic)
    return list(db.session.scalars(stmt.order_by(FaqEntry.published_at.desc(), FaqEntry.id.desc()).limit(limit)))


# --- deadlines moved by the calendar -----------------------------------------------------

def recompute_due() -> int:
    """Count the first-answer deadlines of unanswered consultations again (the calendar changed)."""
    rows = list(db.session.scalars(select(Consultation).where(Consultation.first_answer_at.is_(None))))
    for row in rows:
        row.first_answer_due_at = after_working_days(row.registered_at, FIRST_ANSWER_WORKING_DAYS).at
    return len(rows)


def on_time_counts(actor, year: int) -> tuple[int, int]:
    """(answered on time, answered) among the consultations registered in ``year`` the actor sees."""
    from datetime import date

    from core.tickets.deadlines import end_of_local_day

    start, end = end_of_local_day(date(year - 1, 12, 31)), end_of_local_day(date(year, 12, 31))
    base = _visible(actor).where(Consultation.registered_at > start, Consultation.registered_at <= end,
                                 Consultation.first_answer_at.is_not(None)).subquery()
    answered = db.session.scalar(select(func.count()).select_from(base))
    on_time = db.session.scalar(select(func.count()).select_from(base).where(
        base.c.first_answer_at <= base.c.first_answer_due_at))
    return on_time or 0, answered or 0
