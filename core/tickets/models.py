from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.privacy.fields import encrypted, lookup_hash


class TicketCategory(db.Model):
    """Core's demand categories, editable by the admin. Plugins add theirs
    through ``anqi_ticket_categories`` (codes ``<plugin>.<name>``)."""

    __tablename__ = "ticket_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(80))
    sort_order: Mapped[int] = mapped_column(default=100)
    active: Mapped[bool] = mapped_column(default=True)


class TicketSequence(db.Model):
    """The last ticket number used in a year: one row per year, incremented in
    the same transaction that inserts the ticket."""

    __tablename__ = "ticket_sequence"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


UNFINISHED = text("status NOT IN ('rated', 'merged')")


class Ticket(db.Model):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        Index("ix_ticket_handling_status", "handling_unit_id", "status", "id"),
        Index("ix_ticket_registering_status", "registering_unit_id", "status", "id"),
        # The queue counts and the sweep read the open tickets' deadlines and
        # units from this index alone, never from the table's rows.
        Index("ix_ticket_status_deadlines", "status", "overdue", "due_at", "progress_due_at",
              "registering_unit_id", "handling_unit_id", "enterprise_id", "paused_at"),
        # A queue is one status in order of id (oldest or newest first): read in
        # that order from here, never by walking the whole table for the few
        # tickets still to dispatch.
        Index("ix_ticket_status_id", "status", "id"),
        Index("ix_ticket_enterprise", "enterprise_id", "id"),
        Index("ix_ticket_registered_at", "registered_at"),
        # The 积案 register (core.supervision.backlog): the open tickets registered
        # before a day or reopened twice, read from this index alone.
        Index("ix_ticket_status_registered", "status", "registered_at", "rework_count", "id"),
        # 转盯办: the follower's queue. Partial: on the tickets that have a follower only, so
        # that the planner's statistics do not take every ticket without one (NULL) for
        # the follower's, and the count on every list page reads this index, not the table.
        Index("ix_ticket_follower", "follower_id", "id", sqlite_where=text("follower_id IS NOT NULL"),
              postgresql_where=text("follower_id IS NOT NULL")),
        # The sweep finds the pauses whose day has ended (a few rows; the rest are NULL).
        Index("ix_ticket_pause_until", "pause_until"),
        # Duplicates at intake: a category's open tickets (no closed_at, newest id first) and
        # its recently closed ones, read from the index alone until the district matches
        # (core/tickets/duplicates.py).
        Index("ix_ticket_category_closed", "category", "closed_at", "id", "status", "enterprise_id"),
        # The unfinished tickets (not rated, not merged) of the enterprises a liaison officer
        # serves, read once per request (core.tickets.services.visible): a few thousand
        # rows however long the history. A query uses it only when it states UNFINISHED
        # in these words, with literals (SQLite does not match a partial index's
        # condition against parameters).
        Index("ix_ticket_unfinished_enterprise", "enterprise_id", "id", sqlite_where=UNFINISHED,
              postgresql_where=UNFINISHED),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    seq: Mapped[int]
    # A token the intake form carries, so that sending it twice makes one ticket.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    contact_name: Mapped[str] = mapped_column(String(100), default="")
    contact_phone: Mapped[str] = encrypted("phone", "ticket.contact_phone", name="contact_phone_encrypted",
                                           hash_attribute="contact_phone_hash")
    contact_phone_hash: Mapped[str | None] = lookup_hash()
    channel: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(64))
    ticket_class: Mapped[str] = mapped_column(String(10))     # instant / general / complex
    handling_mode: Mapped[str] = mapped_column(String(12))    # a key of vocabulary.MODES
    external_department: Mapped[str] = mapped_column(String(100), default="")
    # The referral number of a demand the 12345 hotline sent (channel "government", taken at intake
    # through the API); its answer and closing are posted back to 12345 (core/notices/webhooks.py).
    referral_number: Mapped[str] = mapped_column(String(40), default="", server_default="")
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="registered", active_history=True)

    registering_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    handling_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), active_history=True)
    handling_officer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    registered_at: Mapped[datetime] = mapped_column(default=clock.now)
    dispatched_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    rated_at: Mapped[datetime | None]

    due_at: Mapped[datetime | None]                # final deadline (none for complex tickets)
    sign_due_at: Mapped[datetime | None]           # sign-for deadline after dispatch
    progress_due_at: Mapped[datetime | None]       # complex tickets: next progress report
    deadline_provisional: Mapped[bool] = mapped_column(default=False)
    extension_days: Mapped[int] = mapped_column(default=0)  # working days added by approved extensions
    supervision_due_at: Mapped[datetime | None]
    warned_at: Mapped[datetime | None]             # the 80 % warning was sent
    overdue: Mapped[bool] = mapped_column(default=False, active_history=True)
    overdue_at: Mapped[datetime | None]

    answer: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(String(20), default="")   # resolved / partly / unresolvable
    rating: Mapped[str] = mapped_column(String(20), default="", active_history=True)  # satisfied/basic/dissatisfied
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rework_count: Mapped[int] = mapped_column(default=0)
    flagged_for_leader: Mapped[bool] = mapped_column(default=False)
    closed_on_time: Mapped[bool | None] = mapped_column(active_history=True)
    # Handling modes and rework (core.tickets.modes, core.tickets.rework):
    # 限期办, the day the dispatcher set as the final deadline (None: counted by class),
    # kept by services._set_deadlines from the timeline; and when the ticket was last
    # sent back for rework (by the centre or a dissatisfied rating), from which its
    # final deadline counts afresh.
    deadline_set_on: Mapped[date | None] = mapped_column(Date)
    reworked_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    # 转盯办 (core/tickets/follow.py): the 盯办人 who follows the ticket to its end. 转交办
    # (core/departments/): the register's department, whose name is kept in external_department as
    # it was. 现场办 (core/tickets/onsite.py): when the enterprise confirmed the latest on-site result.
    follower_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    external_department_id: Mapped[int | None] = mapped_column(ForeignKey("outside_department.id"))
    onsite_confirmed_at: Mapped[datetime | None] = mapped_column(active_history=True)
    # The paused clock (暂停计时, core/tickets/pausing.py) and the late sign-for:
    # what the sweep, the queues and the running counts read without the timeline.
    paused_at: Mapped[datetime | None] = mapped_column(active_history=True)  # the running pause began
    pause_until: Mapped[datetime | None]           # … and ends by itself then (an appointment); None: when answered
    paused_seconds: Mapped[int] = mapped_column(default=0, active_history=True)  # ended pauses, in total
    late_sign_fors: Mapped[int] = mapped_column(default=0, active_history=True)  # signed for after the deadline

    enterprise = relationship("Enterprise", lazy="joined")
    handling_unit = relationship("Unit", foreign_keys=[handling_unit_id], lazy="joined")
    registering_unit = relationship("Unit", foreign_keys=[registering_unit_id], lazy="joined")
    handling_officer = relationship("User", foreign_keys=[handling_officer_id], lazy="joined")
    follower = relationship("User", foreign_keys=[follower_id])
    events: Mapped[list["TicketEvent"]] = relationship(back_populates="ticket", order_by="TicketEvent.id",
                                                        cascade="all, delete-orphan")
    attachments: Mapped[list["TicketAttachment"]] = relationship(back_populates="ticket",
                                                                  order_by="TicketAttachment.id")

    __mapper_args__ = {"version_id_col": version}

    @property
    def number(self) -> str:
        """诉求编号 as printed: the year and a six-digit serial, e.g. 2026-000123."""
        return f"{self.year}-{self.seq:06d}"


