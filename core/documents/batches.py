"""Batch issue: many signed-off documents numbered, rendered and stored by a
background job, each in its own transaction, so one failure stops nothing
else and is reported with its reason. The job runs in ``anqi worker``
processes (never in a web request); ``anqi documents render-batch`` does the
same from the shell. Progress is in the database, so it survives a reload and
is the same for every worker and page.
"""
import io
import re
import zipfile
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core import clock, tasks
from core.audit import services as audit
from core.documents import services
from core.documents.models import Document, DocumentBatch, DocumentBatchItem
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.org.actor import Actor
from core.org.models import User

MAX_ITEMS = 5000
CHUNK = 10   # items per queued task: several workers share a batch, and a task stays short


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
    """Issue the batch's pending items (``item_ids``, or all) as the user who
    made it; each item commits on its own, and an item another worker has done
    meanwhile is skipped. ``on_item(item)`` is called after each (a progress bar)."""
    batch = db.session.get(DocumentBatch, batch_id)
    if batch is None:
        raise NotFound(_l("There is no such batch."))
    actor = Actor(db.session.get(User, batch.created_by_id), address="worker")
    stmt = select(DocumentBatchItem.id).where(DocumentBatchItem.batch_id == batch_id,
                                              DocumentBatchItem.status == "pending")
    if item_ids is not None:
        stmt = stmt.where(DocumentBatchItem.id.in_(list(item_ids)))
    pending = list(db.session.scalars(stmt.order_by(DocumentBatchItem.id)))
    for item_id in pending:
        item = db.session.get(DocumentBatchItem, item_id)
        if item.status != "pending":
            continue
        try:
            services.issue(actor, item.document_id)
        except Exception as exc:  # noqa: BLE001 - any failure is this item's, reported with its reason
            db.session.rollback()
            item = db.session.get(DocumentBatchItem, item_id)
            item.status, item.error = "failed", _reason(exc)
        else:
            item = db.session.get(DocumentBatchItem, item_id)
            item.status, item.error = "issued", ""
        item.finished_at = clock.now()
        db.session.commit()
        if on_item:
            on_item(item)
    result = progress(batch_id)
    if result.finished:
        batch = db.session.get(DocumentBatch, batch_id)
        if batch.finished_at is None:
            batch.finished_at = clock.now()
            db.session.commit()
    return result


def _reason(exc: Exception) -> str:
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return str(message)[:500]


@tasks.huey.task(name="anqi.documents.issue_items")
def issue_items(batch_id, item_ids):
    with tasks.app_context():
        run(batch_id, item_ids)


def retry_failed(actor, batch_id) -> DocumentBatch:
    """Put the failed items back in the queue (after fixing what made them fail)."""
    batch = get(actor, batch_id)
    actor.require("document.issue")
    failed = list(db.session.scalars(select(DocumentBatchItem).where(DocumentBatchItem.batch_id == batch.id,
                                                                    DocumentBatchItem.status == "failed")))
    if not failed:
        raise ValidationError(_l("Nothing in this batch has failed."))
    for item in failed:
        item.status, item.error, item.finished_at = "pending", "", None
    batch.finished_at = None
    audit.record(actor, "document.batch_retry", batch, detail={"items": len(failed)})
    db.session.commit()
    _enqueue(batch.id, [item.id for item in failed])
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
