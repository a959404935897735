"""How personal identifiers are shown to someone who has not revealed them:
``138****5678``, ``0575-****4321``, ``110105********002X``.

A masked value may come back from a form that showed it (the intake form
filled in from the enterprise's contact, the enterprise's edit form, an export
imported again): ``unmask`` finds the stored value it stands for.
"""
from flask_babel import lazy_gettext as _l

from core.errors import ValidationError
from core.privacy.validation import CITIZEN_ID, PHONE

MASK = "*"


def mask_phone(value: str) -> str:
    value = value or ""
    digits = value.replace("-", "")
    if len(digits) == 11 and digits.startswith("1"):
        return f"{digits[:3]}****{digits[-4:]}"
    if "-" in value and value.startswith("0"):  # keep the area code, hide the number but its last four
        area, _, rest = value.partition("-")
        number = rest.split("-")[0]
        return f"{area}-" + MASK * max(len(number) - 4, 0) + number[-4:]
    return MASK * max(len(digits) - 4, 0) + digits[-4:]


def mask_citizen_id(value: str) -> str:
    value = value or ""
    if len(value) == 18:
        return f"{value[:6]}{MASK * 8}{value[-4:]}"
    return MASK * max(len(value) - 4, 0) + value[-4:]


MASKS = {PHONE: mask_phone, CITIZEN_ID: mask_citizen_id}


def mask(kind: str, value: str) -> str:
    return MASKS[kind](value) if value else ""


def is_masked(value) -> bool:
    return MASK in str(value or "")


def unmask(kind: str, value: str, candidates) -> str:
    """The stored value among ``candidates`` whose mask ``value`` is, or
    ValidationError when none is (the user must type the number in full)."""
    for candidate in candidates:
        if candidate and mask(kind, candidate) == value:
            return candidate
    raise ValidationError(_l("A partly hidden number cannot be saved: type the whole number."), field=kind)
