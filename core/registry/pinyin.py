"""Pinyin keys for enterprise names (by the ``pypinyin`` library): the full
pinyin, which is both the sort key (Chinese order as people read it) and what
the search box matches full pinyin against (``anrui``, ``shaoxinganrui`` for
绍兴安瑞科技有限公司), and the initials that desk staff type (``zjkj`` for
浙江华达科技有限公司)."""
import re

from pypinyin import Style, lazy_pinyin

# The legal form at the end of a name adds the same letters to nearly every
# enterprise (yxgs), so it is left out of the initials.
LEGAL_FORMS = ("股份有限公司", "有限责任公司", "有限公司", "股份公司", "合伙企业", "个人独资企业", "公司")
_NOT_KEY = re.compile(r"[^0-9a-z]")


def _strip_legal_form(name: str) -> str:
    for suffix in LEGAL_FORMS:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def initials(name: str) -> str:
    letters = lazy_pinyin(_strip_legal_form(name.strip()), style=Style.FIRST_LETTER, errors="default")
    return _NOT_KEY.sub("", "".join(letters).lower())[:100]


def sort_key(name: str) -> str:
    syllables = lazy_pinyin(name.strip(), style=Style.NORMAL, errors="default")
    return _NOT_KEY.sub("", "".join(syllables).lower())[:300]


def initials_query(query: str) -> str | None:
    """The letters to look for in the initials, or None when ``query`` is not initials."""
    letters = query.strip().lower()
    if not letters or not letters.isascii() or not letters.isalpha():
        return None
    return letters


def initials_pattern(query: str) -> str | None:
    """A LIKE pattern matching initials that hold the typed letters in order
    (letters may skip characters), or None when ``query`` is not initials."""
    letters = initials_query(query)
    return None if letters is None else "%" + "%".join(letters) + "%"


def full_pinyin_query(query: str) -> str | None:
    """The letters to look for in the full pinyin (``sort_key``), spaces and
    syllable marks dropped ("shaoxing anrui", "xi'an"), or None when ``query`` is
    not pinyin; two letters at least, as one letter is in nearly every name."""
    letters = query.strip().lower().replace(" ", "").replace("'", "")
    if len(letters) < 2 or not letters.isascii() or not letters.isalpha():
        return None
    return letters
