"""Archiving: audit entries older than the retention period go to a signed file, then leave the database.

``archive()`` (``anqi audit archive`` and the daily job) takes the oldest entries
up to the first one younger than the retention period (cut at midnight, China
time), checks their chain while it writes them to ``<archive dir>/audit-<first
id>-<last id>-<time>.jsonl`` (JSON lines: a header, one line per entry with its
hashes, a summary, and an Ed25519 signature of everything above it), reads the
file back, and only then, in one transaction, removes those entries and records
an **anchor** (``audit_anchor``: the file, its SHA-256, the last archived hash)
from which ``verify()`` continues. The database's trigger lets the removal
through only for entries older than 180 days; anything that fails leaves the
entries where they were and the file removed.

``verify_archive()`` checks a file on its own: the chain inside it, its summary,
and the signature with the public key written beside it.
"""
import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import DBAPIError

from core import clock
from core.audit import signing
from core.audit.chain import GENESIS, canonical_json
from core.audit.models import AuditAnchor, AuditEntry
from core.audit.services import record, record_failure
from core.audit.verification import BATCH, Verification, Walk
from core.errors import AnqiError, Forbidden
from core.extensions import db

FORMAT = "anqi-audit-archive/1"
SIGNED = b"anqi-audit-archive/1\n"  # what is signed: this, then the SHA-256 of every line before the signature
CHINA = ZoneInfo("Asia/Shanghai")
ENTRY_FIELDS = ("id", "at", "user_id", "username", "unit_id", "address", "action", "object_type", "object_id",
                "result", "detail", "prev_hash", "hash")


class ArchiveError(AnqiError):
    """Nothing was archived; the message says why."""


@dataclass
class Archived:
    file: Path
    entries: int
    first_id: int
    last_id: int
    first_at: datetime
    last_at: datetime
    sha256: str
    last_hash: str
    anchor_id: int | None = None


@dataclass
class ArchiveCheck:
    intact: bool
    entries: int = 0
    first_id: int | None = None
    last_id: int | None = None
    first_at: datetime | None = None
    last_at: datetime | None = None
    key_id: str | None = None
    reason: str | None = None  # what is wrong: format, entry, summary, incomplete, key, signature
    problem: object = None     # ... said for a reader (a lazy message)
    line: int | None = None


