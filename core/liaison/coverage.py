"""一企一警 coverage: every enterprise has a liaison officer, and every liaison
officer serves at least ``LIAISON_MIN_ENTERPRISES`` enterprises (source
document 001; 3 unless configured). What the coverage page shows and the
assignment in bulk it offers; the enterprise itself is changed through
core.registry.services, as a desk edit would change it.

Every figure is read as ranges of indexes, so that the page costs about the same
for a city of 100,000 enterprises as for one of 1,000: an officer's count stops
at the minimum (``LIMIT``, on ``ix_enterprise_officer``), the enterprises
without an officer are a page of that index's NULL range, and each unit's
figures are counts of ranges of ``ix_enterprise_unit_flags``."""
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, literal, select

from core import paging
from core.errors import AnqiError, ValidationError
from core.extensions import db
from core.org.models import Unit, User
from core.registry import services as registry
from core.registry.models import Enterprise

PAGE = 50
MAX_ASSIGN = 200


@dataclass(frozen=True)
class ThinOfficer:
    """An officer who serves fewer enterprises than the minimum."""
    user: User
    enterprises: int


@dataclass(frozen=True)
class UnitCoverage:
    unit: Unit
    enterprises: int
    without_officer: int


def minimum() -> int:
    return int(current_app.config["LIAISON_MIN_ENTERPRISES"])


def thin_officers(actor) -> list[ThinOfficer]:
    """The officers of the actor's units who serve fewer than ``minimum()``
    enterprises, fewest first. Each count stops at the minimum: what matters is
    whether it is reached, not by how much."""
    actor.require("enterprise.read")
    least = minimum()
    thin = []
    for officer in registry.officers(actor):
        served = select(literal(1)).where(Enterprise.liaison_officer_id == officer.id).limit(least).subquery()
        count = db.session.scalar(select(func.count()).select_from(served))
        if count < least:
            thin.append(ThinOfficer(officer, count))
    return sorted(thin, key=lambda t: (t.enterprises, t.user.unit_id, t.user.name))


def by_unit(actor) -> list[UnitCoverage]:
    """Each of the actor's units that has enterprises: how many, and how many
    have no liaison officer."""
    actor.require("enterprise.read")
    either = (False, True)    # the flags ahead of the officer in the index, so that each count reads a range
    units = list(db.session.scalars(select(Unit).where(actor.scope.filter(Unit.id)).order_by(Unit.path)))
    figures = []
    for unit in units:
        total = db.session.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.unit_id == unit.id))
        if not total:
            continue
        without = db.session.scalar(select(func.count()).select_from(Enterprise).where(
            Enterprise.unit_id == unit.id, Enterprise.is_key.in_(either), Enterprise.above_scale.in_(either),
            Enterprise.liaison_officer_id.is_(None)))
        figures.append(UnitCoverage(unit, total, without))
    return figures


def without_officer(actor, *, unit_id: int | None = None, cursor: str | None = None,
                    limit: int = PAGE) -> paging.Page:
    """The actor's enterprises without a liaison officer, in name order, a page at a time."""
    stmt = registry.scoped_select(actor, registry.EnterpriseFilter(unit_id=unit_id)).where(
        Enterprise.liaison_officer_id.is_(None))
    columns = registry.SORTS["name"]
    return paging.keyset(db.session, stmt, columns, lambda e: tuple(getattr(e, c.key) for c in columns),
                         cursor, limit, id_column=Enterprise.id)


@dataclass
class Assigned:
    done: list[Enterprise]
    refused: list[tuple[int, str]]     # (enterprise id, why)


def assign(actor, enterprise_ids, officer_id) -> Assigned:
    """Make ``officer_id`` the liaison officer of each enterprise, each changed,
    audited and committed on its own (core.registry.services.update): one that
    cannot be changed is reported without undoing the others."""
    actor.require("enterprise.write")
    ids = []
    for raw in enterprise_ids or ():
        try:
            ids.append(int(raw))
        except (TypeError, ValueError):
            continue
    ids = list(dict.fromkeys(ids))
    errors = {}
    if not ids:
        errors["enterprise_ids"] = [_l("Tick the enterprises to assign.")]
    elif len(ids) > MAX_ASSIGN:
        errors["enterprise_ids"] = [_l("Assign at most %(n)d enterprises at a time.", n=MAX_ASSIGN)]
    if not officer_id:
        errors["officer_id"] = [_l("Choose the liaison officer.")]
    if errors:
        raise ValidationError.of(errors)
    result = Assigned([], [])
    for enterprise_id in ids:
        try:
            result.done.append(registry.update(actor, enterprise_id, {"liaison_officer_id": officer_id}))
        except ValidationError as exc:
            db.session.rollback()
            if "liaison_officer_id" in exc.errors:
                raise     # the officer is wrong for every one of them: say so once
            result.refused.append((enterprise_id, str(exc.message)))
        except AnqiError as exc:
            db.session.rollback()
            result.refused.append((enterprise_id, str(exc.message)))
    return result
