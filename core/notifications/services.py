"""Sending and reading in-app notifications."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from core import clock
from core.errors import NotFound
from core.extensions import db
from core.notifications.models import Notification
from core.org.models import User, UserRole


def notify_users(user_ids, kind: str, text: str, ticket_id=None) -> int:
    """Add one notification per user to the current transaction."""
    ids = sorted(set(i for i in user_ids if i))
    for user_id in ids:
        db.session.add(Notification(user_id=user_id, ticket_id=ticket_id, kind=kind, text=str(text)[:300]))
    return len(ids)


def notify_unit(unit_id, kind: str, text: str, ticket_id=None, roles=None) -> int:
    """Notify the active users of a unit (only those with one of ``roles``, if given)."""
    if unit_id is None:
        return 0
    stmt = select(User.id).where(User.unit_id == unit_id, User.active.is_(True))
    if roles:
        stmt = stmt.where(User.role_rows.any(UserRole.role.in_(tuple(roles))))
    return notify_users(db.session.scalars(stmt), kind, text, ticket_id)


def unread_count(user_id) -> int:
    return db.session.scalar(select(func.count(Notification.id))
                             .where(Notification.user_id == user_id, Notification.read_at.is_(None)))


def inbox(user_id, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                                   .order_by(Notification.id.desc()).limit(limit)))


def mark_read(user_id, notification_id=None) -> None:
    """Mark one (or, without an id, every) notification of the user as read.
    Another user's notification is NotFound, like one that does not exist."""
    if notification_id is not None and db.session.scalar(select(Notification.id).where(
            Notification.id == notification_id, Notification.user_id == user_id)) is None:
        raise NotFound(_l("There is no such notification."))
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    db.session.execute(stmt.values(read_at=clock.now()))
    db.session.commit()
