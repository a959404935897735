"""Announcing events as messages, and the texts and choices behind them.

``for_enterprise`` and ``for_staff`` are called by the ticket services inside
the change's own transaction: they add one ``NoticeMessage`` per recipient and
channel (nothing is sent yet, and nothing is written if the change rolls back).
``send_pending`` — called after the commit — hands the new messages to the
job queue (core/notices/delivery.py). No address is read here: the job looks
it up and decrypts it when it sends.

In-app notifications stay with core/notifications; SMS and email are added
according to each recipient's preferences (``NoticePreference``), for a
channel that is configured.
"""
import re
import string
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import event as orm_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock
from core.audit import services as audit
from core.errors import ValidationError
from core.extensions import db
from core.notices import events as catalogue
from core.notices.models import QUEUED, TO_ACCOUNT, TO_CONTACT, TO_USER, NoticeMessage, NoticePreference, NoticeTemplate
from core.org.models import User, UserRole
from core.text import clean_text

DIGEST = "digest"            # a message kept for the recipient's daily digest (core/notices/digest.py)
ANSWER_EXCERPT = 40          # characters of an answer quoted in an SMS


# --- which channels are on -------------------------------------------------------------------

def configured_channels(config=None) -> tuple[str, ...]:
    """The channels an administrator has connected (SMS gateway, mail relay)."""
    config = config if config is not None else current_app.config
    found = []
    if (config.get("NOTICE_SMS_GATEWAY") or "").strip():
        found.append(catalogue.SMS)
    if (config.get("MAIL_SERVER") or "").strip():
        found.append(catalogue.EMAIL)
    return tuple(found)


# --- preferences ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    channels: tuple[str, ...]
    digest: bool = False


def _owner_filter(user_id=None, account_id=None):
    return (NoticePreference.user_id == user_id if user_id is not None else NoticePreference.user_id.is_(None),
            NoticePreference.account_id == account_id if account_id is not None
            else NoticePreference.account_id.is_(None))


def choices(*, user_id=None, account_id=None) -> dict[str, Choice]:
    """Every kind's channels for a user or a portal account, the defaults where none was chosen."""
    kinds = catalogue.STAFF_KINDS if user_id is not None else catalogue.ENTERPRISE_KINDS
    found = {kind: Choice(catalogue.DEFAULT_CHANNELS[kind]) for kind in kinds}
    for row in db.session.scalars(select(NoticePreference).where(*_owner_filter(user_id, account_id))):
        if row.kind in found:
            found[row.kind] = Choice(tuple(c for c in row.channels.split(",") if c in catalogue.CHANNELS),
                                     bool(row.digest))
    return found


def save_choices(*, user_id=None, account_id=None, chosen: dict[str, list[str]], digest: set[str] = frozenset(),
                 actor=None) -> None:
    """Keep the channels chosen per kind (``chosen``: kind → channels; a kind left
    out keeps no channel but the in-app one) and commit. ``digest``: the kinds an
    officer wants once a day."""
    kinds = catalogue.STAFF_KINDS if user_id is not None else catalogue.ENTERPRISE_KINDS
    rows = {row.kind: row for row in db.session.scalars(
        select(NoticePreference).where(*_owner_filter(user_id, account_id)))}
    for kind in kinds:
        channels = [c for c in catalogue.CHANNELS if c in (chosen.get(kind) or ())]
        row = rows.get(kind) or NoticePreference(user_id=user_id, account_id=account_id, kind=kind)
        row.channels = ",".join(channels)
        row.digest = user_id is not None and kind in digest
        db.session.add(row)
    if actor is not None:
        audit.record(actor, "notice.preferences", object_type="user" if user_id is not None else "portal_account",
                     object_id=user_id if user_id is not None else account_id,
                     detail={kind: (chosen.get(kind) or []) for kind in kinds})
    db.session.commit()


# --- texts ----------------------------------------------------------------------------------

class _Values(dict):
    """A template's values; an unknown name stays as it was written."""

    def __missing__(self, key):
        return "{" + key + "}"


