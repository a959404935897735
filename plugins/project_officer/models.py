"""The project officers' tables (项目警官“五个一”), every one prefixed ``project_officer_``.

One project (the register), one officer and one team (the officer, the leader,
the police team and the enterprise's contacts, with the handovers when people
change), one plan (versioned structured sections, the current one approved by
the leader), and the file's running records: visits, meetings, risks and their
actions; plus the per-unit rules that give a risk level its responsible unit
and leader.
"""
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core import clock
from core.extensions import db
from core.plugins.toolkit import encrypted, lookup_hash


class Project(db.Model):
    """一个项目: a key construction or investment project in the register."""

    __tablename__ = "project_officer_project"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)       # the police unit keeping the file
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str] = mapped_column(String(200), default="")
    investment: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))            # 万元
    stage: Mapped[str] = mapped_column(String(16), default="planning")           # planning | construction | completed
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)                           # the planned end
    officer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    leader_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    visit_interval_months: Mapped[int] = mapped_column(Integer, default=1)
    dossier_document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))   # the latest 一套档案
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    enterprise = relationship("Enterprise", lazy="joined")
    unit = relationship("Unit", lazy="joined")
    officer = relationship("User", foreign_keys=[officer_id], lazy="joined")
    leader = relationship("User", foreign_keys=[leader_id], lazy="joined")
    members: Mapped[list["ProjectMember"]] = relationship(back_populates="project", order_by="ProjectMember.id")
    handovers: Mapped[list["ProjectHandover"]] = relationship(order_by="ProjectHandover.id")


class ProjectMember(db.Model):
    """一套班子: a police team member (``user_id``) or an enterprise contact
    (name, title, phone); removed members stay, with the day they left."""

    __tablename__ = "project_officer_member"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project_officer_project.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))                       # police | contact
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str] = mapped_column(String(100), default="")          # a contact's name
    title: Mapped[str] = mapped_column(String(100), default="")         # duty in the team / post at the enterprise
    phone: Mapped[str] = encrypted("phone", "project_officer_member.phone", hash_attribute="phone_hash")
    phone_hash: Mapped[str | None] = lookup_hash()
    added_on: Mapped[date] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)

    project: Mapped[Project] = relationship(back_populates="members")
    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    @property
    def display_name(self) -> str:
        return self.user.name if self.user is not None else self.name


class ProjectHandover(db.Model):
    """交接: who handed which post to whom, when and why; the history is kept."""

    __tablename__ = "project_officer_handover"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project_officer_project.id"), index=True)
    post: Mapped[str] = mapped_column(String(10))                       # officer | leader | team
    from_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    to_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    handed_on: Mapped[date] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")                # what was handed over
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    from_user = relationship("User", foreign_keys=[from_user_id], lazy="joined")
    to_user = relationship("User", foreign_keys=[to_user_id], lazy="joined")


class ProjectPlanVersion(db.Model):
    """一个方案: one version of the service-and-security plan. A draft is edited;
    approval by the project's leader makes it current and the one before it
    superseded; approved and superseded versions never change."""

    __tablename__ = "project_officer_plan_version"
    __table_args__ = (UniqueConstraint("project_id", "number"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project_officer_project.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    sections: Mapped[dict] = mapped_column(JSON, default=dict)          # {section code: text}
    status: Mapped[str] = mapped_column(String(12), default="draft")    # draft | approved | superseded
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None]

    project: Mapped[Project] = relationship()
    approved_by = relationship("User", foreign_keys=[approved_by_id], lazy="joined")


class ProjectVisit(db.Model):
    """走访: a visit to the site, what was raised, what was done and what follows."""

    __tablename__ = "project_officer_visit"
    __table_args__ = (Index("ix_project_officer_visit_project_day", "project_id", "visited_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project_officer_project.id"))
    visited_on: Mapped[date] = mapped_column(Date)
    visitors: Mapped[str] = mapped_column(String(300))
    raised: Mapped[str] = mapped_column(Text, default="")
    actions: Mapped[str] = mapped_column(Text, default="")
    follow_up: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    project: Mapped[Project] = relationship()


class ProjectMeeting(db.Model):
    """联席座谈 / 意见征求: a joint meeting or a consultation on the project."""

    __tablename__ = "project_officer_meeting"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project_officer_project.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))                       # joint | consultation
    held_on: Mapped[date] = mapped_column(Date)
    participants: Mapped[str] = mapped_column(String(500))
    topics: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    project: Mapped[Project] = relationship()


class ProjectRisk(db.Model):
    """矛盾纠纷、风险隐患: an entry of the running survey, graded by level; the
    level's rule gives the responsible unit and leader, kept on the entry."""

    __tablename__ = "project_officer_risk"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project_officer_project.id"), index=True)
    risk_type: Mapped[str] = mapped_column(String(24))
    level: Mapped[str] = mapped_column(String(8))                       # high | medium | low
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    found_on: Mapped[date] = mapped_column(Date)
    responsible_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    responsible_leader_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    status: Mapped[str] = mapped_column(String(10), default="open")     # open | resolved
    outcome: Mapped[str] = mapped_column(Text, default="")
    resolved_on: Mapped[date | None] = mapped_column(Date)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    project: Mapped[Project] = relationship()
    responsible_unit = relationship("Unit", lazy="joined")
    responsible_leader = relationship("User", foreign_keys=[responsible_leader_id], lazy="joined")
    actions: Mapped[list["ProjectRiskAction"]] = relationship(back_populates="risk", order_by="ProjectRiskAction.id")


class ProjectRiskAction(db.Model):
    """A measure taken on a risk (稳控化解) or a follow-up of it."""

    __tablename__ = "project_officer_risk_action"
    id: Mapped[int] = mapped_column(primary_key=True)
    risk_id: Mapped[int] = mapped_column(ForeignKey("project_officer_risk.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))                       # action | follow_up
    acted_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=clock.now)

    risk: Mapped[ProjectRisk] = relationship(back_populates="actions")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id], lazy="joined")


class ProjectRule(db.Model):
    """A unit's rule for one risk level: the responsible unit and its leader."""

    __tablename__ = "project_officer_rule"
    __table_args__ = (UniqueConstraint("unit_id", "level"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    level: Mapped[str] = mapped_column(String(8))
    responsible_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)

    responsible_unit = relationship("Unit", foreign_keys=[responsible_unit_id], lazy="joined")
    leader = relationship("User", foreign_keys=[leader_id], lazy="joined")
