"""The schema check: the app refuses to run on a database that is ahead of or
behind its migrations, and says what to do; the migrations build what the
models describe; SQLite runs with WAL, foreign keys and a busy timeout."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from core.database import SchemaMismatch, check_schema, schema_status
from core.extensions import db
from core.plugins.manager import discover_package
from core.search.index import outside_the_models


@pytest.fixture
def versions(app):
    """The alembic_version rows, put back as they were after the test (the
    PostgreSQL database is shared by the whole session)."""
    db.session.rollback()
    saved = [row[0] for row in db.session.execute(text("SELECT version_num FROM alembic_version"))]
    db.session.rollback()

    def replace(*revisions):
        db.session.execute(text("DELETE FROM alembic_version"))
        for revision in revisions:
            db.session.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"), {"v": revision})
        db.session.commit()

    yield saved, replace
    db.session.rollback()
    replace(*saved)


def plugin_revisions(saved):
    plugins = {m.name for m in discover_package("plugins")}
    return [rev for rev in saved if rev.split("_0")[0] in plugins]


def test_a_freshly_migrated_database_passes(app):
    db.session.rollback()
    check_schema(app)
    current, heads = schema_status(app)
    assert current <= heads
    assert {"inspection", "exit_entry", "ip_protection", "project_officer",
            "risk_assessment"} <= {head.split("_0")[0] for head in heads}  # one branch per plugin


def test_an_unknown_revision_means_the_database_is_ahead(app, versions):
    saved, replace = versions
    replace(*saved, "zzzz_9999")
    with pytest.raises(SchemaMismatch) as caught:
        check_schema(app)
    assert "ahead" in str(caught.value) and "zzzz_9999" in str(caught.value)


def core_head(app) -> str:
    from alembic.script import ScriptDirectory

    migrate = app.extensions["migrate"]
    script = ScriptDirectory.from_config(migrate.migrate.get_config(migrate.directory))
    return script.get_revision("core@head").revision


def test_a_database_before_the_plugin_branches_is_behind(app, versions):
    saved, replace = versions
    assert plugin_revisions(saved)
    replace(core_head(app))  # core up to date, no plugin's branch applied yet
    with pytest.raises(SchemaMismatch) as caught:
        check_schema(app)
    assert "behind" in str(caught.value) and "anqi db upgrade" in str(caught.value)


def test_a_database_without_the_plugin_rows_is_behind(app, versions):
    saved, replace = versions
    replace(*[rev for rev in saved if rev not in plugin_revisions(saved)])
    with pytest.raises(SchemaMismatch, match="anqi db upgrade"):
        check_schema(app)


def test_anqi_run_refuses_a_mismatched_database(app, versions):
    saved, replace = versions
    replace(*saved, "zzzz_9999")
    result = app.test_cli_runner().invoke(args=["run", "--port", "1"])
    assert result.exit_code == 1
    assert "ahead" in result.output and "Traceback" not in result.output


def test_an_empty_database_is_behind_until_upgraded(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'empty.db'}")
    with app.app_context():
        with pytest.raises(SchemaMismatch, match="anqi db upgrade"):
            check_schema(app)
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        check_schema(app)


def test_the_migrations_build_what_the_models_describe(app):
    db.session.rollback()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": outside_the_models})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(app):
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == app.config["SQLITE_BUSY_TIMEOUT_MS"]


def test_foreign_keys_are_enforced(app, city):
    from sqlalchemy.exc import IntegrityError

    user = city.user("desk_a")
    user.unit_id = 999_999
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
