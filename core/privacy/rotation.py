"""Key rotation: re-encrypt every stored value under the current key version,
in batches of their own transactions, while the application keeps running.

The rows are read and written as raw ciphertext (no ORM objects, no version
column bumped), and each update only applies if the row still holds the
ciphertext that was read, so a value a user saves meanwhile is never
overwritten. Values are decrypted with whatever version they carry, so pages
read old and new values alike until the last batch is done.

Sealed files (``core.privacy.files``: stored PDFs that print ID numbers) are
counted and re-sealed the same way, file by file: each is read, opened with
its own key version, sealed under the current one and put in place by an
atomic rename, so a reader sees the old file or the new one. The plaintext,
and so any checksum of it kept in the database, does not change.
"""
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import String, func, literal, select, type_coerce, update

from core.extensions import db
from core.privacy import cipher, files
from core.privacy.fields import PersonalField, all_fields, keyring
from core.privacy.validation import normalise


@dataclass
class FieldStatus:
    label: str
    versions: Counter = field(default_factory=Counter)  # key version → values; None for unreadable prefixes

    @property
    def total(self) -> int:
        return sum(self.versions.values())


def _raw(personal: PersonalField):
    return type_coerce(personal.column, String)


def status() -> list[FieldStatus]:
    """How many values of each field each key version holds."""
    report = []
    for personal in all_fields():
        raw = _raw(personal)
        line = FieldStatus(personal.label)
        total = db.session.scalar(select(func.count()).where(raw != ""))
        for version in keyring().versions():
            count = db.session.scalar(select(func.count()).where(raw.like(f"v{version}:%")))
            if count:
                line.versions[version] = count
        if total - line.total:
            line.versions[None] = total - line.total
        report.append(line)
    db.session.rollback()
    for source in files.sources():
        line = FieldStatus(f"files: {source.label}")
        for path in _paths(source):
            version = files.version_of(files.head_of(path) or b"")
            if version is not None:
                line.versions[version if version in keyring().versions() else None] += 1
        report.append(line)
    return report


def _paths(source) -> list:
    """The source's files, read in a transaction of its own (ended before any file is touched)."""
    try:
        return list(source.paths())
    finally:
        db.session.rollback()


@dataclass
class RotationReport:
    version: int
    rewritten: Counter = field(default_factory=Counter)   # field label → values re-encrypted
    skipped: int = 0    # changed by someone else between read and write; picked up by the next pass


def rotate(batch_size: int = 500, on_batch=None) -> RotationReport:
    """Re-encrypt (and re-hash) every value not under the current key version.
    ``on_batch(label, done)`` is called after each committed batch."""
    ring = keyring()
    key = ring.current()
    report = RotationReport(key.version)
    for personal in all_fields():
        raw = _raw(personal)
        table = personal.column.table
        id_column = personal.model.__mapper__.primary_key[0]
        last_id = None
        while True:
            stmt = (select(id_column, raw).where(raw != "", ~raw.like(f"v{key.version}:%"))
                    .order_by(id_column).limit(batch_size))
            if last_id is not None:
                stmt = stmt.where(id_column > last_id)
            rows = db.session.execute(stmt).all()
            if not rows:
                db.session.rollback()
                break
            for row_id, stored in rows:
                plaintext = cipher.decrypt(ring, personal.purpose, stored)
                values = {personal.column.name: literal(cipher.encrypt(ring, personal.purpose, plaintext, key),
                                                        String)}
                if personal.hash_column is not None:
                    values[personal.hash_column.name] = cipher.lookup_hash(
                        key, personal.kind, normalise(personal.kind, plaintext))
                written = db.session.execute(
                    update(table)
                    .where(id_column == row_id, raw == stored)
                    .values(values)
                    .execution_options(synchronize_session=False))
                if written.rowcount:
                    report.rewritten[personal.label] += 1
                else:
                    report.skipped += 1
            db.session.commit()
            last_id = rows[-1][0]
            if on_batch:
                on_batch(personal.label, report.rewritten[personal.label])
    for source in files.sources():
        label = f"files: {source.label}"
        for path in _paths(source):
            if _reseal(ring, key, source.purpose, path):
                report.rewritten[label] += 1
        if on_batch and report.rewritten[label]:
            on_batch(label, report.rewritten[label])
    return report


def _reseal(ring, key, purpose: str, path) -> bool:
    """Seal one file under ``key`` unless it is already (or is not sealed, or is gone)."""
    head = files.head_of(path)
    version = files.version_of(head or b"")
    if version is None or version == key.version:
        return False
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return False
    plaintext = files.unseal(ring, purpose, data)
    files.write_atomically(path, files.seal(ring, purpose, plaintext, key))
    return True
