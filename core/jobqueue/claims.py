"""Claims: how a task takes a row to work on, so that a job delivered twice
(the queue delivers at least once) does its work once.

A claimable row has ``status``, ``claimed_by`` (an owner name,
core/jobqueue/owners.py) and ``claimed_at``. ``claim`` is one conditional UPDATE
— the row is taken if its status is a free one, or if it is being worked on
under a claim whose owner is gone — committed at once, so of two runs only one
gets the row (PostgreSQL's row lock and READ COMMITTED re-check, SQLite's single
writer). ``finish`` writes the result only while this process still holds the
claim, in the caller's transaction, so a run whose claim was taken over (it was
presumed dead) changes nothing.

A claim's owner is gone when it is certainly dead (a PID of this machine that
is no more), when the queue knows it as a worker that died or stopped (its
heartbeat expired), or when the claim is older than ``JOB_CLAIM_SECONDS`` (a
process on another machine that the queue does not know).
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, or_, select, update

from core import clock
from core.extensions import db
from core.jobqueue import owners

DEFAULT_LEASE_SECONDS = 900


def me() -> str:
    return str(owners.current())


def lease() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("JOB_CLAIM_SECONDS") or DEFAULT_LEASE_SECONDS))


def owner_gone(owner: str | None, claimed_at) -> bool:
    """Whether a claim made by ``owner`` at ``claimed_at`` may be taken over."""
    if not owner:
        return True
    if owner == me():
        return False
    if owners.is_dead(owner):
        return True
    if claimed_at is None or claimed_at < clock.now() - lease():
        return True
    storage = current_app.extensions["huey"].storage
    alive = storage.owner_alive(owner) if hasattr(storage, "owner_alive") else None
    return alive is False


def held(owner: str | None, claimed_at) -> bool:
    """Whether a claim is held by a run that is still going (this process included)."""
    return bool(owner) and not owner_gone(owner, claimed_at)


def claim(model, row_id, *, free: tuple, working: str, values: dict | None = None) -> bool:
    """Take the row for this process (status ``working``) and commit; False when
    another live run holds it or its status is neither free nor ``working``."""
    row = db.session.execute(select(model.status, model.claimed_by, model.claimed_at)
                             .where(model.id == row_id)).one_or_none()
    if row is None:
        db.session.rollback()
        return False
    condition = model.status.in_(free)
    if row.status == working and row.claimed_by != me() and owner_gone(row.claimed_by, row.claimed_at):
        # Taken over from exactly that owner: if someone else took it over first, this matches nothing.
        condition = or_(condition, and_(model.status == working, model.claimed_by == row.claimed_by))
    result = db.session.execute(update(model).where(model.id == row_id, condition)
                                .values(status=working, claimed_by=me(), claimed_at=clock.now(), **(values or {}))
                                .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def finish(model, row_id, *, working: str, values: dict) -> bool:
    """Write the result (``values``, the new status among them) if this process
    still holds the claim; in the caller's transaction, which it commits."""
    result = db.session.execute(update(model)
                                .where(model.id == row_id, model.status == working, model.claimed_by == me())
                                .values(claimed_by=None, **values)
                                .execution_options(synchronize_session=False))
    return result.rowcount == 1
