"""The hash chain of the audit trail.

Each entry's ``hash`` is the SHA-256 of a canonical serialisation of its fields
and of ``prev_hash``, the previous entry's hash; the first entry follows
``GENESIS``. Editing an entry changes its hash; deleting one breaks the link of
the next. The format is fixed: archives and the migration that chained the
entries written before it use the same function.

The chain is built when entries are flushed (``_chain_new_entries``), so every
way of adding an entry is covered. On PostgreSQL the flush first takes a
transaction-level advisory lock, held until the transaction ends, so that
concurrent writers append one after another and the chain has one order, the
order of the ids; the lock and the read of the head are one call,
``audit_chain_head()``, a function made by migration core_0007. SQLite needs no
lock: every transaction there starts with ``BEGIN IMMEDIATE``
(core/database.py) and so already holds the write lock.
"""
import hashlib
import json
from datetime import datetime

from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session

from core import clock
from core.audit.models import AuditAnchor, AuditEntry

FORMAT = "anqi-audit/1"
GENESIS = "0" * 64


def canonical_json(value) -> str:
    """Sorted keys, no spaces, ASCII only: one text for one value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def normalise_detail(detail):
    """``detail`` as it reads back from the JSON column (tuples become lists,
    keys strings, anything else its text), so the stored value is the hashed one."""
    if detail is None:
        return None
    return json.loads(json.dumps(detail, default=str, sort_keys=True, ensure_ascii=True))


def entry_hash(prev_hash: str, at: datetime, user_id, username, unit_id, address, action,
               object_type, object_id, result, detail) -> str:
    payload = [FORMAT, prev_hash, at.isoformat(sep=" ", timespec="microseconds"), user_id, username,
               unit_id, address, action, object_type, object_id, result, detail]
    return hashlib.sha256(canonical_json(payload).encode("ascii")).hexdigest()


def hash_of(row) -> str:
    """The hash an entry (an AuditEntry or a row with its columns) should carry."""
    return entry_hash(row.prev_hash, row.at, row.user_id, row.username, row.unit_id, row.address, row.action,
                      row.object_type, row.object_id, row.result, row.detail)


LOCK_KEY = 0x616E716961756469  # the advisory lock audit_chain_head() takes (migration core_0007)


def lock(connection) -> None:
    """Become the chain's only writer now, before the change is written rather
    than when its entry is: for writes that other, audited transactions make
    after taking the lock, so that every transaction takes the two in one order.
    The lock is held until the transaction ends; taking it again is free."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def head(connection) -> str:
    """The hash the next entry follows: the newest entry's, else the newest
    anchor's (everything was archived), else GENESIS. On PostgreSQL, first make
    this transaction the chain's only writer until it ends."""
    if connection.dialect.name == "postgresql":
        # One round trip inside the serial section: the function (migration core_0007) takes
        # pg_advisory_xact_lock, then reads the head with a snapshot taken after the lock.
        return connection.scalar(text("SELECT audit_chain_head()"))
    last = connection.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    if last is None:
        last = connection.scalar(select(AuditAnchor.last_hash).order_by(AuditAnchor.id.desc()).limit(1))
    return last or GENESIS


@event.listens_for(Session, "before_flush")
def _chain_new_entries(session, _flush_context, _instances):
    new = [obj for obj in session.new if isinstance(obj, AuditEntry)]
    if not new:
        return
    new.sort(key=lambda obj: inspect(obj).insert_order)  # the order the flush inserts them, and so their ids
    prev = head(session.connection())
    for entry in new:
        if entry.at is None:
            entry.at = clock.now()
        entry.address = entry.address or ""
        entry.result = entry.result or "ok"
        entry.detail = normalise_detail(entry.detail)
        entry.prev_hash = prev
        entry.hash = prev = hash_of(entry)
