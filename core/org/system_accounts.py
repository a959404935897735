"""System accounts' business access: granted by a leader, never by the administrator.

A system account (``user_account.kind = system``) is another system calling
the JSON API with a token: the 12345 hotline, a city data platform. The
administrator creates it, with no role and no password, and issues its
tokens; only a leader whose scope holds its unit grants it business roles
(desk, officer) and, separately, the personal-data permission (unmasked phone
and ID numbers through ``reveal=true``). Every grant and every revocation is
audited (``system_account.grant``, with the access before and after). So the
administrator alone can make a token, but never one that reads a business
record: 三权分立 holds for the API as for the pages.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.audit import services as audit
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.models import SYSTEM, Unit, User, UserRole
from core.org.roles import DESK, OFFICER
from core.record_ids import get_row

# What a leader may grant: the roles that register, read and handle records. A system
# account never signs off, supervises or decides extensions (the leader's own role).
GRANTABLE = (DESK, OFFICER)
PERMISSION = "system_account.grant"


def _require(actor) -> None:
    """A leader, signed in: the shell (the operator at the server) and the
    administrator cannot grant business access."""
    if actor.user is None or not actor.can(PERMISSION):
        raise Forbidden(_l("Only a leader of the account's unit grants a system account its access."))


def listed(actor) -> list[User]:
    """The system accounts of the actor's units, by unit and name."""
    _require(actor)
    return list(db.session.scalars(
        select(User).join(User.unit).where(User.kind == SYSTEM, actor.scope.filter(User.unit_id))
        .order_by(Unit.path, User.username)))


def get(actor, user_id) -> User:
    """A system account of the actor's units; NotFound for anything else (a
    person, or an account of another unit, looks exactly like a missing one)."""
    _require(actor)
    account = get_row(User, user_id)
    if account is None or account.kind != SYSTEM or not actor.scope.allows(account.unit_id):
        raise NotFound(_l("There is no such system account in your units."))
    return account


def set_access(actor, user_id, roles, may_reveal: bool) -> User:
    """Give the system account exactly ``roles`` (of ``GRANTABLE``) and, or not,
    the personal-data permission; an empty set revokes everything. Audited."""
    account = get(actor, user_id)
    wanted = sorted(set(roles or ()))
    if any(role not in GRANTABLE for role in wanted):
        audit.record_failure(actor, "system_account.grant", object_type="user_account", object_id=account.id,
                             detail={"fields": ["roles"]})
        raise ValidationError(_l("A system account can be given the desk or the officer role only."), field="roles")
    may_reveal = bool(may_reveal)
    before = {"roles": sorted(account.roles), "reveal": bool(account.may_reveal)}
    after = {"roles": wanted, "reveal": may_reveal}
    if before == after:
        return account
    kept = {row.role: row for row in account.role_rows}      # rows that stay are kept, not re-inserted
    account.role_rows = [kept.get(role) or UserRole(role=role) for role in wanted]
    account.may_reveal = may_reveal
    audit.record(actor, "system_account.grant", account,
                 detail={"user": account.username, "before": before, "after": after})
    db.session.commit()
    return account
