"""Locking an account after repeated failed logins.

Failures are counted per user name (``AUTH_MAX_FAILURES``, default 5); the next
failure locks the name for ``AUTH_LOCK_MINUTES`` (default 30). A success resets
the count; failures further apart than the lock time do not add up. Names that
do not exist are counted and locked exactly like real ones, so the answer never
tells whether an account exists. A wrong second-factor code counts as a failure.
"""
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import format_datetime
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import clock
from core.audit import services as audit
from core.auth.models import LoginThrottle
from core.errors import ValidationError
from core.extensions import db


class AccountLocked(ValidationError):
    def __init__(self, until: datetime):
        super().__init__(_l("Too many failed attempts: this account is locked until %(time)s.",
                            time=format_datetime(until, "yyyy-MM-dd HH:mm")))
        self.until = until


def _settings() -> tuple[int, timedelta]:
    config = current_app.config
    return int(config["AUTH_MAX_FAILURES"]), timedelta(minutes=int(config["AUTH_LOCK_MINUTES"]))


def _row(username: str, lock: bool = False) -> LoginThrottle | None:
    stmt = select(LoginThrottle).where(LoginThrottle.username == username)
    return db.session.scalar(stmt.with_for_update() if lock else stmt)


def locked_until(actor, username: str) -> datetime | None:
    """When ``username``'s lock ends, or None when it is not locked. A lock
    found expired is lifted here, and its end audited."""
    row = _row(username)
    if row is None or row.locked_until is None:
        return None
    if row.locked_until > clock.now():
        return row.locked_until
    _expire(actor, username)
    return None


def _expire(actor, username: str) -> None:
    row = _row(username, lock=True)
    if row is not None and row.locked_until is not None and row.locked_until <= clock.now():
        audit.record(actor, "auth.unlock", object_type="user_name", object_id=username, username=username,
                     detail={"reason": "expired", "locked_until": row.locked_until.isoformat(timespec="seconds")})
        row.failures, row.locked_until = 0, None
    db.session.commit()


def note_failure(actor, username: str) -> datetime | None:
    """Count one failed attempt for ``username`` in a transaction of its own;
    returns the end of the lock when this failure locked the account."""
    limit, lock_for = _settings()
    now = clock.now()
    db.session.rollback()
    for attempt in range(2):
        row = _row(username, lock=True)
        if row is None:
            row = LoginThrottle(username=username, failures=0)
            db.session.add(row)
        try:
            if row.last_failure_at is not None and now - row.last_failure_at > lock_for:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            locked = None
            if row.failures >= limit:
                row.locked_until = locked = now + lock_for
                audit.record(actor, "auth.lockout", result=audit.DENIED, object_type="user_name",
                             object_id=username, username=username,
                             detail={"failures": row.failures, "locked_until": locked.isoformat(timespec="seconds")})
            db.session.commit()
            return locked
        except IntegrityError:  # another worker counted this name's first failure at the same moment
            db.session.rollback()
            if attempt:
                raise
    return None


def reset(username: str) -> None:
    """A successful login: forget the failures (in the caller's transaction)."""
    row = _row(username)
    if row is not None:
        db.session.delete(row)


def unlock(actor, username: str) -> bool:
    """Lift a lock by hand (``anqi users unlock``); audited. False when there was none."""
    actor.require("system.manage")
    row = _row(username, lock=True)
    if row is None or row.locked_until is None:
        db.session.rollback()
        return False
    audit.record(actor, "auth.unlock", object_type="user_name", object_id=username,
                 detail={"reason": "by hand", "locked_until": row.locked_until.isoformat(timespec="seconds")})
    db.session.delete(row)
    db.session.commit()
    return True
