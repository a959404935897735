"""The Ed25519 key that signs audit archives.

The private key is the file ``AUDIT_SIGNING_KEY_FILE`` names, or, when unset,
``<instance>/audit-signing-key.pem``, generated once (mode 0600). Its public
half is written beside the archives as ``audit-signing-key-<id>.pub.pem``; an
archive names the id of the key that signed it, so archives signed before a
key was replaced still verify.
"""
import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app
from flask_babel import lazy_gettext as _l

from core.errors import AnqiError


class SigningKeyError(AnqiError):
    """The signing key cannot be read."""


def private_key_path() -> Path:
    configured = current_app.config.get("AUDIT_SIGNING_KEY_FILE")
    return Path(configured) if configured else Path(current_app.instance_path) / "audit-signing-key.pem"


def private_key() -> Ed25519PrivateKey:
    path = private_key_path()
    if not path.exists():
        if current_app.config.get("AUDIT_SIGNING_KEY_FILE"):
            # A key the operator named and that is missing (an unmounted disk?): never replace it silently.
            raise SigningKeyError(_l("The audit signing key %(path)s (AUDIT_SIGNING_KEY_FILE) does not exist.",
                               path=str(path)))
        _generate(path)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        raise SigningKeyError(_l("The audit signing key %(path)s cannot be read.", path=str(path))) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(_l("The audit signing key %(path)s is not an Ed25519 key.", path=str(path)))
    return key


def _generate(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                     serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process generated it first
        return
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
        f.flush()
        os.fsync(f.fileno())


def key_id(public_key: Ed25519PublicKey) -> str:
    """A public key's fingerprint: the first 16 hex digits of the SHA-256 of its raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def public_key_file(folder: Path, kid: str) -> Path:
    return folder / f"audit-signing-key-{kid}.pub.pem"


def publish(public_key: Ed25519PublicKey, folder: Path) -> Path:
    """Write the public key beside the archives (once per key)."""
    path = public_key_file(folder, key_id(public_key))
    if not path.exists():
        path.write_bytes(public_key.public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


def load_public_key(path: Path) -> Ed25519PublicKey | None:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError, TypeError):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def signs(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
