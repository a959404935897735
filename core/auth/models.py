"""Tables of identity: server-side sessions, failed-login counters, password
history, the second factor and which roles must use it."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.privacy.fields import encrypted
from core.org.models import User


class UserSession(db.Model):
    """One login. The browser's signed cookie carries a random key whose SHA-256
    is ``key_hash``; the row says whether that login still stands."""

    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user_ended", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_seen_at: Mapped[datetime] = mapped_column(default=clock.now)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(120), default="")
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    ended_reason: Mapped[str | None] = mapped_column(String(20))

    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(db.Model):
    """Failed logins per user name, kept for names that do not exist too, so a
    locked account and an unknown name look the same from outside."""

    __tablename__ = "login_throttle"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]


class PasswordHistory(db.Model):
    """The hashes of a user's newest passwords, so an old one is not taken again."""

    __tablename__ = "password_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class UserTotp(db.Model):
    """A user's TOTP secret (RFC 6238). Active once ``confirmed_at`` is set;
    ``last_step`` is the newest time step accepted, so a code works only once."""

    __tablename__ = "user_totp"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    # Encrypted with the personal-data keys (a reader of the database cannot make codes);
    # covered by `anqi privacy status|rotate-key` like the phone numbers.
    secret: Mapped[str] = encrypted("secret", "user_totp.secret", hash_attribute=None, name="secret_encrypted")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    confirmed_at: Mapped[datetime | None]
    last_step: Mapped[int | None]


class RecoveryCode(db.Model):
    """A one-time code for when the authenticator is lost; only its SHA-256 is kept."""

    __tablename__ = "user_recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None]


class AuthRolePolicy(db.Model):
    """Whether a role must log in with a second factor. A role without a row
    follows ``second_factor.DEFAULT_ROLES``."""

    __tablename__ = "auth_role_policy"

    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    second_factor: Mapped[bool]
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
