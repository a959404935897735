"""Data scoping: a user sees the records of their unit and the units below it.

The centre (and the city bureau) coordinate the whole city, so their scope is
the whole tree they sit in, from its root down.
"""
from dataclasses import dataclass

from sqlalchemy import func, select

from core.extensions import db

WHOLE_TREE_KINDS = frozenset({"city_bureau", "centre"})


@dataclass(frozen=True)
class Scope:
    root_id: int | None
    unit_ids: frozenset[int] | None  # None: every unit

    def allows(self, unit_id) -> bool:
        return self.unit_ids is None or unit_id in self.unit_ids

    def filter(self, column):
        """A WHERE clause restricting ``column`` (a unit id column) to this scope."""
        if self.unit_ids is None:
            return True
        return column.in_(sorted(self.unit_ids))


def scope_for(unit) -> Scope:
    """The scope of a user of ``unit``."""
    from core.org.models import Unit

    root = unit
    if unit.kind in WHOLE_TREE_KINDS:
        root_id = int(unit.path.strip("/").split("/")[0])
        root = db.session.get(Unit, root_id)
    ids = frozenset(db.session.scalars(select(Unit.id).where(Unit.path.startswith(root.path))))
    total = db.session.scalar(select(func.count(Unit.id)))
    # When the subtree is every unit, no filter is needed, and the list queries
    # keep using their ordered indexes instead of an IN over every unit.
    return Scope(root.id, None if len(ids) == total else ids)
