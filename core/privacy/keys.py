"""The personal-data keys: numbered versions of 32 random bytes, the highest
version current (it encrypts), every listed version readable (it decrypts).

They come from configuration and never from the database:

- ``PERSONAL_DATA_KEYS``: ``{"1": "<base64>", "2": "<base64>"}`` (e.g. the
  ``ANQI_PERSONAL_DATA_KEYS`` environment variable as JSON), or else
- the key file ``PERSONAL_DATA_KEY_FILE`` (default ``<instance>/personal_data_keys``),
  one ``<version> <base64>`` line per key, written once with mode 0600 when it
  does not exist yet.

Several processes share the key file: each one reads it again when it changes
on disk, so a key that ``anqi privacy rotate-key`` adds is used by every
running worker from its next write on, and its next read of a value already
re-encrypted, without a restart.
"""
import base64
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("anqi.privacy")

KEY_BYTES = 32
FILE_HEADER = ("# anqi personal-data keys: <version> <base64 key>, one a line. The highest version encrypts;\n"
               "# every version listed decrypts. Losing this file loses the data: keep a copy apart from the\n"
               "# database backups. Remove a version only when `anqi privacy status` shows no value on it.\n")


class PersonalDataKeyError(Exception):
    """A key is missing, malformed or not the one the data was written with.
    Its message names versions and paths only, never a key or a value."""


@dataclass(frozen=True)
class KeyMaterial:
    version: int
    secret: bytes


def new_secret() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii")


def _decode(version, text) -> KeyMaterial:
    try:
        number = int(version)
        secret = base64.b64decode(str(text).strip(), validate=True)
    except (TypeError, ValueError):
        raise PersonalDataKeyError(f"personal-data key version {version!r} is not a number and a base64 key")
    if number < 1 or len(secret) != KEY_BYTES:
        raise PersonalDataKeyError(f"personal-data key version {number} must be >= 1 and hold {KEY_BYTES} bytes")
    return KeyMaterial(number, secret)


def parse_file(text: str) -> dict[int, KeyMaterial]:
    keys = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2:
            raise PersonalDataKeyError("a line of the personal-data key file is not `<version> <base64 key>`")
        key = _decode(*parts)
        keys[key.version] = key
    return keys


class KeyRing:
    """The keys of one application. ``source`` is ``config`` or ``file``."""

    def __init__(self, configured: dict | None, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp = None
        self._keys: dict[int, KeyMaterial] = {}
        if configured:
            self.source = "config"
            self._keys = {k.version: k for k in (_decode(v, s) for v, s in dict(configured).items())}
        else:
            self.source = "file"

    @classmethod
    def for_app(cls, app) -> "KeyRing":
        path = app.config.get("PERSONAL_DATA_KEY_FILE") or Path(app.instance_path) / "personal_data_keys"
        return cls(app.config.get("PERSONAL_DATA_KEYS"), Path(path))

    # --- reading ---------------------------------------------------------------------

    def _refresh(self, create: bool) -> None:
        if self.source != "file":
            return
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            if not create:
                raise PersonalDataKeyError(f"the personal-data key file {self.path} is missing; restore it "
                                           "from its backup") from None
            self._create()
            stat = self.path.stat()
        stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            with self._lock:
                self._keys = parse_file(self.path.read_text())
                self._stamp = stamp

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first
            return
        with os.fdopen(fd, "w") as f:
            f.write(FILE_HEADER + f"1 {new_secret()}\n")
        log.warning("Generated the personal-data key file %s; back it up: without it the encrypted personal "
                    "data cannot be read.", self.path)

    def current(self) -> KeyMaterial:
        """The key that encrypts; the key file is made on first use."""
        self._refresh(create=True)
        if not self._keys:
            raise PersonalDataKeyError("no personal-data key is configured")
        return self._keys[max(self._keys)]

    def get(self, version: int) -> KeyMaterial:
        if version not in self._keys:
            self._refresh(create=False)
        try:
            return self._keys[version]
        except KeyError:
            raise PersonalDataKeyError(f"personal-data key version {version} is not configured; it is needed "
                                       "to read values written with it") from None

    def versions(self) -> list[int]:
        self._refresh(create=True)
        return sorted(self._keys)

    # --- rotation --------------------------------------------------------------------

    def add_version(self) -> int:
        """Append a new key to the key file and make it current. Keys from
        configuration cannot be written here: the operator adds the version."""
        if self.source != "file":
            raise PersonalDataKeyError("the keys come from PERSONAL_DATA_KEYS: add the new version there, restart "
                                       "the workers, then run `anqi privacy rotate-key --no-new-key`")
        self._refresh(create=True)
        version = max(self._keys, default=0) + 1
        with open(self.path, "a") as f:
            f.write(f"{version} {new_secret()}\n")
            f.flush()
            os.fsync(f.fileno())
        self._refresh(create=False)
        return version
