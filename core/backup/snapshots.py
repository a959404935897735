"""Database snapshots: SQLite's online backup API, PostgreSQL's pg_dump and
pg_restore, and what a snapshot holds (revisions, rows per table, stored files
it names), read from the snapshot itself so that the manifest describes exactly
what was copied."""
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import column, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.pool import NullPool

from core.backup.contents import REFERENCES
from core.errors import AnqiError

SQLITE_FILE = "database/anqi.sqlite3"
POSTGRES_FILE = "database/anqi.pgdump"


class BackupError(AnqiError):
    pass


@dataclass
class Inventory:
    revisions: list[str]
    rows: dict[str, int]
    referenced: dict[str, set[str]] = field(default_factory=dict)   # folder -> paths inside it


def inventory(connection: Connection) -> Inventory:
    names = sorted(inspect(connection).get_table_names())
    rows = {name: connection.scalar(select(func.count()).select_from(table(name))) for name in names}
    revisions = sorted(connection.scalars(text("SELECT version_num FROM alembic_version"))) \
        if "alembic_version" in names else []
    referenced: dict[str, set[str]] = {}
    for ref in REFERENCES:
        if ref.table in names:
            value = column(ref.column)
            found = connection.scalars(select(value).select_from(table(ref.table)).where(value.isnot(None)))
            referenced.setdefault(ref.folder, set()).update(ref.prefix + name for name in found)
    return Inventory(revisions, rows, referenced)


def tables_with_rows(connection: Connection) -> dict[str, int]:
    counts = inventory(connection).rows
    return {name: n for name, n in counts.items() if n}


# --- SQLite -----------------------------------------------------------------------

def sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError(_l("Only a SQLite database in a file can be backed up or restored."))
    return Path(url.database)


def dump_sqlite(source: Path, target: Path, busy_timeout_ms: int) -> Inventory:
    """Copy the database with the online backup API: one consistent snapshot,
    taken while other processes go on writing (WAL lets them)."""
    if not source.is_file():
        raise BackupError(_l("There is no database file at %(path)s.", path=str(source)))
    src = sqlite3.connect(source, timeout=busy_timeout_ms / 1000)
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)               # all pages in one step, within one read transaction
            dst.execute("PRAGMA journal_mode=DELETE")   # one self-contained file
            verdict = dst.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if verdict != "ok":
        raise BackupError(_l("The copy of the database failed SQLite's integrity check (%(detail)s); "
                             "the database itself may be damaged.", detail=verdict))
    engine = create_engine(f"sqlite:///{target}", poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return inventory(connection)
    finally:
        engine.dispose()


def load_sqlite(source: Path, target: Path, busy_timeout_ms: int) -> None:
    """Write the set's database into the target file through SQLite (not a file
    copy), so a WAL file or another connection cannot mix old pages in."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=busy_timeout_ms / 1000)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
        finally:
            dst.close()
    finally:
        src.close()


# --- PostgreSQL ---------------------------------------------------------------------

def _major(version: str) -> int:
    return int(version.split(".")[0])


def pg_tool(name: str) -> tuple[str, str]:
    """The path and version (e.g. ``15.20``) of pg_dump or pg_restore on the PATH."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(_l("%(tool)s was not found on the PATH. Install the PostgreSQL client of the "
                             "server's version (Debian: apt-get install postgresql-client).", tool=name))
    answer = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)
    match = re.search(r"\(PostgreSQL\)\s+(\d+(?:\.\d+)?)", answer.stdout)
    if answer.returncode != 0 or match is None:
        raise BackupError(_l("%(tool)s does not work: %(detail)s", tool=path,
                             detail=(answer.stderr or answer.stdout).strip()[:300]))
    return path, match.group(1)


def _libpq(url: URL) -> tuple[str, dict]:
    """A connection string for the PostgreSQL tools; the password travels in
    the environment, never on a command line that `ps` shows."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return conninfo, env


def _run(args: list[str], env: dict, what: str) -> None:
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        raise BackupError(_l("%(tool)s failed: %(detail)s", tool=what, detail=done.stderr.strip()[-1500:]))


def dump_postgres(engine: Engine, target: Path) -> tuple[Inventory, dict]:
    """pg_dump in the custom format, from a snapshot this connection exports and
    reads the row counts from, so the counts are those of the dump exactly."""
    tool, tool_version = pg_tool("pg_dump")
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
        with connection.begin():
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            server_version = connection.scalar(text("SHOW server_version")).split()[0]
            if _major(tool_version) < _major(server_version):
                raise BackupError(_l(
                    "pg_dump %(tool)s is older than the database server (%(server)s) and cannot dump it. "
                    "Install the PostgreSQL client %(major)s and put its bin folder first on the PATH "
                    "(Debian: /usr/lib/postgresql/%(major)s/bin).",
                    tool=tool_version, server=server_version, major=_major(server_version)))
            found = inventory(connection)
            conninfo, env = _libpq(engine.url)
            _run([tool, "--format=custom", f"--snapshot={snapshot}", f"--file={target}", f"--dbname={conninfo}"],
                 env, "pg_dump")
    return found, {"server_version": server_version, "pg_dump_version": tool_version}


def load_postgres(source: Path, url: URL, dump_version: str | None) -> None:
    tool, tool_version = pg_tool("pg_restore")
    if dump_version and _major(tool_version) < _major(dump_version):
        raise BackupError(_l(
            "pg_restore %(tool)s is older than the pg_dump %(dump)s that made this set and may not read it. "
            "Install the PostgreSQL client %(major)s or newer.",
            tool=tool_version, dump=dump_version, major=_major(dump_version)))
    conninfo, env = _libpq(url)
    _run([tool, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
          f"--dbname={conninfo}", str(source)], env, "pg_restore")
