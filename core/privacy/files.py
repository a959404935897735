"""Whole files encrypted at rest with the personal-data keys (a stored PDF that
prints citizens' ID numbers, for example).

A sealed file is ``MAGIC`` (``ANQI-SEALED-1\\n``), the key version as 4
bytes big-endian, a random 96-bit nonce, then the AES-256-GCM ciphertext and
its tag. The header and the *purpose* (what the file is, e.g.
``document.pdf``) are the associated data, so neither the version nor the
kind of file can be changed without the file failing to open. The key is the
one ``core.privacy.cipher`` derives for the values in the database.

Parts of anqi that keep sealed files declare where they are with
``register(SealedFiles(...))`` so that ``anqi privacy status`` counts them by
key version and ``anqi privacy rotate-key`` re-seals them under the current
key (``core.privacy.rotation``), like the encrypted columns.
"""
import os
import secrets
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.privacy.cipher import NONCE_BYTES, _encryption_key
from core.privacy.keys import KeyMaterial, KeyRing, PersonalDataKeyError

MAGIC = b"ANQI-SEALED-1\n"
HEADER_BYTES = len(MAGIC) + 4 + NONCE_BYTES


def _associated(purpose: str, header: bytes) -> bytes:
    return header[:len(MAGIC) + 4] + purpose.encode("utf-8")


def seal(keyring: KeyRing, purpose: str, data: bytes, key: KeyMaterial | None = None) -> bytes:
    """``data`` encrypted under ``key`` (the current key version by default)."""
    key = key or keyring.current()
    header = MAGIC + struct.pack(">I", key.version) + os.urandom(NONCE_BYTES)
    sealed = AESGCM(_encryption_key(key)).encrypt(header[-NONCE_BYTES:], data, _associated(purpose, header))
    return header + sealed


def version_of(head: bytes) -> int | None:
    """The key version of a sealed file from its first bytes; None when they are not a sealed file's."""
    if len(head) < len(MAGIC) + 4 or not head.startswith(MAGIC):
        return None
    return struct.unpack(">I", head[len(MAGIC):len(MAGIC) + 4])[0]


def is_sealed(data: bytes) -> bool:
    return version_of(data[:HEADER_BYTES]) is not None


def unseal(keyring: KeyRing, purpose: str, data: bytes) -> bytes:
    """The plaintext of a sealed file; PersonalDataKeyError when it is not
    sealed, its key version is unknown, or it was altered."""
    version = version_of(data[:HEADER_BYTES])
    if version is None or len(data) < HEADER_BYTES:
        raise PersonalDataKeyError(f"a file of {purpose} is not in the sealed form")
    key = keyring.get(version)
    header = data[:HEADER_BYTES]
    try:
        return AESGCM(_encryption_key(key)).decrypt(header[-NONCE_BYTES:], data[HEADER_BYTES:],
                                                     _associated(purpose, header))
    except InvalidTag:
        raise PersonalDataKeyError(f"a file of {purpose} does not open with key version {version}: the key is "
                                   "not the one it was sealed with, or the file was altered") from None


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and
    a rename, so that a reader sees the old file or the new one, never a part."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        with open(temporary, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class SealedFiles:
    """Where a part of anqi keeps sealed files: ``paths()`` (called in an
    application context) lists the files that may be sealed; files that are
    not sealed are left alone."""

    label: str
    purpose: str
    paths: Callable[[], Iterable[Path]]


_SOURCES: dict[str, SealedFiles] = {}


def register(source: SealedFiles) -> None:
    """Declare a place of sealed files (a registration of code, made on import)."""
    _SOURCES[source.label] = source


def sources() -> list[SealedFiles]:
    return sorted(_SOURCES.values(), key=lambda s: s.label)


def head_of(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read(HEADER_BYTES)
    except FileNotFoundError:       # removed meanwhile (a preview replaced by a newer one)
        return None
