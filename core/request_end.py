"""Small bookkeeping writes made at the end of a request, not in its middle.

Noting when a session or an API token was last used is a write. Made where the
request is checked, with a commit of its own, it ended the request's
transaction, and on SQLite (one writer; every transaction takes the write lock
when it begins) the page's own reads then queued for the lock a second time:
behind a long import, that second wait made a plain page take over a second.
Written here instead, at the end of the request and in the transaction the page
still holds, it costs no second wait. A request that failed, or left changes of
its own unsaved, has those rolled back first: they are not the bookkeeping's to
save. A database too busy to take the write skips it; the next request notes it.
"""
import logging
from collections.abc import Callable

from flask import g, has_request_context
from sqlalchemy.exc import SQLAlchemyError

from core.database import is_busy
from core.extensions import db

log = logging.getLogger(__name__)
_KEY = "_anqi_request_end_writes"


def write(work: Callable[[], None]) -> None:
    """Run ``work`` (a small write in ``db.session``) when this request's response
    is ready, and commit it; outside a request, at once."""
    if not has_request_context():
        work()
        db.session.commit()
        return
    g.setdefault(_KEY, []).append(work)


def _finish(response):
    works = g.pop(_KEY, None)
    if not works:
        return response
    session = db.session
    try:
        if session.new or session.dirty or session.deleted or not session.is_active:
            session.rollback()
        for work in works:
            work()
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        if is_busy(exc):
            log.info("the last-use time was not noted: the database was busy")
        else:
            log.warning("the last-use time was not noted: %s", type(exc).__name__)
    return response


def init_app(app) -> None:
    app.after_request(_finish)
