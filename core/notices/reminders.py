"""Notices that no single step sends: the return-visit reminder (回访) and the
officers' daily digest.

- ``remind_unrated``: a closed demand the enterprise has not rated
  ``FOLLOW_UP_DAYS`` days after its closing gets one reminder to the enterprise.
- ``send_digests``: at ``NOTICE_DIGEST_HOUR`` (China time) the messages kept for
  an officer's digest are gathered into one message per channel.

Both run every hour in the worker and are idempotent: a ticket is reminded
once (the log has its message), a kept message is gathered once.
"""
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from huey import crontab
from sqlalchemy import select

from core import clock, tasks
from core.extensions import db
from core.notices import services
from core.notices.models import QUEUED, SKIPPED, NoticeMessage

FOLLOW_UP_DAYS = 3
DIGEST_ITEMS = 10      # texts quoted in one digest; the rest are counted


@tasks.huey.periodic_task(crontab(minute="7"), name="anqi.notices.reminders")
def hourly_reminders():
    with tasks.app_context():
        remind_unrated()
        send_digests()


def remind_unrated(limit: int = 500) -> int:
    from core.tickets.models import Ticket

    now = clock.now()
    reminded = select(NoticeMessage.ticket_id).where(NoticeMessage.event == "enterprise.follow_up",
                                                     NoticeMessage.ticket_id.is_not(None))
    due = list(db.session.scalars(select(Ticket).where(
        Ticket.status == "closed", Ticket.closed_at <= now - timedelta(days=FOLLOW_UP_DAYS),
        Ticket.closed_at > now - timedelta(days=FOLLOW_UP_DAYS + 7), Ticket.id.not_in(reminded))
        .order_by(Ticket.id).limit(limit)))
    made = 0
    for ticket in due:
        made += services.for_enterprise(ticket, "follow_up")
    db.session.commit()
    services.send_pending()
    return made


def send_digests() -> int:
    """Gather each officer's kept messages into one per channel, at the digest hour."""
    from core.tickets.deadlines import LOCAL, UTC

    now = clock.now()
    if now.replace(tzinfo=UTC).astimezone(LOCAL).hour != int(current_app.config["NOTICE_DIGEST_HOUR"]):
        return 0
    kept = list(db.session.scalars(select(NoticeMessage).where(NoticeMessage.status == services.DIGEST)
                                   .order_by(NoticeMessage.recipient_id, NoticeMessage.channel, NoticeMessage.id)))
    groups: dict[tuple, list[NoticeMessage]] = {}
    for message in kept:
        groups.setdefault((message.recipient_kind, message.recipient_id, message.channel), []).append(message)
    for (kind, recipient_id, channel), messages in groups.items():
        locale = messages[0].locale
        with force_locale(locale):
            heading = str(_l("anqi: %(n)d notices since yesterday.", n=len(messages)))
            rest = len(messages) - DIGEST_ITEMS
            more = [str(_l("… and %(n)d more.", n=rest))] if rest > 0 else []
            subject = str(_l("Your daily digest: %(n)d notices", n=len(messages)))
        body = "\n".join([heading, *(m.text for m in messages[:DIGEST_ITEMS]), *more])
        digest = NoticeMessage(event="officer.digest", channel=channel, recipient_kind=kind, recipient_id=recipient_id,
                               locale=locale, subject=subject[:200], text=body[:2000], urgent=False, status=QUEUED,
                               attempts=0, created_at=now)
        db.session.add(digest)
        db.session.flush()
        db.session.info.setdefault("notice_messages", []).append(digest)
        for message in messages:
            message.status, message.gateway_status = SKIPPED, f"digest {digest.id}"
    db.session.commit()
    services.send_pending()
    return len(groups)
