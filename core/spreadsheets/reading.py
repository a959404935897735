"""An uploaded table (CSV or .xlsx) read as a stream, one row at a time, within limits.

Nothing the file says about itself is believed: a workbook's ``<dimension>``
is ignored (openpyxl's read-only mode, dimensions reset), its parts' unpacked
sizes are checked before any is opened, and rows and columns are counted as
they come. Reading stops at the first limit passed, with a message that names
it; at most one row is in memory at a time, so memory stays flat whatever the
file holds. Blank rows are skipped and not counted; the line numbers given
are the file's own (the spreadsheet's row numbers).

Usage::

    with reading.open_table(filename, stream, limits) as table:
        table.header          # the first row that is not blank
        for line, cells in table.rows: ...

``stream`` is a seekable binary file. Limit errors are ``ValidationError``
with the field ``file``, raised by ``open_table`` (size, kind, header) or
while iterating ``rows`` (rows, columns, a bad byte further on).
"""
import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO
from xml.etree.ElementTree import ParseError

from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from core.errors import ValidationError

XLSX_MAGIC = b"PK\x03\x04"
SNIFF_BYTES = 64 * 1024
EXCEL_MAX_ROWS = 1_048_576   # no real sheet has a row beyond; a file that says so is not read further
MB = 1024 * 1024

# What openpyxl and zipfile raise on a damaged or foreign file.
UNREADABLE = (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, OSError, TypeError, IndexError,
              ParseError, EOFError)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int                 # rows after the header
    max_columns: int
    max_unpacked_bytes: int = 400 * MB      # .xlsx: all its parts, unpacked
    max_text_table_bytes: int = 32 * MB     # .xlsx: the shared strings, held in memory while reading


@dataclass
class Table:
    kind: str                     # "csv" or "xlsx"
    header: list[str]
    rows: Iterator[tuple[int, list]]


def refuse(message) -> ValidationError:
    return ValidationError(message, field="file")


def too_large(max_bytes: int) -> ValidationError:
    if max_bytes >= MB:
        return refuse(_l("The file is larger than %(mb)d MB. Split it and import the parts.", mb=max_bytes // MB))
    return refuse(_l("The file is larger than %(kb)d KB.", kb=max(1, max_bytes // 1000)))


def kind_of(filename: str, head: bytes) -> str:
    """"xlsx" or "csv", from the content first and the name second."""
    lower = (filename or "").lower()
    if head[:4] == XLSX_MAGIC or lower.endswith(".xlsx"):
        return "xlsx"
    if lower.endswith((".csv", ".txt")) or not lower:
        return "csv"
    raise refuse(_l("Upload a CSV file or an Excel workbook (.xlsx)."))


@contextmanager
def open_rows(filename: str, stream: BinaryIO, limits: Limits):
    """Every row that is not blank, the first included, as ``(line, cells)``."""
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    if size > limits.max_bytes:
        raise too_large(limits.max_bytes)
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    if not head.strip():
        raise refuse(_l("The file is empty."))
    kind = kind_of(filename, head)
    raw = _xlsx_rows(stream, limits) if kind == "xlsx" else _csv_rows(stream, head)
    rows = _within_limits(raw, limits)
    try:
        yield kind, rows
    finally:
        rows.close()


@contextmanager
def open_table(filename: str, stream: BinaryIO, limits: Limits):
    with open_rows(filename, stream, limits) as (kind, rows):
        try:
            _line, header = next(rows)
        except StopIteration:
            raise refuse(_l("The file has no header row.")) from None
        yield Table(kind=kind, header=["" if c is None else str(c).strip() for c in header], rows=rows)


def _within_limits(raw, limits: Limits):
    """The rows that are not blank, cut at their last value, until a limit is passed."""
    try:
        yield from _counted(raw, limits)
    finally:
        raw.close()


def _counted(raw, limits: Limits):
    data_rows = 0
    header_seen = False
    for line, cells in raw:
        if line > EXCEL_MAX_ROWS + 1:
            raise refuse(_l("The file has more than %(n)d rows. Split it and import the parts.", n=limits.max_rows))
        width = len(cells)
        while width and (cells[width - 1] is None or (isinstance(cells[width - 1], str)
                                                      and not cells[width - 1].strip())):
            width -= 1
        if not width:
            continue
        if width > limits.max_columns:
            raise refuse(_l("Row %(line)d has a value in column %(column)d, and a file may have at most "
                            "%(n)d columns.", line=line, column=width, n=limits.max_columns))
        if header_seen:
            data_rows += 1
            if data_rows > limits.max_rows:
                raise refuse(_l("The file has more than %(n)d rows. Split it and import the parts.",
                                n=limits.max_rows))
        header_seen = True
        yield line, list(cells[:width])


# --------------------------------------------------------------------- CSV

def _encoding(head: bytes) -> str:
    """UTF-8 (with or without its byte order mark) when the start decodes as
    UTF-8; otherwise GB18030, which Excel on Chinese Windows writes (GBK)."""
    for encoding, decoder in (("utf-8-sig", "utf-8"), ("gb18030", "gb18030")):
        try:
            codecs.getincrementaldecoder(decoder)().decode(head, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise refuse(_l("The CSV file is neither UTF-8 nor GBK text."))


def _csv_rows(stream: BinaryIO, head: bytes):
    encoding = _encoding(head)
    if b"\x00" in head:
        raise refuse(_l("This is not a CSV text file."))
    sample = head[:8192].decode(encoding, errors="ignore")
    try:
        dialect = csv.Sniffer().sniff(sample[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        for line, row in enumerate(csv.reader(text, dialect), start=1):
            if any("\x00" in cell for cell in row):
                raise refuse(_l("This is not a CSV text file."))
            yield line, row
    except UnicodeDecodeError:
        raise refuse(_l("The CSV file is neither UTF-8 nor GBK text.")) from None
    except csv.Error as exc:
        raise refuse(_l("The CSV file is malformed: %(error)s", error=str(exc))) from None
    finally:
        if not stream.closed:
            text.detach()      # the caller's stream stays open


# --------------------------------------------------------------------- .xlsx

def _xlsx_rows(stream: BinaryIO, limits: Limits):
    unreadable = _l("The Excel file cannot be read. Save it again as .xlsx and retry.")
    try:
        with zipfile.ZipFile(stream) as archive:
            parts = archive.infolist()
    except UNREADABLE:
        raise refuse(unreadable) from None
    # zipfile stops reading a part at the size its header gives, so these sizes bound the work.
    if sum(part.file_size for part in parts) > limits.max_unpacked_bytes:
        raise refuse(_l("The workbook unpacks to more than %(mb)d MB. Split it and import the parts.",
                        mb=limits.max_unpacked_bytes // MB))
    if any(part.filename.lower().endswith("sharedstrings.xml") and part.file_size > limits.max_text_table_bytes
           for part in parts):
        raise refuse(_l("The workbook's text takes more than %(mb)d MB. Split it and import the parts.",
                        mb=limits.max_text_table_bytes // MB))
    stream.seek(0)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except UNREADABLE:
        raise refuse(unreadable) from None
    try:
        if not workbook.worksheets:
            raise refuse(unreadable)
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        for line, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield line, row
    except UNREADABLE:
        raise refuse(unreadable) from None
    finally:
        workbook.close()
