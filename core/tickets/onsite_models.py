from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db


class TicketVisit(db.Model):
    """现场办: the record of a visit that answered a ticket (what was done on site, the
    result, the day and place), and its confirmation by the enterprise: on the
    portal, or by its representative's signature on the paper record (the signer's
    name, optionally a scan kept as one of the ticket's attachments). A ticket
    reworked after a dissatisfied rating gets a new visit; the latest one counts."""

    __tablename__ = "ticket_visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200))
    done: Mapped[str] = mapped_column(Text)                  # what was done on site
    result: Mapped[str] = mapped_column(String(20))          # core.tickets.vocabulary.RESULTS
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)
    # The confirmation: "portal" (the enterprise's account) or "signature" (recorded by staff).
    confirmed_at: Mapped[datetime | None]
    confirmed_by: Mapped[str] = mapped_column(String(12), default="")
    portal_account_id: Mapped[int | None] = mapped_column(ForeignKey("portal_account.id"))
    signer_name: Mapped[str] = mapped_column(String(100), default="")
    signature_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    signed_record_id: Mapped[int | None] = mapped_column(ForeignKey("ticket_attachment.id"))

    signed_record = relationship("TicketAttachment")
