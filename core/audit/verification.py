"""Checking the audit trail's hash chain: is every entry what was written, and is none missing?

``verify()`` walks the anchors of the archived entries, then the live entries in
id order, a batch at a time in transactions of their own (constant memory; on
SQLite the write lock is taken only for a batch at a time), and stops at the
first entry that is wrong. A chain cannot show entries deleted from its end;
the database's triggers refuse that, and each verification logs the chain's
head (id and hash) so that a later verification can be compared with it.
"""
import logging
from dataclasses import asdict, dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import chain
from core.audit.models import AuditAnchor, AuditEntry
from core.audit.services import record
from core.extensions import db

log = logging.getLogger("anqi.audit")

EDITED = "edited"      # the entry's fields do not give its hash
UNLINKED = "unlinked"  # the entry does not follow the one before it: one was deleted or rewritten
ANCHOR = "anchor"      # an archive anchor does not follow the one before it
BATCH = 2000


@dataclass
class Verification:
    intact: bool
    checked: int = 0                  # live entries checked
    anchors: int = 0                  # archive anchors checked
    head_id: int | None = None        # the newest entry checked
    head_hash: str = chain.GENESIS
    broken_id: int | None = None      # the first entry (or anchor, for ANCHOR) that is wrong
    problem: str | None = None
    after_id: int | None = None       # UNLINKED: the entry it should follow (None: the start or the last archive)

    def as_detail(self) -> dict:
        return asdict(self)

    @classmethod
    def from_detail(cls, detail: dict | None) -> "Verification | None":
        try:
            return cls(**{k: v for k, v in (detail or {}).items() if k in cls.__dataclass_fields__})
        except TypeError:
            return None

    @property
    def message(self):
        if self.intact:
            return _l("The audit trail is intact: %(n)d entries checked.", n=self.checked)
        if self.problem == EDITED:
            return _l("Entry %(id)d was changed after it was written: its content does not match its hash.",
                      id=self.broken_id)
        if self.problem == UNLINKED and self.after_id is None:
            return _l("Entry %(id)d does not follow the start of the trail (or the last archive): entries before it were deleted.",
                      id=self.broken_id)
        if self.problem == UNLINKED:
            return _l("Entry %(id)d does not follow entry %(after)d: an entry between them was deleted, or entry %(after)d was rewritten.",
                      id=self.broken_id, after=self.after_id)
        return _l("Archive record %(id)d does not follow the archive before it: the record of archives was changed.",
                  id=self.broken_id)


class Walk:
    """Follows a chain from ``prev``: ``step(row)`` is None while each row is
    the next link and carries its own hash, else the problem."""

    def __init__(self, prev: str = chain.GENESIS):
        self.prev = prev
        self.last_id = None

    def step(self, row) -> str | None:
        if row.prev_hash != self.prev:
            return UNLINKED
        if row.hash != chain.hash_of(row):
            return EDITED
        self.prev, self.last_id = row.hash, row.id
        return None


def _anchors(result: Verification) -> tuple[int | None, str]:
    """Check the anchors follow each other; (the newest anchor's id, the hash the live entries follow)."""
    prev, newest = chain.GENESIS, None
    for anchor in db.session.execute(select(AuditAnchor.id, AuditAnchor.prev_hash, AuditAnchor.last_hash)
                                     .order_by(AuditAnchor.id)):
        if anchor.prev_hash != prev:
            result.intact, result.problem, result.broken_id = False, ANCHOR, anchor.id
            break
        prev, newest = anchor.last_hash, anchor.id
        result.anchors += 1
    return newest, prev


def _newest_anchor() -> int | None:
    return db.session.scalar(select(AuditAnchor.id).order_by(AuditAnchor.id.desc()).limit(1))


def verify(batch: int = BATCH) -> Verification:
    """Walk the whole chain; the result names the first broken entry. Ends the
    session's transaction (it must have nothing pending) and reads in transactions of its own."""
    for _attempt in range(2):
        db.session.rollback()
        result = Verification(intact=True)
        anchor_id, prev = _anchors(result)
        if not result.intact:
            return result
        walk, after = Walk(prev), 0
        while result.intact:
            rows = db.session.execute(select(AuditEntry.__table__).where(AuditEntry.id > after)
                                      .order_by(AuditEntry.id).limit(batch)).all()
            db.session.rollback()  # SQLite: give the write lock back between batches
            if not rows:
                break
            for row in rows:
                problem = walk.step(row)
                if problem:
                    result.intact, result.problem, result.broken_id = False, problem, row.id
                    result.after_id = walk.last_id
                    break
                result.checked += 1
            after = rows[-1].id
        if result.intact or _newest_anchor() == anchor_id:
            break
        # An archive run removed entries while we walked: walk again from its anchor.
    result.head_id, result.head_hash = walk.last_id, walk.prev
    if result.intact:
        log.info("audit trail intact: %d entries, head %s %s", result.checked, result.head_id, result.head_hash)
    else:
        log.error("audit trail broken at %s %s (after %s)", result.problem, result.broken_id, result.after_id)
    return result


def run_verification(actor, username: str | None = None) -> Verification:
    """Verify the chain for an auditor (or the shell, or the daily job as ``username``)
    and record that it was done, with the result."""
    actor.require("audit.read")
    result = verify()
    record(actor, "audit.verify", object_type="audit_entry", object_id=result.broken_id,
           detail=result.as_detail(), username=username)
    db.session.commit()
    return result


def latest_verification(actor) -> tuple[AuditEntry, Verification] | None:
    """The most recent verification recorded in the trail, and its result."""
    actor.require("audit.read")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "audit.verify")
                              .order_by(AuditEntry.id.desc()).limit(1))
    if entry is None:
        return None
    result = Verification.from_detail(entry.detail)
    return (entry, result) if result else None