def default_text(event: str, channel: str, locale: str) -> tuple[str, str]:
    spec = catalogue.EVENTS[event]
    with force_locale(locale):
        if channel == catalogue.SMS:
            return "", str(spec.sms)
        return str(spec.subject), str(spec.email)


def template(event: str, channel: str, locale: str) -> tuple[str, str, bool]:
    """The (subject, body) an event is sent with, and whether it is the default."""
    row = db.session.scalar(select(NoticeTemplate).where(
        NoticeTemplate.event == event, NoticeTemplate.channel == channel, NoticeTemplate.locale == locale))
    if row is not None:
        return row.subject, row.body, False
    return (*default_text(event, channel, locale), True)


def fill(text: str, values: dict) -> str:
    try:
        return text.format_map(_Values(values))
    except (ValueError, IndexError):   # a stray brace in an administrator's text: sent as written
        return text


def render(event: str, channel: str, locale: str, values: dict) -> tuple[str, str]:
    subject, body, _default = template(event, channel, locale)
    return fill(subject, values), fill(body, values)


def sms_length(text: str, config=None) -> int:
    """Characters an SMS counts: the text and the centre's signature."""
    config = config if config is not None else current_app.config
    return len(text) + len(config.get("NOTICE_SMS_SIGNATURE") or "")


def check_template(event: str, channel: str, locale: str, subject: str, body: str) -> dict:
    """Every problem of an administrator's text at once (field → messages)."""
    errors = {}
    if event not in catalogue.EVENTS:
        errors["event"] = [_l("Choose one of the events.")]
    if channel not in catalogue.CHANNELS:
        errors["channel"] = [_l("Choose SMS or email.")]
    if locale not in current_app.config["LANGUAGES"]:
        errors["locale"] = [_l("Choose one of the languages.")]
    if not body:
        errors["body"] = [_l("Write the text.")]
    elif len(body) > 2000:
        errors["body"] = [_l("Keep this under %(n)d characters.", n=2000)]
    if channel == catalogue.EMAIL and not subject:
        errors["subject"] = [_l("Write the subject of the email.")]
    if len(subject) > 200:
        errors["subject"] = [_l("Keep this under %(n)d characters.", n=200)]
    unknown = sorted(_names(subject + body) - set(catalogue.PLACEHOLDERS))
    if unknown:
        errors.setdefault("body", []).append(_l("Unknown value in braces: %(names)s.", names="、".join(unknown)))
    return errors


def _names(text: str) -> set[str]:
    try:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}
    except ValueError:
        return set()


def save_template(actor, event: str, channel: str, locale: str, subject: str, body: str) -> NoticeTemplate:
    actor.require("notice.manage")
    subject, body = clean_text(subject, 200).replace("\n", " "), clean_text(body, 2000)
    errors = check_template(event, channel, locale, subject, body)
    if errors:
        audit.record_failure(actor, "notice.template", object_type="notice_template",
                             detail={"event": event, "channel": channel, "fields": sorted(errors)})
        raise ValidationError.of(errors)
    row = db.session.scalar(select(NoticeTemplate).where(
        NoticeTemplate.event == event, NoticeTemplate.channel == channel, NoticeTemplate.locale == locale))
    if row is None:
        row = NoticeTemplate(event=event, channel=channel, locale=locale)
        db.session.add(row)
    row.subject, row.body = subject if channel == catalogue.EMAIL else "", body
    row.changed_by_id, row.changed_at = actor.user_id, clock.now()
    db.session.flush()
    audit.record(actor, "notice.template", row, detail={"event": event, "channel": channel, "locale": locale})
    db.session.commit()
    return row


def reset_template(actor, event: str, channel: str, locale: str) -> None:
    """Back to the default text."""
    actor.require("notice.manage")
    row = db.session.scalar(select(NoticeTemplate).where(
        NoticeTemplate.event == event, NoticeTemplate.channel == channel, NoticeTemplate.locale == locale))
    if row is not None:
        audit.record(actor, "notice.template_reset", row, detail={"event": event, "channel": channel,
                                                                  "locale": locale})
        db.session.delete(row)
        db.session.commit()


