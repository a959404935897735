"""Does the name an enterprise typed match the registry's?

Both are compared after the same normalisation:

- NFKC: full-width letters, digits and brackets become half-width
  (``（杭州）`` and ``(杭州)`` are one name);
- no white space anywhere (a space typed inside a Chinese name means nothing);
- Latin letters in one case;
- a closing ``有限责任公司`` is read as ``有限公司``: the Company Law (公司法,
  第七条 in the 2023 text, earlier 第八条) lets a limited liability company
  carry either form in its name, and people write the short one for the long
  and back. ``股份有限公司`` (a company limited by shares) is another legal
  form and stays apart.

Nothing else is loosened: a different character is a different name, and the
credit code (checked before) is what identifies the enterprise.
"""
import unicodedata

LONG_FORM, SHORT_FORM = "有限责任公司", "有限公司"


def normalise(name: str | None) -> str:
    text = unicodedata.normalize("NFKC", name or "")
    text = "".join(ch for ch in text if not ch.isspace()).casefold()
    if text.endswith(LONG_FORM):
        text = text[: -len(LONG_FORM)] + SHORT_FORM
    return text


def same(typed: str | None, registered: str | None) -> bool:
    return bool(normalise(typed)) and normalise(typed) == normalise(registered)
