"""The exit-entry plugin's tables, every one prefixed ``exit_entry_``.

Green-channel applications (a batch for one enterprise) and their applicants;
the appointment windows, their slots and bookings; on-site service requests;
foreign talents, their permit applications, talent-policy events and
pairings; yearly targets and the unit's settings; frozen-account cases and
the steps taken on them.
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.plugins.toolkit import encrypted, lookup_hash


class Setting(db.Model):
    """A unit's settings: the issuing authority its recommendation letters go to, and
    whether they print the applicants' ID numbers in full."""

    __tablename__ = "exit_entry_setting"
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, autoincrement=False)
    letter_full_ids: Mapped[bool] = mapped_column(Boolean, default=False)
    issuing_authority: Mapped[str] = mapped_column(String(100), default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime | None]


class Target(db.Model):
    """A unit's yearly talent-service targets (seed 004: 20 events, 40 talents paired, 5 residences)."""

    __tablename__ = "exit_entry_target"
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, autoincrement=False)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    events: Mapped[int] = mapped_column(Integer)
    pairings: Mapped[int] = mapped_column(Integer)
    residences: Mapped[int] = mapped_column(Integer)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime | None]


class Application(db.Model):
    """A green-channel application: one enterprise, one or many staff at once."""

    __tablename__ = "exit_entry_application"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("exit_entry_appointment.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    received_at: Mapped[datetime] = mapped_column(default=clock.now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    enterprise = relationship("Enterprise", lazy="joined")
    applicants: Mapped[list["Applicant"]] = relationship(back_populates="application", order_by="Applicant.id",
                                                         cascade="all, delete-orphan")


class Applicant(db.Model):
    """One member of staff in an application, with their own document, urgency,
    status and target time."""

    __tablename__ = "exit_entry_applicant"
    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("exit_entry_application.id", ondelete="CASCADE"),
                                                index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_number: Mapped[str] = encrypted("citizen_id", "exit_entry_applicant.id_number", hash_attribute="id_number_hash")
    id_number_hash: Mapped[str | None] = lookup_hash()
    relation: Mapped[str] = mapped_column(String(20))
    doc_type: Mapped[str] = mapped_column(String(30), index=True)
    purpose: Mapped[str] = mapped_column(String(200), default="")
    destination: Mapped[str] = mapped_column(String(100), default="")
    travel_from: Mapped[date] = mapped_column(Date)
    travel_to: Mapped[date | None] = mapped_column(Date)
    urgency: Mapped[str] = mapped_column(String(10), default="normal")
    status: Mapped[str] = mapped_column(String(20), default="received")
    target_at: Mapped[datetime]
    target_days: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime]
    materials_checked_at: Mapped[datetime | None]
    submitted_at: Mapped[datetime | None]
    ready_at: Mapped[datetime | None]
    collected_at: Mapped[datetime | None]

    application: Mapped[Application] = relationship(back_populates="applicants")

    @property
    def overdue(self) -> bool:
        """Not ready by the target time (or ready only after it)."""
        if self.ready_at is not None:
            return self.ready_at > self.target_at
        return clock.now() > self.target_at


class Window(db.Model):
    """An appointment window (专窗) of the unit."""

    __tablename__ = "exit_entry_window"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Slot(db.Model):
    """A bookable period of a window on one working day; ``booked`` is only
    ever raised by a conditional update (``booked < capacity``)."""

    __tablename__ = "exit_entry_slot"
    __table_args__ = (UniqueConstraint("window_id", "day", "starts"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("exit_entry_window.id"))
    day: Mapped[date] = mapped_column(Date, index=True)
    starts: Mapped[str] = mapped_column(String(5))     # "09:00", China time
    ends: Mapped[str] = mapped_column(String(5))
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)

    window: Mapped[Window] = relationship(lazy="joined")

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)


