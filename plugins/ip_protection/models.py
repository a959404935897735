"""The ip_protection plugin's tables, every one prefixed ``ip_protection_``.

IP officers designated per unit; consultations with their thread of messages
and files; the FAQ made of published answers (names removed); IP health checks
with a score per checklist area; infringement cases (each with its core
ticket) and their evidence; regional brands (collective trademarks), their
member enterprises and infringement alerts; outreach talks and trainings.
Every record belongs to the unit that enabled the plugin (``unit_id``).
"""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db


class Officer(db.Model):
    """An IP officer (知产警官) of a unit, designated by its leader; consultations are routed to them."""

    __tablename__ = "ip_protection_officer"
    __table_args__ = (UniqueConstraint("unit_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    designated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    designated_at: Mapped[datetime] = mapped_column(default=clock.now)

    user = relationship("User", foreign_keys=[user_id], lazy="joined")


class Consultation(db.Model):
    """An enterprise's question to the IP officers (知产警官在线), and its thread."""

    __tablename__ = "ip_protection_consultation"
    __table_args__ = (Index("ix_ip_protection_consultation_officer_status", "officer_id", "status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)          # the handling unit
    registered_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    channel: Mapped[str] = mapped_column(String(16), default="desk")                 # desk | portal
    topic: Mapped[str] = mapped_column(String(20), default="other")
    subject: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(10), default="waiting")               # waiting | answered | closed
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    registered_at: Mapped[datetime] = mapped_column(default=clock.now)
    first_answer_due_at: Mapped[datetime]
    first_answer_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    enterprise = relationship("Enterprise", lazy="joined")
    officer = relationship("User", foreign_keys=[officer_id], lazy="joined")
    unit = relationship("Unit", foreign_keys=[unit_id], lazy="joined")
    messages: Mapped[list["Message"]] = relationship(back_populates="consultation", order_by="Message.id",
                                                     cascade="all, delete-orphan")

    def is_late(self, now: datetime) -> bool:
        """The first answer came, or is still missing, after its deadline."""
        answered = self.first_answer_at
        return (answered or now) > self.first_answer_due_at

    @property
    def question(self) -> "Message | None":
        return next((m for m in self.messages if m.side == "enterprise"), None)


class Message(db.Model):
    """One message of a consultation's thread: the enterprise's (typed by the desk) or an officer's answer."""

    __tablename__ = "ip_protection_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("ip_protection_consultation.id", ondelete="CASCADE"),
                                                 index=True)
    side: Mapped[str] = mapped_column(String(12))                                    # enterprise | officer
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    written_at: Mapped[datetime] = mapped_column(default=clock.now)
    publishable: Mapped[bool] = mapped_column(Boolean, default=False)

    consultation: Mapped[Consultation] = relationship(back_populates="messages")
    author = relationship("User", lazy="joined")
    files: Mapped[list["MessageFile"]] = relationship(cascade="all, delete-orphan", order_by="MessageFile.id")


class MessageFile(db.Model):
    __tablename__ = "ip_protection_message_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("ip_protection_message.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))


class FaqEntry(db.Model):
    """A published answer: question and answer as published, with the enterprise's names removed."""

    __tablename__ = "ip_protection_faq"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("ip_protection_consultation.id"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("ip_protection_message.id"), unique=True)
    topic: Mapped[str] = mapped_column(String(20), default="other")
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime] = mapped_column(default=clock.now)
    withdrawn_at: Mapped[datetime | None]


