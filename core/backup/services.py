"""Backup sets: take one, check one, restore one into an empty instance.

A set is a directory (default ``<instance>/backups/<UTC time>/``)::

    manifest.json          what the set holds: every file with size and SHA-256,
                           the database kind, revisions and rows per table, keys
    SHA256SUMS             every file's SHA-256 again, for `sha256sum -c` anywhere
    database/anqi.sqlite3  or database/anqi.pgdump (pg_dump --format=custom)
    queue/huey.sqlite3     the background jobs: the SQLite queue file (online backup API),
                           or queue/jobs.json with Redis (core/backup/queue.py)
    files/<folder>/…       the stored files (contents.FOLDERS)
    keys/<name>            the key files (contents.KEY_FILES), unless left out
    config/<name>          the instance's configuration file, for reference (never restored)

It is written under ``<name>.partial`` and renamed when complete, so a set
without that suffix is whole. The job queue is read just before the database
(every job in the set finds its rows there), the files after the database: a file is written before the row that names it is committed, so every
file the snapshot names is already on disk when the folders are copied.
Files written after the snapshot are copied too; they are harmless extras.
"""
import hashlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from core import clock
from core.audit import services as audit
from core.backup import queue as job_queue
from core.backup import snapshots
from core.backup.contents import CONFIG_FILES, FOLDERS, KEY_FILES
from core.backup.snapshots import BackupError
from core.extensions import db

log = logging.getLogger("anqi.backup")

FORMAT = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
CHUNK = 1024 * 1024
KEY_INCLUDED, KEY_LEFT_OUT, KEY_NO_FILE = "included", "left_out", "no_file"


class DamagedSet(BackupError):
    """A set that fails its checks; ``problems`` names every file concerned."""

    def __init__(self, problems: list):
        super().__init__(problems[0])
        self.problems = problems


@dataclass
class Created:
    path: Path
    manifest: dict

    @property
    def missing(self) -> list[str]:
        return self.manifest["missing"]


@dataclass
class Restored:
    manifest: dict
    keys_to_place: list[tuple[str, Path | None]] = field(default_factory=list)
    schema_problem: str | None = None
    jobs: int = 0                   # background jobs put back into the queue


def anqi_version() -> str:
    try:
        return version("anqi")
    except PackageNotFoundError:
        return "unknown"


def default_parent() -> Path:
    return Path(current_app.instance_path) / "backups"


# --- taking a backup --------------------------------------------------------------

