"""The demand ticket's rules: intake, the state machine and its side paths.

Every transition checks the actor's role and unit, writes an event to the
ticket's timeline and an entry to the audit trail, keeps the dashboard counts
and the deadlines right, and commits once. An illegal transition is refused
with a message naming the status, and the refusal is audited.
"""
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload, selectinload

from core import clock
from core.audit import services as audit
from core.departments import services as departments
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.notices import services as notices
from core.notices import webhooks
from core.notifications.services import notify_unit
from core.org.models import Unit, User
from core.org.roles import DESK, LEADER
from core.plugins.services import broadcast, call_for_unit
from core.privacy import masking
from core.privacy import services as privacy
from core.privacy import validation as personal
from core.registry import services as registry
from core.registry.models import Enterprise
from core.search import index as search_index  # noqa: F401  (its flush listener keeps the text index)
from core.text import clean_text
from core.tickets import deadlines, follow, numbering, sweep
from core.tickets import stats  # noqa: F401  (its flush listener keeps the dashboard's counts)
from core.tickets.models import UNFINISHED, Ticket, TicketCategory, TicketComplaint, TicketEvent, TicketExtension
from core.tickets.vocabulary import CHANNELS, CLASSES, MODES, OPEN_STATUSES, RATINGS, RESULTS, STATUSES

if TYPE_CHECKING:
    from core.org.actor import Actor

MAX_TEXT = 5000
MAX_EXTENSION_DAYS = 30
# 12345's referral number (Ticket.referral_number): letters, digits and hyphens.
REFERRAL_NUMBER_LENGTH = 40
REFERRAL_NUMBER = re.compile(rf"[A-Za-z0-9-]{{1,{REFERRAL_NUMBER_LENGTH}}}")


# --- reading -----------------------------------------------------------------

def visible(actor, *, unfinished: bool = False):
    """Tickets the actor may see: registered or handled within their scope, those
    of the enterprises the actor serves as liaison officer, and those they follow
    (转盯办). An enterprise's own actor (the portal) sees its enterprise's tickets only.

    ``unfinished=True`` is for a statement that reads unfinished tickets only (not
    rated, not merged: the queue counts, the deadlines). The served enterprises'
    part is then the ids of their unfinished tickets outside the actor's units,
    read once per transaction (``served_unfinished_ids``): each open ticket read is
    tested against the units and a short list, not against the thousands of
    enterprises an officer may serve (a list SQLite builds again in every statement)."""
    if actor.enterprise_id is not None:
        return Ticket.enterprise_id == actor.enterprise_id
    scope = actor.scope
    if scope.unit_ids is None:
        return True
    ids = sorted(scope.unit_ids)
    conditions = [Ticket.registering_unit_id.in_(ids), Ticket.handling_unit_id.in_(ids)]
    if not unfinished:
        conditions.append(Ticket.enterprise_id.in_(
            select(Enterprise.id).where(Enterprise.liaison_officer_id == actor.user_id)))
    elif extra := served_unfinished_ids(actor):
        conditions.append(Ticket.id.in_(extra))
    if follow.follows_any(actor):   # only then: the others' counts still read the deadlines index alone
        conditions.append(Ticket.id.in_(select(Ticket.id).where(Ticket.follower_id == actor.user_id)))
    return or_(*conditions)


_SERVED_UNFINISHED = "anqi_served_unfinished"


def served_unfinished_ids(actor) -> list[int]:
    """The unfinished tickets of the enterprises the actor serves as liaison officer
    that are neither registered nor handled in the actor's units: usually none or a
    few. Read from ``ix_ticket_unfinished_enterprise`` and kept in the session until
    its next flush or the end of its transaction, when what they hold may change."""
    if actor.user_id is None or actor.scope.unit_ids is None:   # a whole-city scope holds them all
        return []
    ids = sorted(actor.scope.unit_ids)
    found = db.session.info.setdefault(_SERVED_UNFINISHED, {})
    key = (actor.user_id, tuple(ids))
    if key not in found:
        # From the officer's enterprises to their unfinished tickets (a join, not IN:
        # no list of thousands of enterprises built first).
        stmt = (select(Ticket.id).join(Enterprise, Enterprise.id == Ticket.enterprise_id)
                .where(Enterprise.liaison_officer_id == actor.user_id, UNFINISHED,
                       Ticket.registering_unit_id.not_in(ids),
                       or_(Ticket.handling_unit_id.is_(None), Ticket.handling_unit_id.not_in(ids))))
        tickets = list(db.session.scalars(stmt))   # its autoflush may empty the session's store first
        db.session.info.setdefault(_SERVED_UNFINISHED, {})[key] = tickets
        return tickets
    return found[key]


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget_served_unfinished(session, *_args):
    session.info.pop(_SERVED_UNFINISHED, None)


def get(actor: "Actor", ticket_id) -> Ticket:
    """The ticket, if the actor may see it; NotFound otherwise (also outside the scope)."""
    actor.require("ticket.read")
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or not _sees(actor, ticket):
        raise NotFound(_l("There is no such ticket in your units' area."))
    return ticket


def _sees(actor, ticket) -> bool:
    if actor.enterprise_id is not None:
        return ticket.enterprise_id == actor.enterprise_id
    return _in_area(actor, ticket) or _invited(actor, ticket)


def _in_area(actor, ticket) -> bool:
    return actor.scope.allows(ticket.registering_unit_id) or (
        ticket.handling_unit_id is not None and actor.scope.allows(ticket.handling_unit_id)) or (
        actor.user_id is not None and ticket.enterprise.liaison_officer_id == actor.user_id) or (
        actor.user_id is not None and ticket.follower_id == actor.user_id)


def _invited(actor, ticket) -> bool:
    """专家会诊: a unit asked for its opinion reads the ticket while the consultation
    is open (this ticket only: ``visible`` and the queues do not list it)."""
    from core.tickets import consultations

    return consultations.is_invited(actor, ticket.id)


def for_enterprise(actor: "Actor", enterprise_id, limit: int = 10) -> list[Ticket]:
    """The enterprise's latest tickets that the actor may see, newest first."""
    actor.require("ticket.read")
    stmt = (select(Ticket).where(Ticket.enterprise_id == enterprise_id, visible(actor))
            .order_by(Ticket.id.desc()).limit(limit))
    return list(db.session.scalars(stmt).unique())


