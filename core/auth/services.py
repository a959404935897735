"""Logging in (password, then the second factor when the user has one), out,
and changing one's own password. Every attempt is audited."""
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash

from core import clock
from core.audit import services as audit
from core.auth import lockout, passwords, second_factor, sessions
from core.auth.lockout import AccountLocked  # noqa: F401  (what a caller catches)
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.org.actor import Actor
from core.org.services import hash_password, user_by_username

# Compared against when the user name is unknown, so both cases take as long.
_DUMMY_HASH = hash_password("anqi-timing-equaliser")

class LoginFailed(ValidationError):
    pass


def _name(username: str) -> str:
    name = "".join(c for c in (username or "") if c.isprintable())  # no NUL or other controls reach the database
    return name.strip().lower()[:64]


def _refuse(actor, action: str, username: str, user, reason: str) -> None:
    """Audit the failure, count it, and raise what the person is told."""
    audit.record_failure(actor, action, result=audit.DENIED, username=username or "-",
                         object_type="user_account", object_id=user.id if user else None,
                         detail={"reason": reason})
    locked = lockout.note_failure(actor, username) if username else None
    if locked is not None:
        raise AccountLocked(locked)
    if action == "auth.second_factor":
        raise LoginFailed(_l("The code is wrong or has been used already."), field="code")
    raise LoginFailed(_l("The user name or password is wrong."))


def authenticate(actor, username: str, password: str):
    """The password step: the user, if the name and password match an active,
    unlocked account. Does not log in: ``log_in`` does, after the second factor
    when ``needs_second_factor``."""
    username = _name(username)
    until = lockout.locked_until(actor, username) if username else None
    if until is not None:
        audit.record_failure(actor, "auth.login", result=audit.DENIED, username=username,
                             object_type="user_account", detail={"reason": "locked"})
        raise AccountLocked(until)
    user = user_by_username(username) if username else None
    # A system account never logs in to the pages: it is refused like a wrong password, after the same
    # hashing work, and counts towards the same lockout, so the answer does not tell it apart.
    person = user is not None and not user.is_system
    stored = user.password_hash if person else _DUMMY_HASH
    db.session.rollback()           # no transaction (on SQLite the write lock) held while hashing
    ok = check_password_hash(stored, password or "")
    if not ok or not person or not user.active:
        _refuse(actor, "auth.login", username, user,
                "unknown user" if user is None else "system account" if not person
                else ("inactive" if ok else "wrong password"))
    return user


def needs_second_factor(user) -> bool:
    """Whether the login goes on to ask for a code (the user has enrolled)."""
    return second_factor.is_enrolled(user)


def check_second_factor(actor, user, code: str) -> str:
    """The second step: a TOTP or recovery code; a wrong one counts towards the lockout."""
    until = lockout.locked_until(actor, user.username)
    if until is not None:
        audit.record_failure(actor, "auth.second_factor", result=audit.DENIED, username=user.username,
                             object_type="user_account", object_id=user.id, detail={"reason": "locked"})
        raise AccountLocked(until)
    if not user.active:
        _refuse(actor, "auth.second_factor", user.username, user, "inactive")
    kind = second_factor.verify(user, code)
    if kind is None:
        _refuse(actor, "auth.second_factor", user.username, user, "wrong code")
    audit.record(Actor(user=user, address=actor.address), "auth.second_factor", user, detail={"kind": kind})
    return kind


def log_in(actor, user, user_agent: str = "") -> str:
    """The login succeeded: a new server-side session; returns its key (for the cookie)."""
    lockout.reset(user.username)
    user.last_login_at = clock.now()
    row, key = sessions.start(user, actor.address, user_agent)
    db.session.flush()
    audit.record(Actor(user=user, address=actor.address), "auth.login", user,
                 detail={"session": row.id, "second_factor": needs_second_factor(user)})
    db.session.commit()
    return key


def change_password(actor, current: str, new: str, repeat: str, session_key: str | None = None) -> None:
    """The user's own change; their other sessions end, the current one goes on."""
    user = actor.user
    try:
        if not check_password_hash(user.password_hash, current or ""):
            raise ValidationError(_l("The current password is wrong."), field="current")
        if new != repeat:
            raise ValidationError(_l("The two new passwords differ."), field="repeat")
        try:
            passwords.check_new_password(new, user.username, user)
        except ValidationError as exc:
            raise ValidationError(exc.message, field="new") from None
    except ValidationError as exc:
        audit.record_failure(actor, "auth.password", result=audit.REJECTED, object_type="user_account",
                             object_id=user.id, detail={"field": exc.field})
        raise
    user.password_hash = hash_password(new)
    user.must_change_password = False
    passwords.remember(user)
    ended = sessions.end_all(user.id, sessions.PASSWORD, actor, keep=sessions.find(session_key))
    audit.record(actor, "auth.password", user, detail={"sessions_ended": ended})
    db.session.commit()


def set_password(actor, username: str, password: str) -> None:
    """Set a user's password from the shell (``anqi users password``): the same
    rules; the user's sessions end; no forced change, the operator chose it for them."""
    actor.require("system.manage")
    user = user_by_username(_name(username))
    if user is None:
        raise NotFound(_l("There is no such user."))
    if user.is_system:
        audit.record_failure(actor, "user.password", object_type="user_account", object_id=user.id,
                             detail={"reason": "system account"})
        raise ValidationError(_l("A system account has no password: it works only through API tokens."))
    try:
        passwords.check_new_password(password, user.username, user)
    except ValidationError as exc:
        audit.record_failure(actor, "user.password", object_type="user_account", object_id=user.id,
                             detail={"field": "password"})
        raise ValidationError(exc.message) from None
    user.password_hash = hash_password(password)
    user.must_change_password = not actor.is_shell
    passwords.remember(user)
    ended = sessions.end_all(user.id, sessions.PASSWORD, actor)
    audit.record(actor, "user.password", user, detail={"sessions_ended": ended})
    db.session.commit()


def logout(actor, session_key: str | None = None) -> None:
    row = sessions.find(session_key)
    if row is not None and row.ended_at is None:
        row.ended_at, row.ended_reason = clock.now(), sessions.LOGOUT
    audit.record(actor, "auth.logout", actor.user, detail={"session": row.id if row is not None else None})
    db.session.commit()
