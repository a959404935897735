"""The enterprise portal's tables: the enterprises' own accounts (not staff
users), their sessions, and the centre's public notices."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.privacy.fields import encrypted, lookup_hash

# portal_account.status
PENDING, VERIFIED, REFUSED, DISABLED = "pending", "verified", "refused", "disabled"


class PortalAccount(db.Model):
    """A person who acts for an enterprise on the portal. Registering makes a
    pending account; the enterprise's liaison officer or the desk of ``unit``
    verifies or refuses it. The first account of an enterprise is its manager,
    who adds the others (verified at once: the manager vouches for them)."""

    __tablename__ = "portal_account"
    __table_args__ = (Index("ix_portal_account_unit_status", "unit_id", "status", "id"),
                      Index("ix_portal_account_credit_code", "credit_code", "status"),
                      # One registration waits per enterprise: a second one, even at the same
                      # instant, meets this index (core.portal.accounts.register).
                      Index("uq_portal_account_pending_credit_code", "credit_code", unique=True,
                            sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")))

    id: Mapped[int] = mapped_column(primary_key=True)
    # None until verified when the registry did not hold the enterprise yet.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    credit_code: Mapped[str] = mapped_column(String(18))
    enterprise_name: Mapped[str] = mapped_column(String(200))      # as the registrant typed it
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))    # whose desk verifies the account
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = encrypted("phone", "portal_account.phone", name="phone_encrypted", hash_attribute="phone_hash")
    phone_hash: Mapped[str | None] = lookup_hash()
    password_hash: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    is_manager: Mapped[bool] = mapped_column(default=False)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("portal_account.id"))   # the manager who added it
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_login_at: Mapped[datetime | None]
    # What registering found and did not tell the registrant, for the desk only
    # (core.portal.accounts.FLAGS): unknown_code, name_mismatch, phone_taken, enterprise_taken.
    flags: Mapped[list | None] = mapped_column(JSON)

    enterprise = relationship("Enterprise", lazy="joined")
    unit = relationship("Unit", lazy="joined")
    decided_by = relationship("User", foreign_keys=[decided_by_id])


class PortalPasswordHistory(db.Model):
    """The hashes of an account's newest passwords (core.auth.passwords.History)."""

    __tablename__ = "portal_password_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("portal_account.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class PortalTotp(db.Model):
    """An account's optional second factor (TOTP), as ``user_totp`` is for staff."""

    __tablename__ = "portal_totp"

    account_id: Mapped[int] = mapped_column(ForeignKey("portal_account.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = encrypted("secret", "portal_totp.secret", hash_attribute=None, name="secret_encrypted")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    confirmed_at: Mapped[datetime | None]
    last_step: Mapped[int | None]


class PortalRecoveryCode(db.Model):
    """A one-time code for a lost authenticator; only its SHA-256 is kept."""

    __tablename__ = "portal_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("portal_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class PortalSession(db.Model):
    """One portal login; the browser's signed cookie holds a random key whose
    SHA-256 is ``key_hash`` (as ``user_session`` does for staff)."""

    __tablename__ = "portal_session"
    __table_args__ = (Index("ix_portal_session_account_ended", "account_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("portal_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(default=clock.now)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(120), default="")
    ended_at: Mapped[datetime | None]
    ended_reason: Mapped[str | None] = mapped_column(String(20))

    account: Mapped[PortalAccount] = relationship(lazy="joined")


# portal_notice.kind
NEWS, POLICY = "news", "policy"


class PortalNotice(db.Model):
    """A public page the centre writes: 助企动态 (news) or 政策咨询 (policy)."""

    __tablename__ = "portal_notice"
    __table_args__ = (Index("ix_portal_notice_published", "published", "published_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    unit = relationship("Unit", lazy="joined")
