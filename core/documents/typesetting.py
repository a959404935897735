"""Typesetting the engine decides in Python before the layout, from the text
alone: where a title breaks, where each line of running text breaks and how
its letters are spaced, how wide a table's columns are, and whether a
document is long enough for its table of contents.

WeasyPrint breaks a line wherever the next character does not fit and sizes a
table's columns from its cells' longest words; for Chinese text both go wrong
in an official document (a title's last character alone on a line, 序号 one
character a line). GB/T 9704-2012 7.3.1 asks for titles "排列对称，长短适宜…
使用梯形或菱形", which no CSS property expresses. And WeasyPrint justifies
a line by widening its spaces only, of which Chinese text has none: a line
holding digits or Latin letters (2026年, GB/T) would end short of the text
block's right edge, so the engine breaks running text itself
(``break_lines``) and gives each full line the letter spacing that makes it
reach the edge. Widths are estimated in em:
a Chinese character (or any full-width one) is 1 em, a digit or Latin letter
0.55 em (the widest of the document fonts' half-width digits).
Pure functions: no Flask, no WeasyPrint.
"""
from __future__ import annotations

import math
import unicodedata
from itertools import combinations
from typing import NamedTuple

HALF_WIDTH = 0.55
OPENING = "〔（《“‘【「『〈(["
CLOSING = "〕）》”’】」』〉)]、，。；：！？,.;:!?%％"
BRACKETS = {"〔": "〕", "（": "）", "《": "》", "【": "】", "(": ")", "[": "]", "“": "”", "「": "」"}
GROUP_MAX = 12              # a bracketed group longer than this may break inside
GOOD_BREAK_AFTER = "的和与及、，"

# The text block: 156 mm, 22 lines of 28 characters (3号, 16 pt).
TEXT_WIDTH_PT = 156 / 25.4 * 72
LINES_PER_PAGE = 22
CHARACTERS_PER_LINE = 28
FIRST_PAGE_HEAD_LINES = 12  # mark, number, rule, title and addressee take about 12 of page 1's lines
SHORT_DOCUMENT_PAGES = 6    # a document this short shows no table of contents


NOT_AT_LINE_START = "，。、；：？！）》」』】〕〉〗］｝”’…—·・%％‰,.;:?!)]}"   # 禁则: closing and middle punctuation
NOT_AT_LINE_END = "（《「『【〔〈〖［｛“‘([{"                                # opening punctuation
BODY_SPACING_PT = -0.21     # the body's letter spacing (document.css): 28 characters of 3号 fill 156 mm
MIN_SPACING_EM = -0.05      # the tightest a line is set to take in one more character (挤进)


def char_width(char: str) -> float:
    """A character's advance in em: full-width (and the ambiguous width of
    Chinese punctuation such as — and “) 1, anything else 0.55."""
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F", "A") else HALF_WIDTH


def text_width(text: str) -> float:
    return sum(char_width(c) for c in text)


# ---------------------------------------------------------------- titles

def _units(title: str) -> list[str]:
    """The title as pieces no line break may split: a Chinese character, a run of
    half-width characters (2026, GB/T), a short bracketed group (〔2026〕,
    （试行）), opening punctuation with what follows, closing punctuation with
    what precedes."""
    units: list[str] = []
    i, n = 0, len(title)
    pending = ""                                   # opening punctuation waiting for its text
    while i < n:
        char = title[i]
        closer = BRACKETS.get(char)
        if closer:
            end = title.find(closer, i + 1)
            if end != -1 and end - i + 1 <= GROUP_MAX:
                units.append(pending + title[i:end + 1])
                pending, i = "", end + 1
                continue
        if char in OPENING:
            pending += char
            i += 1
            continue
        if char in CLOSING and units and not pending:
            units[-1] += char
            i += 1
            continue
        end = i + 1
        if char_width(char) < 1 and not char.isspace():
            while end < n and char_width(title[end]) < 1 and title[end] not in OPENING + CLOSING \
                    and not title[end].isspace():
                end += 1
        units.append(pending + title[i:end])
        pending, i = "", end
    if pending:
        units.append(pending)
    return units


def _split_wide(units: list[str], limit: float) -> list[str]:
    """A unit wider than a line (a very long Latin run) is split into characters."""
    out = []
    for unit in units:
        out.extend(unit if text_width(unit) > limit else [unit])
    return out


