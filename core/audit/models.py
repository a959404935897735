from datetime import datetime

from sqlalchemy import JSON, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import clock
from core.extensions import db


class AuditEntry(db.Model):
    """One thing that happened. ``username`` and ``unit_id`` are copied, not
    joined, so the entry still reads right after the user or unit changes."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_object", "object_type", "object_id"),
        Index("ix_audit_entry_user_at", "user_id", "id"),
        Index("ix_audit_entry_action_at", "action", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
    user_id: Mapped[int | None]
    username: Mapped[str] = mapped_column(String(64))
    unit_id: Mapped[int | None]
    address: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16), default="ok")
    detail: Mapped[dict | None] = mapped_column(JSON)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("audit entries are append-only")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_changes(state):
    # ``session.execute(update(AuditEntry)…)`` bypasses the mapper events above.
    if (state.is_update or state.is_delete) and any(m.class_ is AuditEntry for m in state.all_mappers):
        raise RuntimeError("audit entries are append-only")
