"""Units and users: the organisation that owns and handles records."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from core.audit import services as audit
from core.auth import passwords, sessions
from core import versioning
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.org.models import UNIT_KINDS, Unit, User, UserRole
from core.org.roles import ROLES, separation_problem
from core.text import clean_text


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, Werkzeug's default


# --- units --------------------------------------------------------------------

def unit_by_code(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == code))


def all_units() -> list[Unit]:
    return list(db.session.scalars(select(Unit).order_by(Unit.path)))


def _claim(actor, record, version, action: str, message) -> None:
    """The form's version of ``record`` is still current (core.versioning); else
    the Conflict is audited and raised."""
    try:
        versioning.claim(type(record), record.id, versioning.as_version(version), message)
    except Conflict:
        audit.record_failure(actor, action, object_type=record.__tablename__, object_id=record.id,
                             detail={"conflict": True})
        raise


def save_unit(actor, data: dict, unit_id: int | None = None) -> Unit:
    """Create a unit (``unit_id`` None) or change one. Moving a unit under one of
    its own descendants is refused; moving it re-roots its whole subtree."""
    actor.require("system.manage")
    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit_id and unit is None:
        raise NotFound(_l("There is no such unit."))
    errors = {}
    code = clean_text(data.get("code"), 32).upper()
    name = clean_text(data.get("name"), 100)
    kind = data.get("kind")
    doc_prefix = clean_text(data.get("doc_prefix"), 20) or None
    parent_id = int(data["parent_id"]) if data.get("parent_id") else None
    if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
        errors["code"] = [_l("Use up to 32 letters, digits, - or _ for the code.")]
    elif (other := unit_by_code(code)) is not None and other is not unit:
        errors["code"] = [_l("Another unit already has this code.")]
    if not name:
        errors["name"] = [_l("Enter the unit's name.")]
    if kind not in UNIT_KINDS:
        errors["kind"] = [_l("Choose the kind of unit.")]
    parent = db.session.get(Unit, parent_id) if parent_id else None
    if parent_id and parent is None:
        errors["parent_id"] = [_l("Choose an existing parent unit.")]
    if parent is not None and unit is not None and parent.path.startswith(unit.path):
        errors["parent_id"] = [_l("A unit cannot be placed under itself or its own sub-units.")]
    if parent is None and kind != "city_bureau":
        errors.setdefault("parent_id", []).append(_l("Only a city bureau stands at the top of the tree."))
    if errors:
        audit.record_failure(actor, "unit.save", object_type="unit", object_id=unit_id,
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    if unit is not None:
        _claim(actor, unit, data.get("version"), "unit.save", _l(
            "Someone else saved this unit while you were editing. Their version is shown below; "
            "your entries are still in the form: save again to apply them."))
    creating = unit is None
    if creating:
        unit = Unit(code=code, name=name, kind=kind)
        db.session.add(unit)
    old_path = unit.path
    unit.code, unit.name, unit.kind, unit.doc_prefix = code, name, kind, doc_prefix
    unit.parent_id = parent.id if parent else None
    if "active" in data:
        unit.active = bool(data["active"])
    db.session.flush()
    new_path = (parent.path if parent else "/") + f"{unit.id}/"
    if new_path != old_path:
        if old_path:
            for descendant in db.session.scalars(select(Unit).where(Unit.path.startswith(old_path),
                                                                     Unit.id != unit.id)):
                descendant.path = new_path + descendant.path[len(old_path):]
        unit.path = new_path
    audit.record(actor, "unit.create" if creating else "unit.update", unit, detail={"code": code})
    db.session.commit()
    return unit


# --- users --------------------------------------------------------------------

def user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).join(User.unit).order_by(Unit.path, User.username)))


def save_user(actor, data: dict, user_id: int | None = None) -> User:
    """Create a user (with ``password``) or change one (password optional)."""
    actor.require("system.manage")
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        raise NotFound(_l("There is no such user."))
    errors = {}
    username = clean_text(data.get("username"), 64).lower() if user is None else user.username
    name = clean_text(data.get("name"), 100)
    roles = sorted(set(data.get("roles") or []))
    unit = db.session.get(Unit, int(data["unit_id"])) if data.get("unit_id") else None
    password = data.get("password") or ""
    if user is None:
        if not username or not username.replace(".", "").replace("_", "").replace("-", "").isalnum() \
                or not username.isascii():
            errors["username"] = [_l("Use letters, digits, . _ or - for the user name.")]
        elif user_by_username(username) is not None:
            errors["username"] = [_l("This user name is taken.")]
    if not name:
        errors["name"] = [_l("Enter the person's name.")]
    if unit is None:
        errors["unit_id"] = [_l("Choose the user's unit.")]
    if not roles or any(r not in ROLES for r in roles):
        errors["roles"] = [_l("Choose at least one role.")]
    elif separation_problem(roles):
        errors["roles"] = [separation_problem(roles)]
    if user is None or password:
        try:
            passwords.check_new_password(password, username, user)
        except ValidationError as exc:
            errors["password"] = [exc.message]
    if errors:
        audit.record_failure(actor, "user.save", object_type="user_account", object_id=user_id,
                             detail={"fields": sorted(errors)})
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    if user is not None:
        _claim(actor, user, data.get("version"), "user.save", _l(
            "Someone else saved this user while you were editing. Their version is shown below; "
            "your entries are still in the form: save again to apply them."))
    creating = user is None
    if creating:
        user = User(username=username, password_hash="")
        db.session.add(user)
    user.name = name
    user.unit_id = unit.id
    if "active" in data:
        user.active = bool(data["active"])
    if password:
        user.password_hash = hash_password(password)
        # Chosen by an administrator for someone else: that person replaces it at their next login.
        user.must_change_password = not actor.is_shell and actor.user_id != user.id
    if sorted(user.roles) != roles:
        user.role_rows = [UserRole(role=r) for r in roles]
    db.session.flush()
    if password:
        passwords.remember(user)
    ended = 0
    if not creating and (not user.active or password):
        ended = sessions.end_all(user.id, sessions.DISABLED if not user.active else sessions.PASSWORD, actor)
    audit.record(actor, "user.create" if creating else "user.update", user,
                 detail={"roles": roles, "unit": unit.code, "password_set": bool(password),
                         "must_change_password": user.must_change_password, "sessions_ended": ended})
    db.session.commit()
    return user
