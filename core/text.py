"""Cleaning text that people type or import."""
import unicodedata


def clean_text(value, limit: int = 5000) -> str:
    """Strip, normalise to NFC and drop control characters (keeping newlines and
    tabs). Returns at most ``limit + 1`` characters, so callers can tell the
    text was too long."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).strip()
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return text[: limit + 1]
