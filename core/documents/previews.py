"""Previews of documents not yet issued: rendered once per content, kept, and
made by the background workers when they are large.

A preview is the watermarked (草稿) PDF of a document that is not issued yet;
an issued document's preview is its stored PDF. ``prepare`` reads the
document, ends the transaction, and then works with plain values only:

- **The cache.** A preview is kept under the storage folder as
  ``previews/<document id>/<key>.pdf``, ``key`` being
  ``rendering.fingerprint`` of the plain letter: a SHA-256 of exactly what is
  rendered (the content, the unit's name, the date printed, the templates,
  the stylesheet, the fonts, WeasyPrint's version). An unchanged draft opens
  its preview with a file read; any change makes another key, and storing the
  new preview removes the old one. Issuing the document removes the folder.
  A document that carries personal data has its previews sealed like its PDF
  (sealing.py).
- **Inline or queued.** In a web request, a draft whose weight
  (``budget.weight``: characters, table cells counted heavier) is at most
  ``DOCUMENT_INLINE_RENDER_CHARACTERS`` is rendered at once, if this process
  gets its turn to lay out within ``INLINE_WAIT_SECONDS``. A heavier one (or
  one that did not get its turn) is handed to the huey task
  ``anqi.documents.render_preview`` with the document's id and the key — never
  its content, which stays out of the queue — and the request answers at once
  that the preview is being prepared. Whether a preview is queued or failed is
  kept beside it, in the shared storage folder every process sees:
  ``<key>.queued`` (claimed with ``O_EXCL``, so two requests queue it once;
  claimed again after ``QUEUED_STALE_SECONDS`` in case its worker died) and
  ``<key>.failed`` (why: the limit of the render budget, or the error's kind),
  shown until the draft changes or the user asks to try again.
- The shell, the jobs and plugins ask ``services.preview``, which renders
  whatever the size (``in_request=False``).
"""
import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from core import tasks
from core.documents import budget as budgets
from core.documents import rendering, sealing
from core.documents.models import Document
from core.errors import AnqiError, ValidationError
from core.extensions import db
from core.privacy import files

log = logging.getLogger(__name__)

INLINE_WAIT_SECONDS = 2        # how long a web request waits for its process's turn to lay out
QUEUED_STALE_SECONDS = 3600    # a preview queued this long ago and not done is queued again
ISSUED = ("issued", "delivered")


class QueueUnavailable(AnqiError):
    status = 503


@dataclass(frozen=True)
class Preview:
    """What opening a preview gives: ``ready`` with the PDF, ``preparing``
    (queued for the workers), or ``failed`` with the reason (a lazy message)."""

    state: str
    content: bytes = b""
    problem: object = None
    issued: bool = False       # the issued document's own stored PDF


def root() -> Path:
    from core.config import storage_root

    return storage_root(current_app) / "previews"


def folder(document_id) -> Path:
    return root() / str(int(document_id))


def prepare(actor, document_id, *, in_request: bool) -> Preview:
    """The preview of a document the actor may see (NotFound otherwise).

    ``in_request``: asked by a web request, so a heavy draft is queued rather
    than rendered here. Raises ``budget.BudgetExceeded`` when the draft is
    beyond the render budget (characters before rendering; pages and seconds
    when rendered here)."""
    from core.documents import services

    document = services.get(actor, document_id)
    if document.status in ISSUED:
        return Preview("ready", services.pdf(actor, document_id), issued=True)
    plain = services.letter(document, draft=True)
    personal = document.personal_data
    db.session.commit()          # the reading ends here: nothing below holds the database
    key = rendering.fingerprint(plain)
    content = _read(document_id, key, personal)
    if content is None:
        budget = budgets.current()
        budgets.check_characters(plain.body, budget)
        if in_request and budgets.weight(plain.body) > budgets.inline_limit():
            return _queue(document_id, key, personal)
        try:
            content = rendering.render(plain, budget=budget, wait=INLINE_WAIT_SECONDS if in_request else None)
        except rendering.RendererBusy:
            return _queue(document_id, key, personal)
        _store(document_id, key, content, personal)
    if personal:
        services.record_reading(actor, document, "preview")
    return Preview("ready", content)


def heavy(document: Document) -> bool:
    """Whether rendering the document is more than a web request should do."""
    return budgets.weight(document.body) > budgets.inline_limit()


def retry(actor, document_id) -> None:
    """Forget why the current content's preview failed, so that opening it queues it again."""
    from core.documents import services

    document = services.get(actor, document_id)
    if document.status in ISSUED:
        db.session.commit()
        return
    key = rendering.fingerprint(services.letter(document, draft=True))
    db.session.commit()
    (folder(document_id) / f"{key}.failed").unlink(missing_ok=True)


