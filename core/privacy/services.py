"""Who sees personal identifiers unmasked, and the audit of every time they do.

Pages, exports and the API show masked values (``core.privacy.masking``).
A user whose role holds ``personal_data.reveal`` may ask to see one value
(``reveal``) or to export unmasked values (``record_export``); both are
recorded in the audit trail with the object and the field, never the value.
"""
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l

from core.audit import services as audit
from core.errors import Forbidden
from core.extensions import db

if TYPE_CHECKING:
    from core.org.actor import Actor

REVEAL = "personal_data.reveal"


def may_reveal(actor) -> bool:
    return actor.can(REVEAL)


def _require(actor, action: str, **where) -> None:
    if not may_reveal(actor):
        audit.record_failure(actor, action, result=audit.DENIED, **where)
        raise Forbidden(_l("Your role may not see personal data unmasked."))


def check(actor, obj, field: str) -> None:
    """Forbidden (recorded as denied) unless ``actor`` may reveal; records nothing otherwise."""
    _require(actor, REVEAL, object_type=obj.__tablename__, object_id=obj.id, detail={"field": field})


def reveal(actor: "Actor", obj, field: str, *, detail: dict | None = None, commit: bool = True) -> None:
    """Record that ``actor`` is shown ``field`` of ``obj`` unmasked, and commit
    the entry; Forbidden (recorded as denied) when the actor's role may not."""
    where = {"object_type": obj.__tablename__, "object_id": obj.id, "detail": {"field": field, **(detail or {})}}
    _require(actor, REVEAL, **where)
    audit.record(actor, REVEAL, **where)
    if commit:
        db.session.commit()


def check_export(actor, object_type: str, fields: list[str]) -> None:
    """Before building an export with unmasked ``fields``: Forbidden (recorded
    as denied) unless ``actor`` may reveal."""
    _require(actor, "personal_data.export", object_type=object_type, detail={"fields": fields})


def record_export(actor: "Actor", object_type: str, fields: list[str], rows: int, *, detail: dict | None = None) -> None:
    """Record an export that holds unmasked values, in the export's own
    transaction (the caller commits)."""
    check_export(actor, object_type, fields)
    audit.record(actor, "personal_data.export", object_type=object_type,
                 detail={"fields": fields, "rows": rows, **(detail or {})})
