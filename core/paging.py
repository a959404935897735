"""Keyset pagination: a page is found by the last row of the previous one, so page
1000 costs what page 1 costs (OFFSET would read and throw away every row before it)."""
import base64
import json
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import tuple_

from core.errors import ValidationError


@dataclass
class Page:
    items: list
    next_cursor: str | None
    prev_cursor: str | None
    limit: int


def encode(values: tuple, backwards: bool = False) -> str:
    raw = json.dumps({"k": list(values), "b": backwards}, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[tuple, bool]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        return tuple(data["k"]), bool(data["b"])
    except (ValueError, KeyError, TypeError):
        raise ValidationError(_l("The page link is broken; start again from the first page."),
                              field="cursor") from None


def _fits(value, column) -> bool:
    """Whether a cursor value can be compared with ``column`` (a doctored cursor
    could hold a list, text for an id, a NUL or a lone surrogate, which the
    database would fail on)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        if "\x00" in value:
            return False
    try:
        expected = column.type.python_type
    except NotImplementedError:
        return isinstance(value, (str, int, float))
    if isinstance(value, bool) and expected is not bool:
        return False
    return isinstance(value, expected)


def keyset(session, stmt, columns, key, cursor: str | None, limit: int, id_column=None) -> Page:
    """Page through ``stmt`` ordered ascending by ``columns`` (the last must be
    unique, e.g. the id); ``key(row)`` gives a row's values for those columns.

    With ``id_column``, the page's ids are found first with a query that reads
    only ``id_column``, the sort columns and the filters' columns (an index can
    answer it without visiting the table), then the rows are loaded by id.
    """
    backwards = False
    if cursor:
        values, backwards = decode(cursor)
        if len(values) != len(columns) or not all(map(_fits, values, columns)):
            raise ValidationError(_l("The page link is broken; start again from the first page."),
                                  field="cursor")
        bound = tuple_(*columns)
        stmt = stmt.where(bound < tuple_(*values) if backwards else bound > tuple_(*values))
    order = [c.desc() for c in columns] if backwards else list(columns)
    if id_column is None:
        rows = list(session.scalars(stmt.order_by(*order).limit(limit + 1)).unique())
    else:
        ids = list(session.scalars(stmt.with_only_columns(id_column).order_by(*order).limit(limit + 1)))
        found = {getattr(row, id_column.key): row
                 for row in session.scalars(stmt.where(id_column.in_(ids))).unique()} if ids else {}
        rows = [found[i] for i in ids if i in found]
    more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    has_next = (more and not backwards) or (backwards and bool(cursor))
    has_prev = (more and backwards) or (bool(cursor) and not backwards)
    return Page(
        items=rows,
        next_cursor=encode(key(rows[-1])) if rows and has_next else None,
        prev_cursor=encode(key(rows[0]), backwards=True) if rows and has_prev else None,
        limit=limit,
    )
