"""Encryption at rest and the keyed lookup hash.

A stored value is ``v<version>:<base64(nonce ‖ ciphertext ‖ tag)>``: AES-256-GCM
with a random 96-bit nonce per value, the key version in front so that a
rotation can tell old values from new. The *purpose* (``table.column``) is the
associated data, so a ciphertext copied into another column does not decrypt.

Beside each value its lookup hash, HMAC-SHA256 of the normalised value under
a second key derived from the same key material, answers exact searches
(“which contact has this phone?”) without decrypting anything. The hash
changes with the key version; a search asks for the hash under every version.
"""
import base64
import hashlib
import hmac
import os
import re
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.privacy.keys import KeyMaterial, KeyRing, PersonalDataKeyError

NONCE_BYTES = 12
STORED = re.compile(r"^v(\d{1,6}):([A-Za-z0-9+/=]+)$")


@lru_cache(maxsize=64)
def _derive(key: KeyMaterial, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key.secret)


def _encryption_key(key: KeyMaterial) -> bytes:
    return _derive(key, b"anqi personal data: encryption")


def _lookup_key(key: KeyMaterial) -> bytes:
    return _derive(key, b"anqi personal data: lookup")


def version_of(stored: str) -> int | None:
    match = STORED.match(stored or "")
    return int(match.group(1)) if match else None


def encrypt(keyring: KeyRing, purpose: str, plaintext: str, key: KeyMaterial | None = None) -> str:
    key = key or keyring.current()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_encryption_key(key)).encrypt(nonce, plaintext.encode("utf-8"), purpose.encode("utf-8"))
    return f"v{key.version}:" + base64.b64encode(nonce + sealed).decode("ascii")


def decrypt(keyring: KeyRing, purpose: str, stored: str) -> str:
    match = STORED.match(stored or "")
    if not match:
        raise PersonalDataKeyError(f"a value of {purpose} is not in the encrypted form")
    key = keyring.get(int(match.group(1)))
    raw = base64.b64decode(match.group(2))
    try:
        plaintext = AESGCM(_encryption_key(key)).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode("utf-8"))
    except InvalidTag:
        raise PersonalDataKeyError(f"a value of {purpose} does not decrypt with key version {key.version}: the key "
                                   "is not the one it was written with, or the value was altered") from None
    return plaintext.decode("utf-8")


def lookup_hash(key: KeyMaterial, kind: str, normalised: str) -> str:
    message = f"{kind}:{normalised}".encode("utf-8")
    return hmac.new(_lookup_key(key), message, hashlib.sha256).hexdigest()


def lookup_hashes(keyring: KeyRing, kind: str, normalised: str) -> list[str]:
    """The hash of the value under every key version, for a search."""
    return [lookup_hash(keyring.get(v), kind, normalised) for v in keyring.versions()]
