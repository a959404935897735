"""The render budget: how much one official document's PDF may cost.

Three limits, read from the configuration at each render (so an operator's
change applies at once):

- ``DOCUMENT_MAX_CHARACTERS``: the characters of the body (headings,
  paragraphs, table columns and cells, figure captions), checked when a draft
  is saved (``services._validate``) and again before every render;
- ``DOCUMENT_MAX_PAGES``: checked at each page WeasyPrint lays out, and on the
  finished layout;
- ``DOCUMENT_RENDER_SECONDS``: checked at each step and each page of the
  layout, counted from the moment the render gets its turn (rendering.py lays
  out one document at a time per process), not from when it was asked for.

A draft beyond a limit is refused with ``BudgetExceeded``, a ValidationError
whose message names the limit and the draft's size.

How a render is stopped. WeasyPrint has no way to cancel a render, but it
reports its progress on the logger ``weasyprint.progress`` (documented in its
"Logging" chapter): once at each step (parsing the HTML and the CSS, building
the boxes, the layout, writing the PDF) and once for every page it lays out.
``_Guard``, a ``logging.Filter`` on that logger, runs in the rendering thread
at each report; past the deadline or the page limit it raises
``BudgetExceeded``, which unwinds WeasyPrint like any other exception, between
two pages, with nothing half-written (the PDF is made in memory). The other
way, a child process killed at the deadline, was not taken: the fonts and
stylesheets are loaded once per process and shared by every render
(rendering.py), so a child per render would load them again (longer than a
whole letter takes), or would have to be forked from a process that runs
threads (gunicorn's and huey's workers), which fontconfig and Pango do not
survive. What the guard cannot cut short is the work after the layout
(drawing the pages into the PDF, subsetting the fonts); it is proportional to
the pages, which the page limit bounds.

The same filter decides whether the progress lines reach the log:
``DOCUMENT_RENDER_LOG`` (default off) — a dozen INFO lines a letter, one per
page, are noise for an operator and fill ``anqi worker``'s log.
"""
from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from core.errors import ValidationError

PROGRESS_LOGGER = "weasyprint.progress"
PAGE_REPORT = "Step 5 - Creating layout - Page"
TEXT_KINDS = ("h1", "h2", "h3", "h4", "p")
# What one element costs WeasyPrint, in characters of a paragraph (measured here: a table
# cell ≈ 1.6 ms, a character of a paragraph ≈ 0.05 ms; an SVG figure about a character for
# every 50 bytes of its drawing). Used only to decide whether a preview is rendered in the
# web request or by the workers.
CELL_WEIGHT = 30
SVG_BYTES_PER_CHARACTER = 50


@dataclass(frozen=True)
class Budget:
    characters: int
    pages: int
    seconds: float

    @classmethod
    def from_config(cls, config) -> "Budget":
        from core.config import Defaults

        def get(name, kind):
            value = config.get(name)
            return kind(getattr(Defaults, name) if value in (None, "") else value)

        return cls(get("DOCUMENT_MAX_CHARACTERS", int), get("DOCUMENT_MAX_PAGES", int),
                   get("DOCUMENT_RENDER_SECONDS", float))


def _config():
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app.config
    from core.config import Defaults

    return {name: getattr(Defaults, name) for name in dir(Defaults) if name.isupper()}


def current() -> Budget:
    """The budget the configuration sets (the defaults outside an application)."""
    return Budget.from_config(_config())


def progress_logging() -> bool:
    return bool(_config().get("DOCUMENT_RENDER_LOG"))


def inline_limit() -> int:
    """Above this weight a preview asked for in a web request goes to the workers."""
    from core.config import Defaults

    value = _config().get("DOCUMENT_INLINE_RENDER_CHARACTERS")
    return int(Defaults.DOCUMENT_INLINE_RENDER_CHARACTERS if value in (None, "") else value)


def _message(limit: str, size, maximum):
    if limit == "characters":
        return _l("The body has %(n)s characters, more than the limit of %(max)s.", n=size, max=maximum)
    if limit == "pages":
        return _l("The document runs to more than %(max)s pages, the limit (its layout was stopped at page "
                  "%(n)s). Shorten it or split it into several documents.", n=size, max=maximum)
    return _l("Laying out the document took longer than %(max)s seconds, the limit (it was stopped at page "
              "%(n)s). Shorten it, or try again when the server is less busy.", n=size, max=_seconds(maximum))


