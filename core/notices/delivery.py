"""Sending the queued messages: one job per message.

The job takes the message with a claim (core/jobqueue/claims.py), so that a job
the queue delivers twice, or a second worker, sends nothing more; it looks the
address up and decrypts it only now, calls the gateway or relay outside any
transaction, and writes what came back. A temporary failure waits
``NOTICE_RETRY_SECONDS``, doubled at each attempt, up to ``NOTICE_ATTEMPTS``;
a refusal for good fails at once. The gateway gets anqi's message id as its
own reference, so it can drop a repeat when a worker died after sending and
before writing it down.

An SMS is held in the quiet hours (``NOTICE_QUIET_HOURS``, China time) unless
its event is urgent, and a recipient gets at most
``NOTICE_RECIPIENT_LIMIT_PER_HOUR`` messages an hour on a channel; the rest are
skipped and say so in the log. Addresses never reach a log line: the delivery
log keeps them masked.

``resend_due`` (every minute) hands the queue what is due and was not handed
over: held messages whose hour came, retries whose job was lost, messages of a
worker that died while sending.
"""
import logging
from datetime import datetime, timedelta

from flask import current_app
from huey import crontab
from sqlalchemy import func, or_, select

from core import clock, tasks
from core.extensions import db
from core.jobqueue import claims
from core.notices import channels
from core.notices import events as catalogue
from core.notices.allowlist import AddressNotAllowed
from core.notices.models import (FAILED, QUEUED, SENDING, SENT, SKIPPED, TO_ACCOUNT, TO_CONTACT, TO_USER,
                                 NoticeMessage)
from core.privacy.masking import mask_phone

log = logging.getLogger("anqi.notices")

RESEND_BATCH = 500


@tasks.huey.task(name="anqi.notices.send")
def send_message(message_id):
    with tasks.app_context():
        send(message_id)


@tasks.huey.periodic_task(crontab(minute="*"), name="anqi.notices.resend_due")
def resend_due_messages():
    with tasks.app_context():
        resend_due()


def enqueue(message_id, at: datetime | None = None) -> None:
    """Hand a message to the queue (at ``at``, UTC, when given). When the queue
    cannot be reached, the message waits in the log for ``resend_due``."""
    try:
        if at is None:
            send_message(message_id)
        else:
            send_message.schedule((message_id,), eta=at.replace(tzinfo=None), convert_utc=False)
    except Exception:  # noqa: BLE001 - Redis down: the row stays queued and the minute's sweep hands it over
        log.warning("Notice message %s could not be queued; it will be sent by the next sweep", message_id)


def send(message_id) -> str | None:
    """Send one message if it is due and nobody else is sending it. Returns its status after."""
    config = current_app.config
    message = db.session.get(NoticeMessage, message_id)
    if message is None or message.status not in (QUEUED, SENDING):
        db.session.rollback()
        return message.status if message is not None else None
    now = clock.now()
    held_until = _held_until(message, now, config)
    if held_until is not None:
        if message.not_before != held_until:
            message.not_before = held_until
            db.session.commit()
            enqueue(message.id, held_until)
        else:
            db.session.rollback()
        return QUEUED
    if not claims.claim(NoticeMessage, message_id, free=(QUEUED,), working=SENDING,
                        values={"attempts": NoticeMessage.attempts + 1}):
        return None
    message = db.session.get(NoticeMessage, message_id)
    db.session.refresh(message)
    if _over_limit(message, now, config):
        return _finish(message, SKIPPED, gateway="limit", error="over the recipient's hourly limit")
    address = _address(message)
    if not address:
        return _finish(message, SKIPPED, gateway="no address", error="the recipient has no address for this channel")
    masked = _masked(message.channel, address)
    event, channel, subject, text = message.event, message.channel, message.subject, message.text
    reference, attempts = str(message.id), message.attempts
    db.session.commit()        # nothing is held while the gateway answers
    try:
        outcome = _deliver(config, channel, address, subject, text, event, reference)
    except channels.ChannelUnavailable as exc:
        return _retry(message_id, attempts, masked, exc.status or str(exc), config)
    except AddressNotAllowed as exc:
        message = db.session.get(NoticeMessage, message_id)
        return _finish(message, FAILED, gateway="not allowed", error=str(exc.message), masked=masked)
    message = db.session.get(NoticeMessage, message_id)
    if outcome.delivered:
        return _finish(message, SENT, gateway=outcome.status, reference=outcome.reference, masked=masked,
                       sent_at=clock.now())
    if outcome.permanent:
        return _finish(message, FAILED, gateway=outcome.status, error=outcome.status, masked=masked)
    return _retry(message_id, attempts, masked, outcome.status, config)


def _deliver(config, channel, address, subject, text, event, reference):
    if channel == catalogue.SMS:
        gateway = channels.sms_gateway(config)
        if gateway is None:
            raise channels.ChannelUnavailable("SMS is not configured")
        return gateway.send(address, text, event=event, reference=reference)
    mailer = channels.mailer(config)
    if mailer is None:
        raise channels.ChannelUnavailable("email is not configured")
    return mailer.send(address, subject, text, reference=reference)