def create(actor, parent: Path | None = None, *, keys: bool = True) -> Created:
    """Write a new set under ``parent`` (default ``<instance>/backups``) and
    return it. ``keys=False`` leaves the key files out (kept separately)."""
    app = current_app._get_current_object()
    parent = Path(parent) if parent else default_parent()
    folders = {folder.name: folder.path(app) for folder in FOLDERS}
    for name, path in folders.items():
        if parent.resolve().is_relative_to(path.resolve()):
            raise BackupError(_l("The backup cannot be written inside the folder it copies (%(folder)s).",
                                 folder=str(path)))
    final, partial = _new_set(parent)
    try:
        files: list[dict] = []
        jobs = job_queue.dump(partial, current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
        if jobs.get("file"):
            files.append(_entry(partial, partial / jobs["file"]))
        database, found = _dump_database(partial)
        files.append(_entry(partial, partial / database["file"]))
        present: dict[str, set[str]] = {}
        for name, source in folders.items():
            copied = _copy_tree(source, partial / "files" / name)
            files += [_entry(partial, target, size, digest) for target, size, digest in copied]
            present[name] = {target.relative_to(partial / "files" / name).as_posix() for target, _s, _d in copied}
        key_states = {}
        for key in KEY_FILES:
            source = key.path(app)
            if source is None or not source.is_file():
                key_states[key.name] = KEY_NO_FILE
            elif not keys:
                key_states[key.name] = KEY_LEFT_OUT
            else:
                files.append(_copy_private(source, partial, f"keys/{key.name}"))
                key_states[key.name] = KEY_INCLUDED
        config = []
        for item in CONFIG_FILES:
            source = item.path(app)
            if source is not None and source.is_file():
                files.append(_copy_private(source, partial, f"config/{item.name}"))
                config.append(item.name)
        missing = sorted(f"files/{name}/{path}" for name, paths in found.referenced.items()
                         for path in paths - present.get(name, set()))
        manifest = {
            "format": FORMAT,
            "anqi_version": anqi_version(),
            "created_at": clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
            "database": {**database, "revisions": found.revisions, "rows": found.rows},
            "queue": jobs,
            "folders": {name: str(path) for name, path in folders.items()},
            "keys": key_states,
            "config": config,
            "missing": missing,
            "files": files,
        }
        _write_manifest(partial, manifest)
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    from core.database import SchemaMismatch, check_schema

    try:
        check_schema(current_app._get_current_object())
    except SchemaMismatch:
        # The backup taken before `anqi db upgrade`: today's audit entry does not fit the
        # older schema. The set itself records when and what was taken.
        log.warning("backup %s taken of a database whose schema is not at the head; not audited", final.name)
    else:
        audit.record(actor, "backup.create", object_type="backup", object_id=final.name,
                     detail={"path": str(final), "database": database["kind"], "files": len(files),
                             "jobs": jobs["jobs"] + jobs["scheduled"],
                             "bytes": sum(f["size"] for f in files), "keys": key_states,
                             "missing": len(missing)})
        db.session.commit()
    return Created(final, manifest)


def _new_set(parent: Path) -> tuple[Path, Path]:
    try:
        parent.mkdir(parents=True, exist_ok=True)
        probe = parent / f".anqi-write-check-{os.getpid()}"
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        raise BackupError(_l("Cannot write the backup into %(path)s: %(reason)s. Create the folder for the "
                             "user anqi runs as, e.g. install -d -o anqi -g anqi -m 0700 %(path)s.",
                             path=str(parent), reason=exc.strerror or str(exc))) from None
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    for n in range(1, 100):
        name = stamp if n == 1 else f"{stamp}-{n}"
        final, partial = parent / name, parent / f"{name}.partial"
        if final.exists():
            continue
        try:
            partial.mkdir(mode=0o700)     # the set holds personal data and keys
        except FileExistsError:
            continue
        return final, partial
    raise BackupError(_l("Could not find a free name for the backup in %(path)s.", path=str(parent)))


def _dump_database(partial: Path) -> tuple[dict, snapshots.Inventory]:
    engine = db.engine
    (partial / "database").mkdir(mode=0o700)
    if engine.dialect.name == "sqlite":
        found = snapshots.dump_sqlite(snapshots.sqlite_path(engine.url), partial / snapshots.SQLITE_FILE,
                                      current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
        return {"kind": "sqlite", "file": snapshots.SQLITE_FILE}, found
    if engine.dialect.name == "postgresql":
        found, versions = snapshots.dump_postgres(engine, partial / snapshots.POSTGRES_FILE)
        return {"kind": "postgresql", "file": snapshots.POSTGRES_FILE, **versions}, found
    raise BackupError(_l("Backing up a %(kind)s database is not supported.", kind=engine.dialect.name))


def _copy_file(source: Path, target: Path, mode: int | None = None) -> tuple[int, str]:
    """Copy and hash in one pass; the copy is flushed to disk."""
    digest, size = hashlib.sha256(), 0
    with open(source, "rb") as src, open(target, "xb") as dst:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    if mode is not None:
        target.chmod(mode)
    return size, digest.hexdigest()


def _copy_private(source: Path, root: Path, relative: str) -> dict:
    """A key or configuration file, readable by its owner only."""
    target = root / relative
    target.parent.mkdir(mode=0o700, exist_ok=True)
    size, digest = _copy_file(source, target, mode=0o600)
    return _entry(root, target, size, digest)


def _copy_tree(source: Path, target: Path) -> list[tuple[Path, int, str]]:
    """The regular files under ``source`` (symbolic links are not followed)."""
    copied = []
    target.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():
        return copied
    for folder, subfolders, names in os.walk(source):
        subfolders.sort()
        here = Path(folder)
        for name in sorted(names):
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            out = target / path.relative_to(source)
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                size, digest = _copy_file(path, out)
            except FileNotFoundError:   # removed meanwhile: a failed upload's cleanup
                out.unlink(missing_ok=True)
                continue
            copied.append((out, size, digest))
    return copied


def _hash(path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _entry(root: Path, path: Path, size: int | None = None, digest: str | None = None) -> dict:
    if digest is None:
        size, digest = _hash(path)
    return {"path": path.relative_to(root).as_posix(), "size": size, "sha256": digest}


def _write_manifest(root: Path, manifest: dict) -> None:
    data = json.dumps(manifest, ensure_ascii=False, indent=1).encode() + b"\n"
    with open(root / MANIFEST, "xb") as f:
        f.write(data)
        os.fsync(f.fileno())
    lines = [f"{hashlib.sha256(data).hexdigest()}  {MANIFEST}"]
    lines += [f"{entry['sha256']}  {entry['path']}" for entry in manifest["files"]]
    with open(root / SUMS, "x", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
        os.fsync(f.fileno())


# --- checking a set ---------------------------------------------------------------

def verify(source: Path) -> dict:
    """Check every file of the set against the manifest; return the manifest or
    raise DamagedSet naming each file that is missing, altered or unlisted."""
    source = Path(source)
    manifest = read_manifest(source)
    problems, listed = [], {MANIFEST, SUMS}
    for entry in manifest["files"]:
        relative = entry["path"]
        listed.add(relative)
        path = source / relative
        if ".." in Path(relative).parts or Path(relative).is_absolute():
            problems.append(_l("%(file)s: not a path inside the set.", file=relative))
        elif not path.is_file():
            problems.append(_l("%(file)s: missing.", file=relative))
        else:
            size, digest = _hash(path)
            if size != entry["size"] or digest != entry["sha256"]:
                problems.append(_l("%(file)s: damaged (its checksum does not match the manifest).",
                                   file=relative))
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source).as_posix()
        if (path.is_file() or path.is_symlink()) and relative not in listed:
            problems.append(_l("%(file)s: not listed in the manifest.", file=relative))
    if problems:
        raise DamagedSet(problems)
    return manifest


def read_manifest(source: Path) -> dict:
    """The set's manifest, checked against SHA256SUMS (the files are not checked: see ``verify``)."""
    source = Path(source)
    if source.is_file():
        raise BackupError(_l("%(path)s is a file; a backup set is a folder. Unpack an archived set first "
                             "(tar -xf).", path=str(source)))
    if not source.is_dir():
        raise BackupError(_l("There is no backup set at %(path)s.", path=str(source)))
    if source.name.endswith(".partial"):
        raise DamagedSet([_l("%(path)s is an unfinished backup (the backup was interrupted).",
                             path=str(source))])
    try:
        data = (source / MANIFEST).read_bytes()
    except FileNotFoundError:
        raise DamagedSet([_l("%(file)s: missing; this is not a complete backup set.", file=MANIFEST)]) from None
    try:
        sums = (source / SUMS).read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, UnicodeDecodeError):
        raise DamagedSet([_l("%(file)s: missing or unreadable.", file=SUMS)]) from None
    recorded = next((line.split("  ", 1)[0] for line in sums if line.endswith(f"  {MANIFEST}")), None)
    if recorded != hashlib.sha256(data).hexdigest():
        raise DamagedSet([_l("%(file)s: damaged (its checksum does not match %(sums)s).",
                             file=MANIFEST, sums=SUMS)])
    try:
        manifest = json.loads(data)
    except ValueError:
        raise DamagedSet([_l("%(file)s: unreadable.", file=MANIFEST)]) from None
    if manifest.get("format", 0) > FORMAT:
        raise BackupError(_l("This set was made by a newer anqi (%(version)s); restore it with that version.",
                             version=manifest.get("anqi_version")))
    return manifest


# --- restoring a set ----------------------------------------------------------------

def restore(actor, source: Path) -> Restored:
    """Restore a set into this instance, which must be empty: its database
    without rows, its storage folders without files. Checks the set first and
    the restored row counts and schema afterwards."""
    app = current_app._get_current_object()
    source = Path(source)
    manifest = verify(source)
    database = manifest["database"]
    kind = db.engine.dialect.name
    if database["kind"] != kind:
        raise BackupError(_l("This set holds a %(set)s database but this instance uses %(here)s; restore it "
                             "into an instance with the same kind of database.", set=database["kind"], here=kind))
    folders = {folder.name: folder.path(app) for folder in FOLDERS}
    _require_empty(folders)
    jobs = job_queue.read(source, manifest.get("queue"))
    job_queue.require_empty(jobs)
    db.session.remove()
    db.engine.dispose()
    if kind == "sqlite":
        snapshots.load_sqlite(source / database["file"], snapshots.sqlite_path(db.engine.url),
                              app.config["SQLITE_BUSY_TIMEOUT_MS"])
    else:
        snapshots.load_postgres(source / database["file"], db.engine.url, database.get("pg_dump_version"))
    db.engine.dispose()
    expected = {entry["path"]: entry for entry in manifest["files"]}
    for name, target in folders.items():
        _restore_tree(source / "files" / name, target, source, expected)
    result = Restored(manifest)
    result.jobs = job_queue.load(jobs)      # after the rows they work on
    for key in KEY_FILES:
        state = manifest["keys"].get(key.name)
        target = key.path(app)
        if state == KEY_INCLUDED and target is not None:
            _restore_key(source / "keys" / key.name, target, expected[f"keys/{key.name}"])
        elif state == KEY_LEFT_OUT:
            result.keys_to_place.append((key.name, target))
    with db.engine.connect() as connection:
        rows = snapshots.inventory(connection).rows
    differ = sorted(name for name in set(rows) | set(database["rows"])
                    if rows.get(name) != database["rows"].get(name))
    if differ:
        raise BackupError(_l("The restored database does not hold the rows the manifest lists (tables: "
                             "%(tables)s).", tables=", ".join(differ)))
    from core.database import SchemaMismatch, check_schema

    try:
        check_schema(app)
    except SchemaMismatch as exc:
        result.schema_problem = str(exc)
    else:   # an older schema cannot take today's audit entry; `anqi db upgrade` comes first
        audit.record(actor, "backup.restore", object_type="backup", object_id=source.name,
                     detail={"path": str(source.resolve()), "created_at": manifest["created_at"],
                             "files": len(manifest["files"]), "jobs": result.jobs})
        db.session.commit()
    return result


def _require_empty(folders: dict[str, Path]) -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            names = snapshots.inventory(connection).rows
        if names:
            raise BackupError(_l(
                "The database of this instance already has %(n)d tables. Restore only into a new, empty "
                "database (createdb), before `anqi db upgrade` is run on it.", n=len(names)))
    elif snapshots.sqlite_path(db.engine.url).exists():
        with db.engine.connect() as connection:
            full = snapshots.tables_with_rows(connection)
        if full:
            raise BackupError(_l(
                "The database of this instance is not empty (%(tables)s have rows). Restore only into an "
                "empty instance: a database file that does not exist yet.",
                tables=", ".join(sorted(full)[:5])))
    for name, path in folders.items():
        if path.is_dir() and any(p.is_file() or p.is_symlink() for p in path.rglob("*")):
            raise BackupError(_l("The folder %(path)s of this instance is not empty. Restore only into an empty "
                                 "instance.", path=str(path)))


def _restore_tree(source: Path, target: Path, root: Path, expected: dict) -> None:
    target.mkdir(parents=True, exist_ok=True)
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if not path.is_file():
            continue
        out = target / path.relative_to(source)
        out.parent.mkdir(parents=True, exist_ok=True)
        _check_copy(path, out, expected[path.relative_to(root).as_posix()])


def _check_copy(source: Path, target: Path, entry: dict, mode: int | None = None) -> None:
    size, digest = _copy_file(source, target, mode)
    if size != entry["size"] or digest != entry["sha256"]:
        raise BackupError(_l("%(file)s changed while it was restored; check the disk and restore again.",
                             file=entry["path"]))


def _restore_key(source: Path, target: Path, entry: dict) -> None:
    """Put the key in place: it replaces one this empty instance made for itself
    on its first start (nothing is protected by that one yet)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(target.name + ".restoring")
    staging.unlink(missing_ok=True)
    _check_copy(source, staging, entry, mode=0o600)
    os.replace(staging, target)