def _seconds(value) -> str:
    return f"{value:g}"


class BudgetExceeded(ValidationError):
    """A draft beyond one limit of the render budget: ``limit`` is ``characters``,
    ``pages`` or ``seconds``, ``size`` the draft's characters or the page the
    layout was stopped at, ``maximum`` the limit."""

    def __init__(self, limit: str, size, maximum):
        self.limit, self.size, self.maximum = limit, size, maximum
        super().__init__(_message(limit, size, maximum), field="body")

    def as_dict(self) -> dict:
        return {"limit": self.limit, "size": self.size, "maximum": self.maximum}


# ---------------------------------------------------------------- measuring a body

def _table(value) -> tuple[list, list]:
    if isinstance(value, dict):
        return list(value.get("columns") or ()), list(value.get("rows") or ())
    return list(value.columns), list(value.rows)


def _figure(value) -> tuple[str, str]:
    if isinstance(value, dict):
        return str(value.get("svg") or ""), str(value.get("caption") or "")
    return value.svg, value.caption


def characters(body) -> int:
    """The characters a reader reads in a body: headings and paragraphs, table
    columns and cells, figure captions (stored or frozen blocks alike)."""
    total = 0
    for kind, value in body or ():
        if kind in TEXT_KINDS:
            total += len(value or "")
        elif kind == "table":
            columns, rows = _table(value)
            total += sum(len(str(c)) for c in columns) + sum(len(str(cell)) for row in rows for cell in row)
        elif kind == "figure":
            total += len(_figure(value)[1])
    return total


def weight(body) -> int:
    """What a body costs to lay out, in characters of a paragraph: the
    characters, plus ``CELL_WEIGHT`` for each table cell and one for every
    ``SVG_BYTES_PER_CHARACTER`` bytes of a drawing. A table of short cells costs
    WeasyPrint far more per character than a paragraph does."""
    total = characters(body)
    for kind, value in body or ():
        if kind == "table":
            columns, rows = _table(value)
            total += CELL_WEIGHT * (len(columns) + sum(len(row) for row in rows))
        elif kind == "figure":
            total += len(_figure(value)[0]) // SVG_BYTES_PER_CHARACTER
    return total


def check_characters(body, budget: Budget | None = None) -> int:
    """The body's characters; BudgetExceeded when they are more than the budget allows."""
    budget = budget or current()
    size = characters(body)
    if size > budget.characters:
        raise BudgetExceeded("characters", size, budget.characters)
    return size


def check_pages(pages: int, budget: Budget) -> None:
    if pages > budget.pages:
        raise BudgetExceeded("pages", pages, budget.pages)


# ---------------------------------------------------------------- watching a render

_state = threading.local()


class _Guard(logging.Filter):
    """Runs at each of WeasyPrint's progress reports, in the thread that renders."""

    def filter(self, record):
        watch = getattr(_state, "watch", None)
        if watch is None:
            return False          # WeasyPrint used outside a render of ours: nothing to log
        watch.check(record)
        return watch.log


@dataclass
class _Watch:
    budget: Budget
    log: bool
    started: float
    page: int = 0

    def check(self, record) -> None:
        if isinstance(record.msg, str) and record.msg.startswith(PAGE_REPORT) and record.args:
            self.page = max(self.page, int(record.args[0]))
            if self.page > self.budget.pages:
                raise BudgetExceeded("pages", self.page, self.budget.pages)
        if time.monotonic() - self.started > self.budget.seconds:
            raise BudgetExceeded("seconds", max(self.page, 1), self.budget.seconds)


_guard = _Guard()


def _listen() -> logging.Logger:
    """The progress logger, made to call the guard: at INFO whatever the root
    logger's level, enabled again if a logging configuration disabled it, the
    guard attached once."""
    logger = logging.getLogger(PROGRESS_LOGGER)
    logger.setLevel(logging.INFO)
    logger.disabled = False
    if _guard not in logger.filters:
        logger.addFilter(_guard)
    return logger


_listen()


@contextmanager
def watch(budget: Budget, *, log: bool = False):
    """Hold the render in this thread to ``budget`` (pages and seconds) while the
    block runs; ``log`` lets WeasyPrint's progress lines through to the log."""
    _listen()
    _state.watch = _Watch(budget, log, time.monotonic())
    try:
        yield _state.watch
    finally:
        _state.watch = None
