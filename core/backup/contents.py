"""What a backup set holds besides the database: the one place to extend.

A part of anqi that keeps files the data cannot be read without adds them
here (the background job queue has its own part of the set, core/backup/queue.py): a folder of stored files to ``FOLDERS`` (with the columns that name its
files to ``REFERENCES``), a key file to ``KEY_FILES``. ``CONFIG_FILES`` are
copied for the operator to compare and are never put in place by a restore
(the new machine has its own paths and database address).
"""
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import Flask


def _attachments(app: Flask) -> Path:
    from core.tickets.attachments import folder

    return folder()


def _documents(app: Flask) -> Path:
    from core.documents.services import storage

    return storage()


def _imports(app: Flask) -> Path:
    from core.config import storage_root

    return storage_root(app) / "imports"


def _document_seals(app: Flask) -> Path:
    from core.documents.seals import folder

    return folder()


def _document_signing(app: Flask) -> Path:
    from core.documents.signing import folder

    return folder()


def _audit_archives(app: Flask) -> Path:
    from core.audit.archive import archive_dir

    return archive_dir()


def _audit_signing_key(app: Flask) -> Path:
    from core.audit.signing import private_key_path

    return private_key_path()


def _fonts(app: Flask) -> Path:
    from core.documents.fonts import folder

    return folder()


@dataclass(frozen=True)
class Folder:
    """A folder of stored files, copied whole to ``files/<name>/`` in the set."""

    name: str
    path: Callable[[Flask], Path]   # where this instance keeps it (called in an app context)


@dataclass(frozen=True)
class FileReference:
    """A column naming files of a folder: every file it names must be in the set."""

    folder: str
    table: str
    column: str
    prefix: str = ""                # the file's path in the folder is prefix + value


@dataclass(frozen=True)
class KeyFile:
    """A key kept in a file, copied to ``keys/<name>`` unless keys are left out."""

    name: str
    path: Callable[[Flask], Path | None]   # None when this instance keeps no such file


@dataclass(frozen=True)
class ConfigFile:
    """A configuration file, copied to ``config/<name>`` for reference only."""

    name: str
    path: Callable[[Flask], Path | None]


FOLDERS = (
    Folder("attachments", _attachments),    # ticket attachments (ATTACHMENT_DIR)
    Folder("documents", _documents),        # issued PDFs and scanned receipts (DOCUMENT_STORAGE)
    Folder("audit-archive", _audit_archives),  # signed archives of audit entries past retention
    Folder("imports", _imports),            # uploaded imports waiting for their job or confirmation (STORAGE_DIR)
    Folder("fonts", _fonts),                # licensed fonts of the documents (DOCUMENT_FONT_FOLDER)
    # The units' seals and the document-signing keys and authority, sealed with the
    # personal-data keys: restored with the key file, or unreadable.
    Folder("document-seals", _document_seals),
    Folder("document-signing", _document_signing),
)

REFERENCES = (
    FileReference("attachments", "ticket_attachment", "stored_name"),
    FileReference("attachments", "legal_education_file", "stored_name"),   # legal-education material
    FileReference("documents", "document", "pdf_name"),
    FileReference("documents", "document_delivery", "receipt_name", prefix="receipts/"),
    FileReference("document-seals", "unit_seal", "file_name"),
    FileReference("document-signing", "unit_signing_certificate", "file_name"),
)

KEY_FILES = (
    # Signs sessions and form tokens: without it users only log in again.
    KeyFile("secret_key", lambda app: Path(app.instance_path) / "secret_key"),
    # Decrypts citizens' phone and ID numbers: without it they are lost. None when
    # the keys are given inline (PERSONAL_DATA_KEYS): then back up that setting.
    KeyFile("personal_data_keys", lambda app: None if app.config.get("PERSONAL_DATA_KEYS") else
            Path(app.config.get("PERSONAL_DATA_KEY_FILE") or Path(app.instance_path) / "personal_data_keys")),
    # Signs the audit archives: without it new archives get a new key (old ones still verify
    # with the public key kept beside them).
    KeyFile("audit_signing_key", _audit_signing_key),
)

CONFIG_FILES = (
    # May hold settings the data depends on (storage folders, a key given inline).
    ConfigFile("config.py", lambda app: Path(app.instance_path) / "config.py"),
)
