from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db


class KnowledgeArticle(db.Model):
    """An article of ``unit``'s knowledge base: a policy (政策), a procedure
    (办事指南), legal education (法治宣传) or a common question, for demands of
    ``category`` ("" = any). ``body`` is plain text; paragraphs are split on
    blank lines and shown escaped. ``version``: core.versioning (the edit form)."""

    __tablename__ = "knowledge_article"
    __table_args__ = (Index("ix_knowledge_article_published", "published", "published_at", "id"),
                      Index("ix_knowledge_article_unit_kind", "unit_id", "kind"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(64), default="")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)

    unit = relationship("Unit", lazy="joined")

    @property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in (self.body or "").split("\n") if p.strip()]