def similar_classes(actor: "Actor", since=None, until=None, min_count: int | None = None, *, industry: str | None = None,
                    district: str | None = None):
    """The classes of similar tickets (一类事) in the actor's scope over the period,
    as ``core.tickets.analysis.Group`` (category × industry × district, with the
    previous period's count), of one industry and one district when given: the
    public way for a plugin to read them."""
    from core.tickets import analysis

    return analysis.similar_groups(actor, since, until, min_count, industry=industry, district=district)


def tickets_of_class(actor: "Actor", category: str, industry: str, district: str, since=None, until=None) -> list[Ticket]:
    """The tickets of one class in the period that the actor may see, newest first."""
    from core.tickets import analysis

    return analysis.tickets_of_group(actor, category, industry, district, since, until)


def pending_extension(ticket) -> TicketExtension | None:
    """The extension request of the ticket that waits for a leader's decision."""
    return db.session.scalar(select(TicketExtension).where(TicketExtension.ticket_id == ticket.id,
                                                           TicketExtension.status == "pending"))


def categories(actor) -> dict[str, str]:
    """Core's active categories, then those of the plugins the actor's unit enabled."""
    from flask_babel import get_locale

    zh = get_locale() is None or get_locale().language == "zh"
    found = {c.code: (c.name_zh if zh else c.name_en) for c in db.session.scalars(
        select(TicketCategory).where(TicketCategory.active.is_(True)).order_by(TicketCategory.sort_order))}
    unit = actor.user.unit if actor.user is not None else getattr(actor, "unit", None)
    for item in call_for_unit("anqi_ticket_categories", actor.unit_id, unit=unit):
        found.setdefault(item.code, str(item.label))
    return found


def category_label(code: str) -> str:
    from flask_babel import get_locale

    row = db.session.scalar(select(TicketCategory).where(TicketCategory.code == code))
    if row is None:
        return code
    return row.name_zh if (get_locale() is None or get_locale().language == "zh") else row.name_en


def reveal_contact_phone(actor, ticket_id, detail: dict | None = None) -> Ticket:
    """The ticket whose contact phone ``actor`` asks to see unmasked; the
    reveal is audited (Forbidden, also audited, for a role that may not)."""
    ticket = get(actor, ticket_id)
    if actor.enterprise_id is None and not _in_area(actor, ticket):  # a unit only asked for its opinion
        audit.record_failure(actor, "personal_data.reveal", result=audit.DENIED, object_type="ticket",
                             object_id=ticket.id, detail={"field": "contact_phone"})
        raise Forbidden(_l("You are not allowed to do this."))
    if not ticket.contact_phone:
        raise NotFound(_l("This ticket has no contact phone."))
    privacy.reveal(actor, ticket, "contact_phone", detail=detail)
    return get(actor, ticket_id)


# --- intake ------------------------------------------------------------------

@dataclass
class Intake:
    enterprise_id: int | None
    channel: str
    category: str
    ticket_class: str
    handling_mode: str
    description: str
    contact_name: str = ""
    contact_phone: str = ""
    external_department: str = ""     # the department's name (the JSON API); the pages send its id
    submission_key: str | None = None
    department_id: int | None = None   # 转交办: a department of the register (core.departments)
    follower_id: int | None = None     # 转盯办: the follower, if named at intake (core.tickets.follow)
    # Files already checked by core.tickets.attachments.check_uploads; they are
    # written and recorded in the ticket's own transaction.
    attachments: list = field(default_factory=list)
    # The mode's own fields (core.tickets.modes): 立即办's answer and result, 提级办's reason.
    answer: str = ""
    result: str = ""
    escalation_reason: str = ""
    referral_number: str = ""          # 12345's own number of a demand it referred (channel "government")
    # Channel "meeting" is for the demands core.meetings registers, which it links to their meeting;
    # any other way in (a form, the API) must not make a meeting's ticket without its meeting.
    raised_at_meeting: bool = False


def register(actor: "Actor", intake: Intake) -> Ticket:
    """受理: register a demand. Sending the same ``submission_key`` twice returns
    the first ticket instead of making a second."""
    actor.require("ticket.register")
    if intake.submission_key:
        existing = db.session.scalar(select(Ticket).where(Ticket.submission_key == intake.submission_key))
        if existing is not None:
            return existing
    from core.tickets import modes

    try:
        values = _validate_intake(actor, intake)
    except (ValidationError, NotFound) as exc:
        audit.record_failure(actor, "ticket.register", object_type="ticket",
                             detail={"fields": sorted(getattr(exc, "errors", {}) or [])})
        raise
    at_intake = values.pop("at_intake")
    follower = values.pop("follower")
    now = clock.now()
    ticket = Ticket(**values, registering_unit_id=actor.unit_id or values["enterprise"].unit_id,
                    registered_by_id=actor.user_id, registered_at=now, status="registered",
                    year=deadlines.local_date(now).year, submission_key=intake.submission_key,
                    extension_days=0, rework_count=0, overdue=False, flagged_for_leader=False,
                    # Set, though empty, so that a mode changing them before the commit (立即办, 提级办)
                    # leaves their history for the running counts (core.tickets.stats).
                    handling_unit_id=None, closed_on_time=None)
    ticket.seq = numbering.next_serial(ticket.year)
    _set_deadlines(ticket)
    db.session.add(ticket)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        existing = db.session.scalar(select(Ticket).where(Ticket.submission_key == intake.submission_key))
        if existing is not None:  # the same form, sent twice at the same moment
            return existing
        raise
    _event(actor, ticket, "registered", "", "registered", text=ticket.description[:200])
    audit.record(actor, "ticket.register", ticket, detail={"number": ticket.number, "class": ticket.ticket_class})
    followed = modes.apply_at_intake(actor, ticket, at_intake)
    if follower is not None:
        follow.assign(actor, ticket, follower)
    if intake.attachments:
        from core.tickets import attachments

        with attachments.staged(actor, ticket, intake.attachments):
            db.session.commit()
    _commit(actor, ticket, "registered", followed=followed)
    for name in followed:  # what the mode did in the same transaction (立即办: answered, closed)
        broadcast("anqi_ticket_event", event=name, ticket=ticket, actor=actor)
    return ticket


def check_intake(actor, intake: Intake) -> dict:
    """Every problem of ``intake`` by field, without writing anything: for a form
    that shows them together with its files' problems."""
    try:
        _validate_intake(actor, intake)
    except ValidationError as exc:
        return exc.errors or {"enterprise_id": [exc.message]}
    except NotFound as exc:
        return {"enterprise_id": [exc.message]}
    return {}


