"""Official documents: draft → submitted → signed off (签发) → issued → delivered.

Drafts are edited by the issuing unit; a leader of that unit signs off; issuing
assigns the number, renders the PDF once and stores it with its SHA-256 — an
issued document never changes and is never rendered again. A correction is a
new draft that names the document it replaces. Every change is audited; every
refusal is a clear message with nothing changed.
"""
import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from core import clock
from core import public_address
from core.audit import services as audit
from core.documents import blocks, numbering, sealing, seals, signing
from core.documents import budget as budgets
from core.documents.models import CONTENT_FIELDS, Document, DocumentAuthentication, DocumentDelivery
from core.errors import Conflict, Forbidden, NotFound, ValidationError
from core.extensions import db
from core.notices import webhooks
from core.plugins.services import call_for_unit
from core.plugins.contract import DocumentType
from core.tickets.deadlines import local_date
from core.text import clean_text

if TYPE_CHECKING:
    from core.org.actor import Actor

CORE_TYPES = (
    DocumentType("letter", _l("Letter"), layout="letter", family="letter"),
    DocumentType("file", _l("Official document"), layout="file", family="file"),
)
DELIVERY_METHODS = {"in_person": _l("In person"), "post": _l("By post"), "fax": _l("By fax"),
                    "electronic": _l("Electronically")}
MAX_BLOCKS = 3000      # a project's whole dossier is a few hundred headings and paragraphs
BLOCK_PROBLEMS = {
    "unknown": _l("A paragraph is too long or of an unknown kind."),
    "too_long": _l("A paragraph is too long or of an unknown kind."),
    "table": _l("A table needs 1 to 12 named columns, the same number of cells in every row, and at most "
                "5,000 rows of short cells."),
    "figure": _l("A figure must be a self-contained SVG drawing (no scripts, no outside links) with a short caption."),
}
VERIFICATION_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"   # no 0/O, 1/I: read aloud and typed by hand


@dataclass
class Draft:
    """What the author writes: plain values, checked by ``_validate``."""

    doc_type: str = ""
    title: str = ""
    addressees: list = field(default_factory=list)
    copies: list = field(default_factory=list)
    body: list = field(default_factory=list)        # [(kind, text), …]
    attachment_titles: list = field(default_factory=list)
    ticket_id: int | None = None
    enterprise_id: int | None = None
    related_type: str = ""
    related_id: int | None = None
    submission_key: str | None = None
    # The document prints personal data (full ID numbers): its content is sealed in the
    # record and its PDF on disk (sealing.py), and every serving of it is audited.
    personal_data: bool = False


def types(actor) -> dict[str, DocumentType]:
    """Core's document types, then those of the plugins the actor's unit enabled."""
    found = {t.code: t for t in CORE_TYPES}
    for item in call_for_unit("anqi_document_types", actor.unit_id, unit=getattr(actor.user, "unit", None)):
        found.setdefault(item.code, item)
    return found


def get(actor, document_id) -> Document:
    actor.require("document.read")
    document = db.session.get(Document, document_id)
    if document is None or not _sees(actor, document):
        raise NotFound(_l("There is no such document in your units' area."))
    return document


def _sees(actor, document) -> bool:
    if actor.enterprise_id is not None:  # the enterprise itself (the portal): issued documents addressed to it
        return document.enterprise_id == actor.enterprise_id and document.status in ("issued", "delivered")
    return actor.scope.allows(document.unit_id)


