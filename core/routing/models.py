from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db


class RoutingRule(db.Model):
    """属事: a demand of ``category`` (optionally only in ``district`` and/or of
    ``industry``, the enterprise's fields) goes to ``unit`` (and ``officer``)
    rather than to the enterprise's own station. ``root_unit_id`` is the top of
    the unit tree the rule belongs to (a city): one rule per key in a tree."""

    __tablename__ = "routing_rule"
    __table_args__ = (
        UniqueConstraint("root_unit_id", "category", "district", "industry"),
        Index("ix_routing_rule_unit", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    root_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    category: Mapped[str] = mapped_column(String(64))
    district: Mapped[str] = mapped_column(String(50), default="")    # "" = any district
    industry: Mapped[str] = mapped_column(String(50), default="")    # "" = any industry
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)

    unit = relationship("Unit", foreign_keys=[unit_id], lazy="joined")
    officer = relationship("User", foreign_keys=[officer_id], lazy="joined")

    @property
    def specificity(self) -> int:
        """How narrow the rule is: category, district and industry (3) over
        category and district (2) over category and industry (1) over the
        category alone (0). The narrowest rule that matches wins."""
        return 2 * bool(self.district) + bool(self.industry)
