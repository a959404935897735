"""The index of short words: every character and every pair of neighbouring
characters that occur in a ticket's text, so that a word of one or two
characters (路灯, 漏) is found in every ticket, as a longer word is through the
trigram index (core/search/index.py).

A ticket's grams are the distinct single letters, digits and ideographs of its
text and the distinct pairs of them that stand side by side (not across a space
or a punctuation mark), Latin letters in lower case: "门口路灯坏了，请修" gives
门 口 路 灯 坏 了 请 修 and 门口 口路 路灯 灯坏 坏了 请修. A word of one or two
such characters occurs in the text exactly when it is one of the ticket's grams.
One row a ticket holds them:

- SQLite: a contentless FTS5 table (``unicode61`` tokenizer, the grams written
  space-separated) whose rowid is the ticket's id; contentless because the text
  is already in the trigram table, and an FTS5 row is removed by giving back the
  grams it was written with, which that text yields again.
- PostgreSQL: ``grams text[]`` with a GIN index, searched with ``@>``.
"""
from sqlalchemy import bindparam, column, select, table, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

TABLE = "search_ticket_gram"
LONGEST = 2


def of(body: str) -> list[str]:
    """The distinct grams of a text, in the order they first occur."""
    seen = {}
    run = ""
    for ch in (body or "").lower() + " ":
        if ch.isalnum():
            seen.setdefault(ch, None)
            if run:
                seen.setdefault(run[-1] + ch, None)
            run += ch
        else:
            run = ""
    return list(seen)


def indexable(word: str) -> bool:
    """A word this index answers: one or two letters, digits or ideographs."""
    return 0 < len(word) <= LONGEST and word.isalnum()


def _is_sqlite(connection) -> bool:
    return connection.dialect.name == "sqlite"


def remove(connection, ticket_id: int, old_body: str | None) -> None:
    """Drop a ticket's row; on SQLite ``old_body`` is the text it was written from."""
    if _is_sqlite(connection):
        if old_body is not None:
            connection.execute(text(f"INSERT INTO {TABLE} ({TABLE}, rowid, grams) VALUES ('delete', :id, :grams)"),
                               {"id": ticket_id, "grams": " ".join(of(old_body))})
    else:
        connection.execute(text(f"DELETE FROM {TABLE} WHERE ticket_id = :id"), {"id": ticket_id})


def add(connection, rows: dict[int, str]) -> None:
    """Write the grams of each ticket's text (ticket id → text)."""
    if not rows:
        return
    if _is_sqlite(connection):
        connection.execute(text(f"INSERT INTO {TABLE} (rowid, grams) VALUES (:id, :grams)"),
                           [{"id": i, "grams": " ".join(of(body))} for i, body in rows.items()])
    else:
        connection.execute(
            text(f"INSERT INTO {TABLE} (ticket_id, grams) VALUES (:id, :grams)").bindparams(
                bindparam("grams", type_=ARRAY(Text))),
            [{"id": i, "grams": of(body)} for i, body in rows.items()])


def clear(connection) -> None:
    if _is_sqlite(connection):
        connection.execute(text(f"INSERT INTO {TABLE} ({TABLE}) VALUES ('delete-all')"))
    else:
        connection.execute(text(f"DELETE FROM {TABLE}"))


def holding(words: list[str], dialect: str):
    """A SELECT of the ticket ids (as ``id``) whose text holds every one of the
    short ``words`` (each ``indexable``)."""
    return holding_in(TABLE, "ticket_id", words, dialect)


def holding_in(table_name: str, key: str, words: list[str], dialect: str):
    """The same question of another index of grams laid out as this one
    (``rowid`` on SQLite, ``key`` and ``grams`` on PostgreSQL): the ids, as ``id``."""
    if dialect == "sqlite":
        grams = table(table_name, column("rowid"), column("grams"))
        query = " AND ".join('"' + w.lower() + '"' for w in words)      # indexable words hold no quote
        return select(grams.c.rowid.label("id")).where(grams.c.grams.match(query))
    grams = table(table_name, column(key), column("grams", ARRAY(Text)))
    return select(grams.c[key].label("id")).where(grams.c.grams.contains([w.lower() for w in words]))
