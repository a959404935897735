"""Liaison visits (走访纳谏) and visit plans (core/liaison/visits.py, visit_plans.py)."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db


class LiaisonVisit(db.Model):
    """A visit of an officer to an enterprise: what was heard, what was done."""

    __tablename__ = "liaison_visit"
    __table_args__ = (
        # An enterprise's visits, newest first; its last visit (a visit plan's due date).
        Index("ix_liaison_visit_enterprise", "enterprise_id", "visited_on", "id"),
        # An officer's visits, newest first, a keyset page at a time.
        Index("ix_liaison_visit_officer", "officer_id", "visited_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    heard: Mapped[str] = mapped_column(Text, default="")      # what the enterprise said (纳谏)
    done: Mapped[str] = mapped_column(Text, default="")       # what was done, the follow-up
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(default=1)       # claimed by each correction (core/versioning.py)

    enterprise = relationship("Enterprise", lazy="joined")
    officer = relationship("User", foreign_keys=[officer_id], lazy="joined")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    photos: Mapped[list["LiaisonVisitPhoto"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="LiaisonVisitPhoto.id")
    tickets: Mapped[list["LiaisonVisitTicket"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="LiaisonVisitTicket.id")


class LiaisonVisitPhoto(db.Model):
    """A photo taken on a visit, stored like a ticket's attachment (core.tickets.attachments.folder)."""

    __tablename__ = "liaison_visit_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("liaison_visit.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))

    visit = relationship("LiaisonVisit", back_populates="photos")


class LiaisonVisitTicket(db.Model):
    """A demand heard on a visit and registered as a ticket (channel ``visit``)."""

    __tablename__ = "liaison_visit_ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("liaison_visit.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), unique=True)

    visit = relationship("LiaisonVisit", back_populates="tickets")
    ticket = relationship("Ticket", lazy="joined")


class VisitPlan(db.Model):
    """An officer's rule of visits: every key enterprise they are liaison officer
    for (``enterprise_id`` empty), or one enterprise, once every ``interval``."""

    __tablename__ = "liaison_visit_plan"
    __table_args__ = (Index("ix_liaison_visit_plan_officer", "officer_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id", ondelete="CASCADE"))
    interval: Mapped[str] = mapped_column(String(10))       # month / quarter / half_year
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    officer = relationship("User", foreign_keys=[officer_id], lazy="joined")
    enterprise = relationship("Enterprise", lazy="joined")