def archive_dir() -> Path:
    configured = current_app.config.get("AUDIT_ARCHIVE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "audit-archive"


def retention_days() -> int:
    return current_app.config["AUDIT_RETENTION_DAYS"]


def cutoff(now: datetime, days: int) -> datetime:
    """Entries before this (naive UTC) are due: midnight in China of the day ``days`` ago."""
    day = (now.replace(tzinfo=ZoneInfo("UTC")) - timedelta(days=days)).astimezone(CHINA).date()
    return datetime.combine(day, time(), tzinfo=CHINA).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _iso(at: datetime) -> str:
    return at.isoformat(sep=" ", timespec="microseconds")


def archives(actor, limit: int = 100) -> list[AuditAnchor]:
    """The archives made, newest first."""
    actor.require("audit.read")
    return list(db.session.scalars(select(AuditAnchor).order_by(AuditAnchor.id.desc()).limit(limit)))


# --- writing --------------------------------------------------------------------------------

class _Broken(Exception):
    def __init__(self, verification: Verification):
        self.verification = verification


def archive(actor, username: str | None = None) -> Archived | None:
    """Archive and remove the entries older than the retention period; None when none are due.
    ``username`` names a background job in the entries it records."""
    if not actor.is_shell:  # an operator's job (the shell, the daily task), not anyone's page
        raise Forbidden(_l("You are not allowed to do this."))
    days = retention_days()
    now = clock.now()
    before = cutoff(now, days)
    db.session.rollback()
    anchor = db.session.execute(select(AuditAnchor.id, AuditAnchor.last_hash)
                                .order_by(AuditAnchor.id.desc()).limit(1)).first()
    first_young = db.session.scalar(select(func.min(AuditEntry.id)).where(AuditEntry.at >= before))
    last = select(func.max(AuditEntry.id))
    last_id = db.session.scalar(last if first_young is None else last.where(AuditEntry.id < first_young))
    db.session.rollback()
    if last_id is None:
        return None

    folder = archive_dir()
    key = signing.private_key()
    public = key.public_key()
    kid = signing.key_id(public)
    header = {"format": FORMAT, "created": _iso(now), "retention_days": days, "before": _iso(before),
              "prev_hash": anchor.last_hash if anchor else GENESIS, "key_id": kid}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        signing.publish(public, folder)
        written = _write(folder, header, last_id, key)
        if written is None:
            return None
    except _Broken as broken:
        record_failure(actor, "audit.archive", object_type="audit_entry", object_id=broken.verification.broken_id,
                       detail={"reason": "chain broken", **broken.verification.as_detail()}, username=username)
        raise ArchiveError(_l("Nothing was archived: the audit trail is broken. %(problem)s",
                              problem=broken.verification.message)) from None
    except OSError as exc:
        record_failure(actor, "audit.archive", detail={"reason": "file not written"}, username=username)
        raise ArchiveError(_l("The archive file could not be written in %(folder)s: %(error)s",
                              folder=str(folder), error=exc.strerror or str(exc))) from None

    check = verify_archive(written.file, public_key=public)
    if not check.intact or check.entries != written.entries:
        raise _give_up(actor, username, written, "read back",
                        _l("The archive file did not read back intact; nothing was removed."))

    try:
        record(actor, "audit.archive", object_type="audit_archive", object_id=written.file.name,
               detail={"entries": written.entries, "first_id": written.first_id, "last_id": written.last_id,
                       "sha256": written.sha256, "retention_days": days}, username=username)
        db.session.flush()  # appends to the chain, so from here this transaction is its only writer
        newest = db.session.scalar(select(AuditAnchor.id).order_by(AuditAnchor.id.desc()).limit(1))
        if newest != (anchor.id if anchor else None):
            raise _give_up(actor, username, written, "concurrent run",
                            _l("Another archive run finished first; nothing was removed."))
        # Core, not the ORM, whose guard refuses every delete; the database's trigger decides.
        removed = db.session.connection().execute(
            delete(AuditEntry.__table__).where(AuditEntry.__table__.c.id <= written.last_id)).rowcount
        if removed != written.entries:
            raise _give_up(actor, username, written, "entries changed",
                            _l("The entries changed while they were archived; nothing was removed."))
        new_anchor = AuditAnchor(at=now, file_name=written.file.name, file_sha256=written.sha256,
                                 entries=written.entries, first_entry_id=written.first_id,
                                 last_entry_id=written.last_id, first_at=written.first_at, last_at=written.last_at,
                                 prev_hash=header["prev_hash"], last_hash=written.last_hash, key_id=kid)
        db.session.add(new_anchor)
        db.session.commit()
    except DBAPIError:
        raise _give_up(actor, username, written, "database refused",
                        _l("The database refused to remove the archived entries (check that the database server's clock is right); nothing was removed."))
    except BaseException:
        db.session.rollback()
        written.file.unlink(missing_ok=True)
        raise
    written.anchor_id = new_anchor.id
    return written


def _give_up(actor, username, written: Archived, reason: str, message) -> ArchiveError:
    """Leave the entries in place, remove the file, record the failure; the error that says why."""
    written.file.unlink(missing_ok=True)
    record_failure(actor, "audit.archive", object_type="audit_archive", object_id=written.file.name,
                   detail={"reason": reason}, username=username)
    return ArchiveError(message)


def _write(folder: Path, header: dict, last_id: int, key) -> Archived | None:
    """Write the entries up to ``last_id`` to a new signed file, checking their chain on the way."""
    partial = folder / f".audit-{secrets.token_hex(8)}.partial"
    signed, whole = hashlib.sha256(), hashlib.sha256()
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            def put(obj, sign=True):
                line = (canonical_json(obj) + "\n").encode("ascii")
                f.write(line)
                whole.update(line)
                if sign:
                    signed.update(line)

            put(header)
            walk, after, count, first, last = Walk(header["prev_hash"]), 0, 0, None, None
            while True:
                rows = db.session.execute(select(AuditEntry.__table__)
                                          .where(AuditEntry.id > after, AuditEntry.id <= last_id)
                                          .order_by(AuditEntry.id).limit(BATCH)).all()
                db.session.rollback()
                if not rows:
                    break
                for row in rows:
                    problem = walk.step(row)
                    if problem:
                        raise _Broken(Verification(intact=False, problem=problem, broken_id=row.id,
                                                   after_id=walk.last_id))
                    put({name: _iso(row.at) if name == "at" else getattr(row, name) for name in ENTRY_FIELDS})
                    count += 1
                    first = first or row
                    last = row
                after = rows[-1].id
            if first is None:  # gone since they were counted: nothing to archive
                f.close()
                partial.unlink()
                return None
            put({"entries": count, "first_id": first.id, "last_id": last.id, "first_at": _iso(first.at),
                 "last_at": _iso(last.at), "last_hash": walk.prev})
            signature = key.sign(SIGNED + signed.digest())
            put({"algorithm": "Ed25519", "key_id": header["key_id"],
                 "signature": base64.b64encode(signature).decode("ascii")}, sign=False)
            f.flush()
            os.fsync(f.fileno())
        name = (f"audit-{first.id:09d}-{last.id:09d}-"
                f"{datetime.fromisoformat(header['created']):%Y%m%dT%H%M%SZ}.jsonl")
        final = folder / name
        os.link(partial, final)  # refuses to replace an archive of the same name
        partial.unlink()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync_dir(folder)
    return Archived(file=final, entries=count, first_id=first.id, last_id=last.id, first_at=first.at,
                    last_at=last.at, sha256=whole.hexdigest(), last_hash=walk.prev)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- checking -------------------------------------------------------------------------------

def verify_archive(path: Path, public_key: Ed25519PublicKey | Path | None = None) -> ArchiveCheck:
    """Check an archive file line by line (constant memory): the chain, the summary, the signature.
    The public key is the one given, else the one named by the file, beside it."""
    path = Path(path)
    check = ArchiveCheck(intact=False)

    def broken(reason, message, line=None):
        check.reason, check.problem, check.line = reason, message, line
        return check

    signed = hashlib.sha256()
    header = footer = signature = None
    walk = None
    try:
        f = path.open("rb")
    except OSError:
        return broken("format", _l("The file cannot be read."))
    with f:
        for number, raw in enumerate(f, 1):
            if signature is not None:
                return broken("format", _l("There is more after the signature."), number)
            try:
                obj = json.loads(raw)
            except ValueError:
                obj = None
            if not isinstance(obj, dict) or not raw.endswith(b"\n"):
                return broken("format", _l("Line %(line)d is not part of an audit archive.", line=number), number)
            if number == 1:
                if obj.get("format") != FORMAT or not isinstance(obj.get("prev_hash"), str):
                    return broken("format", _l("This is not an audit archive."), number)
                header, walk = obj, Walk(obj["prev_hash"])
            elif "signature" in obj:
                signature = obj
                continue  # the signature line is not itself signed
            elif footer is not None:
                return broken("format", _l("Line %(line)d is not part of an audit archive.", line=number), number)
            elif "hash" not in obj:
                footer = obj
            else:
                try:
                    row = SimpleNamespace(**{name: obj[name] for name in ENTRY_FIELDS})
                    row.at = datetime.fromisoformat(row.at)
                    problem = walk.step(row)
                except (KeyError, TypeError, ValueError):
                    return broken("format", _l("Line %(line)d is not part of an audit archive.", line=number), number)
                if problem:
                    return broken("entry", Verification(intact=False, problem=problem, broken_id=row.id,
                                                        after_id=walk.last_id).message, number)
                check.entries += 1
                check.first_id, check.first_at = check.first_id or row.id, check.first_at or row.at
                check.last_id, check.last_at = row.id, row.at
            signed.update(raw)
    if header is None:
        return broken("format", _l("This is not an audit archive."))
    if footer is None or signature is None:
        return broken("incomplete", _l("The archive is incomplete: its summary or its signature is missing."))
    if (footer.get("entries"), footer.get("first_id"), footer.get("last_id"), footer.get("last_hash")) != (
            check.entries, check.first_id, check.last_id, walk.prev):
        return broken("summary", _l("The archive's summary does not match its entries."))
    check.key_id = str(signature.get("key_id"))
    if public_key is None or isinstance(public_key, (str, Path)):
        key_file = Path(public_key) if public_key else signing.public_key_file(path.parent, check.key_id)
        public_key = signing.load_public_key(key_file)
        if public_key is None:
            return broken("key", _l("The public key %(file)s is missing or unreadable.", file=str(key_file)))
    if signing.key_id(public_key) != check.key_id:
        return broken("key", _l("The archive names key %(key)s, which is not the public key given.", key=check.key_id))
    try:
        raw_signature = base64.b64decode(str(signature.get("signature")), validate=True)
    except ValueError:
        raw_signature = b""
    if not signing.signs(public_key, raw_signature, SIGNED + signed.digest()):
        return broken("signature", _l("The signature does not match: the file was changed after it was signed."))
    check.intact = True
    return check
