"""The plugin's stored files (message attachments, case evidence): checked by
``core.tickets.attachments.check_uploads`` before, written under the
attachments folder (so backups include them) with random names."""
import secrets
from contextlib import contextmanager
from pathlib import Path

from core.tickets import attachments


def folder() -> Path:
    path = attachments.folder() / "ip_protection"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def writing():
    """Yield ``write(prepared) -> stored name``; if the block fails, the files written are removed."""
    written: list[Path] = []

    def write(prepared) -> str:
        stored = f"{secrets.token_hex(16)}.{prepared.extension}"
        path = folder() / stored
        with open(path, "xb") as out:
            written.append(path)
            out.write(prepared.data)
        return stored

    try:
        yield write
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def path_of(stored_name: str) -> Path | None:
    if not stored_name or "/" in stored_name or "\\" in stored_name:
        return None
    path = folder() / stored_name
    return path if path.is_file() else None
