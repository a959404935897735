from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db


class ReplyPhrase(db.Model):
    """A phrase of ``unit`` for demands of ``category`` ("" = any category)."""

    __tablename__ = "reply_phrase"
    __table_args__ = (Index("ix_reply_phrase_unit_category", "unit_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    category: Mapped[str] = mapped_column(String(64), default="")
    title: Mapped[str] = mapped_column(String(50))
    text: Mapped[str] = mapped_column(String(1000))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)

    unit = relationship("Unit", foreign_keys=[unit_id], lazy="joined")
