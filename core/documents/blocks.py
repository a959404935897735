"""The blocks a document's body is made of, and the rules each must meet.

Stored (JSON) and passed in ``Draft.body`` as ``[kind, value]``:

- ``h1``–``h4`` and ``p``: a heading (numbered by the renderer) or a paragraph; value is text;
- ``table``: ``{"columns": [text, …], "rows": [[text, …], …]}``, plain-text cells;
- ``figure``: ``{"svg": "<svg …>…</svg>", "caption": text}``, a chart drawn by the server;
- ``contents``: ``""``, a table of contents of the h1/h2 headings with their pages.

``cleaned`` checks one block from a draft and returns its stored form; ``frozen``
turns a stored block into the hashable plain values the renderer takes. Both
are pure: no Flask, no database.
"""
from typing import NamedTuple
from xml.etree import ElementTree

from core.text import clean_text

TEXT_KINDS = ("h1", "h2", "h3", "h4", "p")
KINDS = TEXT_KINDS + ("table", "figure", "contents")

MAX_TEXT = 5000
MAX_COLUMNS = 12
MAX_ROWS = 5000
MAX_CELL = 1000
MAX_SVG = 500_000
SVG_NS = "{http://www.w3.org/2000/svg}"
# Elements that would run code or pull in content that is not the drawing itself.
FORBIDDEN_ELEMENTS = {"script", "foreignObject", "iframe", "object", "embed", "audio", "video"}


class Table(NamedTuple):
    columns: tuple
    rows: tuple


class Figure(NamedTuple):
    svg: str
    caption: str


class BlockError(ValueError):
    """A block that breaks its rule; ``reason`` is ``unknown``, ``too_long``,
    ``table`` or ``figure`` (the service turns it into a translated message)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def cleaned(kind, value):
    """The stored form of one block, or None for an empty text block; raises BlockError."""
    if kind in TEXT_KINDS:
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            raise BlockError("too_long" if isinstance(value, str) else "unknown")
        text = clean_text(value, MAX_TEXT)
        return [kind, text] if text else None
    if kind == "table":
        return ["table", _clean_table(value)]
    if kind == "figure":
        return ["figure", _clean_figure(value)]
    if kind == "contents":
        return ["contents", ""]
    raise BlockError("unknown")


def _cell(value) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or len(value) > MAX_CELL:
        raise BlockError("table")
    return clean_text(value, MAX_CELL)


def _clean_table(value) -> dict:
    if not isinstance(value, dict):
        raise BlockError("table")
    columns, rows = value.get("columns"), value.get("rows")
    if not isinstance(columns, (list, tuple)) or not 0 < len(columns) <= MAX_COLUMNS:
        raise BlockError("table")
    if not isinstance(rows, (list, tuple)) or len(rows) > MAX_ROWS:
        raise BlockError("table")
    columns = [_cell(c) for c in columns]
    if not all(columns):
        raise BlockError("table")
    clean_rows = []
    for row in rows:
        if not isinstance(row, (list, tuple)) or len(row) != len(columns):
            raise BlockError("table")
        clean_rows.append([_cell(c) for c in row])
    return {"columns": columns, "rows": clean_rows}


def _clean_figure(value) -> dict:
    if not isinstance(value, dict):
        raise BlockError("figure")
    svg, caption = value.get("svg"), value.get("caption", "")
    if not isinstance(svg, str) or not isinstance(caption, str) or len(svg) > MAX_SVG or len(caption) > 200:
        raise BlockError("figure")
    check_svg(svg)
    return {"svg": svg.strip(), "caption": clean_text(caption, 200)}


def check_svg(svg: str) -> None:
    """A self-contained drawing: well-formed SVG with no DTD (so no entity
    expansion), no script or embedded document, and no reference outside itself
    (every href and url() points at ``#…``). The renderer refuses outside URLs
    too; this keeps them out of the stored document in the first place."""
    head = svg.lstrip()[:2000].lower()
    if not head.startswith("<svg") and not head.startswith("<?xml"):
        raise BlockError("figure")
    if "<!doctype" in svg.lower() or "<!entity" in svg.lower():
        raise BlockError("figure")
    try:
        root = ElementTree.fromstring(svg)
    except ElementTree.ParseError:
        raise BlockError("figure") from None
    if root.tag != f"{SVG_NS}svg":
        raise BlockError("figure")
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name in FORBIDDEN_ELEMENTS:
            raise BlockError("figure")
        for attribute, text in element.attrib.items():
            attribute = attribute.rsplit("}", 1)[-1].lower()
            if attribute.startswith("on"):
                raise BlockError("figure")
            if attribute == "href" and not text.startswith("#"):
                raise BlockError("figure")
            if "url(" in text.replace(" ", "").lower() and not _local_urls_only(text):
                raise BlockError("figure")
        if name == "style" and element.text and not _local_urls_only(element.text):
            raise BlockError("figure")


def inline_svg(svg: str, font_family: str = "") -> str:
    """The drawing as an element to put inside the document's HTML: checked
    again (a stored body is data), without an XML declaration, its text in the
    document's font unless it names one (the SVG renderer does not inherit the
    page's CSS, and would otherwise pick whatever font fontconfig offers)."""
    check_svg(svg)
    root = ElementTree.fromstring(svg)
    if font_family and "font-family" not in root.attrib:
        root.set("font-family", font_family)
    ElementTree.register_namespace("", SVG_NS[1:-1])
    return ElementTree.tostring(root, encoding="unicode")


def _local_urls_only(text: str) -> bool:
    compact = text.replace(" ", "").lower()
    return all(part.startswith("#") for part in compact.split("url(")[1:])


def frozen(kind, value):
    """A stored block as the renderer's hashable ``(kind, value)``."""
    if kind == "table":
        return kind, Table(tuple(str(c) for c in value["columns"]),
                           tuple(tuple(str(c) for c in row) for row in value["rows"]))
    if kind == "figure":
        return kind, Figure(str(value["svg"]), str(value.get("caption", "")))
    if kind == "contents":
        return kind, ""
    if kind in TEXT_KINDS:
        return kind, str(value)
    raise ValueError(f"block kind must be one of {KINDS}, not {kind!r}")

