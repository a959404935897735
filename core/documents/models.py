import json
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.privacy.fields import encrypted

# What a document says, besides its title: kept in plain JSON columns, or, for a
# document that carries personal data, sealed together in ``sealed_content``.
CONTENT_FIELDS = ("addressees", "copies", "body", "attachment_titles")


class DocumentNumberSequence(db.Model):
    """The last number given under an issuing mark (``诸公企``, ``诸公企函``) in a
    year, incremented in the transaction that numbers the document."""

    __tablename__ = "document_number_sequence"

    mark: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Document(db.Model):
    """An official document (公文): a draft until a leader of the issuing unit
    signs it off (签发); issued with its number and a PDF rendered once and
    kept with its SHA-256; then delivered (送达)."""

    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_unit_status", "unit_id", "status", "id"),
        # A number is unique per issuing mark and year, whatever the family (numbering.py).
        Index("ux_document_mark_number", "number_mark", "year", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(64))
    family: Mapped[str] = mapped_column(String(32))       # numbering family: file / letter / a plugin's
    layout: Mapped[str] = mapped_column(String(10))       # file (文件格式) / letter (信函格式)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))   # the issuing unit
    status: Mapped[str] = mapped_column(String(12), default="draft")
    title: Mapped[str] = mapped_column(String(200))
    # The content columns; read them through the properties below (``addressees`` …),
    # which open the sealed content of a document that carries personal data.
    stored_addressees: Mapped[list] = mapped_column("addressees", JSON, default=list)   # 主送
    stored_copies: Mapped[list] = mapped_column("copies", JSON, default=list)           # 抄送
    stored_body: Mapped[list] = mapped_column("body", JSON, default=list)    # [[kind, value], …]: blocks.py
    stored_attachment_titles: Mapped[list] = mapped_column("attachment_titles", JSON, default=list)  # 附件说明
    # A document that prints personal data (full ID numbers, the plugin says so when it drafts
    # it): its content is sealed here with the personal-data keys (AES-GCM, key versions: see
    # core/privacy), the plain columns stay empty, and its stored PDF is sealed on disk. Loaded
    # only when the content is read.
    personal_data: Mapped[bool] = mapped_column(default=False)
    sealed_content: Mapped[str] = encrypted("secret", "document.sealed_content", hash_attribute=None, length=None,
                                            deferred=True)
    document_date: Mapped[date | None] = mapped_column(Date)       # 成文日期, set when signed off
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    related_type: Mapped[str] = mapped_column(String(64), default="")   # a plugin's record, e.g. risk_assessment.letter
    related_id: Mapped[int | None]
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))

    year: Mapped[int | None]
    seq: Mapped[int | None]
    number: Mapped[str | None] = mapped_column(String(60))
    # The issuing mark the number was given under (``诸公企函``); None before numbering, and on a
    # document the previous version numbered with another's number (check-numbers lists them).
    number_mark: Mapped[str | None] = mapped_column(String(40))
    # 上行文 (to a higher authority): the head carries 签发人; from the document type.
    upward: Mapped[bool] = mapped_column(default=False, server_default=text("false"))
    # The font faces the issued PDF was set in, per role: {role: {"family": …, "standard": bool}}.
    faces: Mapped[dict | None] = mapped_column(JSON)
    verification_code: Mapped[str | None] = mapped_column(String(16), unique=True)
    pdf_name: Mapped[str | None] = mapped_column(String(80))     # under the instance's documents folder
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    submitted_at: Mapped[datetime | None]
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signed_at: Mapped[datetime | None]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issued_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    # The draft form's one-time key: sending the form twice makes one document.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    unit = relationship("Unit", lazy="joined")
    signed_by = relationship("User", foreign_keys=[signed_by_id])
    deliveries: Mapped[list["DocumentDelivery"]] = relationship(back_populates="document",
                                                                order_by="DocumentDelivery.id")

    __mapper_args__ = {"version_id_col": version}

    # --- the content -------------------------------------------------------------------

    def _content(self) -> dict:
        if not self.personal_data:
            return {name: getattr(self, f"stored_{name}") for name in CONTENT_FIELDS}
        sealed = self.sealed_content or ""
        opened = self.__dict__.get("_opened_content")
        if opened is None or opened[0] != sealed:
            opened = (sealed, json.loads(sealed) if sealed else {})
            self.__dict__["_opened_content"] = opened
        return {name: opened[1].get(name) or [] for name in CONTENT_FIELDS}

    @property
    def addressees(self) -> list:
        return self._content()["addressees"]

    @property
    def copies(self) -> list:
        return self._content()["copies"]

    @property
    def body(self) -> list:
        return self._content()["body"]

    @property
    def attachment_titles(self) -> list:
        return self._content()["attachment_titles"]

    def set_content(self, *, personal_data: bool, addressees, copies, body, attachment_titles) -> None:
        """Write the content: in the plain columns, or sealed when it carries personal data."""
        content = {"addressees": list(addressees), "copies": list(copies), "body": list(body),
                   "attachment_titles": list(attachment_titles)}
        self.personal_data = bool(personal_data)
        if self.personal_data:
            self.sealed_content = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
            content = {name: [] for name in CONTENT_FIELDS}
        else:
            self.sealed_content = ""
        for name, value in content.items():
            setattr(self, f"stored_{name}", value)


