from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db


class FormSubmission(db.Model):
    """A create form that has been sent: its one-time key and where its record is."""

    __tablename__ = "form_submission"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(String(300))     # the page of what the form created
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
