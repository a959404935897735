"""The inspection plugin's tables, every one prefixed ``inspection_``.

Catalogue (items, checklist forms), exemption list, conflicts, settings per
unit; plans with their participating units, targets (one visit each), the
inspectors assigned, the findings per item, their photos, rectification
orders and credit repairs.
"""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db

class Setting(db.Model):
    """A unit's settings: the yearly visit cap and whether inspectors' names are published."""

    __tablename__ = "inspection_setting"
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, autoincrement=False)
    visit_cap: Mapped[int] = mapped_column(Integer, default=2)
    hide_inspector_names: Mapped[bool] = mapped_column(Boolean, default=True)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime | None]


class Item(db.Model):
    """检查事项: one thing an inspector checks, owned by one police type."""

    __tablename__ = "inspection_item"
    __table_args__ = (UniqueConstraint("unit_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(String(500), default="")
    police_type: Mapped[str] = mapped_column(String(32))
    enterprise_types: Mapped[list] = mapped_column(JSON, default=list)   # industries it applies to
    method: Mapped[str] = mapped_column(String(200), default="")
    yearly_limit: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Form(db.Model):
    """检查表单 ("一件事"): items of several police types for one enterprise type."""

    __tablename__ = "inspection_form"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    enterprise_type: Mapped[str] = mapped_column(String(50), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    lines: Mapped[list["FormItem"]] = relationship(order_by="FormItem.position", cascade="all, delete-orphan")

    @property
    def items(self) -> list[Item]:
        return [line.item for line in self.lines]


class FormItem(db.Model):
    __tablename__ = "inspection_form_item"
    form_id: Mapped[int] = mapped_column(ForeignKey("inspection_form.id", ondelete="CASCADE"), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inspection_item.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    item: Mapped[Item] = relationship(lazy="joined")


class Exemption(db.Model):
    """免检 / 无事不扰: an enterprise left alone for a period, with the reason."""

    __tablename__ = "inspection_exemption"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    enterprise = relationship("Enterprise")


class Conflict(db.Model):
    """A conflict of interest an inspector declared with an enterprise (回避)."""

    __tablename__ = "inspection_conflict"
    __table_args__ = (UniqueConstraint("user_id", "enterprise_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    declared_at: Mapped[datetime] = mapped_column(default=clock.now)

    user = relationship("User", lazy="joined")
    enterprise = relationship("Enterprise", lazy="joined")


class Plan(db.Model):
    """检查计划: no plan, no inspection."""

    __tablename__ = "inspection_plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)    # the lead unit (牵头单位)
    title: Mapped[str] = mapped_column(String(200))
    # routine | seasonal | holiday | adhoc | specialist (labels.INSPECTION_TYPES)
    inspection_type: Mapped[str] = mapped_column(String(12), default="routine", server_default="routine", index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("inspection_form.id"))
    police_types: Mapped[list] = mapped_column(JSON, default=list)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    selection: Mapped[str] = mapped_column(String(10), default="draw")       # draw | manual
    filter_district: Mapped[str] = mapped_column(String(50), default="")
    filter_industry: Mapped[str] = mapped_column(String(50), default="")
    draw_count: Mapped[int | None] = mapped_column(Integer)
    draw_percent: Mapped[int | None] = mapped_column(Integer)                 # a ratio, in per cent
    inspectors_per_target: Mapped[int] = mapped_column(Integer, default=2)
    status: Mapped[str] = mapped_column(String(12), default="draft")         # draft | drawn | published
    seed: Mapped[str | None] = mapped_column(String(64))
    draw_inputs: Mapped[dict | None] = mapped_column(JSON)
    draw_result: Mapped[dict | None] = mapped_column(JSON)
    inputs_sha256: Mapped[str | None] = mapped_column(String(64))
    drawn_at: Mapped[datetime | None]
    drawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None]
    published_rows: Mapped[list | None] = mapped_column(JSON)     # the results as published (一公开)
    published_pdf: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    form: Mapped[Form] = relationship()
    unit_rows: Mapped[list["PlanUnit"]] = relationship(cascade="all, delete-orphan")
    visits: Mapped[list["Visit"]] = relationship(back_populates="plan", order_by="Visit.id")

    @property
    def unit_ids(self) -> list[int]:
        return sorted(row.unit_id for row in self.unit_rows)


class PlanUnit(db.Model):
    """A participating unit of a plan (参与单位); its officers form the inspector pool."""

    __tablename__ = "inspection_plan_unit"
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id", ondelete="CASCADE"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, index=True)


class Visit(db.Model):
    """One target of a plan and its one combined visit (只进一次门)."""

    __tablename__ = "inspection_visit"
    __table_args__ = (UniqueConstraint("plan_id", "enterprise_id"),
                      Index("ix_inspection_visit_enterprise_year", "enterprise_id", "year"))
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("inspection_plan.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    year: Mapped[int] = mapped_column(Integer)     # the year it counts against the enterprise's cap
    source: Mapped[str] = mapped_column(String(10), default="draw")      # draw | manual
    override_reason: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(10), default="planned")   # planned | done
    outcome: Mapped[str] = mapped_column(String(10), default="")         # pass | issues
    visited_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    plan: Mapped[Plan] = relationship(back_populates="visits")
    enterprise = relationship("Enterprise", lazy="joined")
    inspector_rows: Mapped[list["VisitInspector"]] = relationship(cascade="all, delete-orphan")
    findings: Mapped[list["Finding"]] = relationship(back_populates="visit", order_by="Finding.id",
                                                     cascade="all, delete-orphan")

    @property
    def inspector_ids(self) -> list[int]:
        return sorted(row.user_id for row in self.inspector_rows)


class VisitInspector(db.Model):
    __tablename__ = "inspection_visit_inspector"
    visit_id: Mapped[int] = mapped_column(ForeignKey("inspection_visit.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True, index=True)
    user = relationship("User", lazy="joined")


class Finding(db.Model):
    """What the visit found for one item: compliant, issue or not applicable."""

    __tablename__ = "inspection_finding"
    __table_args__ = (UniqueConstraint("visit_id", "item_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("inspection_visit.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inspection_item.id"))
    result: Mapped[str] = mapped_column(String(12))          # compliant | issue | na
    description: Mapped[str] = mapped_column(Text, default="")

    visit: Mapped[Visit] = relationship(back_populates="findings")
    item: Mapped[Item] = relationship(lazy="joined")
    photos: Mapped[list["Photo"]] = relationship(cascade="all, delete-orphan", order_by="Photo.id")
    rectification: Mapped["Rectification | None"] = relationship(back_populates="finding", uselist=False)


class Photo(db.Model):
    __tablename__ = "inspection_photo"
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("inspection_finding.id", ondelete="CASCADE"), index=True)
    stored_name: Mapped[str] = mapped_column(String(64))
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))


class Rectification(db.Model):
    """整改: an issue the enterprise must put right by a deadline, then a re-check."""

    __tablename__ = "inspection_rectification"
    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("inspection_finding.id"), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    due_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="open")      # open | closed
    rechecks: Mapped[int] = mapped_column(Integer, default=0)
    last_recheck_note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    finding: Mapped[Finding] = relationship(back_populates="rectification")


class CreditRepair(db.Model):
    """信用修复: asked for after rectification, decided by a leader."""

    __tablename__ = "inspection_credit_repair"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="pending")   # pending | approved | refused
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(default=clock.now)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