def _validate_intake(actor, intake: Intake) -> dict:
    errors = {}
    enterprise = None
    if not intake.enterprise_id:
        errors["enterprise_id"] = [_l("Choose the enterprise, or register it first.")]
    elif actor.enterprise_id is not None:  # the enterprise itself, on the portal: its own demands, online
        enterprise = actor.enterprise if intake.enterprise_id == actor.enterprise_id else None
        if enterprise is None:
            errors["enterprise_id"] = [_l("There is no such enterprise in your units' area.")]
        if intake.channel != "online":
            errors["channel"] = [_l("Choose how the demand came in.")]
    else:
        try:
            enterprise = registry.get(actor, intake.enterprise_id)
        except NotFound:
            errors["enterprise_id"] = [_l("There is no such enterprise in your units' area.")]
    if intake.channel not in CHANNELS:
        errors["channel"] = [_l("Choose how the demand came in.")]
    elif (intake.channel == "meeting") != intake.raised_at_meeting:
        errors["channel"] = [_l("A demand raised at a meeting is registered from the meeting's page.")]
    if intake.category not in categories(actor):
        errors["category"] = [_l("Choose a category.")]
    if intake.ticket_class not in CLASSES:
        errors["ticket_class"] = [_l("Choose the class: instant, general or complex.")]
    if intake.handling_mode not in MODES:
        errors["handling_mode"] = [_l("Choose how it will be handled.")]
    description = clean_text(intake.description, MAX_TEXT)
    if not description:
        errors["description"] = [_l("Describe the demand.")]
    elif len(description) > MAX_TEXT:
        errors["description"] = [_l("Keep this under %(n)d characters.", n=MAX_TEXT)]
    department_id, department = None, ""
    if actor.enterprise_id is None:
        try:
            department_id, department = departments.resolve(actor, intake.department_id,
                                                             intake.external_department)
        except ValidationError as exc:
            errors["department_id" if intake.department_id not in (None, "") else "external_department"] = [
                exc.message]
    if intake.handling_mode == "transfer" and not department and not errors.get("external_department"):
        errors.setdefault("department_id", [_l("Choose the department the matter is transferred to.")])
    follower, unit_id = None, actor.unit_id or (enterprise.unit_id if enterprise else None)
    if follow.as_id(intake.follower_id) is not None:
        follower = follow.eligible(unit_id, follow.as_id(intake.follower_id)) if unit_id else None
        if follower is None:
            errors["follower_id"] = [follow.CHOOSE]
    referral_number = clean_text(intake.referral_number, REFERRAL_NUMBER_LENGTH)
    if referral_number and intake.channel != "government":
        errors["referral_number"] = [_l("A referral number is kept only for a demand referred by 12345 (the "
                                        "channel “government”).")]
    elif referral_number and not REFERRAL_NUMBER.fullmatch(referral_number):
        errors["referral_number"] = [_l("A referral number has up to %(n)d letters, digits and hyphens.",
                                        n=REFERRAL_NUMBER_LENGTH)]
    phone = clean_text(intake.contact_phone, 40)
    try:
        if masking.is_masked(phone):  # the form was filled in from the enterprise's contacts, masked
            phone = masking.unmask("phone", phone, [c.phone for c in enterprise.contacts] if enterprise else [])
        else:
            phone = personal.phone(phone)
    except ValidationError as exc:
        errors["contact_phone"] = [exc.message]
    from core.tickets import modes

    at_intake = modes.check_intake(actor, intake, enterprise, errors)  # the mode's own fields
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    return {"at_intake": at_intake, "enterprise": enterprise, "channel": intake.channel, "category": intake.category,
            "ticket_class": intake.ticket_class, "handling_mode": intake.handling_mode,
            "description": description, "contact_name": clean_text(intake.contact_name, 100)[:100],
            "contact_phone": phone, "external_department": department[:100],
            "external_department_id": department_id, "follower": follower, "referral_number": referral_number}


# Timeline entries after which the final deadline counts afresh, by class (重办):
# a dissatisfied rating's reopening, and the centre's sending back for rework.
RESTARTS = ("reopened", "rework")


def _set_deadlines(ticket: Ticket) -> deadlines.Deadline | None:
    """Count the ticket's deadlines: the one place they are counted, so intake,
    the loop and a calendar change always agree. The final deadline runs from the
    registration or the last rework (重办), a complex ticket's next progress
    report from its last report or that start; each takes the working days of the
    extensions approved since it began, and the time its clock was paused since
    then (the rules are in ``deadlines``). A deadline set at the last dispatch
    (限期办) replaces the class's until the next rework. The sign-for deadline's
    count is provisional only while the ticket waits to be signed for. Returns the
    final deadline the class gives (the limit of a deadline set at dispatch)."""
    start = report = set_from = ticket.registered_at
    extension = report_extension = set_extension = 0
    set_on = None
    pauses = deadlines.Pauses()
    for event in ticket.events:  # in the order they happened
        if event.kind in RESTARTS:
            start = report = event.at
            extension = report_extension = 0
            set_on = None
        elif event.kind == "dispatched":
            set_on, set_extension, set_from = _day_set(event), 0, event.at
        elif event.kind == "progress":
            report, report_extension = event.at, 0
        elif event.kind == "extension_approved":
            extension += event.data["days"]
            report_extension += event.data["days"]
            set_extension += event.data["days"]
        elif event.kind == "paused":
            pauses.begin(event.at)
        elif event.kind == "resumed":
            pauses.end(event.at)
    class_final = deadlines.final_deadline(ticket.ticket_class, start, extension, pauses.after(start))
    final = (deadlines.set_deadline(set_on, set_extension + pauses.after(set_from).working_days)
             if set_on else class_final)
    ticket.deadline_set_on = set_on
    ticket.due_at = final.at if final else None
    counted = [final] if final else []
    if ticket.ticket_class == "complex":
        progress = deadlines.progress_deadline(report, report_extension, pauses.after(report))
        ticket.progress_due_at = progress.at
        counted.append(progress)
    if ticket.status == "dispatched" and ticket.dispatched_at is not None:
        sign = deadlines.sign_deadline(ticket.dispatched_at)
        ticket.sign_due_at = sign.at
        counted.append(sign)
    ticket.deadline_provisional = any(d.provisional for d in counted)
    return class_final


def _day_set(event) -> date | None:
    """The deadline a dispatch set (限期办), from its timeline entry."""
    value = (event.data or {}).get("due_on")
    return date.fromisoformat(value) if value else None


