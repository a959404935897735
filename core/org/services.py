"""Units and users: the organisation that owns and handles records."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from core.audit import services as audit
from core.auth import passwords, sessions
from core import versioning
from core.errors import Conflict, NotFound, ValidationError
from core.extensions import db
from core.org.models import PERSON, SYSTEM, UNIT_KINDS, USER_KINDS, Unit, User, UserRole
from core.org.roles import ROLES, separation_problem
from core.record_ids import get_row
from core.text import clean_text


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt, Werkzeug's default


# --- units --------------------------------------------------------------------

def unit_from_form(value) -> Unit | None:
    """The unit a form's field names by its id (text or a number), or None when the
    value is not a record id or no unit has it: the caller's rules say which
    units may be chosen and what to say about a missing one."""
    return get_row(Unit, value)


def unit_by_code(code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.code == code))


# How a document's text names its issuing unit when the unit has not said (unit.self_reference):
# a bureau writes 我局, a centre 本中心, a station 我所. Chinese official wording, not translated.
SELF_REFERENCES = {"city_bureau": "我局", "centre": "本中心", "sub_centre": "本中心", "liaison_room": "本室",
                   "brigade": "我大队", "station": "我所"}


SELF_REFERENCE_LIMIT = 10


def self_reference(unit: Unit) -> str:
    """The words a document of ``unit`` uses for its issuer in the body (我局 …)."""
    return unit.self_reference or usual_self_reference(unit.kind)


def usual_self_reference(kind: str) -> str:
    """The words a unit of ``kind`` is named by in its documents when it has not said."""
    return SELF_REFERENCES.get(kind, "我单位")


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
    # Absent (a caller that does not manage it): kept; empty: back to the usual words for the kind.
    words = unit.self_reference if unit else None
    if "self_reference" in data:
        words = " ".join(clean_text(data["self_reference"], SELF_REFERENCE_LIMIT).split()) or None
    parent_id = int(data["parent_id"]) if data.get("parent_id") else None
    if not code or len(code) > 32 or not code.replace("-", "").replace("_", "").isalnum():
        errors["code"] = [_l("Use up to 32 letters, digits, - or _ for the code.")]
    elif (other := unit_by_code(code)) is not None and other is not unit:
        errors["code"] = [_l("Another unit already has this code.")]
    if not name:
        errors["name"] = [_l("Enter the unit's name.")]
    if kind not in UNIT_KINDS:
        errors["kind"] = [_l("Choose the kind of unit.")]
    if words and len(words) > SELF_REFERENCE_LIMIT:
        errors["self_reference"] = [_l("Keep this under %(n)d characters.", n=SELF_REFERENCE_LIMIT)]
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
    changed_words = unit.self_reference != words
    unit.self_reference = words
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
    detail = {"code": code}
    if changed_words:
        detail["self_reference"] = words
    audit.record(actor, "unit.create" if creating else "unit.update", unit, detail=detail)
    db.session.commit()
    return unit


# --- users --------------------------------------------------------------------

def user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def all_users() -> list[User]:
    return list(db.session.scalars(select(User).join(User.unit).order_by(Unit.path, User.username)))


def save_user(actor, data: dict, user_id: int | None = None, *, must_change_password: bool | None = None) -> User:
    """Create a user (with ``password``) or change one (password optional).

    A password an administrator chose for someone else is replaced at that
    person's next login; one set from the shell is not, unless
    ``must_change_password`` says so (an account made at the shell for another person).

    ``kind`` (on creation only): a person, or a system account for another system's
    API tokens. A system account has no password and no role from this form: a
    leader of its unit grants its business access (core/org/system_accounts.py), so
    that the administrator alone never makes a token that reads business data."""
    actor.require("system.manage")
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        raise NotFound(_l("There is no such user."))
    errors = {}
    username = clean_text(data.get("username"), 64).lower() if user is None else user.username
    name = clean_text(data.get("name"), 100)
    kind = (data.get("kind") or PERSON) if user is None else user.kind
    roles = sorted(set(data.get("roles") or []))
    unit = db.session.get(Unit, int(data["unit_id"])) if data.get("unit_id") else None
    password = data.get("password") or ""
    if kind not in USER_KINDS:
        errors["kind"] = [_l("Choose whether the account is a person's or a system's.")]
    elif kind == SYSTEM:
        if user is not None:
            roles = sorted(user.roles)         # granted by a leader of its unit, not on this form
        elif roles:
            errors["roles"] = [_l("A system account gets no role here: a leader of its unit grants its access.")]
        if password:
            errors["password"] = [_l("A system account has no password: it works only through API tokens.")]
        if user is not None and unit is not None and unit.id != user.unit_id and (user.roles or user.may_reveal):
            errors["unit_id"] = [_l("This system account holds access granted in its unit. A leader of the unit "
                                    "revokes it first; then the account can move.")]
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
    if kind == SYSTEM:
        pass
    elif not roles or any(r not in ROLES for r in roles):
        errors["roles"] = [_l("Choose at least one role.")]
    elif separation_problem(roles):
        errors["roles"] = [separation_problem(roles)]
    if kind != SYSTEM and (user is None or password):
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
        # A system account's empty hash matches no password (Werkzeug reads it as malformed).
        user = User(username=username, password_hash="", kind=kind)
        db.session.add(user)
    user.name = name
    user.unit_id = unit.id
    if "active" in data:
        user.active = bool(data["active"])
    if password:
        user.password_hash = hash_password(password)
        # Chosen by an administrator for someone else: that person replaces it at their next login.
        user.must_change_password = (not actor.is_shell and actor.user_id != user.id
                                     if must_change_password is None else must_change_password)
    if sorted(user.roles) != roles:
        user.role_rows = [UserRole(role=r) for r in roles]
    db.session.flush()
    if password:
        passwords.remember(user)
    ended = 0
    if not creating and (not user.active or password):
        ended = sessions.end_all(user.id, sessions.DISABLED if not user.active else sessions.PASSWORD, actor)
    audit.record(actor, "user.create" if creating else "user.update", user,
                 detail={"kind": kind, "roles": roles, "unit": unit.code, "password_set": bool(password),
                         "must_change_password": user.must_change_password, "sessions_ended": ended})
    db.session.commit()
    return user
