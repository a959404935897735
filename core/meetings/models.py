from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db


class Meeting(db.Model):
    """A 座谈会 or 联席会议 organised by ``unit`` (whose scope reads it), with its minutes.

    The minutes' file, if any, is kept beside the tickets' attachments under a
    generated name (``file_stored``); the uploaded name is only for the download."""

    __tablename__ = "meeting"
    __table_args__ = (Index("ix_meeting_unit_starts", "unit_id", "starts_at", "id"),
                      Index("ix_meeting_starts", "starts_at", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200), default="")
    minutes: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(200), default="")
    file_stored: Mapped[str] = mapped_column(String(80), default="")
    file_type: Mapped[str] = mapped_column(String(80), default="")
    file_size: Mapped[int] = mapped_column(default=0)
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    version: Mapped[int] = mapped_column(default=1)       # claimed by each save of the form (core/versioning.py)

    unit = relationship("Unit", foreign_keys=[unit_id], lazy="joined")
    enterprises = relationship("MeetingEnterprise", cascade="all, delete-orphan", order_by="MeetingEnterprise.id",
                               back_populates="meeting")
    organisations = relationship("MeetingOrganisation", cascade="all, delete-orphan",
                                 order_by="MeetingOrganisation.id")
    officers = relationship("MeetingOfficer", cascade="all, delete-orphan", order_by="MeetingOfficer.id")
    demands = relationship("MeetingTicket", cascade="all, delete-orphan", order_by="MeetingTicket.id")


class MeetingEnterprise(db.Model):
    """An enterprise of the registry that took part."""

    __tablename__ = "meeting_enterprise"
    __table_args__ = (Index("uq_meeting_enterprise", "meeting_id", "enterprise_id", unique=True),
                      Index("ix_meeting_enterprise_enterprise", "enterprise_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))

    meeting = relationship("Meeting", back_populates="enterprises")
    enterprise = relationship("Enterprise", lazy="joined")


class MeetingOrganisation(db.Model):
    """An organisation outside the police that took part: the federation (工商联), a
    chamber (商会, 行会) by name, or a department of the register (``department_id``)."""

    __tablename__ = "meeting_organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("outside_department.id"))


class MeetingOfficer(db.Model):
    """A police participant."""

    __tablename__ = "meeting_officer"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    user = relationship("User", lazy="joined")


class MeetingTicket(db.Model):
    """A demand raised at the meeting: the ticket it became (a ticket comes from one meeting)."""

    __tablename__ = "meeting_ticket"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    ticket = relationship("Ticket", lazy="joined")
    meeting = relationship("Meeting", lazy="joined", viewonly=True)
