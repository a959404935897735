"""The risk_assessment plugin's tables, every one prefixed ``risk_assessment_``.

A unit's level matrix; assessments (风险评估备忘录) of an enterprise with their
risk items and each item's sources; the letters (两书一单) drafted from an
assessment, the risks each names and the responses received; the quarterly
reports with their figures and progress.
"""
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db


class Matrix(db.Model):
    """A unit's level matrix: ``cells[likelihood - 1][impact - 1]`` is high,
    medium or low. A unit without a row uses ``matrix.DEFAULT``."""

    __tablename__ = "risk_assessment_matrix"
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True, autoincrement=False)
    cells: Mapped[list] = mapped_column(JSON)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime | None]


class Assessment(db.Model):
    """风险评估备忘录: one assessment of one enterprise by one unit."""

    __tablename__ = "risk_assessment_assessment"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    investment_promotion: Mapped[bool] = mapped_column(Boolean, default=False)   # 招商引资 enterprise
    title: Mapped[str] = mapped_column(String(200))
    assessed_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    enterprise = relationship("Enterprise", lazy="joined")
    risks: Mapped[list["RiskItem"]] = relationship(back_populates="assessment", order_by="RiskItem.id")
    letters: Mapped[list["Letter"]] = relationship(back_populates="assessment", order_by="Letter.id")


class RiskItem(db.Model):
    """One risk found: its area, category, likelihood × impact and the level the
    unit's matrix gives them; open until closed with a recorded outcome."""

    __tablename__ = "risk_assessment_risk_item"
    __table_args__ = (Index("ix_risk_assessment_risk_item_unit_found", "unit_id", "found_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("risk_assessment_assessment.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    area: Mapped[str] = mapped_column(String(24))             # risk_management | business_management | business_process
    category: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    evidence: Mapped[str] = mapped_column(Text, default="")
    measures: Mapped[str] = mapped_column(Text, default="")   # what the enterprise or department should do
    likelihood: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    score: Mapped[int] = mapped_column(Integer)               # likelihood × impact: orders the most serious
    level: Mapped[str] = mapped_column(String(8))             # high | medium | low
    found_on: Mapped[date] = mapped_column(Date)              # the assessment's day: the quarter it counts in
    # The enterprise's industry and district when the risk was recorded: a quarter's
    # figures count a risk where its enterprise was then, whatever it is registered as now.
    industry: Mapped[str] = mapped_column(String(50), default="", server_default="")
    district: Mapped[str] = mapped_column(String(50), default="", server_default="")
    status: Mapped[str] = mapped_column(String(8), default="open")     # open | closed
    outcome: Mapped[str] = mapped_column(String(16), default="")       # see risks.OUTCOMES
    outcome_note: Mapped[str] = mapped_column(String(1000), default="")
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    assessment: Mapped[Assessment] = relationship(back_populates="risks")
    enterprise = relationship("Enterprise", lazy="joined")
    sources: Mapped[list["Source"]] = relationship(back_populates="risk", order_by="Source.id",
                                                   cascade="all, delete-orphan")


class Source(db.Model):
    """Where a risk came from: entered by hand, or a link to what the system
    knows (a class of similar tickets, an inspection issue, a project risk)."""

    __tablename__ = "risk_assessment_source"
    id: Mapped[int] = mapped_column(primary_key=True)
    risk_item_id: Mapped[int] = mapped_column(ForeignKey("risk_assessment_risk_item.id", ondelete="CASCADE"),
                                              index=True)
    source_type: Mapped[str] = mapped_column(String(64))     # manual | tickets.class | <plugin>.<kind>
    ref: Mapped[str] = mapped_column(String(200), default="")   # the record's id, or the group's key
    title: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[str] = mapped_column(Text, default="")

    risk: Mapped[RiskItem] = relationship(back_populates="sources")


class Letter(db.Model):
    """One of the two letters and one list, drafted from an assessment as a core
    document; expects a response by ``due_on``. A warning list drawn for a class
    of enterprises (one industry in one district) has no assessment nor
    enterprise of its own: its class is ``industry`` and ``district``."""

    __tablename__ = "risk_assessment_letter"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("risk_assessment_assessment.id"), index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"), index=True)
    industry: Mapped[str] = mapped_column(String(50), default="", server_default="")    # a class warning list's
    district: Mapped[str] = mapped_column(String(50), default="", server_default="")
    kind: Mapped[str] = mapped_column(String(16))              # notice | advice | warning
    addressee_kind: Mapped[str] = mapped_column(String(16))    # enterprise | department | government
    addressee: Mapped[str] = mapped_column(String(200))
    # Set once the document is made, in the transaction right after the letter's.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), unique=True)
    due_on: Mapped[date] = mapped_column(Date)                 # the response is expected by this day
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    assessment: Mapped[Assessment] = relationship(back_populates="letters")
    document = relationship("Document", lazy="joined")
    risk_rows: Mapped[list["LetterRisk"]] = relationship(cascade="all, delete-orphan")
    responses: Mapped[list["Response"]] = relationship(back_populates="letter", order_by="Response.id")

    @property
    def for_class(self) -> bool:
        return self.assessment_id is None

    @property
    def risk_ids(self) -> list[int]:
        return sorted(row.risk_item_id for row in self.risk_rows)


class LetterRisk(db.Model):
    __tablename__ = "risk_assessment_letter_risk"
    letter_id: Mapped[int] = mapped_column(ForeignKey("risk_assessment_letter.id", ondelete="CASCADE"),
                                           primary_key=True)
    risk_item_id: Mapped[int] = mapped_column(ForeignKey("risk_assessment_risk_item.id"), primary_key=True,
                                              index=True)


class Response(db.Model):
    """The answer to a letter: the enterprise's rectification report or the
    department's reply; late when received after the letter's due day."""

    __tablename__ = "risk_assessment_response"
    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("risk_assessment_letter.id"), index=True)
    received_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(16))             # see follow_up.RESULTS
    content: Mapped[str] = mapped_column(Text)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    letter: Mapped[Letter] = relationship(back_populates="responses")


class Report(db.Model):
    """季度风险报告 of a unit's tree for one quarter: figures computed by a
    background job, then a 文件格式 document (only a watermarked draft while
    the quarter has not ended)."""

    __tablename__ = "risk_assessment_report"
    __table_args__ = (Index("ix_risk_assessment_report_quarter", "unit_id", "year", "quarter"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int] = mapped_column(Integer)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False)   # the quarter had not ended
    recommendations: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued | running | done | failed
    steps_done: Mapped[int] = mapped_column(Integer, default=0)
    steps_total: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    figures: Mapped[dict | None] = mapped_column(JSON)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    finished_at: Mapped[datetime | None]
    # The run building it (core/jobqueue/claims.py): the job may be delivered twice.
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None]