def _shape_ok(widths: list[float]) -> bool:
    """正梯形 for two lines (the first no shorter), 菱形 for three (the middle the
    longest); longer titles only need balance."""
    if len(widths) == 2:
        return widths[0] >= widths[1] - 1e-9
    if len(widths) == 3:
        return widths[1] >= widths[0] - 1e-9 and widths[1] >= widths[2] - 1e-9
    return True


def _cost(lines: list[list[str]]) -> float | None:
    widths = [sum(text_width(u) for u in line) for line in lines]
    if any(sum(len(u) for u in line) < 2 for line in lines):
        return None                                 # never one character alone on a line
    mean = sum(widths) / len(widths)
    cost = sum((w - mean) ** 2 for w in widths)
    cost -= sum(0.3 for line in lines[:-1] if line[-1][-1] in GOOD_BREAK_AFTER)
    return cost + (0 if _shape_ok(widths) else 1000)


def title_lines(title: str, size_pt: float = 22, width_pt: float = TEXT_WIDTH_PT) -> tuple[str, ...]:
    """The title broken into lines for a block ``width_pt`` wide at ``size_pt``:
    as few lines as fit, each no wider than the block, of balanced lengths in a
    梯形 (two lines, the longer first) or 菱形 (three: short, long, short), never
    a line of one character, never a break inside a number, a Latin word or a
    short bracketed group, nor before closing punctuation."""
    title = " ".join(title.split())
    limit = width_pt / size_pt
    if text_width(title) <= limit or len(title) < 4:
        return (title,) if title else ()
    units = _split_wide(_units(title), limit)
    widths = [text_width(u) for u in units]
    total = sum(widths)
    for count in range(max(2, math.ceil(total / limit)), len(units) + 1):
        best = _best_partition(units, widths, count, limit)
        if best is not None:
            return tuple("".join(line).strip() for line in best)
    return (title,)


def _best_partition(units, widths, count, limit):
    """The cheapest split of ``units`` into ``count`` lines no wider than ``limit``:
    every split for up to three lines (the shapes are checked), a dynamic
    programme on balance beyond."""
    n = len(units)
    if count <= 3:
        best, best_cost = None, None
        for cuts in combinations(range(1, n), count - 1):
            bounds = (0, *cuts, n)
            lines = [units[a:b] for a, b in zip(bounds, bounds[1:])]
            if any(sum(widths[a:b]) > limit for a, b in zip(bounds, bounds[1:])):
                continue
            cost = _cost(lines)
            if cost is not None and (best_cost is None or cost < best_cost):
                best, best_cost = lines, cost
        return best
    target = sum(widths) / count
    memo: dict[tuple[int, int], tuple[float, list] | None] = {}

    def solve(start: int, left: int):
        if (start, left) in memo:
            return memo[(start, left)]
        result = None
        if left == 1:
            line = units[start:]
            if sum(widths[start:]) <= limit and sum(len(u) for u in line) >= 2:
                result = ((sum(widths[start:]) - target) ** 2, [line])
        else:
            for end in range(start + 1, n - left + 2):
                width = sum(widths[start:end])
                if width > limit:
                    break
                if sum(len(u) for u in units[start:end]) < 2:
                    continue
                rest = solve(end, left - 1)
                if rest is not None:
                    cost = (width - target) ** 2 + rest[0]
                    if result is None or cost < result[0]:
                        result = (cost, [units[start:end]] + rest[1])
        memo[(start, left)] = result
        return result

    found = solve(0, count)
    return found[1] if found else None


# ---------------------------------------------------------------- running text

class Line(NamedTuple):
    """One line of a paragraph: its text and the letter spacing, in points,
    that makes its last character end on the block's right edge (None: the
    paragraph's last line, set with the normal spacing)."""

    text: str
    spacing: float | None
    word_spacing: float = 0.0    # what a line of mostly Latin words widens its spaces by, in points


def _half_width(char: str) -> bool:
    """A digit, Latin letter or half-width sign: part of a run no line break splits."""
    return unicodedata.east_asian_width(char) in ("Na", "H", "N") and not char.isspace()


def _runs(text: str) -> list[int]:
    """For each character the index where its half-width run starts (spaces
    between two half-width characters belong to the run: GB/T 9704-2012), or -1."""
    starts = [-1] * len(text)
    i, n = 0, len(text)
    while i < n:
        if not _half_width(text[i]):
            i += 1
            continue
        start, end = i, i + 1
        while end < n and (_half_width(text[end]) or
                           (text[end] == " " and end + 1 < n and _half_width(text[end + 1]))):
            end += 1
        starts[start:end] = [start] * (end - start)
        i = end
    return starts


