"""按照风险等级确定责任单位、领导: each unit's rules giving a risk level its
responsible unit and leader. A unit without a rule for a level takes the
default: high → the parent unit (the unit itself at the top of the tree) and
its leader; medium → the unit itself and its leader; low → the unit itself
and the project's own leader. A rule may name the unit, a unit below it or
one above it on its branch, and a leader of that unit."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.errors import NotFound
from core.extensions import db
from core.org.models import Unit, User, UserRole
from plugins.project_officer import projects
from plugins.project_officer.checks import refuse
from plugins.project_officer.models import ProjectRule

LEVELS = {"high": _l("High"), "medium": _l("Medium"), "low": _l("Low")}


@dataclass(frozen=True)
class Responsibility:
    level: str
    unit_id: int
    leader_id: int | None       # None: the project's own leader
    rule_id: int | None = None  # None: the default

    @property
    def unit(self) -> Unit:
        return db.session.get(Unit, self.unit_id)

    @property
    def leader(self) -> User | None:
        return db.session.get(User, self.leader_id) if self.leader_id else None


def first_leader(unit_id) -> int | None:
    return db.session.scalar(select(User.id).where(User.unit_id == unit_id, User.active.is_(True),
                                                   User.role_rows.any(UserRole.role == "leader"))
                             .order_by(User.id).limit(1))


def ancestor_ids(unit) -> list[int]:
    """The units above ``unit``, the nearest last, from its materialised path."""
    return [int(part) for part in unit.path.strip("/").split("/") if part][:-1]


def allowed_unit_ids(unit) -> set[int]:
    below = projects.tree_unit_ids(unit)
    if below is None:
        below = set(db.session.scalars(select(Unit.id)))
    return set(below) | set(ancestor_ids(unit)) | {unit.id}


def default_for(unit, level: str) -> Responsibility:
    if level == "high":
        above = ancestor_ids(unit)
        target = above[-1] if above else unit.id
        return Responsibility(level, target, first_leader(target) or first_leader(unit.id))
    if level == "medium":
        return Responsibility(level, unit.id, first_leader(unit.id))
    return Responsibility(level, unit.id, None)


def rule_of(unit_id, level: str) -> ProjectRule | None:
    return db.session.scalar(select(ProjectRule).where(ProjectRule.unit_id == unit_id, ProjectRule.level == level))


def responsibility(unit, level: str) -> Responsibility:
    rule = rule_of(unit.id, level)
    if rule is not None:
        return Responsibility(level, rule.responsible_unit_id, rule.leader_id, rule.id)
    return default_for(unit, level)


def for_project(project, level: str) -> tuple[int, int]:
    """The responsible unit and leader of a risk of ``level`` on ``project``."""
    found = responsibility(project.unit, level)
    return found.unit_id, found.leader_id or project.leader_id


def table(actor) -> list[Responsibility]:
    """The actor's unit's rules, level by level, defaults where none is set."""
    actor.require("project_officer.read")
    unit = actor.user.unit
    return [responsibility(unit, level) for level in LEVELS]


def choices(actor) -> tuple[list[Unit], list[User]]:
    """The units a rule of the actor's unit may name, and their leaders."""
    unit = actor.user.unit
    ids = sorted(allowed_unit_ids(unit))
    units = list(db.session.scalars(select(Unit).where(Unit.id.in_(ids), Unit.active.is_(True)).order_by(Unit.path)))
    leaders = list(db.session.scalars(select(User).where(User.unit_id.in_(ids), User.active.is_(True),
                                                         User.role_rows.any(UserRole.role == "leader"))
                                      .order_by(User.unit_id, User.name)))
    return units, leaders


def save(actor, level: str, responsible_unit_id, leader_id=None) -> ProjectRule:
    actor.require("project_officer.rules")
    unit = actor.user.unit
    errors = {}
    if level not in LEVELS:
        errors["level"] = [_l("Choose the risk level.")]
    target = db.session.get(Unit, responsible_unit_id) if responsible_unit_id else None
    if target is None or target.id not in allowed_unit_ids(unit):
        errors["responsible_unit_id"] = [_l("The responsible unit must be your unit, one below it or one above it.")]
    if leader_id:
        leader = db.session.get(User, leader_id)
        if leader is None or target is None or leader.unit_id != target.id or "leader" not in leader.roles:
            errors["leader_id"] = [_l("The leader must be a leader of the responsible unit.")]
    refuse(actor, "project_officer.rule", errors, "project_officer_rule")
    rule = rule_of(unit.id, level) or ProjectRule(unit_id=unit.id, level=level)
    rule.responsible_unit_id, rule.leader_id = target.id, leader_id or None
    rule.changed_by_id, rule.changed_at = actor.user_id, clock.now()
    db.session.add(rule)
    db.session.flush()
    audit.record(actor, "project_officer.rule", rule, detail={"level": level, "unit_id": target.id,
                                                             "leader_id": rule.leader_id})
    db.session.commit()
    return rule


def reset(actor, rule_id) -> None:
    """Drop a rule: its level takes the default again."""
    actor.require("project_officer.rules")
    rule = db.session.get(ProjectRule, rule_id) if rule_id else None
    if rule is None or rule.unit_id != actor.unit_id:
        raise NotFound(_l("There is no such rule."))
    audit.record(actor, "project_officer.rule.reset", rule, detail={"level": rule.level})
    db.session.delete(rule)
    db.session.commit()