class Check(db.Model):
    """知识产权保护体检: a visit scoring the enterprise's IP protection area by area."""

    __tablename__ = "ip_protection_check"
    __table_args__ = (Index("ix_ip_protection_check_enterprise_day", "enterprise_id", "checked_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    checked_on: Mapped[date] = mapped_column(Date)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    overall: Mapped[int] = mapped_column(Integer)
    trademark_count: Mapped[int] = mapped_column(Integer, default=0)
    trademark_classes: Mapped[list] = mapped_column(JSON, default=list)       # Nice classes 1–45
    patents: Mapped[dict] = mapped_column(JSON, default=dict)                 # {status: count}
    findings: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    enterprise = relationship("Enterprise", lazy="joined")
    officer = relationship("User", lazy="joined")
    areas: Mapped[list["CheckArea"]] = relationship(back_populates="check", order_by="CheckArea.position",
                                                    cascade="all, delete-orphan")


class CheckArea(db.Model):
    """The score (0–100) of one checklist area of a health check, and what was seen."""

    __tablename__ = "ip_protection_check_area"
    __table_args__ = (UniqueConstraint("check_id", "area"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("ip_protection_check.id", ondelete="CASCADE"), index=True)
    area: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(1000), default="")

    check: Mapped[Check] = relationship(back_populates="areas")


class Case(db.Model):
    """An infringement report (侵权案件) and its handling; ``ticket_id`` is the core ticket it opened."""

    __tablename__ = "ip_protection_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))             # trademark | patent | trade_secret | copyright
    rights: Mapped[str] = mapped_column(String(500))          # the rights involved (registration numbers …)
    infringer: Mapped[str] = mapped_column(String(200))
    infringer_details: Mapped[str] = mapped_column(String(500), default="")   # address, online shop, platform
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="registered")
    reported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reported_at: Mapped[datetime] = mapped_column(default=clock.now)
    closed_at: Mapped[datetime | None]
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    enterprise = relationship("Enterprise", lazy="joined")
    events: Mapped[list["CaseEvent"]] = relationship(order_by="CaseEvent.id", cascade="all, delete-orphan")
    evidence: Mapped[list["Evidence"]] = relationship(order_by="Evidence.id", cascade="all, delete-orphan")


class CaseEvent(db.Model):
    """A step of a case's handling: the status it moved to and why."""

    __tablename__ = "ip_protection_case_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ip_protection_case.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(1000), default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime] = mapped_column(default=clock.now)

    by = relationship("User", lazy="joined")


class Evidence(db.Model):
    """An evidence file of a case (a photo of the counterfeit, a screenshot, a PDF)."""

    __tablename__ = "ip_protection_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("ip_protection_case.id", ondelete="CASCADE"), index=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    stored_name: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(default=clock.now)


class Brand(db.Model):
    """A regional brand (一乡一品) held as a collective trademark by an association."""

    __tablename__ = "ip_protection_brand"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    industry: Mapped[str] = mapped_column(String(50), default="")
    association: Mapped[str] = mapped_column(String(200), default="")       # the holder (行业协会)
    status: Mapped[str] = mapped_column(String(12), default="planned")      # planned | applied | registered
    registration_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    classes: Mapped[list] = mapped_column(JSON, default=list)
    registered_on: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    members: Mapped[list["BrandMember"]] = relationship(order_by="BrandMember.id", cascade="all, delete-orphan")
    alerts: Mapped[list["BrandAlert"]] = relationship(order_by="BrandAlert.id.desc()", cascade="all, delete-orphan")


class BrandMember(db.Model):
    """An enterprise allowed to use the collective trademark."""

    __tablename__ = "ip_protection_brand_member"
    __table_args__ = (UniqueConstraint("brand_id", "enterprise_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("ip_protection_brand.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    joined_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(300), default="")

    enterprise = relationship("Enterprise", lazy="joined")
    brand: Mapped[Brand] = relationship(back_populates="members")


class BrandAlert(db.Model):
    """An infringement alert on a regional brand (counterfeits on a market, an online shop …), linked to a case."""

    __tablename__ = "ip_protection_brand_alert"
    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("ip_protection_brand.id", ondelete="CASCADE"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("ip_protection_case.id"), index=True)
    status: Mapped[str] = mapped_column(String(8), default="open")          # open | closed
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    brand: Mapped[Brand] = relationship(back_populates="alerts")
    case: Mapped[Case | None] = relationship()


class Outreach(db.Model):
    """A prevention talk or training (宣传、培训) given in enterprises."""

    __tablename__ = "ip_protection_outreach"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))                 # talk | training
    held_on: Mapped[date] = mapped_column(Date)
    topic: Mapped[str] = mapped_column(String(200))
    audience: Mapped[str] = mapped_column(String(200), default="")
    attendance: Mapped[int] = mapped_column(Integer, default=0)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    enterprise_rows: Mapped[list["OutreachEnterprise"]] = relationship(cascade="all, delete-orphan")
    officer_rows: Mapped[list["OutreachOfficer"]] = relationship(cascade="all, delete-orphan")


class OutreachEnterprise(db.Model):
    __tablename__ = "ip_protection_outreach_enterprise"
    outreach_id: Mapped[int] = mapped_column(ForeignKey("ip_protection_outreach.id", ondelete="CASCADE"),
                                             primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), primary_key=True, index=True)
    enterprise = relationship("Enterprise", lazy="joined")


class OutreachOfficer(db.Model):
    __tablename__ = "ip_protection_outreach_officer"
    outreach_id: Mapped[int] = mapped_column(ForeignKey("ip_protection_outreach.id", ondelete="CASCADE"),
                                             primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True, index=True)
    user = relationship("User", lazy="joined")
