"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character.

python-stdnum's ``cn.uscc.validate`` insists that the first eight characters are
digits, which rejects valid codes issued by registration authorities with letter
codes (``N`` for agriculture, ``Y`` for others, ``A`` …), so only its check-digit
function is used here.
"""
import unicodedata

from flask_babel import lazy_gettext as _l
from stdnum.cn.uscc import calc_check_digit

from core.errors import ValidationError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100: no I, O, Z, S, V
LENGTH = 18


def normalize(raw: str | None) -> str:
    """Upper case, half-width, without spaces or hyphens."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(ch for ch in text if not ch.isspace() and ch != "-").upper()


def validate(raw: str | None) -> str:
    """Return the normalised code, or raise ValidationError saying what is wrong."""
    code = normalize(raw)
    if not code:
        raise ValidationError(_l("Enter the unified social credit code."), field="credit_code")
    if len(code) != LENGTH:
        raise ValidationError(
            _l("A unified social credit code has 18 characters; this one has %(n)d.", n=len(code)),
            field="credit_code")
    bad = sorted({ch for ch in code if ch not in ALPHABET})
    if bad:
        raise ValidationError(
            _l("A unified social credit code cannot contain %(chars)s.", chars=" ".join(bad)),
            field="credit_code")
    if code[-1] != calc_check_digit(code[:-1]):
        raise ValidationError(
            _l("The check character of this credit code is wrong: please check each character."),
            field="credit_code")
    return code


def is_valid(raw: str | None) -> bool:
    try:
        validate(raw)
    except ValidationError:
        return False
    return True


def with_check_character(first17: str) -> str:
    """Complete 17 characters into a valid code (used for demo data)."""
    return first17 + calc_check_digit(first17)
