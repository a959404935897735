from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.privacy.fields import encrypted

# A message's status in the delivery log.
QUEUED = "queued"        # waiting for its job (or for the end of the quiet hours: not_before)
SENDING = "sending"      # a job has taken it; the gateway has not answered yet
SENT = "sent"
FAILED = "failed"        # every attempt failed, or the gateway refused it for good
SKIPPED = "skipped"      # nothing to send: no address, channel off, over the recipient's limit
STATUSES = (QUEUED, SENDING, SENT, FAILED, SKIPPED)

# Whom a message goes to (recipient_kind, recipient_id).
TO_USER = "user"             # a staff user (user_account.id)
TO_ACCOUNT = "account"       # an enterprise's portal account (portal_account.id)
TO_CONTACT = "contact"       # the contact named on a ticket (ticket.id)
TO_ADDRESS = "address"       # a test message to an address typed by the operator (not kept)


class NoticeTemplate(db.Model):
    """An administrator's text for one event, channel and language, in place of
    the default in ``core.notices.events``."""

    __tablename__ = "notice_template"
    __table_args__ = (UniqueConstraint("event", "channel", "locale", name="uq_notice_template_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
    locale: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(String(2000))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)


class NoticePreference(db.Model):
    """The channels a user or a portal account chose for one kind of notice
    (``core.notices.events.KINDS``); without a row, the kind's defaults."""

    __tablename__ = "notice_preference"
    __table_args__ = (UniqueConstraint("user_id", "account_id", "kind", name="uq_notice_preference_owner_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("portal_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    channels: Mapped[str] = mapped_column(String(40), default="")     # "sms,email"; in-app is always on
    digest: Mapped[bool] = mapped_column(default=False)              # officers: once a day instead of each time


class NoticeMessage(db.Model):
    """One message to one recipient on one channel: the delivery log. The
    address is looked up and decrypted by the job that sends it; the row keeps
    it masked only."""

    __tablename__ = "notice_message"
    __table_args__ = (Index("ix_notice_message_status_due", "status", "not_before"),
                      Index("ix_notice_message_recipient", "recipient_kind", "recipient_id", "created_at"),
                      Index("ix_notice_message_ticket", "ticket_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
    recipient_kind: Mapped[str] = mapped_column(String(10))
    recipient_id: Mapped[int | None]
    address_masked: Mapped[str] = mapped_column(String(120), default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    locale: Mapped[str] = mapped_column(String(16), default="zh_Hans_CN")
    subject: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(String(2000))
    urgent: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(120))   # core.jobqueue.claims: the run sending it
    claimed_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(String(300), default="")
    gateway_status: Mapped[str] = mapped_column(String(100), default="")
    gateway_reference: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    sent_at: Mapped[datetime | None]


class WebhookEndpoint(db.Model):
    """An outside system anqi posts events to, signed with ``secret``. The one
    marked ``hotline`` is the 12345 platform: tickets it referred have their
    answer and closing posted back to it."""

    __tablename__ = "notice_webhook"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    url: Mapped[str] = mapped_column(String(500))
    events: Mapped[list] = mapped_column(JSON, default=list)
    secret: Mapped[str] = encrypted("secret", "notice_webhook.secret", hash_attribute=None, name="secret_encrypted")
    hotline: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)


class WebhookDelivery(db.Model):
    """One post of one event to one endpoint, with what the endpoint answered."""

    __tablename__ = "notice_webhook_delivery"
    __table_args__ = (Index("ix_notice_webhook_delivery_endpoint", "endpoint_id", "id"),
                      Index("ix_notice_webhook_delivery_status_due", "status", "not_before"))

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("notice_webhook.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id", ondelete="SET NULL"))
    payload: Mapped[str] = mapped_column(Text)             # the JSON body exactly as posted (and signed)
    status: Mapped[str] = mapped_column(String(10), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    not_before: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None]
    response_status: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(String(300), default="")
    replay_of_id: Mapped[int | None] = mapped_column(ForeignKey("notice_webhook_delivery.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    delivered_at: Mapped[datetime | None]

    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="joined")
