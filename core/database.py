"""The database: SQLite (embedded default) or PostgreSQL, and the schema check."""
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import event
from sqlalchemy.engine import Engine

import os
from pathlib import Path

from core.extensions import db, migrate


@migrate.configure
def _version_locations(config):
    """Core's revisions, then each loaded plugin's own branch."""
    locations = [str(Path(__file__).parent / "migrations" / "versions")]
    for manifest in current_app.extensions["anqi_plugins"].manifests.values():
        if (manifest.path / "migrations").is_dir():
            locations.append(str(manifest.path / "migrations"))
    config.set_main_option("version_locations", os.pathsep.join(locations))
    return config


def init_app(app) -> None:
    db.init_app(app)
    import_models()
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def import_models() -> None:
    """Import every core model so the metadata is complete (migrations, tests)."""
    from core.api import models as _api  # noqa: F401
    from core.audit import models as _audit  # noqa: F401
    from core.auth import models as _auth  # noqa: F401
    from core.calendar import models as _calendar  # noqa: F401
    from core.departments import models as _departments  # noqa: F401
    from core.liaison import models as _liaison  # noqa: F401
    from core.meetings import models as _meetings  # noqa: F401
    from core.documents import models as _documents  # noqa: F401
    from core.notifications import models as _notifications  # noqa: F401
    from core.notices import models as _notices  # noqa: F401
    from core.org import models as _org  # noqa: F401
    from core.plugins import models as _plugins  # noqa: F401
    from core.portal import models as _portal  # noqa: F401
    from core.registry import models as _registry  # noqa: F401
    from core.phrases import models as _phrases  # noqa: F401
    from core.knowledge import models as _knowledge  # noqa: F401
    from core.legal_education import models as _legal_education  # noqa: F401
    from core.routing import models as _routing  # noqa: F401
    from core.service_lists import models as _service_lists  # noqa: F401
    from core.submissions import models as _submissions  # noqa: F401
    from core.tickets import models as _tickets  # noqa: F401
    from core.tickets import consultation_models as _consultations  # noqa: F401
    from core.supervision import models as _supervision  # noqa: F401
    from core.tickets import onsite_models as _onsite  # noqa: F401
    from core.tickets import merge_models as _ticket_merges  # noqa: F401
    from core.uploads import models as _uploads  # noqa: F401


def _configure_sqlite(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin, so that
        # BEGIN IMMEDIATE below is honoured.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin_immediate(connection):
        # Take the write lock at the start of every transaction: a reader that
        # later writes would otherwise fail with "database is locked" instead of
        # waiting out the busy timeout. A connection that declared it only reads
        # (``READ_ONLY``) begins a plain deferred transaction: in WAL mode it
        # reads a snapshot and neither waits for nor blocks the writer.
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


READ_ONLY = "anqi_read_only"


def read_only_connection():
    """A connection for a transaction that only reads (a probe, a report's
    figures, the rows of an export): on SQLite it does not take the database's
    write lock, so it never waits behind a writer nor makes one wait. Use it in
    a ``with`` block; writing through it fails."""
    return db.engine.connect().execution_options(**{READ_ONLY: True})


def is_busy(exc: BaseException) -> bool:
    """The database could not give this transaction its turn in time: SQLite's
    busy timeout ran out ("database is locked") while another writer held the
    lock. Nothing was written; trying again a moment later succeeds."""
    original = getattr(exc, "orig", exc)
    return type(original).__name__ == "OperationalError" and "database is locked" in str(original)


class SchemaMismatch(Exception):
    pass


def schema_status(app=None) -> tuple[set[str], set[str]]:
    """(revisions in the database, head revisions of the migrations)."""
    app = app or current_app
    config = app.extensions["migrate"].migrate.get_config(app.extensions["migrate"].directory)
    script = ScriptDirectory.from_config(config)
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current, set(script.get_heads())


def check_schema(app=None) -> None:
    """Refuse to go on unless the database is exactly at the migrations' heads."""
    app = app or current_app
    config = app.extensions["migrate"].migrate.get_config(app.extensions["migrate"].directory)
    script = ScriptDirectory.from_config(config)
    current, heads = schema_status(app)
    known = {rev.revision for rev in script.walk_revisions()}
    unknown = current - known
    if not unknown:
        # A head of core's branch is recorded only through the plugin branches
        # that depend on it, so compare what is applied, not the raw rows.
        applied = {rev.revision for head in current for rev in script.iterate_revisions(head, "base")}
        if heads <= applied:
            return
    if unknown:
        raise SchemaMismatch(
            "The database is ahead of this version of anqi (it has migration "
            f"{', '.join(sorted(unknown))}, which this code does not know). "
            "Install the newer version of anqi that wrote it, or restore a backup."
        )
    raise SchemaMismatch(
        "The database schema is behind this version of anqi. Run `anqi db upgrade` first."
    )
