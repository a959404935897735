"""Checking and normalising personal identifiers before they are stored.

Messages never repeat the number: it would end up in logs, audit details or
screenshots of an error page.
"""
import re
import unicodedata

from flask_babel import lazy_gettext as _l
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

from core.errors import ValidationError

PHONE = "phone"
CITIZEN_ID = "citizen_id"
SECRET = "secret"      # not personal data but a credential (a second factor's seed): encrypted, never looked up
KINDS = (PHONE, CITIZEN_ID, SECRET)

_SEPARATORS = re.compile(r"[\s()（）\-–—.]")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SERVICE = re.compile(r"^[48]00\d{7}$")          # 400/800 numbers
_LANDLINE = re.compile(r"^(0\d{2,3})-?(\d{7,8})(?:-(\d{1,6}))?$")
_LOCAL = re.compile(r"^[2-9]\d{6,7}$")


def _area_length(digits: str) -> int:
    """Beijing (010) and the 02x cities have three-digit area codes, the rest four."""
    return 3 if digits.startswith(("010", "02")) else 4


def phone(value) -> str:
    """A mainland mobile (``13800138000``), landline (``0575-87654321``, with an
    extension ``-123``), local (``87654321``) or 400/800 number, normalised;
    else ValidationError. Spaces, brackets, dots, full-width digits and a
    ``+86``/``0086`` prefix are accepted."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        return ""
    digits_dashes = re.sub(r"[\s()（）.]", "", text).replace("–", "-").replace("—", "-")
    bare = _SEPARATORS.sub("", text)
    for prefix in ("+86", "0086"):
        if bare.startswith(prefix):
            bare = bare[len(prefix):]
            digits_dashes = digits_dashes[len(prefix):].lstrip("-")
    if bare.startswith("86") and _MOBILE.match(bare[2:]):
        bare = bare[2:]
    if _MOBILE.match(bare):
        return bare
    if _SERVICE.match(bare):
        return f"{bare[:3]}-{bare[3:6]}-{bare[6:]}"
    if _LOCAL.match(bare):
        return bare
    if bare.startswith("0") and bare.isdigit() and 7 <= len(bare) - _area_length(bare) <= 8:
        area = bare[:_area_length(bare)]
        return f"{area}-{bare[len(area):]}"
    landline = _LANDLINE.match(digits_dashes)  # with an extension: 0575-87654321-123
    if landline and bare.isdigit():
        area, number, extension = landline.groups()
        whole = area + number
        area = whole[:_area_length(whole)]
        number = whole[len(area):]
        if 7 <= len(number) <= 8:
            return f"{area}-{number}" + (f"-{extension}" if extension else "")
    raise ValidationError(_l("The phone number is not a mainland mobile or landline number."), field="phone")


def citizen_id(value) -> str:
    """A resident identity card number (居民身份证号码) checked with
    python-stdnum's ``cn.ric``: 18 characters, a real birth date and region,
    the right check character. Returned upper-case, without spaces."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        return ""
    try:
        return ric.validate(text)
    except stdnum_errors.InvalidLength:
        message = _l("A citizen ID number has 18 characters.")
    except stdnum_errors.InvalidFormat:
        message = _l("A citizen ID number is 17 digits and a last digit or X.")
    except stdnum_errors.InvalidChecksum:
        message = _l("The citizen ID number's check character does not match: look for a mistyped digit.")
    except stdnum_errors.ValidationError:
        message = _l("The citizen ID number's region or date of birth does not exist.")
    raise ValidationError(message, field="citizen_id")


def normalise(kind: str, value) -> str:
    """The form the lookup hash is taken of; a value that does not validate
    (an old row written before the check) is compared as typed, without spaces."""
    if kind == SECRET:
        return str(value or "")
    check = {PHONE: phone, CITIZEN_ID: citizen_id}[kind]
    try:
        return check(value)
    except ValidationError:
        return re.sub(r"\s", "", str(value or "")).upper()
