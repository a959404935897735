"""Values written to a spreadsheet as text that no spreadsheet runs as a formula.

Text that begins with ``= + - @`` (or a tab or carriage return, which some
spreadsheets skip before looking) is a formula to Excel and WPS once someone
edits the cell or saves the sheet as CSV, and a formula can fetch or run
things (formula injection, OWASP "CSV injection"). Such text is written with
an apostrophe in front, the spreadsheet's own sign for "this is text", and
stored as a text cell. The import takes the apostrophe off again
(``unquote``), so an exported file imports back unchanged.
"""
from openpyxl.cell import WriteOnlyCell

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def neutral(value):
    """The value, with an apostrophe before text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def unquote(value):
    """What ``neutral`` wrote, as it was."""
    if isinstance(value, str) and value.startswith(QUOTE) and value[1:2] and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def row_of(sheet, values) -> list:
    """A row for ``sheet.append``: text cells that cannot run (write-only sheets included)."""
    cells = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=neutral(value))
            cell.data_type = "s"     # openpyxl would otherwise write text beginning with "=" as a formula
            value = cell
        cells.append(value)
    return cells
