from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db


class UnitPlugin(db.Model):
    """Whether a unit has switched a plugin on. Disabling keeps the row and the
    plugin's data: the plugin is hidden from the unit, nothing is deleted."""

    __tablename__ = "unit_plugin"
    __table_args__ = (UniqueConstraint("unit_id", "plugin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    plugin: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict | None] = mapped_column(JSON)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now, onupdate=clock.now)

    unit = relationship("Unit")
