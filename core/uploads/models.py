"""A file held between two submits of a form (core.uploads.held)."""
from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db


class HeldUpload(db.Model):
    """A checked file of a form that failed, kept under a generated name until the
    form is sent again by the same person, or until it expires."""

    __tablename__ = "held_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)        # what the form sends back
    owner: Mapped[str] = mapped_column(String(64), index=True)         # "user:<id>" or "portal:<account id>"
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=clock.now, index=True)
