"""Personal data (citizens' ID numbers, phone numbers): validation
(``validation``), encryption at rest with a keyed lookup hash (``keys``,
``cipher``, ``fields``), masking (``masking``), audited unmasking
(``services``) and key rotation (``rotation``, ``anqi privacy``).
See docs/security.md, “Personal data”."""
from core.privacy import masking
from core.privacy.fields import EXTENSION
from core.privacy.keys import KeyRing


def init_app(app) -> None:
    app.extensions[EXTENSION] = KeyRing.for_app(app)
    app.add_template_filter(_masked, "masked")


def _masked(value, kind: str) -> str:
    """``{{ contact.phone|masked("phone") }}``"""
    return masking.mask(kind, value)
