"""The register of outside departments (转交办): who keeps it, what it holds, and how a
ticket names its department.

One register per tree of units (``OutsideDepartment.unit_id`` is the tree's root): the
centre, its stations and brigades transfer to the same departments. The leaders of the
units that coordinate the whole tree (the centre, the city bureau) keep it
(``department.manage``), as does the administrator (``department.configure``, a
configuration permission of its own: 三权分立); every business role reads it. A department
is deactivated rather than deleted: tickets keep its id and the name it had.
"""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import clock, versioning
from core.audit import services as audit
from core.departments.models import OutsideDepartment
from core.errors import Forbidden, NotFound, ValidationError
from core.extensions import db
from core.org.models import Unit
from core.org.scope import WHOLE_TREE_KINDS
from core.privacy import validation as personal
from core.registry import pinyin
from core.text import clean_text

LIMITS = {"name": 100, "contact_person": 50, "address": 200, "note": 1000}
FIELDS = ("name", "contact_person", "office_phone", "address", "note")


# --- whose register --------------------------------------------------------------------

def tree_root_id(unit) -> int:
    """The root of the tree ``unit`` stands in (its path's first id)."""
    return int(unit.path.strip("/").split("/")[0])


def _root_of(actor, unit_id=None) -> int | None:
    """The root of the register the actor works with: their unit's tree; for the
    shell, the tree of ``unit_id`` (None: every register)."""
    if actor.enterprise_id is not None:
        raise Forbidden(_l("You are not allowed to do this."))
    if actor.user is not None:
        return tree_root_id(actor.user.unit)
    if unit_id is not None:
        unit = db.session.get(Unit, unit_id)
        if unit is None:
            raise NotFound(_l("There is no such unit."))
        return tree_root_id(unit)
    return None


def _in_register(actor, stmt, unit_id=None):
    root = _root_of(actor, unit_id)
    return stmt if root is None else stmt.where(OutsideDepartment.unit_id == root)


def may_read(actor) -> bool:
    return actor.can("department.read") or actor.can("department.configure")


def may_manage(actor) -> bool:
    """The administrator, or a leader of a unit that coordinates the whole tree (the
    centre, the city bureau); a station's or brigade's leader reads the register only."""
    if getattr(actor, "is_shell", False) or actor.can("department.configure"):
        return True
    return (actor.can("department.manage") and actor.user is not None
            and actor.user.unit.kind in WHOLE_TREE_KINDS)


def require_manage(actor, action: str, department=None) -> None:
    if not may_manage(actor):
        audit.record_failure(actor, action, result=audit.DENIED, object_type="outside_department",
                             object_id=department.id if department is not None else None)
        raise Forbidden(_l("Only the leaders of the centre and the administrator keep the register of "
                           "outside departments."))


# --- reading ---------------------------------------------------------------------------

def _ordered(rows) -> list[OutsideDepartment]:
    return sorted(rows, key=lambda d: (not d.active, pinyin.sort_key(d.name), d.id))


def listing(actor) -> list[OutsideDepartment]:
    """Every department of the actor's register, the active ones first, by name."""
    if not may_read(actor):
        raise Forbidden(_l("You are not allowed to do this."))
    return _ordered(db.session.scalars(_in_register(actor, select(OutsideDepartment))))


def choices(actor) -> list[OutsideDepartment]:
    """The active departments a ticket may be transferred to, by name (for the
    intake form and the transfer action: whoever may register or transfer)."""
    if actor.enterprise_id is not None:
        return []
    stmt = _in_register(actor, select(OutsideDepartment).where(OutsideDepartment.active.is_(True)))
    return _ordered(db.session.scalars(stmt))


def get(actor, department_id) -> OutsideDepartment:
    department = db.session.get(OutsideDepartment, department_id) if department_id else None
    root = _root_of(actor) if department is not None else None
    if department is None or (root is not None and department.unit_id != root):
        raise NotFound(_l("There is no such department in your register."))
    return department


