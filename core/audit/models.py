"""The audit trail: an append-only record of every change and every login attempt."""
from datetime import datetime

from sqlalchemy import JSON, Index, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from core import clock
from core.extensions import db


class AuditEntry(db.Model):
    """One thing that happened. ``username`` and ``unit_id`` are copied, not
    joined, so the entry still reads right after the user or unit changes.

    ``hash`` is the SHA-256 of the entry's fields and ``prev_hash``, the hash of
    the entry before it (``core.audit.chain``), so an edit or a deletion shows."""

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
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditAnchor(db.Model):
    """Where the live chain starts after entries were archived and removed: the
    archive file that holds them and the hash of the last of them."""

    __tablename__ = "audit_anchor"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=clock.now)
    file_name: Mapped[str] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int]
    first_entry_id: Mapped[int]
    last_entry_id: Mapped[int]
    first_at: Mapped[datetime]
    last_at: Mapped[datetime]
    prev_hash: Mapped[str] = mapped_column(String(64))   # the chain before the first archived entry
    last_hash: Mapped[str] = mapped_column(String(64))   # the hash of the last archived entry
    key_id: Mapped[str] = mapped_column(String(64))      # the signing key's fingerprint


APPEND_ONLY = (AuditEntry, AuditAnchor)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
@event.listens_for(AuditAnchor, "before_update")
@event.listens_for(AuditAnchor, "before_delete")
def _append_only(mapper, connection, target):
    raise RuntimeError("audit entries are append-only")


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_changes(state):
    # ``session.execute(update(AuditEntry)…)`` bypasses the mapper events above.
    # The database's triggers refuse it too (core_0007); these guards only fail earlier.
    if (state.is_update or state.is_delete) and any(m.class_ in APPEND_ONLY for m in state.all_mappers):
        raise RuntimeError("audit entries are append-only")
