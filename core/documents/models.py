from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db


class DocumentSequence(db.Model):
    """The last number issued by a unit in a family of documents in a year,
    incremented in the transaction that issues the document."""

    __tablename__ = "document_sequence"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, autoincrement=False)
    family: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Document(db.Model):
    """An official document (公文): a draft until a leader of the issuing unit
    signs it off (签发); issued with its number and a PDF rendered once and
    kept with its SHA-256; then delivered (送达)."""

    __tablename__ = "document"
    __table_args__ = (
        Index("ix_document_unit_status", "unit_id", "status", "id"),
        Index("ix_document_number", "unit_id", "family", "year", "seq", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[str] = mapped_column(String(64))
    family: Mapped[str] = mapped_column(String(32))       # numbering family: file / letter / a plugin's
    layout: Mapped[str] = mapped_column(String(10))       # file (文件格式) / letter (信函格式)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))   # the issuing unit
    status: Mapped[str] = mapped_column(String(12), default="draft")
    title: Mapped[str] = mapped_column(String(200))
    addressees: Mapped[list] = mapped_column(JSON, default=list)   # 主送
    copies: Mapped[list] = mapped_column(JSON, default=list)       # 抄送
    body: Mapped[list] = mapped_column(JSON, default=list)         # [[kind, text], …]: h1–h4, p
    attachment_titles: Mapped[list] = mapped_column(JSON, default=list)  # 附件说明
    document_date: Mapped[date | None] = mapped_column(Date)       # 成文日期, set when signed off
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))
    related_type: Mapped[str] = mapped_column(String(64), default="")   # a plugin's record, e.g. risk_assessment.letter
    related_id: Mapped[int | None]
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))

    year: Mapped[int | None]
    seq: Mapped[int | None]
    number: Mapped[str | None] = mapped_column(String(60))
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


class DocumentDelivery(db.Model):
    """送达: who received an issued document, when and how."""

    __tablename__ = "document_delivery"

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
    status: Mapped[str] = mapped_column(String(10), default="pending")   # pending / issued / failed
    error: Mapped[str] = mapped_column(String(500), default="")
    finished_at: Mapped[datetime | None]

    batch: Mapped[DocumentBatch] = relationship(back_populates="items")
    document: Mapped[Document] = relationship()
