"""Optimistic locking for records that people edit in forms.

A form carries the version of the record it was built from. Saving first
claims the record: ``UPDATE … SET version = version + 1 WHERE id = … AND
version = <the form's>``. When no row matches, someone saved in between and
the save is a Conflict (the page then shows their version and keeps the
user's entries to save again). The claim is one statement, so it is atomic on
both databases and takes the row's write lock until the transaction ends.

Records whose every change goes through such a form and nothing else use
SQLAlchemy's ``version_id_col`` instead (enterprises, tickets, documents).
Units and users are also written by logins, language choices and locks, which
must neither bump the version nor fail, so they use this explicit claim.
"""
from sqlalchemy import update

from core.errors import Conflict
from core.extensions import db


def as_version(value) -> int | None:
    """The version a form sent back, or None (a form without one: no check)."""
    value = str(value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and int(value) < 2**31 else None


def claim(model, record_id: int, version: int | None, message) -> None:
    """Bump the record's version when it is still ``version``; otherwise raise
    Conflict with ``message``. Without a version the version is bumped unchecked."""
    stmt = update(model).where(model.id == record_id)
    if version is not None:
        stmt = stmt.where(model.version == version)
    result = db.session.execute(stmt.values(version=model.version + 1).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise Conflict(message)
    record = db.session.get(model, record_id)
    if record is not None:
        db.session.refresh(record, ["version"])