def resolve(actor, department_id=None, name: str = "") -> tuple[int | None, str]:
    """The department a ticket names: (its id, its name as it is now).

    By id: an active department of the actor's register. By name (the JSON API's
    ``external_department``, scripts): the register's active department of that
    name; a name the register lacks is refused once the register holds any
    department, and taken as typed only while it is still empty (a new
    installation). Neither: (None, "")."""
    if department_id not in (None, ""):
        try:
            department = get(actor, int(department_id)) if str(department_id).isdigit() else None
        except NotFound:
            department = None
        if department is None or not department.active:
            raise ValidationError(_l("Choose the department from the register."), field="department_id")
        return department.id, department.name
    name = clean_text(name, LIMITS["name"])[:LIMITS["name"]]
    if not name:
        return None, ""
    active = _in_register(actor, select(OutsideDepartment).where(OutsideDepartment.active.is_(True)))
    found = db.session.scalar(active.where(OutsideDepartment.name == name).order_by(OutsideDepartment.id).limit(1))
    if found is not None:
        return found.id, found.name
    if db.session.scalar(active.with_only_columns(func.count(OutsideDepartment.id))):
        raise ValidationError(_l("“%(name)s” is not in the register of outside departments: choose one of its "
                                 "departments, or ask a leader of the centre to add it.", name=name),
                              field="department_id")
    return None, name


# --- keeping the register ----------------------------------------------------------------

def validate(actor, data: dict, root: int | None, department_id=None) -> dict:
    """Clean values, or ValidationError with every problem by field."""
    errors, clean = {}, {}
    for name in ("name", "contact_person", "address", "note"):
        text = clean_text(data.get(name), LIMITS[name])
        if len(text) > LIMITS[name]:
            errors[name] = [_l("Keep this under %(n)d characters.", n=LIMITS[name])]
        clean[name] = text[:LIMITS[name]]
    if not clean["name"] and "name" not in errors:
        errors["name"] = [_l("Name the department.")]
    try:
        clean["office_phone"] = personal.phone(clean_text(data.get("office_phone"), 40))
    except ValidationError as exc:
        errors["office_phone"] = [exc.message]
    if clean["name"] and "name" not in errors and root is not None:
        taken = db.session.scalar(select(OutsideDepartment.id).where(
            OutsideDepartment.unit_id == root, OutsideDepartment.name == clean["name"],
            OutsideDepartment.id != (department_id or 0)))
        if taken is not None:
            errors["name"] = [_l("The register already has a department of this name.")]
    if errors:
        raise ValidationError(next(iter(errors.values()))[0], errors=errors)
    return clean


def _rejected(actor, action, exc, department_id=None):
    audit.record_failure(actor, action, object_type="outside_department", object_id=department_id,
                         detail={"fields": sorted(getattr(exc, "errors", {}) or [])})


def create(actor, data: dict, unit_id=None) -> OutsideDepartment:
    """Add a department to the actor's register (the shell names a unit of the tree)."""
    require_manage(actor, "department.create")
    root = _root_of(actor, unit_id)
    if root is None:
        raise ValidationError(_l("Name the unit whose register this is."), field="unit_id")
    try:
        values = validate(actor, data, root)
    except ValidationError as exc:
        _rejected(actor, "department.create", exc)
        raise
    now = clock.now()
    department = OutsideDepartment(unit_id=root, active=True, version=1, created_by_id=actor.user_id,
                                   created_at=now, updated_at=now, **values)
    db.session.add(department)
    try:
        db.session.flush()
    except IntegrityError:   # the same name added at the same moment by someone else
        db.session.rollback()
        raise ValidationError(_l("The register already has a department of this name."), field="name") from None
    audit.record(actor, "department.create", department, detail={"name": department.name})
    db.session.commit()
    return department


def update(actor, department_id, data: dict, version=None) -> OutsideDepartment:
    """Change a department's entries. ``version``: the form's (a Conflict when
    someone saved in between)."""
    department = get(actor, department_id)
    require_manage(actor, "department.update", department)
    try:
        values = validate(actor, data, department.unit_id, department.id)
    except ValidationError as exc:
        _rejected(actor, "department.update", exc, department.id)
        raise
    versioning.claim(OutsideDepartment, department.id, versioning.as_version(version),
                     _l("Someone else saved this department in the meantime. Here is their version; your "
                        "entries are still in the form."))
    changed = sorted(name for name, value in values.items() if getattr(department, name) != value)
    for name, value in values.items():
        setattr(department, name, value)
    department.updated_at = clock.now()
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ValidationError(_l("The register already has a department of this name."), field="name") from None
    audit.record(actor, "department.update", department, detail={"fields": changed})
    db.session.commit()
    return department


def set_active(actor, department_id, active: bool) -> OutsideDepartment:
    """Deactivate (no longer offered; tickets keep it) or activate again."""
    department = get(actor, department_id)
    action = "department.activate" if active else "department.deactivate"
    require_manage(actor, action, department)
    if department.active != active:
        department.active, department.updated_at = active, clock.now()
        department.version += 1
        audit.record(actor, action, department, detail={"name": department.name})
        db.session.commit()
    return department
