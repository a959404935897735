"""The merge of a ticket into another (诉求合并): its own table, one row per merged
ticket, so that the ticket table keeps its columns and a ticket is merged once."""
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.tickets.models import Ticket


class TicketMerge(db.Model):
    """A duplicate (``ticket``, now status "merged") closed into ``into``, the
    ticket of the same enterprise that carries the demand on."""

    __tablename__ = "ticket_merge"

    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), primary_key=True,
                                           autoincrement=False)
    into_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), index=True)
    merged_at: Mapped[datetime] = mapped_column(default=clock.now)
    merged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    ticket: Mapped[Ticket] = relationship(foreign_keys=[ticket_id], lazy="joined", innerjoin=True)
    into: Mapped[Ticket] = relationship(foreign_keys=[into_id], lazy="joined", innerjoin=True)
