"""The registers' tables: the 挂牌督办 entries with their weekly progress, and the
leaders who took up (包案) a long-unsolved ticket."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db


class SupervisionEntry(db.Model):
    """A ticket on the 挂牌督办 register: from its listing by a leader until it is
    taken off (销号), when the ticket is closed or by a leader with a note."""

    __tablename__ = "supervision_entry"
    __table_args__ = (
        # A ticket stands on the register once at a time: a second listing, even at
        # the same instant, meets this index (core.supervision.services.list_ticket).
        Index("uq_supervision_entry_open_ticket", "ticket_id", unique=True,
              sqlite_where=text("closed_at IS NULL"), postgresql_where=text("closed_at IS NULL")),
        # The sweep reads the open entries whose weekly progress is due.
        Index("ix_supervision_entry_open_progress", "closed_at", "progress_due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[datetime]                      # the register's deadline: the end of a day in China
    responsible_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    listed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    listed_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_progress_at: Mapped[datetime | None]
    progress_due_at: Mapped[datetime]             # 7 days after the listing or the last progress note
    reminded_at: Mapped[datetime | None]          # the sweep's last weekly reminder
    deadline_notified_at: Mapped[datetime | None]  # the sweep told of the passed deadline
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    close_reason: Mapped[str] = mapped_column(String(16), default="")   # ticket_closed / leader
    close_note: Mapped[str] = mapped_column(Text, default="")

    ticket = relationship("Ticket", lazy="joined")
    responsible = relationship("User", foreign_keys=[responsible_id], lazy="joined")
    listed_by = relationship("User", foreign_keys=[listed_by_id])
    closed_by = relationship("User", foreign_keys=[closed_by_id])
    progress: Mapped[list["SupervisionProgress"]] = relationship(
        back_populates="entry", order_by="SupervisionProgress.id.desc()", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class SupervisionProgress(db.Model):
    """A weekly progress note on a register entry."""

    __tablename__ = "supervision_progress"
    __table_args__ = (Index("ix_supervision_progress_entry", "entry_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("supervision_entry.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    author_name: Mapped[str] = mapped_column(String(100), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    at: Mapped[datetime] = mapped_column(default=clock.now)

    entry: Mapped[SupervisionEntry] = relationship(back_populates="progress")
    unit = relationship("Unit", lazy="joined")


class BacklogAssignment(db.Model):
    """包案: a leader answers for a long-unsolved ticket (积案). A later take-up
    replaces the earlier one; the rows are its history."""

    __tablename__ = "supervision_backlog_assignment"
    __table_args__ = (Index("ix_supervision_backlog_assignment_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"))
    responsible_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assigned_at: Mapped[datetime] = mapped_column(default=clock.now)

    responsible = relationship("User", foreign_keys=[responsible_id], lazy="joined")
    assigned_by = relationship("User", foreign_keys=[assigned_by_id], lazy="joined")
