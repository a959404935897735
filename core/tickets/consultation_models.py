"""专家会诊: the tables of a consultation of other units on a hard ticket."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db


class TicketConsultation(db.Model):
    """The handling unit asks other units for their opinion on a ticket, by a
    deadline. Open until every invited unit has answered or the deadline passes."""

    __tablename__ = "ticket_consultation"
    __table_args__ = (
        # One consultation of a ticket is open at a time.
        Index("uq_ticket_consultation_open_ticket", "ticket_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        # The sweep reads the open consultations by deadline.
        Index("ix_ticket_consultation_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime]
    working_days: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="open")     # open / closed
    close_reason: Mapped[str] = mapped_column(String(10), default="")   # answered / expired
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))         # the asking (handling) unit
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    opened_at: Mapped[datetime] = mapped_column(default=clock.now)
    closed_at: Mapped[datetime | None]

    ticket = relationship("Ticket", lazy="joined")
    unit = relationship("Unit", lazy="joined")
    invitations: Mapped[list["ConsultationInvitation"]] = relationship(
        back_populates="consultation", order_by="ConsultationInvitation.id", cascade="all, delete-orphan")


class ConsultationInvitation(db.Model):
    """One invited unit and its opinion."""

    __tablename__ = "ticket_consultation_invitation"
    __table_args__ = (
        UniqueConstraint("consultation_id", "unit_id"),
        # A unit's invitations (its list, and whether it may read a ticket it was asked about).
        Index("ix_ticket_consultation_invitation_unit", "unit_id", "status", "consultation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("ticket_consultation.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending / answered / missed
    opinion: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_by_name: Mapped[str] = mapped_column(String(100), default="")
    answered_at: Mapped[datetime | None]

    consultation: Mapped[TicketConsultation] = relationship(back_populates="invitations")
    unit = relationship("Unit", lazy="joined")
