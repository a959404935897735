"""Declaring an encrypted personal-data field on a model.

    from core.privacy.fields import encrypted, lookup_hash

    class Applicant(db.Model):
        __tablename__ = "exit_entry_applicant"
        id_number: Mapped[str] = encrypted("citizen_id", "exit_entry_applicant.id_number",
                                           hash_attribute="id_number_hash")
        id_number_hash: Mapped[str | None] = lookup_hash()

The attribute reads and writes plain text; the column holds the ciphertext
(``Encrypted``); setting the attribute keeps the lookup hash beside it. Find
rows by value with ``select(Applicant).where(lookup(Applicant.id_number, typed))``:
comparing the attribute itself (``Applicant.id_number == typed``) never matches,
because every encryption of a value differs.

The *purpose* string is bound into every ciphertext (AES-GCM associated data):
choose ``"<table>.<field>"`` once and never change it, even if the column is
renamed later.
"""
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import String, event, false
from sqlalchemy.orm import Mapper, configure_mappers, mapped_column
from sqlalchemy.types import TypeDecorator

from core.privacy import cipher, validation
from core.privacy.keys import KeyRing

EXTENSION = "anqi_personal_data"


def keyring() -> KeyRing:
    return current_app.extensions[EXTENSION]


class Encrypted(TypeDecorator):
    """A string stored encrypted; ``""`` stays ``""`` (no value, nothing to hide)."""

    impl = String
    cache_ok = True

    def __init__(self, kind: str, purpose: str, length: int = 255):
        if kind not in validation.KINDS:
            raise ValueError(f"unknown kind of personal data {kind!r}")
        super().__init__(length)
        self.kind = kind
        self.purpose = purpose
        self.length = length

    def process_bind_param(self, value, dialect):
        if not value:
            return value
        return cipher.encrypt(keyring(), self.purpose, value)

    def process_result_value(self, value, dialect):
        if not value:
            return value
        return cipher.decrypt(keyring(), self.purpose, value)


def encrypted(kind: str, purpose: str, *, hash_attribute: str | None, name: str | None = None, length: int = 255,
              **kwargs):
    """A mapped column holding ``kind`` (``phone``, ``citizen_id``, or ``secret``
    with no lookup hash: ``hash_attribute=None``) encrypted. ``name`` is the
    database column's name when it differs from the attribute's."""
    args = (name,) if name else ()
    kwargs.setdefault("default", "")
    return mapped_column(*args, Encrypted(kind, purpose, length), info={"lookup_hash": hash_attribute}, **kwargs)


def lookup_hash(name: str | None = None, **kwargs):
    """The column beside an encrypted one: its keyed hash, indexed for searches."""
    args = (name,) if name else ()
    return mapped_column(*args, String(64), index=True, nullable=True, **kwargs)


@dataclass(frozen=True)
class PersonalField:
    model: type
    attribute: str
    hash_attribute: str | None     # None: a secret, never looked up
    kind: str
    purpose: str

    @property
    def column(self):
        return self.model.__mapper__.columns[self.attribute]

    @property
    def hash_column(self):
        return self.model.__mapper__.columns[self.hash_attribute] if self.hash_attribute else None

    @property
    def label(self) -> str:
        return f"{self.model.__tablename__}.{self.attribute}"


_FIELDS: dict[tuple[type, str], PersonalField] = {}


def all_fields() -> list[PersonalField]:
    """Every encrypted field of every mapped model (core's and the plugins')."""
    configure_mappers()
    return sorted(_FIELDS.values(), key=lambda f: f.label)


def hash_of(kind: str, value) -> str | None:
    if not value:
        return None
    return cipher.lookup_hash(keyring().current(), kind, validation.normalise(kind, value))


def lookup(attribute, value):
    """A WHERE clause: rows whose encrypted ``attribute`` equals ``value``
    (normalised as the kind says), under any key version."""
    column = attribute.property.columns[0]
    kind = column.type.kind
    hash_column = getattr(attribute.class_, column.info["lookup_hash"])
    normalised = validation.normalise(kind, value)
    if not normalised:
        return false()
    return hash_column.in_(cipher.lookup_hashes(keyring(), kind, normalised))


@event.listens_for(Mapper, "mapper_configured")
def _track(mapper, cls):
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        if not isinstance(column.type, Encrypted) or (cls, prop.key) in _FIELDS:
            continue
        field = PersonalField(cls, prop.key, column.info["lookup_hash"], column.type.kind, column.type.purpose)
        _FIELDS[(cls, prop.key)] = field
        if field.hash_attribute is None:
            continue

        def keep_hash(target, value, _old, _initiator, field=field):
            setattr(target, field.hash_attribute, hash_of(field.kind, value))

        event.listen(getattr(cls, prop.key), "set", keep_hash)
