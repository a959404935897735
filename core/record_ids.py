"""Record ids as forms, URLs, the JSON API and the command line send them: a
positive whole number that an INTEGER column holds (PostgreSQL's int4), given
as a number or as its digits. Anything else names no record, so a wrong id is
a missing record (404 or a field's message), never an error of the database."""
from core.extensions import db

MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))      # longer text is no id, and is not handed to int() at all


def record_id(value) -> int | None:
    """``value`` as a record id, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    text = str(value if value is not None else "").strip()
    if not (0 < len(text) <= _MAX_DIGITS and text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def get_row(model, value):
    """The row of ``model`` whose id ``value`` names, or None (no such row, or no id)."""
    found = record_id(value)
    return db.session.get(model, found) if found is not None else None
