"""Reading the search index (core/search/index.py): which tickets hold the
words of a query, and the passage of each that shows them.

A query's words (split on spaces) must all occur in a ticket's text. A word of
three characters or more is looked up in the trigram index; a shorter one (路灯,
两字) has no trigram, so it is read with LIKE over the index table, newest
tickets first and bounded to ``SHORT_MATCHES`` of them, so that a common short
word never walks the whole table.
"""
import re
from dataclasses import dataclass

from sqlalchemy import column, select, table

from core.extensions import db
from core.search.index import TABLE

MIN_TRIGRAM = 3
SHORT_MATCHES = 2000     # the newest tickets a query with a short word finds at most
MAX_WORDS = 5
CONTEXT = 30             # characters shown either side of the first match

_sqlite = table(TABLE, column("rowid"), column("body"))
_postgres = table(TABLE, column("ticket_id"), column("body"))


def words(q: str) -> list[str]:
    found = []
    for word in (q or "").split():
        if word.lower() not in (w.lower() for w in found):
            found.append(word[:50])
    return found[:MAX_WORDS]


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def matching(q: str, dialect: str | None = None):
    """A SELECT of the ids of the tickets whose text holds every word of ``q``
    (None when ``q`` has no word), to use as ``Ticket.id.in_(…)``."""
    found = words(q)
    if not found:
        return None
    dialect = dialect or db.engine.dialect.name
    long = [w for w in found if len(w) >= MIN_TRIGRAM]
    short = [w for w in found if len(w) < MIN_TRIGRAM]
    if dialect == "sqlite":
        t, key = _sqlite, _sqlite.c.rowid
        stmt = select(key)
        if long:
            stmt = stmt.where(t.c.body.match(" AND ".join(_phrase(w) for w in long)))
    else:
        t, key = _postgres, _postgres.c.ticket_id
        stmt = select(key)
        for w in long:
            stmt = stmt.where(t.c.body.icontains(w, autoescape=True))
    for w in short:
        stmt = stmt.where(t.c.body.icontains(w, autoescape=True) if dialect != "sqlite"
                          else t.c.body.contains(w, autoescape=True))
    if short:
        stmt = stmt.order_by(key.desc()).limit(SHORT_MATCHES)
    return stmt


@dataclass(frozen=True)
class Passage:
    """A stretch of a ticket's text: ``parts`` are (text, is_match) pairs, to be
    escaped each and the matches marked (core/templates/search/_snippet.html)."""
    parts: tuple
    cut_before: bool
    cut_after: bool


def passage(body: str, q: str) -> Passage | None:
    found = words(q)
    if not body or not found:
        return None
    pattern = re.compile("|".join(re.escape(w) for w in sorted(found, key=len, reverse=True)), re.IGNORECASE)
    first = pattern.search(body)
    if first is None:
        return None
    start = max(0, first.start() - CONTEXT)
    end = min(len(body), first.end() + CONTEXT * 2)
    window = body[start:end]
    parts, at = [], 0
    for m in pattern.finditer(window):
        if m.start() > at:
            parts.append((window[at:m.start()], False))
        parts.append((m.group(), True))
        at = m.end()
    if at < len(window):
        parts.append((window[at:], False))
    # The passage is one line on the list: line breaks read as spaces.
    parts = tuple((" ".join(p.split("\n")), hit) for p, hit in parts)
    return Passage(parts, start > 0, end < len(body))


def passages(ticket_ids, q: str) -> dict[int, Passage]:
    """The passage of each of ``ticket_ids`` (a page's rows) that shows the words of ``q``."""
    if not ticket_ids or not words(q):
        return {}
    t = _sqlite if db.engine.dialect.name == "sqlite" else _postgres
    key = t.c.rowid if t is _sqlite else t.c.ticket_id
    result = {}
    for ticket_id, body in db.session.execute(select(key, t.c.body).where(key.in_(list(ticket_ids)))):
        found = passage(body, q)
        if found:
            result[ticket_id] = found
    return result
