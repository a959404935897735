"""Server-side sessions: one ``user_session`` row per login.

The browser's (signed) session cookie holds only a random key; its SHA-256 finds
the row. A session ends after ``AUTH_IDLE_MINUTES`` without a request (default
30), ``AUTH_ABSOLUTE_HOURS`` after the login whatever happens (default 12), at
logout, when the user is disabled, when the user's password changes (their other
sessions) and when an administrator ends it. ``last_seen_at`` is written at
most once a minute, not on every request.
"""
import hashlib
import secrets
from datetime import timedelta
from functools import partial

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from core import clock, request_end
from core.audit import services as audit
from core.auth.models import UserSession
from core.errors import NotFound
from core.extensions import db
from core.org.models import User

TOUCH_EVERY = timedelta(minutes=1)

# ended_reason values
LOGOUT, IDLE, ABSOLUTE, DISABLED, PASSWORD, ADMIN = "logout", "idle", "absolute", "disabled", "password", "admin"
REASONS = {
    LOGOUT: _l("logged out"),
    IDLE: _l("idle too long"),
    ABSOLUTE: _l("maximum length reached"),
    DISABLED: _l("account disabled"),
    PASSWORD: _l("password changed"),
    ADMIN: _l("ended by an administrator"),
}


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return timedelta(minutes=float(config["AUTH_IDLE_MINUTES"])), timedelta(hours=float(config["AUTH_ABSOLUTE_HOURS"]))


def start(user, address: str, user_agent: str) -> tuple[UserSession, str]:
    """A new session row for ``user`` (in the caller's transaction). Returns the
    row and the key for the cookie, which is not stored."""
    key = secrets.token_urlsafe(32)
    now = clock.now()
    row = UserSession(key_hash=digest(key), user_id=user.id, created_at=now, last_seen_at=now,
                      address=(address or "")[:64], user_agent=summarise_agent(user_agent))
    db.session.add(row)
    return row, key


def summarise_agent(user_agent: str | None) -> str:
    """The browser and system in a few words, e.g. ``Chrome 120 · Windows``."""
    ua = user_agent or ""
    browser = next((f"{name} {_version(ua, token)}".strip() for name, token in (
        ("Edge", "Edg/"), ("360", "QIHU 360"), ("Firefox", "Firefox/"), ("Chrome", "Chrome/"),
        ("Safari", "Version/")) if token in ua), "")
    system = next((name for name, token in (("Windows", "Windows"), ("Android", "Android"), ("iOS", "iPhone"),
                                            ("macOS", "Mac OS X"), ("Linux", "Linux")) if token in ua), "")
    summary = " · ".join(part for part in (browser, system) if part) or ua[:60]
    return "".join(c for c in summary if c.isprintable())[:120]


def _version(ua: str, token: str) -> str:
    if not token.endswith("/"):
        return ""
    rest = ua.split(token, 1)[1]
    return rest.split(".", 1)[0].split(" ", 1)[0][:8]


def find(key: str | None) -> UserSession | None:
    if not key or not isinstance(key, str) or len(key) > 100:
        return None
    return db.session.scalar(select(UserSession).where(UserSession.key_hash == digest(key)))


def expiry_reason(row: UserSession) -> str | None:
    """Why ``row`` must end now (``idle`` or ``absolute``), or None."""
    idle, absolute = limits()
    now = clock.now()
    if now - row.created_at >= absolute:
        return ABSOLUTE
    if now - row.last_seen_at >= idle:
        return IDLE
    return None


def check(row: UserSession | None, user_id) -> str | None:
    """Whether the session of this request still stands: None when it does
    (``last_seen_at`` noted at the end of the request, at most once a minute), else why not. An expired
    session is ended here and its end audited."""
    if row is None or str(row.user_id) != str(user_id):
        return "unknown"
    if row.ended_at is not None:
        return row.ended_reason or "ended"
    reason = expiry_reason(row)
    if reason is not None:
        end(row, reason)
        db.session.commit()
        return reason
    if clock.now() - row.last_seen_at >= TOUCH_EVERY:
        request_end.write(partial(note_seen, UserSession, row.id))
    return None


def note_seen(model, row_id) -> None:
    """Note that the session row ``row_id`` of ``model`` was used now (the staff's and the portal's)."""
    db.session.execute(update(model).where(model.id == row_id).values(last_seen_at=clock.now()))


def end(row: UserSession, reason: str, actor=None) -> None:
    """End ``row`` (in the caller's transaction) and audit it."""
    from core.org.actor import Actor

    row.ended_at, row.ended_reason = clock.now(), reason
    actor = actor or Actor(user=row.user, address=row.address)
    audit.record(actor, "auth.session_end", row, detail={"reason": reason, "user": row.user.username})


def end_all(user_id: int, reason: str, actor=None, keep: UserSession | None = None) -> int:
    """End every open session of the user but ``keep``; returns how many ended."""
    rows = db.session.scalars(select(UserSession).where(UserSession.user_id == user_id,
                                                        UserSession.ended_at.is_(None)))
    ended = 0
    for row in rows:
        if keep is None or row.id != keep.id:
            end(row, reason, actor)
            ended += 1
    return ended


def active(actor) -> list[UserSession]:
    """Sessions that have neither ended nor expired, newest activity first (administrator)."""
    actor.require("system.manage")
    idle, absolute = limits()
    now = clock.now()
    return list(db.session.scalars(
        select(UserSession).join(UserSession.user).join(User.unit)
        .where(UserSession.ended_at.is_(None), UserSession.last_seen_at > now - idle,
               UserSession.created_at > now - absolute)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def end_by_admin(actor, session_id) -> UserSession:
    actor.require("system.manage")
    row = db.session.get(UserSession, session_id)
    if row is None or row.ended_at is not None:
        audit.record_failure(actor, "auth.session_end", object_type="user_session", object_id=session_id,
                             detail={"reason": ADMIN})
        raise NotFound(_l("There is no such active session."))
    end(row, ADMIN, actor)
    db.session.commit()
    return row

