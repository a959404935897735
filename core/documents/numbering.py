"""Document numbers (发文字号): ``{prefix}〔{year}〕{n}号``, a serial per issuing
unit, numbering family and year, gap-free.

The counter row is incremented in the transaction that issues the document (and
stores its PDF): on PostgreSQL the UPDATE locks the row until that transaction
ends, on SQLite the write lock is taken at BEGIN (core/database.py). A failed
issue rolls the increment back with it, so no number is lost.
"""
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.documents.models import DocumentSequence
from core.extensions import db

# What a family adds to the unit's prefix: letters are numbered 诸公经函〔2026〕3号.
FAMILY_MARKS = {"file": "", "letter": "函"}


def next_serial(unit_id: int, family: str, year: int) -> int:
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(DocumentSequence).values(unit_id=unit_id, family=family, year=year, last=0)
                       .on_conflict_do_nothing())
    return db.session.execute(
        update(DocumentSequence)
        .where(DocumentSequence.unit_id == unit_id, DocumentSequence.family == family, DocumentSequence.year == year)
        .values(last=DocumentSequence.last + 1).returning(DocumentSequence.last)
    ).scalar_one()


def format_number(prefix: str, family: str, year: int, serial: int) -> str:
    """``诸公经〔2026〕12号``: 〔〕 brackets, no leading zeros."""
    return f"{prefix}{FAMILY_MARKS.get(family, '')}〔{year}〕{serial}号"
