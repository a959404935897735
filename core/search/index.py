"""The search index of tickets' text: one row a ticket, holding what people
wrote on it (the demand's description, the answers and every reply, note and
report on its timeline), kept up to date on every flush.

Chinese has no spaces between words, so a word-based index (PostgreSQL's
``to_tsvector``, FTS5's default tokenizer) would need a segmenter (jieba and
its dictionary) and would still miss words the dictionary splits otherwise.
Both databases index the text by trigrams instead, which find any substring of
three characters or more without knowing where words end: SQLite an FTS5
virtual table with the ``trigram`` tokenizer (``rowid`` is the ticket's id),
PostgreSQL a plain table with a ``pg_trgm`` GIN index. Words of one or two
characters (路灯) have no trigram: the index of grams (core/search/grams.py),
written here beside it, finds them.

An ``after_flush`` listener rewrites the row of every ticket whose description
or answer changed or which gained a timeline entry with text, so every writer
(the services, the sweep, a merge, a script through the ORM) keeps the index
true without calling it; ``rebuild`` refills it (``anqi search rebuild``).
"""
from sqlalchemy import event, inspect, text
from sqlalchemy.orm import Session

from core.search import grams
from core.tickets.models import Ticket, TicketEvent

TABLE = "search_ticket_text"
# The timeline entries whose text someone wrote (answers, replies, notes,
# reports, reasons, instructions, opinions); not the generated ones (sweep
# warnings, file names, the registration's copy of the description).
WRITTEN_KINDS = frozenset({
    "answered", "transfer_replied", "onsite_answered", "progress", "listing_progress", "note", "returned",
    "rework", "transferred", "dispatched", "escalated", "closed", "reopened", "rated", "supervised",
    "info_requested", "info_supplied", "consultation_opinion", "complaint", "extension_requested",
})
MAX_BODY = 100_000   # characters a ticket's row holds (a demand is far shorter)


def outside_the_models(name, type_, _parent_names) -> bool:
    """Alembic's ``include_name``: the search indexes' tables (this one, made by
    migration core_0020_search, the grams' by core_0025_search_grams, and the
    enterprises' ``search_enterprise``, by core_0023_enterprise_search, and their
    names' grams ``search_enterprise_gram``, by core_0031_enterprise_grams; on SQLite
    FTS5 tables with their shadow tables) are not a model's, so comparing the
    schema with the models leaves them out."""
    return not (type_ == "table" and name.startswith((TABLE, grams.TABLE, "search_enterprise")))


def body_of(connection, ticket_id: int) -> str | None:
    """The text the index holds for a ticket (None: there is no such ticket)."""
    row = connection.execute(text("SELECT description, answer FROM ticket WHERE id = :id"),
                             {"id": ticket_id}).first()
    if row is None:
        return None
    parts = [row.description or ""]
    texts = connection.execute(
        text("SELECT kind, text FROM ticket_event WHERE ticket_id = :id AND text <> '' ORDER BY id"),
        {"id": ticket_id})
    written = [t for kind, t in texts if kind in WRITTEN_KINDS]
    if row.answer and row.answer not in written:
        parts.append(row.answer)
    parts.extend(written)
    return "\n".join(p for p in parts if p)[:MAX_BODY]


def _is_sqlite(connection) -> bool:
    return connection.dialect.name == "sqlite"


def write(connection, ticket_id: int) -> None:
    """Index the ticket's text as it is now (or drop its rows if it is gone)."""
    key = "rowid" if _is_sqlite(connection) else "ticket_id"
    old = connection.execute(text(f"SELECT body FROM {TABLE} WHERE {key} = :id"), {"id": ticket_id}).scalar()
    grams.remove(connection, ticket_id, old)
    connection.execute(text(f"DELETE FROM {TABLE} WHERE {key} = :id"), {"id": ticket_id})
    body = body_of(connection, ticket_id)
    if body is not None:
        connection.execute(text(f"INSERT INTO {TABLE} ({key}, body) VALUES (:id, :body)"),
                           {"id": ticket_id, "body": body})
        grams.add(connection, {ticket_id: body})


def rebuild(connection, batch: int = 2000, *, short_words: bool = True) -> int:
    """Index every ticket afresh; returns how many. The caller commits.
    ``short_words=False`` leaves out the grams (migration core_0020_search, which
    comes before their table)."""
    if short_words:
        grams.clear(connection)
    connection.execute(text(f"DELETE FROM {TABLE}"))
    key = "rowid" if _is_sqlite(connection) else "ticket_id"
    total, last = 0, 0
    while True:
        ids = list(connection.execute(text("SELECT id FROM ticket WHERE id > :last ORDER BY id LIMIT :n"),
                                      {"last": last, "n": batch}).scalars())
        if not ids:
            return total
        rows = _bodies(connection, ids)
        connection.execute(text(f"INSERT INTO {TABLE} ({key}, body) VALUES (:id, :body)"),
                           [{"id": i, "body": b} for i, b in rows.items()])
        if short_words:
            grams.add(connection, rows)
        total += len(rows)
        last = ids[-1]


def _bodies(connection, ids: list[int]) -> dict[int, str]:
    """The bodies of many tickets in two queries (the rebuild, the migration's backfill)."""
    bounds = {"low": ids[0], "high": ids[-1]}
    parts, answers = {}, {}
    for i, description, answer in connection.execute(
            text("SELECT id, description, answer FROM ticket WHERE id BETWEEN :low AND :high"), bounds):
        parts[i] = [description or ""]
        answers[i] = answer or ""
    written = {i: [] for i in parts}
    for i, kind, t in connection.execute(
            text("SELECT ticket_id, kind, text FROM ticket_event WHERE ticket_id BETWEEN :low AND :high "
                 "AND text <> '' ORDER BY ticket_id, id"), bounds):
        if kind in WRITTEN_KINDS and i in written:
            written[i].append(t)
    bodies = {}
    for i, texts in parts.items():
        if answers[i] and answers[i] not in written[i]:
            texts.append(answers[i])
        texts.extend(written[i])
        bodies[i] = "\n".join(p for p in texts if p)[:MAX_BODY]
    return bodies


def _changed(session) -> tuple[set[int], set[int]]:
    touched, gone = set(), set()
    for obj in session.new:
        if isinstance(obj, Ticket):
            touched.add(obj.id)
        elif isinstance(obj, TicketEvent) and obj.text and obj.kind in WRITTEN_KINDS:
            touched.add(obj.ticket_id)
    for obj in session.dirty:
        if isinstance(obj, Ticket):
            state = inspect(obj)
            if state.attrs.description.history.has_changes() or state.attrs.answer.history.has_changes():
                touched.add(obj.id)
        elif isinstance(obj, TicketEvent) and obj.kind in WRITTEN_KINDS:
            if inspect(obj).attrs.text.history.has_changes():
                touched.add(obj.ticket_id)
    for obj in session.deleted:
        if isinstance(obj, Ticket):
            gone.add(obj.id)
    return touched - gone, gone


@event.listens_for(Session, "after_flush")
def _keep_index(session, _context) -> None:
    touched, gone = _changed(session)
    if not (touched or gone):
        return
    connection = session.connection()
    for ticket_id in sorted(touched | gone):
        if ticket_id is not None:
            write(connection, ticket_id)
