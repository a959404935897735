from datetime import date, datetime

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db

session_speaker = Table(
    "legal_education_speaker", db.metadata,
    Column("session_id", ForeignKey("legal_education_session.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id"), primary_key=True))

session_enterprise = Table(
    "legal_education_enterprise", db.metadata,
    Column("session_id", ForeignKey("legal_education_session.id", ondelete="CASCADE"), primary_key=True),
    Column("enterprise_id", ForeignKey("enterprise.id"), primary_key=True, index=True))

session_article = Table(
    "legal_education_article", db.metadata,
    Column("session_id", ForeignKey("legal_education_session.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", ForeignKey("knowledge_article.id"), primary_key=True))


class LegalEducationSession(db.Model):
    """A session of 法治宣教 held by ``unit``: on ``held_on`` at ``place``, by the
    speakers, for the enterprises attending and/or the audience described."""

    __tablename__ = "legal_education_session"
    __table_args__ = (Index("ix_legal_education_session_unit_held", "unit_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    held_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(500), default="")
    headcount: Mapped[int | None]
    material: Mapped[str] = mapped_column(Text, default="")      # what was handed out or shown, in words
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    unit = relationship("Unit", lazy="joined")
    speakers = relationship("User", secondary=session_speaker, order_by="User.name")
    enterprises = relationship("Enterprise", secondary=session_enterprise, order_by="Enterprise.name")
    articles = relationship("KnowledgeArticle", secondary=session_article, order_by="KnowledgeArticle.title")
    files = relationship("LegalEducationFile", back_populates="session", order_by="LegalEducationFile.id",
                         cascade="all, delete-orphan")


class LegalEducationFile(db.Model):
    """A file of a session's material, checked like a ticket's attachment
    (core.tickets.attachments) and stored beside them under a generated name."""

    __tablename__ = "legal_education_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("legal_education_session.id", ondelete="CASCADE"),
                                            index=True)
    stored_name: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=clock.now)

    session = relationship("LegalEducationSession", back_populates="files")
