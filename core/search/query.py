"""Reading the search index (core/search/index.py): which tickets hold the
words of a query, and the passage of each that shows them.

A query's words (split on spaces) must all occur in a ticket's text. A word of
three characters or more is looked up in the trigram index, a word of one or
two letters, digits or ideographs (路灯, 漏) in the index of grams
(core/search/grams.py). What neither answers, a word of one or two characters
holding a punctuation mark or a symbol ("C#"), is read with LIKE over the index
table, and only over the newest ``SHORT_SCAN`` tickets' text, so that the scan
has a bound whatever the number of tickets. A search finds the newest
``MATCH_LIMIT`` matching tickets at most, newest first, read once per request
(``matching_ids``) and then combined with the list's queue, filters and scope: a
common word costs the same as a rare one.
"""
import re
from dataclasses import dataclass

from sqlalchemy import column, func, select, table

from core.extensions import db
from core.search import grams
from core.search.index import TABLE
from core.tickets.models import Ticket

MIN_TRIGRAM = 3
MATCH_LIMIT = 2000       # the newest matching tickets a search finds at most
SHORT_SCAN = 20_000      # a short word with a symbol is looked for in the newest tickets' text only
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


def phrase(word: str) -> str:
    """``word`` as an FTS5 phrase (with the trigram tokenizer: the word as a substring)."""
    return '"' + word.replace('"', '""') + '"'


def unindexed(word: str) -> bool:
    """A word neither index answers: read by the bounded LIKE (``SHORT_SCAN``)."""
    return len(word) < MIN_TRIGRAM and not grams.indexable(word)


def matching(q: str, dialect: str | None = None):
    """A SELECT of the ids of the newest ``MATCH_LIMIT`` tickets whose text holds
    every word of ``q``, newest first (None when ``q`` has no word)."""
    found = words(q)
    if not found:
        return None
    dialect = dialect or db.engine.dialect.name
    long = [w for w in found if len(w) >= MIN_TRIGRAM]
    short = [w for w in found if grams.indexable(w)]
    scanned = [w for w in found if unindexed(w)]
    if not (long or scanned):
        # Only short words: the grams' index alone, read newest first.
        by_grams = grams.holding(short, dialect)
        key = by_grams.selected_columns.id
        return by_grams.order_by(key.desc()).limit(MATCH_LIMIT)
    if dialect == "sqlite":
        t, key = _sqlite, _sqlite.c.rowid
        stmt = select(key)
        if long:
            stmt = stmt.where(t.c.body.match(" AND ".join(phrase(w) for w in long)))
    else:
        t, key = _postgres, _postgres.c.ticket_id
        stmt = select(key)
        for w in long:
            stmt = stmt.where(t.c.body.icontains(w, autoescape=True))
    if short:
        stmt = stmt.where(key.in_(grams.holding(short, dialect)))
    if scanned:
        # With an ESCAPE clause SQLite, not FTS5, evaluates the LIKE (FTS5 finds nothing under 3 characters).
        newest = select(func.max(Ticket.id) - SHORT_SCAN).scalar_subquery()
        stmt = stmt.where(key > newest)
        for w in scanned:
            stmt = stmt.where(t.c.body.contains(w, autoescape=True) if dialect == "sqlite"
                              else t.c.body.icontains(w, autoescape=True))
    return stmt.order_by(key.desc()).limit(MATCH_LIMIT)


def matching_ids(q: str) -> list[int] | None:
    """The ids ``matching`` selects, read now (None when ``q`` has no word)."""
    stmt = matching(q)
    return None if stmt is None else list(db.session.scalars(stmt))


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
