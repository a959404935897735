"""What a worker process needs besides itself: the database, and the storage
of the background job queue (SQLite file or Redis). Shared by the readiness
probe and the scrape-time metrics."""
from flask import current_app
from sqlalchemy import text

from core.database import read_only_connection


def check_database() -> None:
    """Raises when the database does not answer ``SELECT 1``. A read-only
    transaction: on SQLite, a writer holding the lock does not make the
    database look down."""
    with read_only_connection() as connection:
        connection.execute(text("SELECT 1"))


def queue_depth() -> int:
    """Jobs waiting in the queue; raises when its storage cannot be reached
    (Redis: the server; SQLite: the file)."""
    return current_app.extensions["huey"].pending_count()
