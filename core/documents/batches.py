"""Batch issue: many signed-off documents numbered, rendered and stored by a
background job, each in its own transaction, so one failure stops nothing
else and is reported with its reason. The job runs in ``anqi worker``
processes (never in a web request); ``anqi documents render-batch`` does the
same from the shell. Progress is in the database, so it survives a reload and
is the same for every worker and page.

The queue delivers a job at least once: a job whose worker died runs again,
and may meet another run of itself. Each item is therefore claimed before it
is issued (``core.jobqueue.claims``: one conditional UPDATE to ``issuing``
with this process's name), so exactly one run issues it; a claim whose owner
died is taken over, and ``services.issue`` issues a ``numbered`` document with
the number it already has, so each letter is issued once and the numbers have
no gap. A run that finds items claimed by a run still going tries again later.
"""
import io
import re
import zipfile
from dataclasses import dataclass

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from huey.exceptions import RetryTask
from sqlalchemy import func, select

from core import clock, tasks
from core.audit import services as audit
from core.documents import services
from core.documents.models import Document, DocumentBatch, DocumentBatchItem
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.jobqueue import claims
from core.org.actor import Actor
from core.org.models import User

MAX_ITEMS = 5000
CHUNK = 10   # items per queued task: several workers share a batch, and a task stays short
BUSY_RETRY_SECONDS = 30     # a run that met items another live run is issuing looks again after this
STALLED_AFTER = timedelta(minutes=5)   # no item done or taken for this long: the batch is stalled
UNFINISHED = ("pending", "issuing")


@dataclass(frozen=True)
class Progress:
    total: int
    issued: int
    failed: int

    @property
    def pending(self) -> int:
        return self.total - self.issued - self.failed

    @property
    def finished(self) -> bool:
        return self.pending == 0


@dataclass(frozen=True)
class Outlook:
    """What an unfinished batch is waiting for, for its page."""

    workers: int | None     # background workers alive now; None when the queue cannot tell
    stalled: bool           # nothing done or taken for STALLED_AFTER

    @property
    def no_worker(self) -> bool:
        return self.workers == 0


def create(actor, document_ids, *, enqueue: bool = True) -> DocumentBatch:
    """A batch of the actor's signed-off documents; queued for the workers."""
    actor.require("document.issue")
    ids = sorted({int(i) for i in document_ids})
    if not ids:
        raise ValidationError(_l("Choose the documents to issue."))
    if len(ids) > MAX_ITEMS:
        raise ValidationError(_l("Issue at most %(n)d documents at once.", n=MAX_ITEMS))
    found = {d.id: d for d in db.session.scalars(select(Document).where(Document.id.in_(ids)))}
    for document_id in ids:
        document = found.get(document_id)
        if document is None or not actor.scope.allows(document.unit_id):
            raise NotFound(_l("There is no such document in your units' area."))
        if document.status not in ("signed", "numbered"):
            raise ValidationError(_l("Only signed-off documents can be issued: %(title)s is not.",
                                     title=document.title[:40]))
    batch = DocumentBatch(unit_id=actor.unit_id or found[ids[0]].unit_id, created_by_id=actor.user_id,
                          total=len(ids))
    db.session.add(batch)
    db.session.flush()
    db.session.add_all(DocumentBatchItem(batch_id=batch.id, document_id=i) for i in ids)
    audit.record(actor, "document.batch", batch, detail={"documents": len(ids)})
    db.session.commit()
    if enqueue:
        _enqueue(batch.id, [item.id for item in batch.items])
    return batch


def _enqueue(batch_id, item_ids) -> None:
    for start in range(0, len(item_ids), CHUNK):
        issue_items(batch_id, item_ids[start:start + CHUNK])


def get(actor, batch_id) -> DocumentBatch:
    actor.require("document.read")
    batch = db.session.get(DocumentBatch, batch_id)
    if batch is None or not actor.scope.allows(batch.unit_id):
        raise NotFound(_l("There is no such batch."))
    return batch


def for_unit(actor, limit: int = 20) -> list[DocumentBatch]:
    """The newest batches of the actor's units."""
    actor.require("document.read")
    return list(db.session.scalars(select(DocumentBatch).where(actor.scope.filter(DocumentBatch.unit_id))
                                   .order_by(DocumentBatch.id.desc()).limit(limit)))


def progress(batch_id) -> Progress:
    counts = dict(db.session.execute(select(DocumentBatchItem.status, func.count())
                                     .where(DocumentBatchItem.batch_id == batch_id)
                                     .group_by(DocumentBatchItem.status)).all())
    total = sum(counts.values())
    return Progress(total, counts.get("issued", 0), counts.get("failed", 0))


def run(batch_id, item_ids=None, on_item=None) -> Progress:
    """Issue the batch's unfinished items (``item_ids``, or all) as the user who
    made it. Each item is claimed, issued and recorded in transactions of its
    own; an item another live run holds is left to it. ``on_item(item)`` is
    called after each item this run finished (a progress bar)."""
    batch = db.session.get(DocumentBatch, batch_id)
    if batch is None:
        raise NotFound(_l("There is no such batch."))
    actor = Actor(db.session.get(User, batch.created_by_id), address="worker")
    stmt = select(DocumentBatchItem.id).where(DocumentBatchItem.batch_id == batch_id,
                                              DocumentBatchItem.status.in_(UNFINISHED))
    if item_ids is not None:
        stmt = stmt.where(DocumentBatchItem.id.in_(list(item_ids)))
    unfinished = list(db.session.scalars(stmt.order_by(DocumentBatchItem.id)))
    db.session.rollback()        # end the read: on SQLite it holds the write lock
    for item_id in unfinished:
        if not claims.claim(DocumentBatchItem, item_id, free=("pending",), working="issuing"):
            continue             # issued, failed, or being issued by a run that is still going
        item = _issue_claimed(actor, item_id)
        if on_item and item is not None:
            on_item(item)
    result = progress(batch_id)
    if result.finished:
        batch = db.session.get(DocumentBatch, batch_id)
        if batch.finished_at is None:
            batch.finished_at = clock.now()
        db.session.commit()
    return result