class TicketEvent(db.Model):
    """One entry of a ticket's timeline. ``internal`` entries are for staff only
    (the enterprise portal will not show them)."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=clock.now)
    kind: Mapped[str] = mapped_column(String(24))
    from_status: Mapped[str] = mapped_column(String(12), default="")
    to_status: Mapped[str] = mapped_column(String(12), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(100), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict | None] = mapped_column(JSON)
    internal: Mapped[bool] = mapped_column(default=False)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    unit = relationship("Unit", lazy="joined")


class TicketAttachment(db.Model):
    __tablename__ = "ticket_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=clock.now)

    ticket: Mapped[Ticket] = relationship(back_populates="attachments")


class TicketExtension(db.Model):
    """A request for more time (延期): moves the deadline only when a leader approves."""

    __tablename__ = "ticket_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    days: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending / approved / refused / withdrawn (merged)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    decision_note: Mapped[str] = mapped_column(Text, default="")


class TicketComplaint(db.Model):
    """A complaint (投诉) about how a ticket was handled, held against the unit."""

    __tablename__ = "ticket_complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # None: the enterprise, on the portal
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    ticket: Mapped[Ticket] = relationship(lazy="joined")
    unit = relationship("Unit")


class _TicketCounts:
    """Running counts of the tickets registered in a period (``bucket``: a day, or
    the first day of a month) and now held by a unit, kept per breakdown
    (``dimension``: unit, category, ticket_class, channel or handling_mode;
    ``value``: the category's code, the class …, empty for the unit's own
    total). Each ticket adds to five rows of each table; ``core.tickets.stats`` keeps them up to
    date on every flush, so the dashboard sums a few hundred rows a month
    instead of counting the tickets, and a breakdown never multiplies the
    others' rows (there is no unit × category × class × channel × mode cross table)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    bucket: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))   # the handling unit, else the registering one
    dimension: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(64))
    received: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)
    closed_on_time: Mapped[int] = mapped_column(default=0)
    rated: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)      # satisfied + basically satisfied
    overdue: Mapped[int] = mapped_column(default=0)
    onsite_confirmed: Mapped[int] = mapped_column(default=0)   # 现场办 results the enterprise confirmed
    paused: Mapped[int] = mapped_column(default=0)         # tickets whose clock has been paused
    paused_seconds: Mapped[int] = mapped_column(BigInteger, default=0)  # their ended pauses, in total
    signed_late: Mapped[int] = mapped_column(default=0)    # late sign-fors


class TicketStatDay(_TicketCounts, db.Model):
    __tablename__ = "ticket_stat_day"
    __table_args__ = (UniqueConstraint("dimension", "bucket", "unit_id", "value"),)


class TicketStatMonth(_TicketCounts, db.Model):
    __tablename__ = "ticket_stat_month"
    __table_args__ = (UniqueConstraint("dimension", "bucket", "unit_id", "value"),)


class ClassMatter(db.Model):
    """一类事: a group of similar tickets a leader has taken up as one matter."""

    __tablename__ = "class_matter"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    category: Mapped[str] = mapped_column(String(64))
    industry: Mapped[str] = mapped_column(String(50), default="")
    district: Mapped[str] = mapped_column(String(50), default="")
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    ticket_ids: Mapped[list | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