def _may_break(text: str, runs: list[int], i: int) -> bool:
    """A line may break between ``text[i - 1]`` and ``text[i]`` (禁则, runs whole)."""
    before, after = text[i - 1], text[i]
    if runs[i] != -1 and runs[i] == runs[i - 1]:
        return False
    if after == " " or before == " ":
        return True
    return after not in NOT_AT_LINE_START and before not in NOT_AT_LINE_END


def break_lines(text: str, width: float, size: float, advance, *, indent: float = 0.0,
                spacing: float = BODY_SPACING_PT) -> tuple[Line, ...]:
    """``text`` broken into lines of a block ``width`` points wide at ``size``
    points, the first line indented ``indent`` points; ``advance(char)`` is a
    character's advance in em (or ``advance.of(text)`` gives every
    character's, in context: font_metrics.Advances). As many characters go on a line as fit with the
    normal letter ``spacing`` (counted after every character, as WeasyPrint
    counts it), and a line breaks between any two Chinese characters but never
    before closing or middle punctuation, after opening punctuation, nor inside
    a run of digits and Latin letters (2026, 12.5%, GB/T 9704-2012) unless the
    run is longer than a line. Where a rule forbids the break, the line either
    takes one more piece with tighter spacing (挤进, down to MIN_SPACING_EM) or
    gives its last piece to the next line (推出), whichever changes the spacing
    less. Every line but the last gets the spacing that puts its last
    character's right edge on the block's: (width − advances) / (characters − 1),
    the renderer adding the spacing after every character but drawing nothing
    after the last (a line of Latin words widens its spaces instead)."""
    text = " ".join(text.split())
    n = len(text)
    if not n:
        return ()
    ems = [em * size for em in (advance.of(text) if hasattr(advance, "of") else map(advance, text))]
    counted = [0 if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf") else 1
               for c in text]
    widths, counts = [0.0], [0]
    for em, one in zip(ems, counted):
        widths.append(widths[-1] + em)
        counts.append(counts[-1] + one)
    runs = _runs(text)
    tightest = MIN_SPACING_EM * size

    def measure(a: int, b: int) -> tuple[float, int]:
        while b > a and text[b - 1] == " ":
            b -= 1
        return widths[b] - widths[a], counts[b] - counts[a]

    def fits(a: int, b: int, room: float) -> bool:
        advances, count = measure(a, b)
        return advances + count * spacing <= room + 1e-6

    def justified(a: int, b: int, room: float) -> float:
        advances, count = measure(a, b)
        return (room - advances) / (count - 1) if count > 1 else spacing

    def full(a: int, b: int, room: float) -> Line:
        """The line ``text[a:b]`` set to end on the right edge: a line of mostly
        Latin words (more half-width characters than others) that must widen
        does so at its spaces, as Latin text is justified; any other line
        between all its characters, as Chinese text is."""
        line = text[a:b].rstrip()
        letters = justified(a, b, room)
        spaces = line.count(" ")
        if letters > spacing and spaces and 2 * sum(map(_half_width, line)) > len(line):
            advances, count = measure(a, b)
            return Line(line, spacing, (room - advances - (count - 1) * spacing) / spaces)
        return Line(line, letters)

    lines: list[Line] = []
    start = 0
    while start < n:
        while start < n and text[start] == " ":
            start += 1
        if start >= n:
            break
        room = width - (indent if not lines else 0.0)
        if fits(start, n, room):
            lines.append(Line(text[start:n].rstrip(), None))
            break
        # The first character that does not fit.
        over = start + 1
        while over < n and fits(start, over + 1, room):
            over += 1
        fit = next((i for i in range(over, start, -1) if _may_break(text, runs, i)), None)
        following = next((i for i in range(over + 1, n) if _may_break(text, runs, i)), n)
        if fit is None:                           # a run (or a chain) longer than a line
            spaces = [i + 1 for i in range(start + 1, over) if text[i] == " "]
            fit = spaces[-1] if spaces else max(over, start + 1)
            while fit > start + 1 and text[fit] in NOT_AT_LINE_START and not spaces:
                fit -= 1
            end = fit
        else:
            end = fit
            squeezed = justified(start, following, room)
            if squeezed >= tightest and abs(squeezed - spacing) < abs(justified(start, fit, room) - spacing):
                end = following                   # 挤进: the next piece is pulled onto the line
        lines.append(full(start, min(end, n), room))
        start = end
    return tuple(lines)


