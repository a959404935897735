"""The background job queue in a backup set: every job waiting, in a worker's
hands, or scheduled (a retry, a delayed job), so that the work asked for before
the backup is done after a restore.

- **SQLite queue file** (``instance/huey.db`` or ``HUEY_URL=sqlite:///…``):
  copied with SQLite's online backup API, as the database is, to
  ``queue/huey.sqlite3``.
- **Redis** (``HUEY_URL=redis://…``): the jobs read at one instant (one Lua
  script) and written to ``queue/jobs.json`` (huey's messages, base64).

The jobs a worker had taken count as waiting: they had not finished. A restore
reads either form and puts the jobs into the queue the restored instance is
configured with, whatever its kind (a SQLite set can go to Redis), which must be
empty. What huey keeps beside the jobs (results, revocations, locks) is not
carried: anqi's tasks keep their state in the database.

The queue is read just before the database snapshot: a job is queued after the
rows it works on are committed, so every job in a set finds its rows in the
same set (and a job that finished in between runs again after a restore, which
every task allows: docs/architecture.md, "Background jobs: delivery").
"""
import sqlite3
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from core.backup.snapshots import BackupError
from core.jobqueue.storage import (Messages, ReliableSqliteStorage, messages_from_json, messages_to_json,
                                   read_sqlite_messages)

SQLITE_FILE = "queue/huey.sqlite3"
JSON_FILE = "queue/jobs.json"


def _huey():
    return current_app.extensions["huey"]


def _storage():
    """The configured queue's storage, or None when jobs run where they are queued (tests)."""
    huey = _huey()
    return None if huey.immediate or not getattr(huey.storage, "reliable", False) else huey.storage


def dump(partial: Path, busy_timeout_ms: int) -> dict:
    """Write the queue into the set being made; the manifest's ``queue`` section."""
    storage = _storage()
    if storage is None:
        return {"kind": "none", "jobs": 0, "scheduled": 0}
    (partial / "queue").mkdir(mode=0o700)
    if isinstance(storage, ReliableSqliteStorage):
        target = partial / SQLITE_FILE
        source = sqlite3.connect(storage.filename, timeout=busy_timeout_ms / 1000)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)              # one consistent snapshot while workers go on
                copy.execute("PRAGMA journal_mode=DELETE")
                messages = read_sqlite_messages(copy.cursor(), storage.name)
            finally:
                copy.close()
        finally:
            source.close()
        kind, file = "sqlite", SQLITE_FILE
    else:
        messages = storage.snapshot()
        (partial / JSON_FILE).write_bytes(messages_to_json(messages))
        kind, file = "redis", JSON_FILE
    return {"kind": kind, "file": file, "name": storage.name, "jobs": len(messages.queue),
            "scheduled": len(messages.schedule)}


def read(source: Path, section: dict) -> Messages:
    """The jobs a set holds (none for a set made before queues were backed up)."""
    if not section or section.get("kind") in (None, "none"):
        return Messages()
    path = source / section["file"]
    if section["kind"] == "sqlite":
        connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return read_sqlite_messages(connection.cursor(), section["name"])
        finally:
            connection.close()
    return messages_from_json(path.read_bytes())


def require_empty(messages: Messages) -> None:
    """Refuse a target whose queue already holds jobs, or that cannot take the set's."""
    if not messages.queue and not messages.schedule:
        return
    storage = _storage()
    if storage is None:
        raise BackupError(_l("This set holds %(n)d background jobs, but this instance runs jobs where they are "
                             "queued (HUEY_IMMEDIATE); configure its job queue first.",
                             n=len(messages.queue) + len(messages.schedule)))
    if storage.job_count():
        raise BackupError(_l("The job queue of this instance is not empty (%(n)d jobs). Restore only into an "
                             "empty instance, with an empty queue.", n=storage.job_count()))


def load(messages: Messages) -> int:
    """Put the set's jobs into the configured queue; how many."""
    if not messages.queue and not messages.schedule:
        return 0
    _storage().load(messages)
    return len(messages.queue) + len(messages.schedule)