def forget(document_id) -> None:
    """Remove a document's previews (it is issued: its preview is its stored PDF now)."""
    shutil.rmtree(folder(document_id), ignore_errors=True)


# ---------------------------------------------------------------- the cache

def _read(document_id, key, personal) -> bytes | None:
    path = folder(document_id) / f"{key}.pdf"
    try:
        stored = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return sealing.decode(stored, personal=personal, purpose=sealing.PREVIEW_PURPOSE)
    except ValidationError:      # altered, or kept before the document carried personal data: make it again
        path.unlink(missing_ok=True)
        return None


def _store(document_id, key, content: bytes, personal: bool) -> None:
    base = folder(document_id)
    files.write_atomically(base / f"{key}.pdf",
                           sealing.encode(content, personal=personal, purpose=sealing.PREVIEW_PURPOSE))
    for other in base.iterdir():   # an older content's preview or failure; a queued one may still come
        if not other.name.startswith(".") and other.stem != key and other.suffix in (".pdf", ".failed"):
            other.unlink(missing_ok=True)


# ---------------------------------------------------------------- the queue

def _queue(document_id, key, personal) -> Preview:
    base = folder(document_id)
    failed = base / f"{key}.failed"
    if failed.exists():
        return Preview("failed", problem=_problem(failed))
    base.mkdir(parents=True, exist_ok=True)
    marker = base / f"{key}.queued"
    try:
        os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        try:
            if time.time() - marker.stat().st_mtime < QUEUED_STALE_SECONDS:
                return Preview("preparing")
        except FileNotFoundError:     # done meanwhile
            return _ready_or_failed(document_id, key, personal)
        os.utime(marker)              # its worker died (or the queue was lost): queue it again
    try:
        render_preview(document_id, key)
    except Exception:  # noqa: BLE001 - the queue's storage is down (Redis unreachable, …)
        marker.unlink(missing_ok=True)
        log.exception("The preview of document %s could not be queued", document_id)
        raise QueueUnavailable(_l("This document is long and its preview is made by the background jobs, whose "
                                  "queue cannot be reached just now. Try again in a moment; tell the administrator "
                                  "if it goes on.")) from None
    # A queue that runs tasks where they are queued (HUEY_IMMEDIATE) has made it already.
    return _ready_or_failed(document_id, key, personal)


def _ready_or_failed(document_id, key, personal) -> Preview:
    content = _read(document_id, key, personal)
    if content is not None:
        return Preview("ready", content)
    failed = folder(document_id) / f"{key}.failed"
    if failed.exists():
        return Preview("failed", problem=_problem(failed))
    return Preview("preparing")


def _problem(path: Path):
    try:
        reason = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        reason = {}
    if reason.get("limit") in ("characters", "pages", "seconds"):
        return budgets.BudgetExceeded(reason["limit"], reason.get("size"), reason.get("maximum")).message
    return _l("The preview could not be made (%(reason)s). Try again; tell the administrator if it fails again.",
              reason=reason.get("error") or "?")


@tasks.huey.task(name="anqi.documents.render_preview")
def render_preview(document_id, key):
    with tasks.app_context():
        build(document_id, key)


def build(document_id, key) -> None:
    """The worker's side: render the document's current content (the one
    queued, or a newer one if the author saved meanwhile), outside any
    transaction, store it, or record why it failed; then drop the mark that
    it was queued."""
    try:
        _build(document_id)
    finally:
        (folder(document_id) / f"{key}.queued").unlink(missing_ok=True)


def _build(document_id) -> None:
    from core.documents import services

    document = db.session.get(Document, document_id)
    if document is None or document.status in ISSUED:
        db.session.commit()
        return
    plain = services.letter(document, draft=True)
    personal = document.personal_data
    db.session.commit()
    key = rendering.fingerprint(plain)
    if (folder(document_id) / f"{key}.pdf").exists():
        return
    try:
        content = rendering.render(plain)         # waits its turn; the whole budget
    except budgets.BudgetExceeded as exc:
        _fail(document_id, key, exc.as_dict())
        return
    except Exception as exc:  # noqa: BLE001 - any failure is this preview's, shown with its reason
        log.exception("The preview of document %s could not be made", document_id)
        # The kind of error only (a font's name for a missing font): a message could quote the content.
        reason = str(exc)[:200] if isinstance(exc, rendering.RenderingError) else type(exc).__name__
        _fail(document_id, key, {"error": reason})
        return
    _store(document_id, key, content, personal)


def _fail(document_id, key, reason: dict) -> None:
    files.write_atomically(folder(document_id) / f"{key}.failed", json.dumps(reason).encode("utf-8"))


def _preview_paths() -> list[Path]:
    base = root()
    return sorted(base.glob("*/*.pdf")) if base.is_dir() else []


files.register(files.SealedFiles("document.preview", sealing.PREVIEW_PURPOSE, _preview_paths))