def recompute_open_deadlines() -> int:
    """After a calendar change: the deadlines of every open ticket, answered ones
    included, counted again (closed tickets keep theirs). A ticket whose deadlines
    moved later may no longer be overdue or warned (the sweep's rules decide); one
    whose deadline moved into the past is left to the next sweep, which marks and
    notifies. An answered ticket is judged again against its recounted deadlines
    (``sweep.judge_answered``), and closing it judges it against them too:
    nobody is late because of a holiday the State Council moved."""
    open_tickets = db.session.scalars(select(Ticket).where(Ticket.status.in_(OPEN_STATUSES))
                                      .options(lazyload("*"), selectinload(Ticket.events))).all()
    moved_later, answered = [], []
    for ticket in open_tickets:
        before = _due_times(ticket)
        _set_deadlines(ticket)
        if ticket.status == "answered":
            answered.append(ticket)
        elif any(old and new and new > old for old, new in zip(before, _due_times(ticket))):
            moved_later.append(ticket)
    sweep.clear_if_on_time(moved_later, clock.now())
    sweep.judge_answered(answered)
    return len(open_tickets)


def _due_times(ticket) -> tuple:
    return ticket.due_at, ticket.progress_due_at, ticket.sign_due_at


# --- the loop ------------------------------------------------------------------

class IllegalTransition(ValidationError):
    pass


ACTION_NAMES = {
    "dispatch": _l("dispatched"), "sign": _l("signed for"), "return": _l("returned"), "answer": _l("answered"),
    "close": _l("closed"), "rate": _l("rated"), "transfer": _l("transferred"),
    "transfer_reply": _l("given the outside department's reply"), "escalate": _l("escalated"),
    "supervise": _l("supervised"), "extension": _l("given more time"), "progress": _l("given a progress report"),
    "complain": _l("complained about"), "note": _l("given a note"), "attach": _l("given attachments"),
    "request_info": _l("given a request for more information"), "supply_info": _l("given more information"),
    "rework": _l("sent back for rework"),
    "follower": _l("given a follower"), "onsite": _l("given an on-site result"),
    "onsite_signature": _l("given the visit record's signature"), "onsite_confirm": _l("confirmed"),
    "pause": _l("paused"), "resume": _l("started again"),
    "merge": _l("merged into another ticket"),
}


def _refuse(actor, ticket, action, message, result=audit.REJECTED, error=IllegalTransition):
    audit.record_failure(actor, f"ticket.{action}", result=result, object_type="ticket", object_id=ticket.id,
                         detail={"status": ticket.status})
    raise error(message)


def _check(actor, ticket, rule_name):
    """Refuse unless the actor holds the rule's permission, is the right party
    and the ticket's status allows the action (the rules are in ``RULES``)."""
    rule = RULES[rule_name]
    if not _party(actor, ticket, rule):
        _refuse(actor, ticket, rule.action, _l("You are not allowed to do this with this ticket."),
                result=audit.DENIED, error=Forbidden)
    if ticket.status not in rule.statuses:
        _refuse(actor, ticket, rule.action, _l("A ticket that is “%(status)s” cannot be %(action)s.",
                                               status=STATUSES[ticket.status], action=ACTION_NAMES[rule.action]))


def _party(actor, ticket, rule) -> bool:
    if actor.enterprise_id is not None:  # the enterprise itself: only the actions meant for it, on its own tickets
        return rule.enterprise and actor.can(rule.permission) and ticket.enterprise_id == actor.enterprise_id
    return actor.can(rule.permission) and rule.who(actor, ticket)


def _is_centre(actor, ticket) -> bool:
    """The registering side: the desk and leaders whose scope holds the registering unit."""
    return actor.scope.allows(ticket.registering_unit_id) and bool(actor.roles & {"desk", "leader"})


def _is_handler(actor, ticket) -> bool:
    return ticket.handling_unit_id is not None and actor.unit_id == ticket.handling_unit_id


def _is_leader_over_handler(actor, ticket) -> bool:
    unit_id = ticket.handling_unit_id or ticket.registering_unit_id
    return LEADER in actor.roles and actor.scope.allows(unit_id)


def _anyone(actor, ticket) -> bool:
    return True  # whoever may open the ticket (``get`` checked that)


def _no_staff(actor, ticket) -> bool:
    return False  # an action of the enterprise alone


def _is_party(actor, ticket) -> bool:
    return _is_centre(actor, ticket) or _is_handler(actor, ticket)


def _is_dispatcher(actor, ticket) -> bool:
    """The centre; but a ticket escalated at intake (提级办) waits for the leaders
    of the unit it went up to (or of a unit above that) to dispatch it."""
    from core.tickets import modes

    target = modes.escalated_to(ticket)
    if target is None:
        return _is_centre(actor, ticket)
    return LEADER in actor.roles and actor.user is not None and target.path.startswith(actor.user.unit.path)
def _holds_clock(actor, ticket) -> bool:
    """Who may pause the clock: the centre while no unit handles the ticket, else the handling unit
    (the statuses in ``RULES`` narrow it to before dispatch and once signed for)."""
    return _is_centre(actor, ticket) if ticket.handling_unit_id is None else _is_handler(actor, ticket)


def _may_restart_clock(actor, ticket) -> bool:
    return _holds_clock(actor, ticket) or _is_leader_over_handler(actor, ticket)


@dataclass(frozen=True)
class Rule:
    action: str                      # its name in messages and in the audit trail
    permission: str
    statuses: tuple[str, ...]        # the statuses it may start from
    who: Callable                    # (actor, ticket) -> the actor is the right party (staff)
    enterprise: bool = False         # the enterprise may take it on its own ticket (the portal)