# ---------------------------------------------------------------- tables

class ColumnLayout(NamedTuple):
    widths: tuple          # percentages of the table's width, one per column
    whole: tuple           # True where the header is kept on one line


HEADER_WHOLE_MAX = 6       # headers up to six characters wide never wrap
CELL_WHOLE_MAX = 8         # nor cells that short (高, 2026年12月31日) when the columns allow:
SHORT_CELLS_SHARE = 0.6    # when keeping them whole leaves the longer columns 40 % of the width
WORD_MAX = 10              # a number or Latin word up to this wide is kept whole
CELL_PADDING_EM = 0.75     # 1.5 mm each side and the rules, at 12 pt


def _longest_word(text: str) -> float:
    longest = current = 0.0
    for char in text:
        if char_width(char) < 1 and not char.isspace():
            current += HALF_WIDTH
            longest = max(longest, current)
        else:
            current = 0.0
    return min(longest, WORD_MAX)


def column_widths(columns, rows, size_pt: float = 12, width_pt: float = TEXT_WIDTH_PT) -> ColumnLayout:
    """Column widths for a table of ``columns`` headers and ``rows`` of cells at
    ``size_pt``: every column at least as wide as its header (up to six
    characters; a longer one may take two lines), its longest number and its
    short cells; what is left goes to the columns whose text is longer, in
    proportion to what they lack. When even the minimums do not fit, they are
    scaled down and headers may wrap."""
    available = width_pt / size_pt
    minimum, short, natural, whole = [], [], [], []
    for index, header in enumerate(columns):
        header_w = text_width(str(header))
        keep = header_w <= HEADER_WHOLE_MAX
        low = header_w if keep else max(HEADER_WHOLE_MAX, math.ceil(header_w / 2))
        widest = 0.0
        for row in rows:
            cell = str(row[index]) if index < len(row) else ""
            width = text_width(cell)
            widest = max(widest, min(width, 60))
            low = max(low, _longest_word(cell))
        minimum.append(low + CELL_PADDING_EM)
        short.append((max(low, widest) if widest <= CELL_WHOLE_MAX else low) + CELL_PADDING_EM)
        natural.append(max(low, widest) + CELL_PADDING_EM)
        whole.append(keep)
    if sum(short) <= SHORT_CELLS_SHARE * available:
        minimum = short
    if sum(minimum) >= available:
        widths = [m * available / sum(minimum) for m in minimum]
        whole = [False] * len(whole)
    elif sum(natural) <= available:
        widths = [w * available / sum(natural) for w in natural]
    else:
        spare = available - sum(minimum)
        lacking = [w - m for w, m in zip(natural, minimum)]
        widths = [m + spare * lack / sum(lacking) for m, lack in zip(minimum, lacking)]
    return ColumnLayout(widths=tuple(round(w * 100 / available, 2) for w in widths), whole=tuple(whole))


# ---------------------------------------------------------------- length

def estimated_lines(body) -> float:
    """About how many 3号 lines the body takes (a table line at 12 pt is 0.6 of
    one, a figure about nine): enough to tell a short document from a long one."""
    from core.documents import blocks

    lines = 0.0
    for kind, value in body:
        if isinstance(value, blocks.Table):
            layout = column_widths(value.columns, value.rows)
            usable = [max(w / 100 * TEXT_WIDTH_PT / 12 - CELL_PADDING_EM, 1) for w in layout.widths]
            lines += 1.0
            for row in value.rows:
                tallest = max((math.ceil(text_width(str(cell)) / width) for cell, width in zip(row, usable)),
                              default=1)
                lines += max(tallest, 1) * 0.6 + 0.2
        elif isinstance(value, blocks.Figure):
            lines += 9
        elif kind != "contents":
            lines += math.ceil((text_width(str(value)) + 4) / CHARACTERS_PER_LINE)
    return lines


def contents_wanted(body) -> bool:
    """A table of contents only for a document longer than SHORT_DOCUMENT_PAGES
    pages (estimated): in a short one it would fill the first page and push the
    text on."""
    if not any(kind == "contents" for kind, _value in body):
        return False
    return estimated_lines(body) + FIRST_PAGE_HEAD_LINES > SHORT_DOCUMENT_PAGES * LINES_PER_PAGE
