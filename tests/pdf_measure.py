"""Measuring rendered documents with pdfplumber, in millimetres from the top-left
corner of the page (GB/T 9704 gives every distance that way).

Where a line of text is: its **em box**, the square a Chinese character is
designed in, which the standard's distances measure from (the mark's upper
edge, the number's lower edge). By the CJK fonts' convention the em box runs
from 0.12 em under the baseline to 0.88 em above it, so it is computed from
the baseline (``em_top``, ``em_bottom``). pdfplumber's own ``top`` is not it:
pdfminer places a character's box from the font descriptor's descent, which
for Noto CJK (−0.288 em) puts ``top`` 0.17 em under the em box.

Where the ink is (a glyph's tight box, from PDFium): for what the standard
positions as drawn lines, such as the page number's 一字线 (``ink``).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

MM = 72 / 25.4                      # points in a millimetre
TEXT_LEFT = 28.0                    # the text block: 28 mm from the left edge …
TEXT_RIGHT = 28.0 + 156.0           # … 156 mm wide
TEXT_TOP = 37.0                     # 37 mm from the top edge …
TEXT_BOTTOM = 37.0 + 225.0          # … 225 mm high
EM_ASCENT = 0.88                    # the ideographic em box's top above the baseline, in em
PAGE_NUMBER = re.compile(r"—\s*\d+\s*—")


def mm(points: float) -> float:
    return points / MM


@dataclass(frozen=True)
class Line:
    """One line of text on a page: its characters left to right, in mm."""

    page: int                       # 1-based
    text: str
    left: float
    right: float
    top: float
    bottom: float
    size: float                     # font size in points (the largest on the line)
    chars: tuple
    baseline: float = 0.0

    @property
    def em_top(self) -> float:
        return self.baseline - EM_ASCENT * mm(self.size)

    @property
    def em_bottom(self) -> float:
        return self.baseline + (1 - EM_ASCENT) * mm(self.size)

    @property
    def centre(self) -> float:
        return (self.left + self.right) / 2


def open_pdf(pdf: bytes):
    import pdfplumber

    return pdfplumber.open(io.BytesIO(pdf))


def lines(page, number: int = 0, tolerance: float = 1.5) -> list[Line]:
    """The page's characters grouped into lines: characters whose tops lie within
    ``tolerance`` points of each other (a line mixes fonts whose em boxes differ
    slightly), sorted top to bottom and left to right. Spaces are dropped."""
    chars = sorted((c for c in page.chars if c["text"].strip()), key=lambda c: (c["top"], c["x0"]))
    groups: list[list[dict]] = []
    for char in chars:
        for group in groups:
            if abs(group[0]["top"] - char["top"]) <= tolerance:
                group.append(char)
                break
        else:
            groups.append([char])
    out = []
    for group in groups:
        group.sort(key=lambda c: c["x0"])
        out.append(Line(page=number, text="".join(c["text"] for c in group),
                        left=mm(group[0]["x0"]), right=mm(group[-1]["x1"]),
                        top=mm(min(c["top"] for c in group)), bottom=mm(max(c["bottom"] for c in group)),
                        size=max(c["size"] for c in group), chars=tuple(group),
                        baseline=max(mm(page.height - c["matrix"][5]) for c in group)))
    return sorted(out, key=lambda line: (line.top, line.left))


def all_lines(pdf_or_doc) -> list[Line]:
    """Every line of every page, pages in order (``pdf_or_doc``: bytes or an open pdfplumber PDF)."""
    doc = open_pdf(pdf_or_doc) if isinstance(pdf_or_doc, bytes) else pdf_or_doc
    return [line for number, page in enumerate(doc.pages, 1) for line in lines(page, number)]


def find(lines_: list[Line], needle: str) -> Line:
    """The first line containing ``needle``; fails naming what is there."""
    for line in lines_:
        if needle in line.text:
            return line
    raise AssertionError(f"{needle!r} is on no line: {[line.text for line in lines_]}")


def page_number_line(page, number: int = 0) -> Line | None:
    """The ``— n —`` line of the page, or None."""
    found = [line for line in lines(page, number) if PAGE_NUMBER.fullmatch(line.text)]
    return found[0] if found else None


def is_red(colour) -> bool:
    """pdfplumber's colour tuple (RGB in 0–1) is the documents' red (#e60012)."""
    if not colour or len(colour) != 3:
        return False
    r, g, b = colour
    return r > 0.8 and g < 0.2 and b < 0.2


@dataclass(frozen=True)
class Rule:
    """A filled horizontal rule (a rect or a stroked line), in mm."""

    left: float
    right: float
    top: float
    bottom: float
    red: bool

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def thickness(self) -> float:
        return self.bottom - self.top


def rules(page, min_width_mm: float = 20) -> list[Rule]:
    """The page's horizontal rules at least ``min_width_mm`` wide, top to bottom:
    CSS borders come out as filled rectangles (or lines), so both are read."""
    found = []
    for shape in list(page.rects) + list(page.lines):
        width = mm(shape["x1"] - shape["x0"])
        height = mm(shape["bottom"] - shape["top"])
        if width < min_width_mm or height > 3:
            continue
        colour = shape.get("non_stroking_color") if shape in page.rects else shape.get("stroking_color")
        colour = colour or shape.get("stroking_color") or shape.get("non_stroking_color")
        found.append(Rule(left=mm(shape["x0"]), right=mm(shape["x1"]), top=mm(shape["top"]),
                          bottom=mm(shape["bottom"]), red=is_red(tuple(colour) if colour else None)))
    return sorted(found, key=lambda r: (r.top, r.left))


def red_rules(page) -> list[Rule]:
    return [rule for rule in rules(page) if rule.red]


@dataclass(frozen=True)
class Ink:
    char: str
    left: float
    right: float
    top: float
    bottom: float


def ink(pdf: bytes, page_index: int) -> list[Ink]:
    """The tight box of every character's glyph on a page (0-based), in mm."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[page_index]
        height = page.get_height()
        text = page.get_textpage()
        found = []
        for index in range(text.count_chars()):
            char = text.get_text_range(index, 1)
            if not char.strip():
                continue
            left, bottom, right, top = text.get_charbox(index)
            found.append(Ink(char, mm(left), mm(right), mm(height - top), mm(height - bottom)))
        return found
    finally:
        document.close()


def paragraphs_lines(lines_: list[Line], left_indent: float, tolerance: float = 0.5) -> list[list[Line]]:
    """Body lines grouped into paragraphs: a paragraph starts with a line indented
    ``left_indent`` mm past the text block's left edge and goes on with the
    lines flush left. Lines starting elsewhere (centred, right-aligned) end a paragraph."""
    out: list[list[Line]] = []
    current: list[Line] = []
    for line in lines_:
        if abs(line.left - (TEXT_LEFT + left_indent)) <= tolerance:
            if current:
                out.append(current)
            current = [line]
        elif abs(line.left - TEXT_LEFT) <= tolerance and current:
            current.append(line)
        else:
            if current:
                out.append(current)
            current = []
    if current:
        out.append(current)
    return out
