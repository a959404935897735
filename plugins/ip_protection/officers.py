"""IP officers (知产警官) and the routing of consultations to them.

A unit's leader designates its IP officers. A new consultation goes to the
designated officer of the handling unit with the fewest open (not closed)
consultations, ties broken by the lowest user id; a unit that has designated
nobody routes to its active officers (role ``officer``) by the same rule."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from core.audit import services as audit
from core.errors import Conflict, Forbidden, ValidationError
from core.extensions import db
from core.org.models import User, UserRole
from core.org.roles import OFFICER
from plugins.ip_protection import access
from plugins.ip_protection.models import Consultation, Officer


def designated(unit_id) -> list[Officer]:
    return list(db.session.scalars(select(Officer).join(User, User.id == Officer.user_id)
                                   .where(Officer.unit_id == unit_id, User.active.is_(True), User.unit_id == unit_id)
                                   .order_by(Officer.user_id)))


def candidate_ids(unit_id) -> list[int]:
    """Who may receive the unit's consultations: its designated IP officers, else its officers."""
    ids = [row.user_id for row in designated(unit_id)]
    if ids:
        return ids
    return list(db.session.scalars(select(User.id).where(
        User.unit_id == unit_id, User.active.is_(True), User.role_rows.any(UserRole.role == OFFICER))
        .order_by(User.id)))


def route(unit_id) -> int | None:
    """The user id the next consultation of ``unit_id`` goes to, or None when the unit has nobody."""
    ids = candidate_ids(unit_id)
    if not ids:
        return None
    load = dict(db.session.execute(select(Consultation.officer_id, func.count())
                                   .where(Consultation.officer_id.in_(ids), Consultation.status != "closed")
                                   .group_by(Consultation.officer_id)).all())
    return min(ids, key=lambda user_id: (load.get(user_id, 0), user_id))


def is_ip_officer(actor, unit_id) -> bool:
    return actor.user_id is not None and actor.user_id in candidate_ids(unit_id)


def designate(actor, user_id, unit_id=None) -> Officer:
    actor.require("ip_protection.designate")
    unit_id = access.handling_unit(actor, unit_id)
    user = db.session.get(User, user_id) if user_id else None
    if user is None or user.unit_id != unit_id or not user.active or not user.roles & {"officer", "leader"}:
        audit.record_failure(actor, "ip_protection.designate", object_type="user_account", object_id=user_id,
                             detail={"reason": "not an officer of the unit"})
        raise ValidationError(_l("Choose an active officer or leader of this unit."), field="user_id")
    existing = db.session.scalar(select(Officer).where(Officer.unit_id == unit_id, Officer.user_id == user.id))
    if existing is not None:
        return existing
    row = Officer(unit_id=unit_id, user_id=user.id, designated_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "ip_protection.designate", row, detail={"unit_id": unit_id, "user_id": user.id})
    db.session.commit()
    return row


def withdraw(actor, user_id, unit_id=None) -> None:
    actor.require("ip_protection.designate")
    unit_id = access.handling_unit(actor, unit_id)
    row = db.session.scalar(select(Officer).where(Officer.unit_id == unit_id, Officer.user_id == user_id))
    if row is None:
        raise Conflict(_l("This user is not an IP officer of the unit."))
    audit.record(actor, "ip_protection.withdraw_officer", row, detail={"unit_id": unit_id, "user_id": user_id})
    db.session.delete(row)
    db.session.commit()


def unit_members(actor, unit_id) -> list[User]:
    """Officers and leaders of a unit the actor may designate from."""
    if not actor.scope.allows(unit_id):
        raise Forbidden(_l("You are not allowed to do this."))
    return list(db.session.scalars(select(User).where(
        User.unit_id == unit_id, User.active.is_(True),
        User.role_rows.any(UserRole.role.in_(("officer", "leader")))).order_by(User.id)))