class Appointment(db.Model):
    """预约办: an enterprise's booking of one slot (once per slot)."""

    __tablename__ = "exit_entry_appointment"
    # One live booking of a slot per enterprise; a cancelled one does not stop booking it again.
    __table_args__ = (Index("uq_exit_entry_appointment_slot_booked", "slot_id", "enterprise_id", unique=True,
                            sqlite_where=text("status = 'booked'"), postgresql_where=text("status = 'booked'")),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("exit_entry_slot.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    people: Mapped[int] = mapped_column(Integer, default=1)
    purpose: Mapped[str] = mapped_column(String(200), default="")
    code: Mapped[str] = mapped_column(String(12), unique=True)      # printed on the slip
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    booked_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Booked by the enterprise itself on the portal: its account, and the form's
    # one-time key (the same form sent twice finds this booking).
    portal_account_id: Mapped[int | None] = mapped_column(ForeignKey("portal_account.id"))
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="booked", server_default="booked")  # booked | cancelled
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))   # the desk's clerk
    cancelled_by_enterprise: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    cancel_reason: Mapped[str] = mapped_column(String(200), default="", server_default="")

    slot: Mapped[Slot] = relationship(lazy="joined")
    enterprise = relationship("Enterprise", lazy="joined")
    unit = relationship("Unit")


class OnsiteRequest(db.Model):
    """上门帮办: staff come to the enterprise for a large batch."""

    __tablename__ = "exit_entry_onsite"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    people: Mapped[int] = mapped_column(Integer)
    address: Mapped[str] = mapped_column(String(200))
    wanted_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(12), default="requested")   # requested | scheduled | done
    scheduled_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    enterprise = relationship("Enterprise", lazy="joined")


class Talent(db.Model):
    """A foreign expert or overseas talent an enterprise brings in."""

    __tablename__ = "exit_entry_talent"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    nationality: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str] = mapped_column(String(20))          # foreign_expert | overseas_talent
    position: Mapped[str] = mapped_column(String(100), default="")
    arrived_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    enterprise = relationship("Enterprise", lazy="joined")
    permits: Mapped[list["Permit"]] = relationship(back_populates="talent", order_by="Permit.id")


class Permit(db.Model):
    """A permit application of a talent: work-related, long-term or permanent residence."""

    __tablename__ = "exit_entry_permit"
    id: Mapped[int] = mapped_column(primary_key=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("exit_entry_talent.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))          # work_residence | long_term | permanent
    status: Mapped[str] = mapped_column(String(12), default="applied")   # applied | approved | refused
    applied_on: Mapped[date] = mapped_column(Date)
    decided_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")

    talent: Mapped[Talent] = relationship(back_populates="permits")


class Event(db.Model):
    """政策宣讲: a talent-policy event."""

    __tablename__ = "exit_entry_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[date] = mapped_column(Date, index=True)
    place: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[int] = mapped_column(Integer, default=0)


class Pairing(db.Model):
    """结对: an officer paired one-to-one with a talent."""

    __tablename__ = "exit_entry_pairing"
    __table_args__ = (UniqueConstraint("talent_id", "officer_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("exit_entry_talent.id"), index=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    started_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")

    talent: Mapped[Talent] = relationship(lazy="joined")
    officer = relationship("User", lazy="joined")


class FrozenCase(db.Model):
    """协助解冻: an enterprise's bank account frozen over cross-border trade, with its ticket."""

    __tablename__ = "exit_entry_frozen_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)
    bank: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    reason: Mapped[str] = mapped_column(Text)
    authority: Mapped[str] = mapped_column(String(200))
    frozen_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")        # open | closed
    outcome: Mapped[str] = mapped_column(String(12), default="")          # unfrozen | partly | not_unfrozen
    outcome_note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    closed_at: Mapped[datetime | None]

    enterprise = relationship("Enterprise", lazy="joined")
    steps: Mapped[list["FrozenStep"]] = relationship(order_by="FrozenStep.id", cascade="all, delete-orphan")


class FrozenStep(db.Model):
    """A step taken to help unfreeze the account."""

    __tablename__ = "exit_entry_frozen_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("exit_entry_frozen_case.id", ondelete="CASCADE"), index=True)
    taken_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(String(1000))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    by = relationship("User", lazy="joined")
