"""The stored files of documents that carry personal data, sealed on disk.

A document drafted with ``personal_data`` (a recommendation letter that prints
full ID numbers) keeps its content sealed in its record (``Document.
set_content``) and its files sealed on disk: the issued PDF and any cached
preview are whole-file AES-GCM under the current personal-data key version
(``core.privacy.files``), opened only when served. The SHA-256 kept in the
record and shown by the public verification is that of the plaintext PDF, and
is checked after opening. Backups copy the files as they are (sealed).
``anqi privacy status`` counts them by key version and ``anqi privacy
rotate-key`` re-seals them (``core.privacy.rotation``); the sources are
registered here (issued PDFs) and in previews.py (cached previews).
"""
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core.errors import ValidationError
from core.privacy import files
from core.privacy.fields import keyring
from core.privacy.keys import PersonalDataKeyError

PDF_PURPOSE = "document.pdf"             # an issued document's stored PDF
PREVIEW_PURPOSE = "document.preview"     # a draft's cached preview


def encode(content: bytes, *, personal: bool, purpose: str) -> bytes:
    """What to write on disk for ``content``: sealed when it carries personal data."""
    return files.seal(keyring(), purpose, content) if personal else content


def decode(stored: bytes, *, personal: bool, purpose: str) -> bytes:
    """The PDF in a stored file; ValidationError when a sealed file does not open
    (altered, or its key version is missing)."""
    if not personal:
        return stored
    try:
        return files.unseal(keyring(), purpose, stored)
    except PersonalDataKeyError:
        raise ValidationError(_l("The stored PDF does not match its fingerprint; it has been altered. "
                                 "Tell the administrator.")) from None


def _issued_paths() -> list[Path]:
    from core.documents.models import Document
    from core.documents.services import storage
    from core.extensions import db

    folder = storage()
    names = db.session.scalars(select(Document.pdf_name).where(Document.personal_data.is_(True),
                                                               Document.pdf_name.is_not(None)))
    return [folder / name for name in names]


files.register(files.SealedFiles("document.pdf", PDF_PURPOSE, _issued_paths))
