"""The search box's own index of the enterprises (core/registry/services.py
``_text_match``): one row an enterprise holding its search keys, indexed by
trigrams as the tickets' text is (core/search/index.py): on SQLite an FTS5
table with the ``trigram`` tokenizer (``rowid`` is the enterprise's id), on
PostgreSQL a table with a ``pg_trgm`` GIN index. Made by migration
core_0023_enterprise_search.

A row's keys are the name, the full pinyin, the credit code and the initials'
ordered letter triples. Initials match letters in order, with gaps between them
(``sxhdkj`` finds 绍兴宏达电子科技 by ``%s%x%h%d%k%j%``), which no substring
index answers; but initials holding ``sxhdkj`` in order hold each run of three
letters of it (``sxh``, ``xhd``, ``hdk``, ``dkj``) in order, so each is one of
their triples. The index only narrows a search to candidates: the search's own
conditions still decide which of them match, so results are exactly what a
scan of the registry finds.

An ``after_flush`` listener rewrites the row of every enterprise created, or
whose name, pinyin keys or credit code changed, and drops a deleted one's, so
the services and the import keep the index without calling it; bulk inserts
that pass the ORM by (the demo data) call ``rebuild``.
"""
from itertools import combinations

from sqlalchemy import and_, bindparam, column, event, inspect, or_, select, table, text
from sqlalchemy.orm import Session

from core.registry import name_grams
from core.registry.models import Enterprise
from core.search import grams
from core.search.query import MIN_TRIGRAM, phrase

TABLE = "search_enterprise"
CANDIDATE_LIMIT = 500    # more candidates than this: a common term, which the name-order walk serves
# Initials longer than this (a very long name) are stored as ANY_TRIPLE instead
# of their triples (C(24, 3) = 2,024 at most), so that no row's keys grow long:
# such a row is a candidate for every initials search. The marker is letters and
# digits so that pg_trgm finds it by its trigrams too.
MAX_SPREAD = 24
ANY_TRIPLE = "0manyinitials0"
KEY_FIELDS = ("name", "name_pinyin", "name_initials", "credit_code")

_sqlite = table(TABLE, column("rowid"), column("keys"))
_postgres = table(TABLE, column("enterprise_id"), column("keys"))


def triples(initials: str) -> list[str]:
    """Every three letters of ``initials`` in their order (gaps allowed), once each."""
    if len(initials) > MAX_SPREAD:
        return [ANY_TRIPLE]
    return sorted({"".join(t) for t in combinations(initials, 3)})


def keys(name: str, name_pinyin: str, name_initials: str, credit_code: str) -> str:
    return "\n".join((name or "", name_pinyin or "", credit_code or "", " ".join(triples(name_initials or ""))))


def _is_sqlite(connection) -> bool:
    return connection.dialect.name == "sqlite"


def write(connection, rows: dict) -> None:
    """Index these enterprises: ``rows`` maps an id to its four key fields, or to
    None for an enterprise that is gone."""
    if not rows:
        return
    key = "rowid" if _is_sqlite(connection) else "enterprise_id"
    connection.execute(text(f"DELETE FROM {TABLE} WHERE {key} IN :ids").bindparams(bindparam("ids", expanding=True)),
                       {"ids": sorted(rows)})
    present = [{"id": i, "keys": keys(*fields)} for i, fields in sorted(rows.items()) if fields is not None]
    if present:
        connection.execute(text(f"INSERT INTO {TABLE} ({key}, keys) VALUES (:id, :keys)"), present)
    name_grams.write(connection, {i: None if fields is None else fields[0] for i, fields in rows.items()})


def rebuild(connection, batch: int = 5000, *, names: bool = True) -> int:
    """Index every enterprise afresh, and with ``names`` their names' grams
    (core/registry/name_grams.py; False only for the migration that came before
    them); returns how many. The caller commits."""
    connection.execute(text(f"DELETE FROM {TABLE}"))
    if names:
        name_grams.clear(connection)
    key = "rowid" if _is_sqlite(connection) else "enterprise_id"
    total, last = 0, 0
    while True:
        rows = connection.execute(
            text("SELECT id, name, name_pinyin, name_initials, credit_code FROM enterprise WHERE id > :last "
                 "ORDER BY id LIMIT :n"), {"last": last, "n": batch}).all()
        if not rows:
            return total
        connection.execute(text(f"INSERT INTO {TABLE} ({key}, keys) VALUES (:id, :keys)"),
                           [{"id": r.id, "keys": keys(r.name, r.name_pinyin, r.name_initials, r.credit_code)}
                            for r in rows])
        if names:
            name_grams.insert(connection, {r.id: r.name for r in rows})
        total += len(rows)
        last = rows[-1].id


def _runs(letters: str) -> list[str]:
    return sorted({letters[i:i + 3] for i in range(len(letters) - 2)})


def candidates(session, substrings: list[str], in_order: str | None = None) -> list[int] | None:
    """The ids of the enterprises whose keys may hold one of ``substrings`` or
    whose initials may hold the letters ``in_order`` in order: a superset of
    those that do, at most ``CANDIDATE_LIMIT`` of them. None when the index
    cannot narrow the search: letters shorter than a trigram, or a common term.
    A name's word of one or two characters (企业) is looked up in the names'
    grams (core/registry/name_grams.py)."""
    if in_order is None and substrings and all(grams.indexable(s) for s in substrings):
        found = name_grams.holding(session, substrings, CANDIDATE_LIMIT + 1)
        return None if len(found) > CANDIDATE_LIMIT else found
    if in_order is not None:
        if len(in_order) < MIN_TRIGRAM:
            return None
        # Keys holding a substring that contains ``in_order`` hold its runs too: one test covers both.
        substrings = [s for s in substrings if in_order not in s.lower()]
    if not (substrings or in_order) or any(len(s) < MIN_TRIGRAM for s in substrings):
        return None
    runs = _runs(in_order) if in_order else []
    if session.get_bind().dialect.name == "sqlite":
        key, keys_column = _sqlite.c.rowid, _sqlite.c["keys"]
        alternatives = [phrase(s) for s in substrings]
        if runs:
            alternatives.append("(" + " AND ".join(phrase(r) for r in runs) + ")")
            alternatives.append(phrase(ANY_TRIPLE))
        condition = keys_column.match(" OR ".join(alternatives))
    else:
        key, keys_column = _postgres.c.enterprise_id, _postgres.c["keys"]
        alternatives = [keys_column.icontains(s, autoescape=True) for s in substrings]
        if runs:
            alternatives.append(and_(*(keys_column.icontains(r, autoescape=True) for r in runs)))
            alternatives.append(keys_column.icontains(ANY_TRIPLE, autoescape=True))
        condition = or_(*alternatives)
    found = list(session.scalars(select(key).where(condition).limit(CANDIDATE_LIMIT + 1)))
    return None if len(found) > CANDIDATE_LIMIT else found


def _changed(session) -> dict:
    rows = {}
    for obj in session.new:
        if isinstance(obj, Enterprise):
            rows[obj.id] = obj
    for obj in session.dirty:
        if isinstance(obj, Enterprise):
            state = inspect(obj)
            if any(state.attrs[f].history.has_changes() for f in KEY_FIELDS):
                rows[obj.id] = obj
    for obj in session.deleted:
        if isinstance(obj, Enterprise):
            rows[obj.id] = None
    return {i: (None if e is None else tuple(getattr(e, f) for f in KEY_FIELDS))
            for i, e in rows.items() if i is not None}


@event.listens_for(Session, "after_flush")
def _keep_index(session, _context) -> None:
    rows = _changed(session)
    if rows:
        write(session.connection(), rows)