def _retry(message_id, attempts: int, masked: str, error: str, config) -> str:
    message = db.session.get(NoticeMessage, message_id)
    if attempts >= int(config["NOTICE_ATTEMPTS"]):
        return _finish(message, FAILED, gateway="unavailable", error=error, masked=masked)
    wait = timedelta(seconds=int(config["NOTICE_RETRY_SECONDS"]) * 2 ** (attempts - 1))
    at = clock.now() + wait
    if claims.finish(NoticeMessage, message_id, working=SENDING,
                     values={"status": QUEUED, "not_before": at, "last_error": error[:300],
                             "address_masked": masked}):
        db.session.commit()
        enqueue(message_id, at)
    else:
        db.session.rollback()
    log.info("Notice message %s: attempt %s failed (%s); next at %s", message_id, attempts, error[:100], at)
    return QUEUED


def _finish(message, status: str, *, gateway: str = "", error: str = "", reference: str = "",
            masked: str = "", sent_at=None) -> str | None:
    values = {"status": status, "gateway_status": gateway[:100], "last_error": error[:300],
              "gateway_reference": reference[:100], "sent_at": sent_at}
    if masked:
        values["address_masked"] = masked[:120]
    if claims.finish(NoticeMessage, message.id, working=SENDING, values=values):
        db.session.commit()
        log.info("Notice message %s (%s, %s): %s", message.id, message.event, message.channel, status)
        return status
    db.session.rollback()
    return None


def _held_until(message, now: datetime, config) -> datetime | None:
    """When a message may go, if not now: its retry's time, or the end of the quiet hours."""
    if message.status == QUEUED and message.not_before is not None and message.not_before > now:
        return message.not_before
    if message.channel != catalogue.SMS or message.urgent:
        return None
    return quiet_hours_end(now, config)


def quiet_hours_end(now: datetime, config) -> datetime | None:
    """The end of the quiet hours (UTC, naive) if ``now`` falls in them, else None."""
    from core.tickets.deadlines import LOCAL, UTC

    start, end = (int(h) for h in config.get("NOTICE_QUIET_HOURS") or (0, 0))
    if start == end:
        return None
    local = now.replace(tzinfo=UTC).astimezone(LOCAL)
    hour = local.hour
    quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return None
    until = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if until <= local:
        until += timedelta(days=1)
    return until.astimezone(UTC).replace(tzinfo=None)


def _over_limit(message, now: datetime, config) -> bool:
    limit = int(config.get("NOTICE_RECIPIENT_LIMIT_PER_HOUR") or 0)
    if not limit:
        return False
    stmt = select(func.count(NoticeMessage.id)).where(
        NoticeMessage.recipient_kind == message.recipient_kind, NoticeMessage.channel == message.channel,
        NoticeMessage.status == SENT, NoticeMessage.sent_at >= now - timedelta(hours=1))
    if message.recipient_kind == TO_CONTACT:
        # A contact is a phone number named on tickets: the same number on several tickets is one person.
        from core.tickets.models import Ticket

        same_phone = select(Ticket.contact_phone_hash).where(Ticket.id == message.recipient_id).scalar_subquery()
        stmt = stmt.join(Ticket, Ticket.id == NoticeMessage.recipient_id).where(
            Ticket.contact_phone_hash == same_phone)
    else:
        stmt = stmt.where(NoticeMessage.recipient_id == message.recipient_id)
    return db.session.scalar(stmt) >= limit


def _address(message) -> str:
    """The recipient's phone or email, decrypted now."""
    if message.recipient_kind == TO_USER:
        from core.org.models import User

        user = db.session.get(User, message.recipient_id)
        if user is None or not user.active:
            return ""
        return user.phone if message.channel == catalogue.SMS else user.email
    if message.recipient_kind == TO_ACCOUNT:
        from core.portal.models import VERIFIED, PortalAccount

        account = db.session.get(PortalAccount, message.recipient_id)
        return account.phone if account is not None and account.status == VERIFIED and \
            message.channel == catalogue.SMS else ""
    if message.recipient_kind == TO_CONTACT:
        from core.tickets.models import Ticket

        ticket = db.session.get(Ticket, message.recipient_id)
        return ticket.contact_phone if ticket is not None and message.channel == catalogue.SMS else ""
    return ""


def _masked(channel: str, address: str) -> str:
    if channel == catalogue.SMS:
        return mask_phone(address)
    name, _, domain = address.partition("@")
    return f"{name[:1]}***@{domain}"


def resend_due(limit: int = RESEND_BATCH) -> int:
    """Hand over the messages that are due and that no job is sending."""
    now = clock.now()
    ids = list(db.session.scalars(
        select(NoticeMessage.id).where(
            or_(NoticeMessage.status == QUEUED, NoticeMessage.status == SENDING),
            or_(NoticeMessage.not_before.is_(None), NoticeMessage.not_before <= now),
            NoticeMessage.created_at <= now - timedelta(seconds=30))
        .order_by(NoticeMessage.id).limit(limit)))
    db.session.rollback()
    for message_id in ids:
        enqueue(message_id)
    return len(ids)
