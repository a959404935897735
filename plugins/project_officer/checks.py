"""Small checks shared by the plugin's services: the local day, typed text, and
refusing bad input with every problem named, audited, nothing written."""
from datetime import date

from core import clock
from core.audit import services as audit
from core.errors import ValidationError
from core.tickets.deadlines import local_date
from core.text import clean_text


def today() -> date:
    """Today in China (the clock is UTC)."""
    return local_date(clock.now())


def text(value, limit: int) -> str:
    return clean_text(value, limit)[:limit]


def refuse(actor, action: str, errors: dict, object_type: str, object_id=None) -> None:
    """Raise the first problem (all of them by field) after auditing the
    refusal; the detail names the fields only, never what was typed."""
    if not errors:
        return
    audit.record_failure(actor, action, object_type=object_type, object_id=object_id,
                         detail={"fields": sorted(errors)})
    raise ValidationError(next(iter(errors.values()))[0], errors=errors)
