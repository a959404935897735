"""The one place the application reads the time, so tests can move it.

Times are stored as naive UTC; pages show them in Asia/Shanghai through Flask-Babel.
"""
from contextlib import contextmanager
from datetime import datetime, timezone

_frozen: datetime | None = None


def now() -> datetime:
    if _frozen is not None:
        return _frozen
    return datetime.now(timezone.utc).replace(tzinfo=None)


def freeze(at: datetime | None) -> None:
    """Pin the clock at ``at`` (naive UTC); ``None`` lets it run again."""
    global _frozen
    _frozen = at


@contextmanager
def pinned(at: datetime):
    """The clock pinned at ``at`` for the length of a ``with`` block, then as it was."""
    previous = _frozen
    freeze(at)
    try:
        yield at
    finally:
        freeze(previous)
