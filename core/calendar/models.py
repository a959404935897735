from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db


class CalendarDay(db.Model):
    """One day of a loaded year: whether offices work, and why not (or why, on a weekend)."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(primary_key=True)
    workday: Mapped[bool]
    name: Mapped[str] = mapped_column(String(40), default="")  # the holiday, or the holiday a weekend is worked for


class CalendarYear(db.Model):
    """A loaded year. Provisional years hold only weekends and fixed-date holidays
    until an admin loads or confirms the official schedule."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    provisional: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(String(40))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)
