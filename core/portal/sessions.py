"""Portal sessions: one ``portal_session`` row per login of an enterprise account.

Kept apart from the staff sessions (``core.auth.sessions``): the browser's
signed cookie holds the portal key under its own name, a staff login empties
it and a portal login empties the staff one, so one browser is never both.
The idle and absolute limits are the staff ones (``AUTH_IDLE_MINUTES``,
``AUTH_ABSOLUTE_HOURS``); ``last_seen_at`` is written at most once a minute.
"""
import secrets
from functools import partial

from flask import request, session
from sqlalchemy import select

from core import clock, request_end
from core.audit import services as audit
from core.auth import sessions as staff_sessions
from core.extensions import db
from core.portal.models import VERIFIED, PortalSession

SESSION_KEY = "anqi_portal"
LOGOUT, PASSWORD, DISABLED = staff_sessions.LOGOUT, staff_sessions.PASSWORD, staff_sessions.DISABLED


def start(account, address: str, user_agent: str) -> tuple[PortalSession, str]:
    key = secrets.token_urlsafe(32)
    now = clock.now()
    row = PortalSession(key_hash=staff_sessions.digest(key), account_id=account.id, created_at=now,
                        last_seen_at=now, address=(address or "")[:64],
                        user_agent=staff_sessions.summarise_agent(user_agent))
    db.session.add(row)
    return row, key


def find(key) -> PortalSession | None:
    if not key or not isinstance(key, str) or len(key) > 100:
        return None
    return db.session.scalar(select(PortalSession).where(PortalSession.key_hash == staff_sessions.digest(key)))


def end(row: PortalSession, reason: str, actor=None) -> None:
    """End ``row`` in the caller's transaction, audited."""
    from core.portal.actor import PortalActor

    row.ended_at, row.ended_reason = clock.now(), reason
    audit.record(actor or PortalActor(row.account, row.address), "portal.session_end", row,
                 detail={"reason": reason})


def end_all(account_id: int, reason: str, actor=None, keep: PortalSession | None = None) -> int:
    """End every open session of the account but ``keep``; returns how many ended."""
    rows = db.session.scalars(select(PortalSession).where(PortalSession.account_id == account_id,
                                                          PortalSession.ended_at.is_(None)))
    count = 0
    for row in rows:
        if keep is None or row.id != keep.id:
            end(row, reason, actor)
            count += 1
    return count


def current_account():
    """The verified enterprise account of this request's portal session, or
    None (no session, ended, expired, or the account no longer verified).
    Worked out once per request."""
    if hasattr(request, "_anqi_portal_account"):
        return request._anqi_portal_account
    account = None
    row = find(session.get(SESSION_KEY))
    if row is not None and row.ended_at is None:
        reason = staff_sessions.expiry_reason(row)
        if reason is not None:
            end(row, reason)
            db.session.commit()
        elif row.account.status == VERIFIED and row.account.enterprise_id is not None:
            account = row.account
            if clock.now() - row.last_seen_at >= staff_sessions.TOUCH_EVERY:
                request_end.write(partial(staff_sessions.note_seen, PortalSession, row.id))
    request._anqi_portal_account = account
    request._anqi_portal_session = row if account is not None else None
    return account


def current_row() -> PortalSession | None:
    current_account()
    return request._anqi_portal_session
