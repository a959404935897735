"""The enterprises' names by their short words: every character and pair of
neighbouring characters of each name (core/search/grams.py ``of``), so that the
search box finds the few enterprises whose name holds a word of one or two
characters (企业 in 绍兴安瑞企业管理) without reading every name. The trigram
index (core/registry/search_index.py) answers longer terms.

One row an enterprise: on SQLite an FTS5 table (``unicode61`` tokenizer, the
grams space-separated, ``rowid`` the enterprise's id), on PostgreSQL ``grams
text[]`` with a GIN index. Unlike the tickets' grams the SQLite table keeps its
content (names are short), so that a row is removed by its id alone. Made by
migration core_0031_enterprise_grams and kept by search_index's flush listener.
"""
from sqlalchemy import bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.types import Text

from core.search import grams

TABLE = "search_enterprise_gram"


def _key(connection) -> str:
    return "rowid" if connection.dialect.name == "sqlite" else "enterprise_id"


def write(connection, names: dict) -> None:
    """Index these enterprises' names: ``names`` maps an id to its name, or to
    None for an enterprise that is gone."""
    if not names:
        return
    key = _key(connection)
    connection.execute(text(f"DELETE FROM {TABLE} WHERE {key} IN :ids").bindparams(bindparam("ids", expanding=True)),
                       {"ids": sorted(names)})
    insert(connection, {i: name for i, name in names.items() if name is not None})


def insert(connection, names: dict) -> None:
    if not names:
        return
    if connection.dialect.name == "sqlite":
        connection.execute(text(f"INSERT INTO {TABLE} (rowid, grams) VALUES (:id, :grams)"),
                           [{"id": i, "grams": " ".join(grams.of(name))} for i, name in sorted(names.items())])
    else:
        connection.execute(
            text(f"INSERT INTO {TABLE} (enterprise_id, grams) VALUES (:id, :grams)").bindparams(
                bindparam("grams", type_=ARRAY(Text))),
            [{"id": i, "grams": grams.of(name)} for i, name in sorted(names.items())])


def clear(connection) -> None:
    connection.execute(text(f"DELETE FROM {TABLE}"))


def holding(session, words: list[str], limit: int) -> list[int]:
    """The ids of at most ``limit`` enterprises whose name holds every one of the
    short ``words`` (each ``grams.indexable``)."""
    stmt = grams.holding_in(TABLE, "enterprise_id", words, session.get_bind().dialect.name)
    return list(session.scalars(select(stmt.subquery().c.id).limit(limit)))