def sample_values(locale: str | None = None) -> dict:
    """Values for the template page's preview."""
    with force_locale(locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return {"number": "2026-000123", "enterprise": str(_l("Zhejiang Huada Technology Co., Ltd.")),
                "unit": str(_l("Jiyang Police Station")), "due": "2026-12-10 17:00",
                "answer": str(_l("The street lamp was repaired on 3 December.")),
                "text": str(_l("Answer the enterprise within two working days."))}


@dataclass(frozen=True)
class Preview:
    subject: str
    body: str
    length: int            # an SMS's characters, its signature included
    parts: int             # the SMS messages it takes


def preview(channel: str, locale: str, subject: str, body: str) -> Preview:
    values = sample_values(locale)
    subject, text = fill(subject, values), fill(body, values)
    if channel != catalogue.SMS:
        return Preview(subject, text, len(text), 1)
    signature = current_app.config.get("NOTICE_SMS_SIGNATURE") or ""
    length = sms_length(text)
    # Longer texts go as parts of 67 characters each (the rest of each part says which part it is).
    parts = 1 if length <= catalogue.SMS_LENGTH else -(-length // 67)
    return Preview("", signature + text, length, parts)


# --- announcing -------------------------------------------------------------------------------

def ticket_values(ticket, *, text: str = "", due=None, unit=None) -> dict:
    from core.tickets.deadlines import LOCAL, UTC

    due = due if due is not None else ticket.due_at
    if unit is None and ticket.handling_unit_id is not None:
        from core.org.models import Unit

        unit = db.session.get(Unit, ticket.handling_unit_id)   # the id may have changed since the row was read
    handling = unit
    answer = (ticket.answer or "").replace("\n", " ")
    return {"number": ticket.number, "enterprise": ticket.enterprise.name if ticket.enterprise else "",
            "unit": handling.name if handling is not None else (ticket.external_department or ""),
            "due": due.replace(tzinfo=UTC).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if due else "",
            "answer": answer[:ANSWER_EXCERPT] + ("…" if len(answer) > ANSWER_EXCERPT else ""),
            "text": (text or "")[:100]}


def _queue(event: str, channel: str, recipient_kind: str, recipient_id, ticket, locale: str, values: dict,
           digest: bool = False) -> NoticeMessage:
    spec = catalogue.EVENTS[event]
    subject, body = render(event, channel, locale, values)
    message = NoticeMessage(event=event, channel=channel, recipient_kind=recipient_kind, recipient_id=recipient_id,
                            ticket_id=ticket.id if ticket is not None else None, locale=locale,
                            subject=subject[:200], text=body[:2000], urgent=spec.urgent,
                            status=DIGEST if digest else QUEUED, attempts=0, created_at=clock.now())
    db.session.add(message)
    if not digest:
        db.session.info.setdefault("notice_messages", []).append(message)
    return message


def for_enterprise(ticket, ticket_event: str, *, text: str = "") -> int:
    """Tell the enterprise of a step of its demand: an SMS to the contact named
    on the ticket, or, when that phone belongs to a verified portal account of
    the enterprise, by the channels that account chose."""
    event = catalogue.ENTERPRISE_EVENT_OF.get(ticket_event)
    configured = configured_channels()
    if event is None or catalogue.SMS not in configured or not ticket.contact_phone_hash:
        return 0
    kind = catalogue.EVENTS[event].kind
    account = _portal_account_of(ticket)
    if account is not None and catalogue.SMS not in choices(account_id=account.id)[kind].channels:
        return 0
    values = ticket_values(ticket, text=text)
    if account is not None:
        _queue(event, catalogue.SMS, TO_ACCOUNT, account.id, ticket, current_app.config["BABEL_DEFAULT_LOCALE"],
               values)
    else:
        _queue(event, catalogue.SMS, TO_CONTACT, ticket.id, ticket, current_app.config["BABEL_DEFAULT_LOCALE"],
               values)
    return 1


def _portal_account_of(ticket):
    from core.portal.models import VERIFIED, PortalAccount

    if not ticket.enterprise_id:
        return None
    return db.session.scalar(select(PortalAccount).where(
        PortalAccount.enterprise_id == ticket.enterprise_id, PortalAccount.phone_hash == ticket.contact_phone_hash,
        PortalAccount.status == VERIFIED).limit(1))


def for_staff(event: str, user_ids, ticket, *, roles=None, text: str = "", due=None, unit=None) -> int:
    """Tell staff (``user_ids``; only those holding one of ``roles`` when given)
    by the channels each chose for the event's kind. Returns the messages made."""
    configured = configured_channels()
    ids = sorted({i for i in user_ids if i})
    if not configured or not ids:
        return 0
    kind = catalogue.EVENTS[event].kind
    stmt = select(User).where(User.id.in_(ids), User.active.is_(True))
    if roles:
        stmt = stmt.where(User.role_rows.any(UserRole.role.in_(tuple(roles))))
    values = ticket_values(ticket, text=text, due=due, unit=unit)
    made = 0
    for user in db.session.scalars(stmt):
        choice = choices(user_id=user.id)[kind]
        locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
        for channel in choice.channels:
            if channel in configured and (user.phone if channel == catalogue.SMS else user.email):
                _queue(event, channel, TO_USER, user.id, ticket, locale, values, digest=choice.digest)
                made += 1
    return made


def for_unit(event: str, unit_id, ticket, *, roles=None, officer_id=None, **values) -> int:
    """Tell a unit: the named officer when there is one, else its users holding ``roles``."""
    if officer_id:
        return for_staff(event, [officer_id], ticket, **values)
    if unit_id is None:
        return 0
    ids = db.session.scalars(select(User.id).where(User.unit_id == unit_id, User.active.is_(True)))
    return for_staff(event, list(ids), ticket, roles=roles, **values)


def send_pending() -> int:
    """Queue the jobs of the messages made in the transaction just committed."""
    messages = db.session.info.pop("notice_messages", [])
    if not messages:
        return 0
    from core.notices import delivery

    for message in messages:
        if message.id is not None:
            delivery.enqueue(message.id)
    return len(messages)


@orm_event.listens_for(Session, "after_rollback")
def _forget_pending(session) -> None:
    """The transaction rolled back: its messages were never made."""
    session.info.pop("notice_messages", None)


# --- a staff user's own address and choices ----------------------------------------------------

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def save_own(actor, *, phone: str, email: str, chosen: dict[str, list[str]], digest: set[str]) -> None:
    """A user's mobile number and email for notices, and the channels per kind.
    Every problem at once; nothing is kept unless all is right."""
    from core.org.models import User
    from core.privacy import validation

    errors = {}
    phone, email = (phone or "").strip(), (email or "").strip()
    if phone:
        try:
            phone = validation.phone(phone)
        except ValidationError:
            phone = None
        if phone is None or not _MOBILE.match(phone):
            errors["phone"] = [_l("Give a mainland mobile number of 11 digits: SMS reach mobiles only.")]
    if email and (len(email) > 200 or not _EMAIL.match(email)):
        errors["email"] = [_l("Give an email address such as name@example.gov.cn.")]
    for kind in catalogue.STAFF_KINDS:
        wanted = chosen.get(kind) or []
        if catalogue.SMS in wanted and not phone and "phone" not in errors:
            errors.setdefault("phone", []).append(_l("Give your mobile number to get notices by SMS."))
        if catalogue.EMAIL in wanted and not email and "email" not in errors:
            errors.setdefault("email", []).append(_l("Give your email address to get notices by email."))
    if errors:
        raise ValidationError.of(errors)
    user = db.session.get(User, actor.user_id)
    changed = sorted(name for name, old, new in (("phone", user.phone, phone), ("email", user.email, email))
                     if (old or "") != new)
    user.phone, user.email = phone, email
    if changed:
        audit.record(actor, "notice.address", user, detail={"fields": changed})
    save_choices(user_id=user.id, chosen=chosen, digest=digest, actor=actor)
