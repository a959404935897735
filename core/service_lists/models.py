from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db


class ServiceOffer(db.Model):
    """An entry of the positive list (正向服务保障企业事项清单, 点单式服务): a service an
    enterprise can order from ``unit``; the order becomes a ticket of ``category``."""

    __tablename__ = "service_offer"
    __table_args__ = (Index("ix_service_offer_active", "active", "sort_order", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")      # what it is, its measures and standard
    audience: Mapped[str] = mapped_column(String(200), default="")   # who may order it (enterprises of …)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))     # the unit that provides it
    category: Mapped[str] = mapped_column(String(64))               # the demand category the order becomes
    days: Mapped[int] = mapped_column(default=5)                     # 办理时限, in working days
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=100)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)

    unit = relationship("Unit", foreign_keys=[unit_id], lazy="joined")


class ServiceOrder(db.Model):
    """The ticket an enterprise's order of ``offer`` became (one per ticket)."""

    __tablename__ = "service_order"
    __table_args__ = (Index("ix_service_order_offer", "offer_id", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    offer_id: Mapped[int] = mapped_column(ForeignKey("service_offer.id"))
    ordered_at: Mapped[datetime] = mapped_column(default=clock.now)

    offer: Mapped[ServiceOffer] = relationship(lazy="joined")


class ConductRule(db.Model):
    """An entry of the negative list (公安机关与企业交往行为负面清单): a conduct towards
    enterprises that is forbidden, by its number."""

    __tablename__ = "conduct_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    text: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=100)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)


class TicketConductTag(db.Model):
    """A complaint or 作风问题 ticket tagged against a negative-list entry. ``registered_at``
    is the ticket's (it never changes): the counts per entry over a period read the
    index on it alone, never the tickets (those of a scoped reader by their key)."""

    __tablename__ = "ticket_conduct_tag"
    __table_args__ = (Index("ix_ticket_conduct_tag_period", "registered_at", "rule_id", "ticket_id"),)

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    rule_id: Mapped[int] = mapped_column(ForeignKey("conduct_rule.id"), primary_key=True, autoincrement=False)
    tagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    tagged_at: Mapped[datetime] = mapped_column(default=clock.now)
    registered_at: Mapped[datetime]                                  # the ticket's

    rule: Mapped[ConductRule] = relationship(lazy="joined")
