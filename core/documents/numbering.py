"""Document numbers (发文字号): ``{mark}〔{year}〕{n}号``, a serial per issuing
mark and year, gap-free.

The issuing mark is the unit's prefix (机关代字, ``诸公企``) with what the layout
adds (``函`` for letters: ``诸公企函〔2026〕3号``). Every document of every
family, core's or a plugin's, is numbered here and only here, under its mark:
two documents can never carry the same number, and the unique index on
(number_mark, year, seq) holds it in the database too.

The counter row is incremented in the transaction that numbers the document:
on PostgreSQL the UPDATE locks the row until that transaction ends, on SQLite
the write lock is taken at BEGIN (core/database.py). A failed numbering rolls
the increment back with it, so no number is lost.
"""
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.documents.models import Document, DocumentNumberSequence
from core.extensions import db

# What a layout adds to the unit's prefix: letters are numbered 诸公经函〔2026〕3号.
LAYOUT_MARKS = {"file": "", "letter": "函"}


@dataclass(frozen=True)
class Number:
    mark: str        # 诸公企函
    year: int
    serial: int

    @property
    def text(self) -> str:
        return format_number(self.mark, self.year, self.serial)


def mark_for(prefix: str, layout: str) -> str:
    """The issuing mark of a unit's documents in a layout."""
    return f"{prefix}{LAYOUT_MARKS.get(layout, '')}"


def next_number(prefix: str, layout: str, year: int) -> Number:
    """The next number under the mark of ``prefix`` and ``layout`` in ``year``,
    taken in the caller's transaction."""
    mark = mark_for(prefix, layout)
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(DocumentNumberSequence).values(mark=mark, year=year, last=0).on_conflict_do_nothing())
    serial = db.session.execute(
        update(DocumentNumberSequence)
        .where(DocumentNumberSequence.mark == mark, DocumentNumberSequence.year == year)
        .values(last=DocumentNumberSequence.last + 1).returning(DocumentNumberSequence.last)
    ).scalar_one()
    return Number(mark, year, serial)


def format_number(mark: str, year: int, serial: int) -> str:
    """``诸公经〔2026〕12号``: 〔〕 brackets, no leading zeros."""
    return f"{mark}〔{year}〕{serial}号"


def duplicates() -> list[list[Document]]:
    """Groups of documents that print the same number (numbered by a version
    that counted per family), each group oldest first."""
    repeated = (select(Document.number).where(Document.number.is_not(None))
                .group_by(Document.number).having(func.count(Document.id) > 1))
    found: dict[str, list[Document]] = {}
    for document in db.session.scalars(select(Document).where(Document.number.in_(repeated))
                                       .order_by(Document.number, Document.id)):
        found.setdefault(document.number, []).append(document)
    return list(found.values())


# --- documents numbered alike by the previous version ---------------------------------------

ISSUED = ("issued", "delivered")
# What becomes of a document that shares its number with the one keeping it:
RENUMBER = "renumber"      # numbered, not issued: it can take the next free number
CORRECT = "correct"        # issued, so frozen: a correction replaces it and gets a number of its own
CORRECTED = "corrected"    # … done: the correction is issued


@dataclass(frozen=True)
class Sharer:
    document: Document
    action: str                          # RENUMBER, CORRECT or CORRECTED
    correction: Document | None = None   # the issued correction, when CORRECTED


@dataclass(frozen=True)
class DuplicateGroup:
    number: str
    keeper: Document             # keeps the number: the one the migration gave the mark
    sharers: tuple[Sharer, ...]

    @property
    def resolved(self) -> bool:
        return all(sharer.action == CORRECTED for sharer in self.sharers)


def _keeps_first(document: Document) -> tuple:
    """The member that keeps a shared number: the one holding its mark (the
    migration chose it), else an issued one before a merely numbered one, the oldest first."""
    return (document.number_mark is None, document.status not in ISSUED, document.id)


def duplicate_groups() -> list[DuplicateGroup]:
    """Every number several documents print, with what is to be done with each
    document but the one that keeps it."""
    groups = []
    for members in duplicates():
        keeper, *others = sorted(members, key=_keeps_first)
        corrections = {d.replaces_id: d for d in db.session.scalars(
            select(Document).where(Document.replaces_id.in_([d.id for d in others]), Document.status.in_(ISSUED))
            .order_by(Document.id))}
        sharers = []
        for document in others:
            if document.status not in ISSUED:
                sharers.append(Sharer(document, RENUMBER))
            elif document.id in corrections:
                sharers.append(Sharer(document, CORRECTED, corrections[document.id]))
            else:
                sharers.append(Sharer(document, CORRECT))
        groups.append(DuplicateGroup(keeper.number, keeper, tuple(sharers)))
    return groups


def renumber_duplicates(actor) -> list[tuple[Document, str]]:
    """Give every numbered, not yet issued document that shares its number the
    next free number under its unit's mark for its layout; each in a short
    transaction of its own, audited. Returns (document, its former number)."""
    from core.audit import services as audit
    from core.documents import previews

    done = []
    for group in duplicate_groups():
        for sharer in group.sharers:
            if sharer.action != RENUMBER:
                continue
            document = sharer.document
            if not document.unit.doc_prefix:
                continue                  # no mark to number under: it stays listed
            former = document.number
            number = next_number(document.unit.doc_prefix, document.layout, document.year)
            document.number_mark, document.seq, document.number = number.mark, number.serial, number.text
            audit.record(actor, "document.renumber", document, detail={"from": former, "number": number.text})
            db.session.commit()
            previews.forget(document.id)          # a cached preview prints the former number
            done.append((document, former))
    return done


def mark_of(number: str) -> str:
    """The issuing mark a printed number was given under: ``诸公企函`` of ``诸公企函〔2026〕3号``."""
    return number.split("〔", 1)[0]
