"""Writing and reading the audit trail. Every other service records through here."""
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core import clock
from core.audit import chain  # noqa: F401  (chains every entry as it is flushed)
from core.audit.models import AuditEntry
from core.extensions import db

if TYPE_CHECKING:
    from core.org.actor import Actor
    from core.portal.actor import PortalActor

OK = "ok"
DENIED = "denied"      # not allowed: wrong password, wrong role, outside scope
REJECTED = "rejected"  # allowed, but the input broke a rule
RESULTS = (OK, DENIED, REJECTED)


def record(actor: "Actor | PortalActor", action: str, obj=None, *, object_type=None, object_id=None,
           result: str = OK, detail: dict | None = None, username: str | None = None) -> AuditEntry:
    """Add an entry to the current transaction: it commits or rolls back with the change.
    Its place in the hash chain is fixed when it is flushed (``core.audit.chain``)."""
    entry = new_entry(actor, action, obj, object_type=object_type, object_id=object_id, result=result,
                      detail=detail, username=username)
    db.session.add(entry)
    return entry


def new_entry(actor, action: str, obj=None, *, object_type=None, object_id=None,
              result: str = OK, detail: dict | None = None, username: str | None = None) -> AuditEntry:
    """An entry not yet added to any session (``record`` adds it to the current one)."""
    if obj is not None:
        object_type = object_type or obj.__tablename__
        object_id = object_id if object_id is not None else obj.id
    return AuditEntry(
        at=clock.now(),
        user_id=actor.user_id,
        username=username or actor.username,
        unit_id=actor.unit_id,
        address=actor.address or "",
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        result=result,
        detail=chain.normalise_detail(detail),
    )


def record_failure(actor: "Actor | PortalActor", action: str, *, result: str = REJECTED, **kwargs) -> None:
    """Record a refused or rejected attempt after rolling back whatever it began,
    in a transaction of its own so the refusal is kept though the change is not."""
    db.session.rollback()
    record(actor, action, result=result, **kwargs)
    db.session.commit()


def search(actor, *, username=None, action=None, result=None, object_type=None, object_id=None,
           since: date | None = None, until: date | None = None,
           before_id: int | None = None, limit: int = 50) -> list[AuditEntry]:
    """Newest first, keyset-paged by id. Only auditors read the trail."""
    actor.require("audit.read")
    q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if username:
        q = q.where(AuditEntry.username == username)
    if action:
        q = q.where(AuditEntry.action.startswith(action))
    if result:
        q = q.where(AuditEntry.result == result)
    if object_type:
        q = q.where(AuditEntry.object_type == object_type)
    if object_id:
        q = q.where(AuditEntry.object_id == str(object_id))
    if since:
        q = q.where(AuditEntry.at >= _utc_midnight(since))
    if until:
        q = q.where(AuditEntry.at < _utc_midnight(until + timedelta(days=1)))
    if before_id:
        q = q.where(AuditEntry.id < before_id)
    return list(db.session.scalars(q))


def _utc_midnight(day: date) -> datetime:
    """The start of ``day`` in China, as the naive UTC the trail is stored in."""
    local = datetime.combine(day, time(), tzinfo=ZoneInfo("Asia/Shanghai"))
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