def _issue_claimed(actor, item_id) -> DocumentBatchItem | None:
    """Issue the item this process has just claimed and record the result while it
    still holds the claim; the item, or None when the claim was taken over meanwhile."""
    document_id = db.session.get(DocumentBatchItem, item_id).document_id
    error = ""
    # Issued already: by an earlier run of this job that died before it recorded the item.
    if db.session.get(Document, document_id).status != "issued":
        try:
            services.issue(actor, document_id)
        except Exception as exc:  # noqa: BLE001 - any failure is this item's, reported with its reason
            db.session.rollback()
            if db.session.get(Document, document_id).status != "issued":   # not issued by another run meanwhile
                error = _reason(exc)
    db.session.rollback()
    recorded = claims.finish(DocumentBatchItem, item_id, working="issuing",
                             values={"status": "failed" if error else "issued", "error": error,
                                     "finished_at": clock.now()})
    db.session.commit()
    return db.session.get(DocumentBatchItem, item_id) if recorded else None


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(message)[:500]


def held_elsewhere(batch_id, item_ids=None) -> int:
    """Items being issued under a claim whose run is still going (another worker's,
    or another thread's of this process)."""
    stmt = select(DocumentBatchItem.claimed_by, DocumentBatchItem.claimed_at).where(
        DocumentBatchItem.batch_id == batch_id, DocumentBatchItem.status == "issuing")
    if item_ids is not None:
        stmt = stmt.where(DocumentBatchItem.id.in_(list(item_ids)))
    rows = db.session.execute(stmt).all()
    db.session.rollback()
    return sum(1 for owner, at in rows if claims.held(owner, at))


@tasks.huey.task(name="anqi.documents.issue_items")
def issue_items(batch_id, item_ids):
    with tasks.app_context():
        run(batch_id, item_ids)
        if held_elsewhere(batch_id, item_ids):
            # The run holding them may be a worker that is about to be presumed dead:
            # look again later, and take them over then if it is.
            raise RetryTask(delay=BUSY_RETRY_SECONDS)


def _waiting(batch_id) -> list[DocumentBatchItem]:
    """Unfinished items that no live run holds (pending, or claimed by a run that died)."""
    items = db.session.scalars(select(DocumentBatchItem).where(DocumentBatchItem.batch_id == batch_id,
                                                               DocumentBatchItem.status.in_(UNFINISHED)))
    return [item for item in items if not claims.held(item.claimed_by, item.claimed_at)]


def stalled(batch_id) -> bool:
    """Unfinished, and no item done or taken for STALLED_AFTER: its jobs may have been
    lost outside anqi (a queue emptied by hand, or restored from an older backup)."""
    unfinished, last_taken = db.session.execute(
        select(func.count(), func.max(DocumentBatchItem.claimed_at))
        .where(DocumentBatchItem.batch_id == batch_id, DocumentBatchItem.status.in_(UNFINISHED))).one()
    if not unfinished:
        return False
    last_done = db.session.scalar(select(func.max(DocumentBatchItem.finished_at))
                                  .where(DocumentBatchItem.batch_id == batch_id))
    created = db.session.scalar(select(DocumentBatch.created_at).where(DocumentBatch.id == batch_id))
    return max(t for t in (last_done, last_taken, created) if t is not None) < clock.now() - STALLED_AFTER


def outlook(batch_id) -> Outlook:
    workers = tasks.live_workers()
    return Outlook(workers=workers, stalled=stalled(batch_id))


def retry_failed(actor, batch_id) -> DocumentBatch:
    """Put the failed items back in the queue (after fixing what made them fail),
    and, when the batch is stalled, the waiting ones that no live run holds."""
    batch = get(actor, batch_id)
    actor.require("document.issue")
    failed = list(db.session.scalars(select(DocumentBatchItem).where(DocumentBatchItem.batch_id == batch.id,
                                                                    DocumentBatchItem.status == "failed")))
    waiting = _waiting(batch.id) if stalled(batch.id) else []
    if not failed and not waiting:
        raise ValidationError(_l("Nothing in this batch has failed or is stalled."))
    for item in failed + waiting:
        item.status, item.error, item.finished_at, item.claimed_by = "pending", "", None, None
    batch.finished_at = None
    audit.record(actor, "document.batch_retry", batch, detail={"items": len(failed), "waiting": len(waiting)})
    db.session.commit()
    _enqueue(batch.id, [item.id for item in failed + waiting])
    return batch


def _filename(document: Document) -> str:
    safe = re.sub(r'[\\/:*?"<>|\s]+', "_", f"{document.number}_{document.title}")
    return f"{safe[:120]}.pdf"


def zip_of(actor, batch_id) -> bytes:
    """The issued PDFs of a batch in one ZIP, as stored."""
    batch = get(actor, batch_id)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:   # PDFs are compressed already
        for item in batch.items:
            if item.status == "issued":
                archive.writestr(_filename(item.document), services.pdf(actor, item.document_id))
    audit.record(actor, "document.batch_download", batch)
    db.session.commit()
    return out.getvalue()