# Who may do what from which status: the one place the loop's rules are written.
# The transitions check them (``_check``); the ticket page asks ``available_actions``.
RULES = {
    "dispatch": Rule("dispatch", "ticket.dispatch", ("registered", "returned"), _is_dispatcher),
    "sign": Rule("sign", "ticket.handle", ("dispatched",), _is_handler),
    "return": Rule("return", "ticket.handle", ("dispatched", "handling"), _is_handler),
    "answer": Rule("answer", "ticket.handle", ("handling",), _is_handler),
    "transfer": Rule("transfer", "ticket.dispatch", ("registered", "returned"), _is_dispatcher),
    "transfer_reply": Rule("transfer_reply", "ticket.dispatch", ("transferred",), _is_centre),
    "escalate": Rule("escalate", "ticket.handle", ("dispatched", "handling"), _is_handler),
    "close": Rule("close", "ticket.dispatch", ("answered",), _is_centre),
    # 退回重办: the centre sends an answer back to the handling unit before closing (core.tickets.rework).
    "rework": Rule("rework", "ticket.dispatch", ("answered",), _is_centre),
    "rate": Rule("rate", "ticket.rate", ("closed",), _is_centre, enterprise=True),
    "supervise": Rule("supervise", "ticket.supervise", ("dispatched", "handling", "returned", "transferred"),
                      _is_leader_over_handler),
    "extension": Rule("extension", "ticket.handle", ("dispatched", "handling"), _is_handler),
    "decide_extension": Rule("extension", "ticket.decide_extension", OPEN_STATUSES, _is_leader_over_handler),
    "progress": Rule("progress", "ticket.handle", ("handling",), _is_handler),
    "complain": Rule("complain", "ticket.complain", tuple(STATUSES), _is_centre, enterprise=True),
    # 补充材料: the centre before dispatching, the handling unit once it has signed for it.
    "request_info": Rule("request_info", "ticket.handle", ("registered", "returned", "handling", "transferred"),
                         _is_party),
    "supply_info": Rule("supply_info", "ticket.read", OPEN_STATUSES, _no_staff, enterprise=True),
    "note": Rule("note", "ticket.read", tuple(STATUSES), _anyone),
    "attach": Rule("attach", "ticket.handle", OPEN_STATUSES, _is_party),
    # 转盯办: the centre names or changes the follower (core/tickets/follow.py).
    "follower": Rule("follower", "ticket.dispatch", OPEN_STATUSES, _is_centre),
    # 现场办 (core/tickets/onsite.py): the on-site result answers; the enterprise confirms it on the
    # portal, or its representative's signature on the visit record is recorded.
    "onsite": Rule("onsite", "ticket.handle", ("handling",), _is_handler),
    "onsite_signature": Rule("onsite_signature", "ticket.handle", ("answered", "closed", "rated"), _is_party),
    "onsite_confirm": Rule("onsite_confirm", "ticket.read", ("answered", "closed", "rated"), _no_staff,
                           enterprise=True),
    # 暂停计时 (core/tickets/pausing.py): only in the clock holder's statuses; a leader may also restart it.
    "pause": Rule("pause", "ticket.handle", ("registered", "returned", "handling"), _holds_clock),
    "resume": Rule("resume", "ticket.handle", ("registered", "returned", "handling"), _may_restart_clock),
    # 合并: the centre closes a duplicate into another ticket of the enterprise while no answer
    # is written yet and no outside department holds it (the survivor's rules: core/tickets/merging.py).
    "merge": Rule("merge", "ticket.dispatch", ("registered", "returned", "dispatched", "handling"), _is_centre),
}


def available_actions(actor, ticket) -> set[str]:
    """The names of ``RULES`` the actor may use on the ticket right now: the
    same checks as the transitions, without refusing, auditing or writing."""
    found = {name for name, rule in RULES.items()
             if ticket.status in rule.statuses and _party(actor, ticket, rule)}
    if ticket.ticket_class != "complex":
        found.discard("progress")
    if found & {"extension", "decide_extension"}:
        pending = pending_extension(ticket) is not None
        found.discard("extension" if pending else "decide_extension")
    if "escalate" in found and (ticket.handling_unit is None or ticket.handling_unit.parent_id is None):
        found.discard("escalate")
    if "rework" in found and ticket.handling_unit_id is None:  # an outside department's reply
        found.discard("rework")
    if found & {"pause", "resume"}:
        from core.tickets import pausing

        found -= {"resume"} if ticket.paused_at is None else {"pause"}
        if "pause" in found and pausing.refusal(ticket, clock.now()) is not None:
            found.discard("pause")
    from core.tickets import onsite

    return onsite.adjust_actions(ticket, found)


def _event(actor, ticket, kind, from_status, to_status, text="", data=None, internal=False) -> TicketEvent:
    event = TicketEvent(ticket=ticket, kind=kind, from_status=from_status, to_status=to_status,
                        actor_id=actor.user_id, actor_name=actor.display_name[:100],
                        unit_id=actor.unit_id, text=text, data=data, internal=internal, at=clock.now())
    db.session.add(event)
    return event


def _move(actor, ticket, action, kind, to_status, text="", data=None, internal=False):
    if ticket.paused_at is not None:  # a ticket changing hands ends its pause (core/tickets/pausing.py)
        from core.tickets import pausing

        pausing.end(actor, ticket)
    from_status = ticket.status
    ticket.status = to_status
    _event(actor, ticket, kind, from_status, to_status, text=text, data=data, internal=internal)
    audit.record(actor, f"ticket.{action}", ticket, detail={"from": from_status, "to": to_status})


def _text(value, field, message, limit=MAX_TEXT) -> str:
    text = clean_text(value, limit)
    if not text:
        raise ValidationError(message, field=field)
    if len(text) > limit:
        raise ValidationError(_l("Keep this under %(n)d characters.", n=limit), field=field)
    return text


def _commit(actor, ticket, event: str, followed=(), notice_text: str = "") -> Ticket:
    """Commit a step of the loop with what it tells the enterprise (core/notices),
    then tell the plugins. ``followed``: steps a handling mode took in the same
    transaction (立即办: answered, closed)."""
    if ticket.status in ("closed", "rated"):
        from core.supervision import services as supervision

        supervision.take_off_closed(actor, ticket)  # 闭环销号: off the 挂牌督办 register, in the same transaction
    for name in (event, *followed):
        notices.for_enterprise(ticket, name, text=notice_text)
    webhooks.ticket_event(ticket, event)  # its posts to outside systems, queued once committed
    db.session.commit()
    notices.send_pending()
    broadcast("anqi_ticket_event", event=event, ticket=ticket, actor=actor)
    return ticket


