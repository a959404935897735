"""anqi's pytest plugin: an application on a real database, built by the real
migrations, and a small city to work in. pytest loads it for every package
installed beside anqi (the ``pytest11`` entry point, ``pip install anqi[test]``),
so a plugin's own tests use the same fixtures as anqi's suite:

- ``app``: the application (in an application context) on a fresh copy of a
  migrated database; ``app_config`` (a fixture a module may override) adds settings.
- ``make_app(entry_points=None, **config)``: build further applications on the
  same database (another configuration, extra plugins by entry point).
- ``client``: a test client of ``app`` (core.testing.FreshClient).
- ``city``: a city bureau with the centre and two stations, and eight users
  (``admin``, ``auditor``, ``desk``, ``leader``, ``desk_a``, ``officer_a``,
  ``desk_b``, ``officer_b``; password ``core.testing.PASSWORD``).
- ``database_url``: the database of the test, parametrized over SQLite and,
  when ANQI_TEST_DATABASE_URL points at a PostgreSQL database, PostgreSQL too.

When the suite runs in several processes (pytest-xdist, as ``make test`` runs
it), each process has a PostgreSQL database and a Redis database of its own,
made from the ones named.
"""
import os
import shutil

import pytest
from sqlalchemy import MetaData, create_engine, text

from core import clock, create_app
from core.extensions import db
from core.testing.support import PASSWORD, City, FreshClient, enrol_second_factor


def _own_servers_for_this_process() -> None:
    """Give an xdist worker (gw0, gw1, ...) its own PostgreSQL database, ``<name>_gw1``,
    made on first use, and its own Redis database number; the test modules read
    the environment when they are imported, after this."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return
    index = int(worker.removeprefix("gw"))
    if os.environ.get("ANQI_TEST_DATABASE_URL"):
        from sqlalchemy.engine import make_url

        url = make_url(os.environ["ANQI_TEST_DATABASE_URL"])
        name = f"{url.database}_{worker}"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            if not connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        os.environ["ANQI_TEST_DATABASE_URL"] = url.set(database=name).render_as_string(hide_password=False)
    if os.environ.get("ANQI_TEST_REDIS_URL"):
        from urllib.parse import urlsplit, urlunsplit

        parts = urlsplit(os.environ["ANQI_TEST_REDIS_URL"])
        number = (int(parts.path.strip("/") or 0) - index) % 16
        os.environ["ANQI_TEST_REDIS_URL"] = urlunsplit(parts._replace(path=f"/{number}"))


_own_servers_for_this_process()
PG_URL = os.environ.get("ANQI_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _migrate(url: str, instance) -> None:
    import flask_migrate

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite database, copied for each test."""
    folder = tmp_path_factory.mktemp("template")
    os.environ.setdefault("ANQI_INSTANCE_PATH", str(folder / "instance"))
    path = folder / "template.db"
    _migrate(f"sqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
def postgres_ready(tmp_path_factory):
    """The PostgreSQL test database, emptied and migrated once per session; returns
    its URL and the rows the migrations seeded, which every test starts with."""
    if not PG_URL:
        return None
    engine = create_engine(PG_URL)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    _migrate(PG_URL, tmp_path_factory.mktemp("pg"))
    engine = create_engine(PG_URL)
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        seeded = {name: [dict(r._mapping) for r in connection.execute(table.select())]
                  for name, table in metadata.tables.items() if name != "alembic_version"}
    engine.dispose()
    return PG_URL, metadata, {name: rows for name, rows in seeded.items() if rows}


def _reset_postgres(url: str, metadata, seeded) -> None:
    """Empty every table a test wrote to, then put back what the migrations seeded.

    One question finds the tables holding rows; only those are emptied, with
    DELETE: TRUNCATE makes new files for each of the ~120 tables and their
    indexes and cost over half a second a test, DELETE of a few small tables a
    few milliseconds."""
    engine = create_engine(url)
    tables = [t for t in metadata.tables if t != "alembic_version"]
    with engine.begin() as connection:
        # The audit trail's triggers refuse DELETE and foreign keys would impose an
        # order; "replica" mode skips both (superuser only).
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        holding = connection.execute(text(" UNION ALL ".join(
            f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")" for t in tables))).scalars().all()
        for name in set(holding) | set(seeded):
            connection.execute(text(f'DELETE FROM "{name}"'))
        for name, rows in seeded.items():
            connection.execute(metadata.tables[name].insert(), rows)
        # The id sequences back to where a fresh database has them: after the seeded rows, or unused.
        connection.execute(text(" UNION ALL ".join(
            f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), "
            + (f'(SELECT max(id) FROM "{t}"))' if t in seeded else "1, false)")
            for t in tables if "id" in metadata.tables[t].c)))
    engine.dispose()


def on_databases(*kinds: str):
    """Run a test on only these of the suite's databases ("sqlite", "postgresql"),
    for what one kind alone has; a kind not configured is left out, not skipped."""
    return pytest.mark.parametrize("database_url", [k for k in kinds if k in BACKENDS], indirect=True)


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        path = tmp_path / "anqi.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url, metadata, seeded = request.getfixturevalue("postgres_ready")
    _reset_postgres(url, metadata, seeded)
    return url


@pytest.fixture
def make_app(database_url, tmp_path, monkeypatch):
    """Build an app on this test's database; extra config as keyword arguments."""
    monkeypatch.setenv("ANQI_INSTANCE_PATH", str(tmp_path / "instance"))
    apps = []

    def factory(entry_points=None, **config):
        settings = {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                    # Tests move the clock by days while logged in, so sessions do not time out, and
                    # logins come faster than any rate limit: tests/test_identity.py sets both back.
                    "AUTH_IDLE_MINUTES": 10**7, "AUTH_ABSOLUTE_HOURS": 10**6, "RATELIMIT_ENABLED": False}
        settings.update(config)
        app = create_app(settings, entry_points=entry_points)
        app.test_client_class = FreshClient
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    clock.freeze(None)


@pytest.fixture
def app_config():
    """Settings for the ``app`` fixture; a test module overrides or parametrizes it."""
    return {}


@pytest.fixture
def app(make_app, app_config):
    app = make_app(**app_config)
    with app.app_context():
        yield app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def city(app):
    from core.org.actor import shell_actor
    from core.org.services import save_unit, save_user

    shell = shell_actor()
    city = save_unit(shell, {"code": "CITY", "name": "示范市公安局", "kind": "city_bureau", "doc_prefix": "示公"})
    centre = save_unit(shell, {"code": "HQ", "name": "护企优商服务中心", "kind": "centre", "parent_id": city.id})
    station_a = save_unit(shell, {"code": "STA", "name": "甲派出所", "kind": "station", "parent_id": city.id})
    station_b = save_unit(shell, {"code": "STB", "name": "乙派出所", "kind": "station", "parent_id": city.id})
    users = {}
    for username, unit, roles in [
        ("admin", city, ["admin"]), ("auditor", city, ["auditor"]),
        ("desk", centre, ["desk"]), ("leader", centre, ["leader"]),
        ("desk_a", station_a, ["desk"]), ("officer_a", station_a, ["officer"]),
        ("desk_b", station_b, ["desk"]), ("officer_b", station_b, ["officer"]),
    ]:
        users[username] = save_user(shell, {"username": username, "name": username.upper(), "unit_id": unit.id,
                                            "roles": roles, "password": PASSWORD})
    for username in ("admin", "leader"):  # their roles need a second factor: set up, as the enrolment page does
        enrol_second_factor(username)
    return City(city, centre, station_a, station_b, users)