class DocumentDelivery(db.Model):
    """送达: who received an issued document, when and how."""

    __tablename__ = "document_delivery"
    __table_args__ = (
        # The addressee's own confirmation on the portal is recorded once, whatever the timing:
        # a second confirmation at the same instant meets this index (core_0012).
        Index("ux_document_delivery_confirmed", "document_id", unique=True,
              sqlite_where=text("method = 'electronic' AND recorded_by_id IS NULL"),
              postgresql_where=text("method = 'electronic' AND recorded_by_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    recipient: Mapped[str] = mapped_column(String(100))
    received_at: Mapped[datetime]
    method: Mapped[str] = mapped_column(String(20))      # in person / post / fax / electronic
    receipt_name: Mapped[str | None] = mapped_column(String(80))   # the scanned receipt, if any
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    document: Mapped[Document] = relationship(back_populates="deliveries")


class DocumentBatch(db.Model):
    """A set of signed-off documents issued together by a background job (for
    example the quarterly letters to every enterprise on a list). Its progress
    lives here, so a page reload or another worker sees it."""

    __tablename__ = "document_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    finished_at: Mapped[datetime | None]
    total: Mapped[int] = mapped_column(default=0)

    items: Mapped[list["DocumentBatchItem"]] = relationship(back_populates="batch", order_by="DocumentBatchItem.id")
    created_by = relationship("User")


class DocumentBatchItem(db.Model):
    __tablename__ = "document_batch_item"
    __table_args__ = (Index("ix_document_batch_item_batch_status", "batch_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("document_batch.id"))
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")   # pending / issuing / issued / failed
    error: Mapped[str] = mapped_column(String(500), default="")
    finished_at: Mapped[datetime | None]
    # The run issuing it (core/jobqueue/claims.py): a job may be delivered twice.
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None]

    batch: Mapped[DocumentBatch] = relationship(back_populates="items")
    document: Mapped[Document] = relationship()


class UnitSeal(db.Model):
    """An issuing unit's seal (印章): a red PNG with a transparent background,
    stored sealed with the personal-data keys (core/documents/seals.py)."""

    __tablename__ = "unit_seal"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, autoincrement=False)
    file_name: Mapped[str] = mapped_column(String(80))          # under the seals folder, sealed
    sha256: Mapped[str] = mapped_column(String(64))             # of the PNG pressed on documents
    width: Mapped[int]
    height: Mapped[int]
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=clock.now)

    unit = relationship("Unit")
    uploaded_by = relationship("User")


class UnitSigningCertificate(db.Model):
    """The certificate an issuing unit signs its PDFs with (core/documents/signing.py):
    issued by the local certificate authority on first use, or imported by the operator."""

    __tablename__ = "unit_signing_certificate"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, autoincrement=False)
    file_name: Mapped[str] = mapped_column(String(80))          # key and certificates, sealed
    subject: Mapped[str] = mapped_column(String(300))
    fingerprint: Mapped[str] = mapped_column(String(64))        # SHA-256 of the certificate (DER)
    not_after: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(10))             # local / imported
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    unit = relationship("Unit")


class DocumentAuthentication(db.Model):
    """How an issued document was authenticated: the seal pressed on it (None:
    issued without one) and the certificate that signed its PDF."""

    __tablename__ = "document_authentication"

    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), primary_key=True, autoincrement=False)
    seal_sha256: Mapped[str | None] = mapped_column(String(64))
    signer_subject: Mapped[str] = mapped_column(String(300), default="")
    signer_fingerprint: Mapped[str] = mapped_column(String(64), default="")