def addressed_to(actor, limit: int = 100) -> list[Document]:
    """The issued documents addressed to the actor's enterprise, newest first (its inbox on the portal)."""
    actor.require("document.read")
    if actor.enterprise_id is None:
        return []
    stmt = (select(Document).where(Document.enterprise_id == actor.enterprise_id,
                                   Document.status.in_(("issued", "delivered")))
            .order_by(Document.issued_at.desc(), Document.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def electronic_receipt(document) -> DocumentDelivery | None:
    """The delivery the addressee confirmed itself on the portal, if any."""
    return next((d for d in document.deliveries if d.method == "electronic" and d.recorded_by_id is None), None)


def confirm_receipt(actor, document_id) -> DocumentDelivery:
    """送达 by the addressee itself: the enterprise opened the issued document on
    the portal and confirms it has received it. Recorded once, as an electronic
    delivery; a second confirmation returns the first — also when two arrive at
    the same instant: the unique index ``ux_document_delivery_confirmed`` lets
    one of them in, and the other (refused by the index, or by the document's
    version that the first one moved on) is rolled back and answered with the
    first one's delivery."""
    document = get(actor, document_id)
    if actor.enterprise_id is None or document.enterprise_id != actor.enterprise_id:
        raise NotFound(_l("There is no such document in your units' area."))
    existing = electronic_receipt(document)
    if existing is not None:
        return existing
    now = clock.now()
    delivery = DocumentDelivery(document_id=document.id, recipient=actor.display_name[:100], received_at=now,
                                method="electronic", recorded_by_id=None, recorded_at=now)
    db.session.add(delivery)
    document.status = "delivered"
    audit.record(actor, "document.deliver", document, detail={"method": "electronic", "confirmed_by": "addressee"})
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        existing = electronic_receipt(get(actor, document_id))
        if existing is None:
            raise
        return existing
    return delivery


def for_unit(actor, limit: int = 50, before_id: int | None = None) -> list[Document]:
    """The documents of the actor's units, newest first; ``before_id`` gives the page
    after the one that ended with that document."""
    actor.require("document.read")
    stmt = select(Document).where(actor.scope.filter(Document.unit_id))
    if before_id is not None:
        stmt = stmt.where(Document.id < before_id)
    return list(db.session.scalars(stmt.order_by(Document.id.desc()).limit(limit)))


def _lines(values, limit=100) -> list[str]:
    return [line for line in (clean_text(v, limit)[:limit] for v in values or []) if line]


def _validate(actor, draft: Draft) -> dict:
    """The draft's checked values: the document's columns and its content
    (``CONTENT_FIELDS``, plus ``personal_data``); ValidationError naming each problem."""
    errors = {}
    kinds = types(actor)
    if draft.doc_type not in kinds:
        errors["doc_type"] = [_l("Choose the kind of document.")]
    title = clean_text(draft.title, 200)
    if not title:
        errors["title"] = [_l("Give the document a title.")]
    elif len(title) > 200:
        errors["title"] = [_l("Keep the title under %(n)d characters.", n=200)]
    addressees = _lines(draft.addressees)
    if not addressees:
        errors["addressees"] = [_l("Name at least one addressee (主送).")]
    body = []
    for block in list(draft.body or [])[:MAX_BLOCKS + 1]:
        try:
            kind, value = block
            stored = blocks.cleaned(kind, value)
        except (TypeError, ValueError) as error:
            errors["body"] = [BLOCK_PROBLEMS.get(getattr(error, "reason", ""), BLOCK_PROBLEMS["unknown"])]
            break
        if stored:
            body.append(stored)
    if "body" not in errors and sum(kind == "contents" for kind, _value in body) > 1:
        errors["body"] = [_l("A document has one table of contents.")]
    if "body" not in errors and not any(kind in ("p", "table") for kind, _value in body):
        errors["body"] = [_l("Write the body of the document.")]
    if len(body) > MAX_BLOCKS:
        errors["body"] = [_l("The body has more than %(max)s paragraphs, headings, tables and figures, the limit.",
                             max=MAX_BLOCKS)]
    if "body" not in errors:
        try:
            budgets.check_characters(body)
        except budgets.BudgetExceeded as exc:
            errors["body"] = [exc.message]
    if draft.ticket_id is not None:
        from core.tickets import services as tickets

        try:
            tickets.get(actor, draft.ticket_id)
        except (NotFound, Forbidden):
            errors["ticket_id"] = [_l("There is no such ticket in your units' area.")]
    if draft.enterprise_id is not None:
        from core.registry import services as registry

        try:
            registry.get(actor, draft.enterprise_id)
        except (NotFound, Forbidden):
            errors["enterprise_id"] = [_l("There is no such enterprise in your units' area.")]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    kind = kinds[draft.doc_type]
    return {"doc_type": kind.code, "layout": kind.layout, "family": kind.family, "title": title,
            "addressees": addressees, "copies": _lines(draft.copies), "body": body,
            "attachment_titles": _lines(draft.attachment_titles, 200), "ticket_id": draft.ticket_id,
            "enterprise_id": draft.enterprise_id, "related_type": clean_text(draft.related_type, 64)[:64],
            "related_id": draft.related_id, "personal_data": bool(draft.personal_data), "upward": kind.upward}


def _apply(document: Document, values: dict, *, personal_data: bool) -> None:
    """Write checked values on a document, its content sealed when it carries personal data."""
    for name, value in values.items():
        if name not in CONTENT_FIELDS and name != "personal_data":
            setattr(document, name, value)
    document.set_content(personal_data=personal_data, **{name: values[name] for name in CONTENT_FIELDS})


def create(actor: "Actor", draft: Draft, replaces: Document | None = None) -> Document:
    """A new draft of the actor's unit."""
    actor.require("document.draft")
    if actor.unit_id is None:
        raise Forbidden(_l("Only a member of a unit can write its documents."))
    if draft.submission_key:
        existing = db.session.scalar(select(Document).where(Document.submission_key == draft.submission_key))
        if existing is not None and existing.created_by_id == actor.user_id:
            return existing            # the same form sent twice (a double click, a resend)
        if existing is not None:
            raise ValidationError(_l("This form has already been used. Open a new one."))
    values = _validate(actor, draft)
    # A correction stays with the unit that issued the original.
    document = Document(unit_id=replaces.unit_id if replaces else actor.unit_id, status="draft",
                        created_by_id=actor.user_id,
                        replaces_id=replaces.id if replaces else None, submission_key=draft.submission_key)
    _apply(document, values, personal_data=values["personal_data"])
    db.session.add(document)
    try:
        db.session.flush()
    except IntegrityError:        # the same key, sent twice at the same moment
        db.session.rollback()
        existing = db.session.scalar(select(Document).where(Document.submission_key == draft.submission_key))
        if existing is None or existing.created_by_id != actor.user_id:
            raise
        return existing
    detail = {"type": document.doc_type, **({"personal_data": True} if document.personal_data else {})}
    audit.record(actor, "document.create", document, detail=detail)
    db.session.commit()
    return document


def _refuse(actor, document, action, message, error=ValidationError):
    audit.record_failure(actor, f"document.{action}", result=audit.REJECTED, object_type="document",
                         object_id=document.id, detail={"status": document.status})
    db.session.commit()
    raise error(message)


def _require_status(actor, document, action, *statuses):
    if document.status not in statuses:
        _refuse(actor, document, action, _l("This document is already %(status)s; it can no longer be changed "
                                            "that way.", status=STATUS_NAMES[document.status]))


STATUS_NAMES = {"draft": _l("a draft"), "submitted": _l("submitted for sign-off"),
                "signed": _l("signed off"), "numbered": _l("numbered, its PDF not yet made"),
                "issued": _l("issued"), "delivered": _l("delivered")}


def available_actions(actor, document) -> set[str]:
    """The actions the actor may take on the document now: the same checks the
    actions make, asked without refusing or auditing (the page offers these)."""
    status, found = document.status, set()
    if status == "draft" and actor.can("document.draft"):
        found |= {"edit", "submit"}
    if status == "submitted" and actor.can("document.sign"):
        found.add("send_back")
        if actor.unit_id == document.unit_id:
            found.add("sign")
    if status in ("signed", "numbered") and actor.can("document.issue"):
        found.add("issue")
    if status in ("issued", "delivered"):
        if actor.can("document.issue"):
            found.add("deliver")
        if actor.can("document.draft"):
            found.add("correct")
    return found


def update(actor, document_id, draft: Draft, version: int | None = None) -> Document:
    """Change a draft. ``version`` is the one the author's form was built from:
    when someone saved in between, Conflict (the form shows their version and
    keeps the author's entries for saving again)."""
    document = get(actor, document_id)
    actor.require("document.draft")
    _require_status(actor, document, "update", "draft")
    if version is not None and version != document.version:
        audit.record_failure(actor, "document.update", result=audit.REJECTED, object_type="document",
                             object_id=document_id, detail={"conflict": True})
        raise Conflict(_l("Someone else saved this draft while you were editing it. Their version is shown "
                          "below; your entries are still in the form: save again to apply them."))
    values = _validate(actor, draft)
    # Once a document carries personal data it stays sealed: the draft form does not say.
    _apply(document, values, personal_data=document.personal_data or values["personal_data"])
    audit.record(actor, "document.update", document)
    db.session.commit()
    return document


def submit(actor: "Actor", document_id) -> Document:
    """A draft sent to the leader for sign-off (送审)."""
    document = get(actor, document_id)
    actor.require("document.draft")
    _require_status(actor, document, "submit", "draft")
    document.status, document.submitted_at = "submitted", clock.now()
    audit.record(actor, "document.submit", document)
    db.session.commit()
    return document


def send_back(actor, document_id, reason: str = "") -> Document:
    """The leader returns a submitted document to its authors as a draft."""
    document = get(actor, document_id)
    actor.require("document.sign")
    _require_status(actor, document, "send_back", "submitted")
    document.status, document.submitted_at = "draft", None
    audit.record(actor, "document.send_back", document, detail={"reason": clean_text(reason, 500)[:500]})
    db.session.commit()
    return document


def sign_off(actor: "Actor", document_id) -> Document:
    """签发: a leader of the issuing unit itself (not of a parent or another unit)."""
    document = get(actor, document_id)
    actor.require("document.sign")
    if actor.unit_id != document.unit_id:
        _refuse(actor, document, "sign", _l("Only a leader of the issuing unit can sign off its documents."),
                error=Forbidden)
    _require_status(actor, document, "sign", "submitted")
    now = clock.now()
    document.status, document.signed_by_id, document.signed_at = "signed", actor.user_id, now
    document.document_date = local_date(now)
    audit.record(actor, "document.sign", document)
    db.session.commit()
    return document


def storage() -> Path:
    from core.config import storage_root

    return Path(current_app.config.get("DOCUMENT_STORAGE") or storage_root(current_app) / "documents")


def verification_url(code: str) -> str:
    return f"{public_address.base_url(current_app.config)}/verify/{code}"


def _new_code() -> str:
    while True:
        code = "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(12))
        if db.session.scalar(select(Document.id).where(Document.verification_code == code)) is None:
            return code


def letter(document: Document, *, draft: bool = False, seal: bytes | None = None):
    """The rendering engine's plain-value view of a document (no database object
    reaches a template). Everything is read here, so the caller can end its
    transaction before rendering. ``seal``: the unit's seal PNG, pressed on an
    issued document (seals.py); never on a draft."""
    return _letter(document.unit, layout=document.layout, number=document.number or "", title=document.title,
                   addressees=document.addressees, body=document.body, attachments=document.attachment_titles,
                   copies=document.copies, document_date=document.document_date, issued_at=document.issued_at,
                   verification_code=document.verification_code, draft=draft, upward=document.upward,
                   signer=document.signed_by.name if document.signed_by else "",
                   seal=None if draft else seal)


def _letter(unit, *, layout, number, title, addressees, body, attachments, copies, document_date=None,
            issued_at=None, verification_code=None, draft=False, upward=False, signer="", seal=None):
    from core.documents.rendering import Letter, Verification

    day = document_date or local_date(clock.now())
    issued = issued_at and local_date(issued_at)
    return Letter(
        layout=layout,
        authority=f"{unit.name}文件" if layout == "file" else unit.name,
        number=number,
        title=title,
        addressees=tuple(addressees),
        body=tuple((kind, text) for kind, text in body),
        attachments=tuple(attachments),
        issuer=unit.name,
        date=day,
        copies=tuple(copies),
        printer=unit.name,
        print_date=issued or day,
        verification=Verification(verification_code, verification_url(verification_code))
        if verification_code else None,
        draft=draft,
        upward=upward,
        signer=signer,
        seal=seal,
    )


def preview(actor: "Actor", document_id) -> bytes:
    """A draft's (or any unissued document's) PDF, watermarked 草稿; an issued
    document's stored PDF. Rendered here, whatever its size, outside any
    transaction and held to the render budget, and kept in the previews' cache
    (previews.py): for the shell, the jobs and the tests. A web request asks
    ``previews.prepare(…, in_request=True)``, which leaves a large draft to the
    workers."""
    from core.documents import previews

    return previews.prepare(actor, document_id, in_request=False).content


def preview_draft(actor: "Actor", draft: Draft) -> bytes:
    """The PDF of a draft that is checked but not stored, watermarked 草稿: for a
    plugin's document that may not be issued yet (a report on a period not yet
    over), so it can never be signed off or numbered. The draft is read and
    checked, the transaction ends, then the PDF is rendered (held to the render
    budget) with nothing held in the database."""
    actor.require("document.draft")
    if actor.unit_id is None:
        raise Forbidden(_l("Only a member of a unit can write its documents."))
    from core.documents.rendering import render
    from core.org.models import Unit

    values = _validate(actor, draft)
    plain = _letter(db.session.get(Unit, actor.unit_id), layout=values["layout"], number="", title=values["title"],
                    addressees=values["addressees"], body=values["body"], attachments=values["attachment_titles"],
                    copies=values["copies"], draft=True, upward=values["upward"])
    db.session.commit()
    return render(plain)


def issue(actor: "Actor", document_id) -> Document:
    """Number, render once and store, in two short transactions with the
    rendering between them, outside any transaction: the number's lock (a row
    on PostgreSQL, the database on SQLite) is held for a moment, not for the
    rendering, so several workers issue a batch of one unit side by side.

    1. The number and the verification code are given and committed (status
       ``numbered``): the number now belongs to this document for good.
    2. The PDF is rendered from plain values, with the unit's seal when it has
       one (seals.py), and signed with the unit's key (signing.py).
    3. The file is written and the document becomes ``issued`` with the SHA-256
       of the signed PDF; how it was sealed and signed is kept
       (``DocumentAuthentication``) and audited.

    If rendering or writing fails, the document stays ``numbered`` and issuing
    it again renders it with the same number: no number is lost or reused.

    A document that carries personal data is stored sealed (sealing.py); its
    SHA-256 is that of the PDF itself. Once issued, its cached previews go."""
    from core.documents import fonts, previews
    from core.documents.rendering import render

    document = get(actor, document_id)
    actor.require("document.issue")
    _require_status(actor, document, "issue", "signed", "numbered")
    unit = document.unit
    if not unit.doc_prefix:
        _refuse(actor, document, "issue", _l("The unit has no document number prefix yet; the administrator "
                                             "sets it on the unit's page."))
    # Before the number is given: the QR code is printed for good.
    refusal = public_address.issuing_refusal(current_app.config)
    if refusal:
        _refuse(actor, document, "issue", refusal)
    try:               # beyond the render budget: refused before a number is given
        budgets.check_characters(document.body)
    except budgets.BudgetExceeded as exc:
        _refuse(actor, document, "issue", exc.message)
    # The signer of the unit's PDFs (signing.py): its key is made on the unit's first
    # issue, committed on its own before the number's transaction begins.
    signer = signing.prepare(actor, unit)
    document = get(actor, document_id)
    unit = document.unit
    if document.status == "signed":
        number = numbering.next_number(unit.doc_prefix, document.layout, document.document_date.year)
        document.number_mark, document.year, document.seq = number.mark, number.year, number.serial
        document.number = number.text
        document.verification_code = _new_code()
        document.status = "numbered"
        audit.record(actor, "document.number", document, detail={"number": document.number})
    document.issued_at, document.issued_by_id = clock.now(), actor.user_id
    seal = seals.for_issue(unit.id)     # pressed on the signature; None: issued without one
    # Read before the commit: nothing is loaded while rendering.
    plain = letter(document, seal=seal.png if seal else None)
    year, personal = document.year, document.personal_data
    db.session.commit()
    faces = fonts.current().record()    # the faces this render sets it in, kept with the document
    content = signing.sign(signer, render(plain))
    name = f"{year}/{secrets.token_hex(16)}.pdf"
    path = storage() / name
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(sealing.encode(content, personal=personal, purpose=sealing.PDF_PURPOSE))
        document = db.session.get(Document, document_id)
        if document.status != "numbered":       # issued meanwhile by someone else: keep theirs
            raise ValidationError(_l("This document has just been issued by someone else."))
        if document.number != plain.number:     # renumbered meanwhile (anqi documents check-numbers --renumber)
            raise ValidationError(_l("This document was given another number while it was being issued; "
                                     "issue it again."))
        document.pdf_name, document.pdf_sha256 = name, hashlib.sha256(content).hexdigest()
        document.faces = faces
        document.status = "issued"
        db.session.merge(DocumentAuthentication(document_id=document.id, seal_sha256=seal.sha256 if seal else None,
                                                signer_subject=signer.subject, signer_fingerprint=signer.fingerprint))
        audit.record(actor, "document.issue", document, detail={"number": document.number,
                                                                "sha256": document.pdf_sha256,
                                                                "signed_by": signer.subject,
                                                                "seal": seal.sha256 if seal else None})
        if seal:
            audit.record(actor, "document.seal", document, detail={"seal": seal.sha256})
        webhooks.document_event(document)   # its posts to outside systems, queued once committed
        db.session.commit()
    except BaseException:
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise
    previews.forget(document_id)
    return document


def pdf(actor, document_id) -> bytes:
    """The issued PDF as stored, checked against its SHA-256. A document that
    carries personal data is opened here, and each opening is audited
    (``document.personal_data``), whoever serves it: the pages, the portal, the
    batch ZIP."""
    document = get(actor, document_id)
    if document.pdf_name is None:
        raise NotFound(_l("This document has not been issued yet."))
    personal = document.personal_data
    try:
        stored = (storage() / document.pdf_name).read_bytes()
    except FileNotFoundError:
        audit.record_failure(actor, "document.pdf", result=audit.REJECTED, object_type="document",
                             object_id=document.id, detail={"reason": "file missing"})
        db.session.commit()
        raise ValidationError(_l("The issued PDF is missing from the document store. Tell the administrator: "
                                 "it must be restored from the backup.")) from None
    try:
        content = sealing.decode(stored, personal=personal, purpose=sealing.PDF_PURPOSE)
    except ValidationError:
        content = None
    if content is None or hashlib.sha256(content).hexdigest() != document.pdf_sha256:
        audit.record_failure(actor, "document.pdf", result=audit.REJECTED, object_type="document",
                             object_id=document.id, detail={"reason": "hash mismatch"})
        db.session.commit()
        raise ValidationError(_l("The stored PDF does not match its fingerprint; it has been altered. "
                                 "Tell the administrator."))
    if personal:
        record_reading(actor, document, "pdf")
    return content


def record_reading(actor, document: Document, what: str) -> None:
    """Audit that a document carrying personal data was opened for ``actor``
    (``what``: ``pdf``, ``preview``, ``page``), in a short transaction of its
    own; nothing for other documents."""
    if document.personal_data:
        audit.record(actor, "document.personal_data", document, detail={"opened": what})
        db.session.commit()


RECEIPT_KINDS = ("photo", "document")     # a photo or a PDF scan of the signed receipt
RECEIPT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "pdf": "application/pdf"}


def receipts_folder() -> Path:
    path = storage() / "receipts"
    path.mkdir(parents=True, exist_ok=True)
    return path


def deliver(actor: "Actor", document_id, recipient: str, received_at: datetime, method: str,
            receipt=None) -> DocumentDelivery:
    """送达: record who received the issued document, when and how, with the
    scanned receipt when there is one (a ``Prepared`` upload, checked by content)."""
    document = get(actor, document_id)
    actor.require("document.issue")
    _require_status(actor, document, "deliver", "issued", "delivered")
    errors = _delivery_errors(document, recipient, received_at, method, receipt)
    if errors:
        raise ValidationError.of(errors)
    recipient = clean_text(recipient, 100)
    delivery = DocumentDelivery(document_id=document.id, recipient=recipient[:100], received_at=received_at,
                                method=method, recorded_by_id=actor.user_id)
    written = None
    try:
        if receipt is not None:
            delivery.receipt_name = f"{secrets.token_hex(16)}.{receipt.extension}"
            written = receipts_folder() / delivery.receipt_name
            with open(written, "xb") as out:
                out.write(receipt.data)
        db.session.add(delivery)
        document.status = "delivered"
        audit.record(actor, "document.deliver", document,
                     detail={"method": method, "receipt": receipt.sha256 if receipt else None})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if written is not None:
            written.unlink(missing_ok=True)
        raise
    return delivery


def check_delivery(actor, document_id, recipient: str, received_at: datetime | None, method: str,
                   receipt=None) -> dict:
    """Every problem of a delivery's fields by field, without writing: for a form
    that shows them together with its receipt's problems."""
    return _delivery_errors(get(actor, document_id), recipient, received_at, method, receipt)


def _delivery_errors(document, recipient, received_at, method, receipt) -> dict:
    errors = {}
    if not clean_text(recipient, 100):
        errors["recipient"] = [_l("Name who received the document.")]
    if method not in DELIVERY_METHODS:
        errors["method"] = [_l("Choose how it was delivered.")]
    # The form gives minutes: a receipt in the minute of the issue is not "before" it.
    if received_at is None or received_at > clock.now() or document.issued_at is None \
            or received_at < document.issued_at.replace(second=0, microsecond=0):
        errors["received_at"] = [_l("The time of receipt must lie between the issue and now.")]
    if receipt is not None and (receipt.kind not in RECEIPT_KINDS or receipt.extension not in RECEIPT_TYPES):
        errors["receipt"] = [_l("A receipt is a photo (JPEG, PNG, WebP) or a PDF scan.")]
    return errors


def receipt(actor, document_id, delivery_id) -> tuple[DocumentDelivery, Path, str]:
    """The scanned receipt of a delivery of a document the actor may see: the
    delivery, the file and its content type. Reading it is audited."""
    document = get(actor, document_id)
    delivery = db.session.get(DocumentDelivery, delivery_id)
    if delivery is None or delivery.document_id != document.id or not delivery.receipt_name \
            or "/" in delivery.receipt_name or "\\" in delivery.receipt_name:
        raise NotFound(_l("There is no such receipt."))
    path = receipts_folder() / delivery.receipt_name
    if not path.is_file():
        raise NotFound(_l("The file of this receipt is missing. Tell the administrator."))
    audit.record(actor, "document.view_receipt", document, detail={"delivery": delivery.id})
    db.session.commit()
    return delivery, path, RECEIPT_TYPES.get(path.suffix.lstrip("."), "application/octet-stream")


def correct(actor, document_id) -> Document:
    """A correction: a new draft with the issued document's content, naming it."""
    document = get(actor, document_id)
    if document.status not in ("issued", "delivered"):
        raise ValidationError(_l("Only an issued document is corrected by a new one; edit the draft instead."))
    draft = Draft(doc_type=document.doc_type, title=document.title, addressees=list(document.addressees),
                  copies=list(document.copies), body=[tuple(b) for b in document.body],
                  attachment_titles=list(document.attachment_titles), ticket_id=document.ticket_id,
                  enterprise_id=document.enterprise_id, related_type=document.related_type,
                  related_id=document.related_id, personal_data=document.personal_data)
    return create(actor, draft, replaces=document)


@dataclass(frozen=True)
class Verification:
    number: str
    issuer: str
    date: date
    sha256: str


def verify(code: str) -> Verification | None:
    """What the public verification page shows for a code: never the content."""
    code = (code or "").strip().upper()
    if not code or len(code) > 16 or any(c not in VERIFICATION_ALPHABET for c in code):
        return None
    document = db.session.scalar(select(Document).where(Document.verification_code == code,
                                                        Document.status.in_(("issued", "delivered"))))
    if document is None:
        return None
    return Verification(document.number, document.unit.name, document.document_date, document.pdf_sha256)