def dispatch(actor, ticket_id, unit_id, officer_id=None, note: str = "", due_on=None,
             follower_id=None) -> Ticket:
    """转办: send the ticket to the unit that must handle it (optionally an officer),
    optionally by a deadline of the dispatcher's own (限期办, ``due_on``: a day;
    see ``core.tickets.modes.check_set_deadline``). Every problem is named at once.
    A 转盯办 ticket names its follower (``follower_id``; by default the enterprise's
    liaison officer, when it has one); a ticket of another mode may be given one."""
    from core.tickets import modes

    ticket = get(actor, ticket_id)
    _check(actor, ticket, "dispatch")
    follower = follow.choose(actor, ticket, follower_id, "dispatch", by_default=ticket.handling_mode == "follow")
    errors = {}
    unit = db.session.get(Unit, int(unit_id)) if str(unit_id or "").isdigit() else None
    if unit is None or not unit.active or not actor.scope.allows(unit.id):
        errors["unit_id"] = [_l("Choose a unit within your centre's tree.")]
    officer = None
    if officer_id:
        officer = db.session.get(User, int(officer_id)) if str(officer_id).isdigit() else None
        if officer is None or unit is None or officer.unit_id != unit.id or not officer.active:
            errors["officer_id"] = [_l("The officer must belong to the unit the ticket goes to.")]
    now = clock.now()
    due_on = modes.check_set_deadline(ticket, due_on, now, errors)
    if errors:
        audit.record_failure(actor, "ticket.dispatch", object_type="ticket", object_id=ticket.id,
                             detail={"status": ticket.status, "fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    ticket.handling_unit_id, ticket.handling_officer_id = unit.id, officer.id if officer else None
    ticket.dispatched_at = now
    data = {"unit": unit.code, "officer": officer.username if officer else None}
    if due_on is not None:
        data["due_on"] = due_on.isoformat()
    _move(actor, ticket, "dispatch", "dispatched", "dispatched", text=clean_text(note, 1000)[:1000], data=data)
    _set_deadlines(ticket)  # the sign-for deadline, and the deadline set (限期办)
    notify_unit(unit.id, "dispatched", _l("Ticket %(number)s has been dispatched to your unit.",
                                          number=ticket.number), ticket.id)
    notices.for_unit("officer.dispatched", unit.id, ticket, roles=(LEADER, DESK),
                     officer_id=officer.id if officer else None, due=ticket.sign_due_at or ticket.due_at)
    follow.dispatched(actor, ticket, follower, unit)
    return _commit(actor, ticket, "dispatched")


def sign(actor, ticket_id) -> Ticket:
    """签收: the handling unit takes the ticket on."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "sign")
    ticket.signed_at = clock.now()
    if ticket.handling_officer_id is None and actor.user is not None:
        ticket.handling_officer_id = actor.user_id
    late = ticket.sign_due_at is not None and ticket.signed_at > ticket.sign_due_at
    if late:  # counted in the sign-for figures; it does not keep the ticket overdue
        ticket.late_sign_fors = (ticket.late_sign_fors or 0) + 1
    _move(actor, ticket, "sign", "signed", "handling", data={"late": True} if late else None)
    _set_deadlines(ticket)  # the sign-for deadline no longer makes them provisional
    sweep.clear_if_on_time([ticket], ticket.signed_at)  # from now on the handling deadlines alone decide
    return _commit(actor, ticket, "signed")


def return_ticket(actor, ticket_id, reason: str) -> Ticket:
    """退单: the handling unit sends the ticket back to the centre, with a reason."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "return")
    reason = _text(reason, "reason", _l("Say why the ticket is returned."), 1000)
    previous = ticket.handling_unit_id
    ticket.handling_unit_id = ticket.handling_officer_id = None
    _move(actor, ticket, "return", "returned", "returned", text=reason, data={"from_unit": previous})
    _set_deadlines(ticket)
    notify_unit(ticket.registering_unit_id, "returned",
                _l("Ticket %(number)s was returned: %(reason)s", number=ticket.number, reason=reason[:100]),
                ticket.id)
    return _commit(actor, ticket, "returned")


def answer(actor, ticket_id, reply: str, result: str) -> Ticket:
    """反馈: the handling unit's reply and result."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "answer")
    if ticket.handling_mode == "on_site":
        _refuse(actor, ticket, "answer", _l("A 现场办 ticket is answered by recording the on-site result."))
    reply = _reply_and_result(reply, result)
    ticket.answer, ticket.result, ticket.answered_at = reply, result, clock.now()
    _move(actor, ticket, "answer", "answered", "answered", text=reply, data={"result": result})
    notify_unit(ticket.registering_unit_id, "answered",
                _l("Ticket %(number)s has been answered and awaits confirmation.", number=ticket.number),
                ticket.id, roles=("desk", "leader"))
    return _commit(actor, ticket, "answered")


def _reply_and_result(reply: str, result: str, missing=_l("Write the reply to the enterprise.")) -> str:
    """The reply, cleaned; a missing reply and a missing result are reported together."""
    errors = {}
    try:
        reply = _text(reply, "reply", missing)
    except ValidationError as exc:
        errors.update(exc.errors)
    if result not in RESULTS:
        errors["result"] = [_l("Choose the result.")]
    if errors:
        raise ValidationError.of(errors)
    return reply


def transfer(actor, ticket_id, department: str = "", note: str = "", department_id=None) -> Ticket:
    """转交: a matter outside the police goes to another department, chosen from the
    register (``department_id``; a name is matched against it, see
    ``core.departments.services.resolve``). The ticket keeps the name as it is now."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "transfer")
    try:
        department_id, department = departments.resolve(actor, department_id, department)
    except ValidationError:
        audit.record_failure(actor, "ticket.transfer", object_type="ticket", object_id=ticket.id,
                             detail={"fields": ["department_id"]})
        raise
    if not department:
        raise ValidationError(_l("Choose the department the matter is transferred to."), field="department_id")
    ticket.external_department, ticket.external_department_id = department, department_id
    ticket.dispatched_at = clock.now()
    _move(actor, ticket, "transfer", "transferred", "transferred", text=clean_text(note, 1000)[:1000],
          data={"department": department, "department_id": department_id})
    return _commit(actor, ticket, "transferred")


def record_transfer_reply(actor, ticket_id, reply: str, result: str) -> Ticket:
    """The outside department's reply, recorded by the centre."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "transfer_reply")
    reply = _reply_and_result(reply, result, _l("Write the department's reply."))
    ticket.answer, ticket.result, ticket.answered_at = reply, result, clock.now()
    _move(actor, ticket, "transfer_reply", "transfer_replied", "answered", text=reply,
          data={"department": ticket.external_department, "result": result})
    return _commit(actor, ticket, "transfer_replied")


def escalate(actor, ticket_id, reason: str) -> Ticket:
    """提级: the handling unit hands the ticket up to its parent unit."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "escalate")
    reason = _text(reason, "reason", _l("Say why the ticket is escalated."), 1000)
    parent = ticket.handling_unit.parent if ticket.handling_unit else None
    if parent is None:
        _refuse(actor, ticket, "escalate", _l("This unit has no parent unit to escalate to."),
                error=ValidationError)
    now = clock.now()
    from_unit = ticket.handling_unit_id
    ticket.handling_unit_id, ticket.handling_officer_id = parent.id, None
    ticket.dispatched_at = now
    _move(actor, ticket, "escalate", "escalated", "dispatched", text=reason,
          data={"from_unit": from_unit, "to_unit": parent.id})
    _set_deadlines(ticket)  # the sign-for deadline
    notify_unit(parent.id, "escalated", _l("Ticket %(number)s has been escalated to your unit.",
                                           number=ticket.number), ticket.id)
    notices.for_unit("leader.escalated", parent.id, ticket, roles=(LEADER,), text=reason)
    return _commit(actor, ticket, "escalated")


def close(actor, ticket_id, note: str = "") -> Ticket:
    """办结: the centre confirms the answer and closes the ticket."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "close")
    now = clock.now()
    ticket.closed_at, ticket.closed_on_time = now, sweep.answered_in_time(ticket)
    _move(actor, ticket, "close", "closed", "closed", text=clean_text(note, 1000)[:1000])
    return _commit(actor, ticket, "closed")


def rate(actor, ticket_id, rating: str, comment: str = "") -> Ticket:
    """评价 (回访): the enterprise's rating. A dissatisfied rating sends the ticket
    back for rework once; a second marks it for the leader."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "rate")
    if rating not in RATINGS:
        raise ValidationError(_l("Choose a rating."), field="rating")
    now = clock.now()
    comment = clean_text(comment, 1000)[:1000]
    ticket.rating, ticket.rating_comment, ticket.rated_at = rating, comment, now
    _move(actor, ticket, "rate", "rated", "rated", text=comment, data={"rating": rating})
    if rating == "dissatisfied":
        if ticket.rework_count == 0 and ticket.handling_unit_id is not None:
            from core.tickets import rework

            ticket.rework_count = 1
            ticket.status = "handling"
            ticket.answered_at = ticket.closed_at = None
            reopened = _event(actor, ticket, "reopened", "rated", "handling", text=comment)
            rework.restart(actor, ticket, reopened, now)  # a fresh deadline from the reopening
            notify_unit(ticket.handling_unit_id, "reopened",
                        _l("Ticket %(number)s was rated dissatisfied and comes back for rework.",
                           number=ticket.number), ticket.id)
        else:
            ticket.flagged_for_leader = True
            _event(actor, ticket, "flagged", "rated", "rated", internal=True)
            notify_unit(ticket.registering_unit_id, "flagged",
                        _l("Ticket %(number)s was rated dissatisfied again.", number=ticket.number),
                        ticket.id, roles=("leader",))
    return _commit(actor, ticket, "rated")


def supervise(actor, ticket_id, due_at: datetime, instruction: str) -> Ticket:
    """督办: a leader sets a deadline of their own and tells the handling unit."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "supervise")
    instruction = _text(instruction, "instruction", _l("Write the supervision instruction."), 1000)
    if due_at is None or due_at <= clock.now():
        raise ValidationError(_l("The supervision deadline must be in the future."), field="due_at")
    ticket.supervision_due_at = due_at
    _event(actor, ticket, "supervised", ticket.status, ticket.status, text=instruction,
           data={"due_at": due_at.isoformat()})
    audit.record(actor, "ticket.supervise", ticket, detail={"due_at": due_at.isoformat()})
    notify_unit(ticket.handling_unit_id, "supervised",
                _l("Ticket %(number)s is under supervision: %(text)s", number=ticket.number,
                   text=instruction[:100]), ticket.id)
    notices.for_unit("leader.supervised", ticket.handling_unit_id, ticket, roles=(LEADER,), text=instruction,
                     due=due_at)
    return _commit(actor, ticket, "supervised")


def request_extension(actor, ticket_id, days, reason: str) -> TicketExtension:
    """延期申请: the handling unit asks for more working days."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "extension")
    reason = _text(reason, "reason", _l("Say why more time is needed."), 1000)
    days = int(days) if str(days or "").isdigit() else 0
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise ValidationError(_l("Ask for 1 to %(n)d working days.", n=MAX_EXTENSION_DAYS), field="days")
    pending = db.session.scalar(select(TicketExtension).where(TicketExtension.ticket_id == ticket.id,
                                                              TicketExtension.status == "pending"))
    if pending is not None:
        raise ValidationError(_l("An extension request is already waiting for a decision."))
    extension = TicketExtension(ticket_id=ticket.id, days=days, reason=reason, requested_by_id=actor.user_id)
    db.session.add(extension)
    _event(actor, ticket, "extension_requested", ticket.status, ticket.status, text=reason, data={"days": days})
    audit.record(actor, "ticket.extension_request", ticket, detail={"days": days})
    notify_unit(ticket.registering_unit_id, "extension",
                _l("Ticket %(number)s: %(days)d more working days requested.", number=ticket.number, days=days),
                ticket.id, roles=("leader",))
    db.session.commit()
    return extension


def decide_extension(actor, extension_id, approve: bool, note: str = "") -> Ticket:
    """A leader approves or refuses; only an approval moves the deadline."""
    extension = db.session.get(TicketExtension, extension_id)
    if extension is None:
        raise NotFound(_l("There is no such extension request."))
    ticket = get(actor, extension.ticket_id)
    _check(actor, ticket, "decide_extension")
    if extension.status != "pending":
        raise ValidationError(_l("This request has already been decided."))
    extension.status = "approved" if approve else "refused"
    extension.decided_by_id, extension.decided_at = actor.user_id, clock.now()
    extension.decision_note = clean_text(note, 1000)[:1000]
    _event(actor, ticket, "extension_approved" if approve else "extension_refused", ticket.status, ticket.status,
           text=extension.decision_note, data={"days": extension.days})
    if approve:
        ticket.extension_days += extension.days
        _set_deadlines(ticket)  # counts the approval just put on the timeline
        sweep.clear_if_on_time([ticket], extension.decided_at)
    audit.record(actor, "ticket.extension_decide", ticket, detail={"approved": approve, "days": extension.days})
    notify_unit(ticket.handling_unit_id, "extension_decided",
                _l("Ticket %(number)s: your extension request was approved.", number=ticket.number) if approve
                else _l("Ticket %(number)s: your extension request was refused.", number=ticket.number), ticket.id)
    return _commit(actor, ticket, "extension_decided")


def report_progress(actor, ticket_id, text: str) -> Ticket:
    """疑难件进展: a complex ticket's progress report, due every 5 working days."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "progress")
    if ticket.ticket_class != "complex":
        raise ValidationError(_l("Only complex tickets take progress reports."))
    text = _text(text, "text", _l("Describe the progress."))
    _event(actor, ticket, "progress", ticket.status, ticket.status, text=text)
    _set_deadlines(ticket)  # the next report counts from this one
    sweep.clear_if_on_time([ticket], clock.now())
    audit.record(actor, "ticket.progress", ticket)
    return _commit(actor, ticket, "progress")


def complain(actor, ticket_id, text: str) -> TicketComplaint:
    """投诉: a complaint about the handling, held against the handling unit."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "complain")
    text = _text(text, "text", _l("Write the complaint."))
    complaint = TicketComplaint(ticket_id=ticket.id, unit_id=ticket.handling_unit_id, text=text,
                                recorded_by_id=actor.user_id)
    db.session.add(complaint)
    _event(actor, ticket, "complaint", ticket.status, ticket.status, text=text)
    audit.record(actor, "ticket.complain", ticket, detail={"unit": ticket.handling_unit_id})
    for unit_id in _complaint_units(ticket):
        notify_unit(unit_id, "complaint", _l("A complaint was recorded on ticket %(number)s.", number=ticket.number),
                    ticket.id, roles=("leader",))
        notices.for_unit("leader.complaint", unit_id, ticket, roles=(LEADER,), text=text)
    db.session.commit()
    notices.send_pending()
    broadcast("anqi_ticket_event", event="complained", ticket=ticket, actor=actor)
    return complaint


def _complaint_units(ticket) -> list[int]:
    """Whose leaders hear of a complaint: the registering unit's, and the
    centre's whose tree holds it (an online demand is registered at the
    enterprise's own unit, a station, but the centre answers for the loop)."""
    unit = db.session.get(Unit, ticket.registering_unit_id)
    ids = [unit.id]
    root = unit.path.strip("/").split("/")[0]
    centres = db.session.scalars(select(Unit.id).where(Unit.kind == "centre", Unit.active.is_(True),
                                                       Unit.path.startswith(f"/{root}/")))
    ids += [c for c in centres if c not in ids]
    return ids


def complaints(actor, limit: int = 200) -> list[TicketComplaint]:
    """The complaints about tickets the actor may see, newest first (for leaders)."""
    actor.require("ticket.supervise")
    stmt = (select(TicketComplaint).join(Ticket, Ticket.id == TicketComplaint.ticket_id).where(visible(actor))
            .order_by(TicketComplaint.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def add_note(actor, ticket_id, text: str) -> TicketEvent:
    """An internal note on the timeline, for staff only."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "note")
    text = _text(text, "text", _l("Write the note."), 2000)
    event = _event(actor, ticket, "note", ticket.status, ticket.status, text=text, internal=True)
    audit.record(actor, "ticket.note", ticket)
    db.session.commit()
    return event


def attach(actor, ticket_id, prepared) -> Ticket:
    """Add files (already checked by ``attachments.check_uploads``) to an open ticket."""
    from core.tickets import attachments

    ticket = get(actor, ticket_id)
    _check(actor, ticket, "attach")
    if not prepared:
        raise ValidationError(_l("Choose at least one file."), field="attachments")
    names = "、".join(item.name for item in prepared)
    _event(actor, ticket, "attached", ticket.status, ticket.status, text=names[:1000],
           data={"files": len(prepared)})
    audit.record(actor, "ticket.attach", ticket, detail={"files": len(prepared)})
    with attachments.staged(actor, ticket, prepared):
        db.session.commit()
    return ticket


def request_info(actor, ticket_id, text: str) -> Ticket:
    """补充材料: ask the enterprise for more information; it answers on the portal
    (or the desk records what it said by phone: ``pausing.resume``). The clock
    pauses meanwhile where it may (``pausing.refusal``)."""
    ticket = get(actor, ticket_id)
    _check(actor, ticket, "request_info")
    text = _text(text, "text", _l("Say what the enterprise should add."), 1000)
    _event(actor, ticket, "info_requested", ticket.status, ticket.status, text=text)
    audit.record(actor, "ticket.request_info", ticket)
    from core.tickets import pausing

    pausing.pause_for_information(actor, ticket)  # when the clock may pause: the enterprise's silence is its own
    return _commit(actor, ticket, "info_requested", notice_text=text)


def awaiting_information(ticket) -> TicketEvent | None:
    """The open request for more information: the last one, unless answered since."""
    for event in reversed(ticket.events):
        if event.kind == "info_supplied":
            return None
        if event.kind == "info_requested":
            return event
    return None


SUPPLY_INFO_MISSING = _l("Write the information asked for.")


def check_supply_info(text: str) -> dict:
    """The problem of the enterprise's answer text, without writing: for a form
    that shows it together with its files' problems."""
    try:
        _text(text, "text", SUPPLY_INFO_MISSING, MAX_TEXT)
    except ValidationError as exc:
        return exc.errors
    return {}


def supply_info(actor, ticket_id, text: str, prepared=()) -> Ticket:
    """The enterprise's answer to a request for more information, with files
    (already checked by ``attachments.check_uploads``)."""
    from core.tickets import attachments

    ticket = get(actor, ticket_id)
    _check(actor, ticket, "supply_info")
    if awaiting_information(ticket) is None:
        _refuse(actor, ticket, "supply_info", _l("Nobody has asked for more information on this ticket."))
    text = _text(text, "text", SUPPLY_INFO_MISSING, MAX_TEXT)
    _event(actor, ticket, "info_supplied", ticket.status, ticket.status, text=text,
           data={"files": len(prepared)} if prepared else None)
    audit.record(actor, "ticket.supply_info", ticket, detail={"files": len(prepared)})
    notify_unit(ticket.handling_unit_id or ticket.registering_unit_id, "info_supplied",
                _l("The enterprise has added information to ticket %(number)s.", number=ticket.number), ticket.id)
    from core.tickets import pausing

    pausing.information_supplied(actor, ticket)  # the clock runs again
    if prepared:
        with attachments.staged(actor, ticket, list(prepared)):
            db.session.commit()
    return _commit(actor, ticket, "info_supplied")
