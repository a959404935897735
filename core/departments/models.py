from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core import clock
from core.extensions import db


class OutsideDepartment(db.Model):
    """A department outside the police (转交办): its name and whom to call there.

    The register belongs to a tree of units: ``unit_id`` is the tree's root (the
    city bureau, or the centre when it stands alone), so the centre, its stations
    and brigades all choose from the same list. A ticket keeps the department's
    name as it was when transferred (``ticket.external_department``) beside its id."""

    __tablename__ = "outside_department"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    name: Mapped[str] = mapped_column(String(100))
    contact_person: Mapped[str] = mapped_column(String(50), default="")
    office_phone: Mapped[str] = mapped_column(String(40), default="")   # an office's number, not a person's
    address: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)   # core.versioning: the edit form
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
