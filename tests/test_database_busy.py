"""When SQLite's one writer is busy for longer than the busy timeout, a request is
answered 503 with a clear message and nothing changed (never a 500); a probe or a
read declared read-only does not wait for the writer at all."""
import sqlite3
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import func, select, text

from core.audit.models import AuditEntry
from core.database import read_only_connection
from core.extensions import db
from tests.conftest import login, on_databases
from tests.helpers import quick_password_hashing  # noqa: F401  (autouse fixture)

pytestmark = on_databases("sqlite")


@pytest.fixture
def app_config():
    return {"SQLITE_BUSY_TIMEOUT_MS": 300}


@contextmanager
def writer_holding_the_lock(app):
    """Another process's writer in the middle of a long transaction."""
    db.session.rollback()
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_request_that_cannot_get_its_turn_is_told_so_with_nothing_changed(app, city):
    client = app.test_client()
    login(client, "desk")
    client.post("/lang", data={"lang": "en", "next": "/tickets/"})
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    with writer_holding_the_lock(app):
        began = time.monotonic()
        response = client.get("/tickets/")
        waited = time.monotonic() - began
    page = response.get_data(as_text=True)
    assert response.status_code == 503 and waited < 3
    assert "nothing was changed" in page and "Try again in a few seconds" in page
    assert response.headers["Retry-After"] == "5" and "no-store" in response.headers["Cache-Control"]
    # The same request after the writer is done works as usual, and nothing was written meanwhile.
    assert client.get("/tickets/").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == entries


def test_the_busy_page_is_in_chinese_by_default(app, city):
    client = app.test_client()
    login(client, "desk")
    with writer_holding_the_lock(app):
        response = client.get("/tickets/")
    assert response.status_code == 503
    assert "没有生效" in response.get_data(as_text=True)


def test_the_api_answers_busy_as_json(app, city):
    client = app.test_client()
    with writer_holding_the_lock(app):
        response = client.get("/api/v1/tickets", headers={"Authorization": "Bearer anqi_not-a-real-token"})
    assert response.status_code == 503, response.data
    assert response.get_json()["error"]["code"] == "busy"
    assert response.headers["Retry-After"] == "5"


def test_readiness_and_read_only_reads_do_not_wait_for_the_writer(make_app):
    app = make_app(SQLITE_BUSY_TIMEOUT_MS=5000)
    with app.app_context():
        client = app.test_client()
        with writer_holding_the_lock(app):
            began = time.monotonic()
            assert client.get("/readyz").status_code == 200
            with read_only_connection() as connection:
                assert connection.execute(text("SELECT count(*) FROM unit")).scalar() == 0
            assert time.monotonic() - began < 2
