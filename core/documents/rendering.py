"""The PDF engine of official documents (公文): GB/T 9704-2012 layouts as HTML and
CSS, rendered by WeasyPrint.

The services call it with plain values only::

    from core.documents.rendering import Letter, render
    pdf = render(Letter(layout="file", authority="诸暨市公安局文件", number="诸公经〔2026〕12号",
                        title="关于……的通知", addressees=("各派出所",),
                        body=(("h1", "工作目标"), ("p", "……")), attachments=(), issuer="诸暨市公安局",
                        date=date(2026, 11, 22), copies=("市委政法委",), printer="诸暨市公安局办公室",
                        print_date=date(2026, 11, 22), verification=("K7M2…", "http://…/verify/K7M2…")))

Two layouts: ``file`` (文件格式: red mark and number centred, a red separator
the width of the text block, page numbers ``— 1 —`` right on odd pages and left
on even ones) and ``letter`` (信函格式: the mark 30 mm from the top edge between
red double lines, the number flush right, no page number on the first page).
Both end with the 版记 at the foot of the last page (the letter's with 抄送
only, as the standard's 10.1 asks); a 文件's last page is an even one (see
``write_pdf``). Title lines, table columns and whether a table of contents is
shown are decided before the layout (typesetting.py), and so are the lines of
running text (paragraphs, headings, the addressees and the 附件说明): each
full line is set with the letter spacing that makes it end on the text
block's right edge, from the advance widths of its face (font_metrics.py).

Safety: a template gets a dict of strings, numbers and tuples (never a database
object), Jinja escapes every value, and WeasyPrint fetches through
``StaticOnlyFetcher``, which serves ``anqi-static:`` files from core/static,
``anqi-font:`` files from the instance's fonts folder (fonts.py) and ``data:``
URIs, and refuses everything else (``file:``, ``http:`` …).

Speed: the fonts (one WeasyPrint ``FontConfiguration``), the stylesheets and the
templates are loaded once per process; a render costs the layout and the font
subsetting (HarfBuzz) only.

Budget: every render is held to the render budget (budget.py): the body's
characters before the layout, its pages and seconds during it. A caller that
must not wait (a web request) passes ``wait`` and gets ``RendererBusy`` when
this process is laying out another document. ``fingerprint(letter)`` names
exactly what a render makes, for the previews' cache.
"""
from __future__ import annotations

import atexit
import hashlib
import logging
import mimetypes
import threading
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote
from urllib.request import DataHandler, Request

from markupsafe import Markup

from core.documents import blocks
from core.documents import budget as budgets
from core.documents import font_metrics, typesetting
from core.documents.fonts import (FONT_SCHEME, FONT_SUFFIXES, Fonts, RenderingError, _fonts_css,  # noqa: F401
                                  _installed_families, check_fonts)
from core.documents.fonts import current as current_fonts
from core.documents.fonts import face_file
from core.documents.fonts import max_bytes as font_max_bytes

log = logging.getLogger(__name__)

LAYOUTS = ("file", "letter")
STATIC_ROOT = (Path(__file__).resolve().parent.parent / "static").resolve()
TEMPLATE_ROOT = Path(__file__).resolve().parent.parent / "templates" / "documents"
STATIC_SCHEME = "anqi-static"
STYLESHEET = "documents/document.css"

# The text block of GB/T 9704: 156 mm wide, 22 lines of 28 characters of 3号 (16 pt).
TEXT_WIDTH_PT = 156 / 25.4 * 72
MARK_MAX_PT = {"file": 42, "letter": 36}   # the standard fixes the mark's position, not its size
BODY_SIZE_PT = 16
# A character as the body's letters are set (3号 less the tightened spacing, document.css):
# the first-line indent is two of them, the 附件说明's hanging indent five and three.
SET_CHARACTER_PT = BODY_SIZE_PT + typesetting.BODY_SPACING_PT
ROLE_OF_BLOCK = {"p": "body", "h1": "h1", "h2": "kai", "h3": "body", "h4": "body"}

# The words the standard prints on a document (抄送, 印发, 附件 …) are part of
# the Chinese official format, not of the user interface: a document issued by
# someone using the English pages is still a Chinese document, so they are not
# translated. They live in the templates; the watermark word is here.
WATERMARK = "草稿"


class Verification(NamedTuple):
    """What the QR code points at (the public verification page) and the code printed beside it."""

    code: str
    url: str


@dataclass(frozen=True)
class Letter:
    """Everything a document shows, as plain values.

    ``body`` is a sequence of ``(kind, value)`` blocks (``core.documents.blocks``):
    ``h1``–``h4`` and ``p`` with text, ``table``, ``figure`` and ``contents``;
    headings are numbered here (一、 （一） 1. （1）), each level restarting
    under its parent, so the text carries no number. ``number`` is
    "" for a draft. ``verification`` is ``(code, url)`` or None. ``draft``
    watermarks every page with 草稿.
    """

    layout: str
    authority: str                     # 发文机关标志: 诸暨市公安局文件 / 诸暨市公安局
    number: str                        # 发文字号, "" before issue
    title: str
    addressees: tuple = ()             # 主送
    body: tuple = ()                   # (("h1" … "p", text) | ("table", Table) | ("figure", Figure) | ("contents", ""), …)
    attachments: tuple = ()            # 附件说明: titles
    issuer: str = ""                   # 发文机关署名
    date: date | None = None           # 成文日期
    copies: tuple = ()                 # 抄送
    printer: str = ""                  # 印发机关
    print_date: date | None = None     # 印发日期
    verification: Verification | None = None
    draft: bool = False
    upward: bool = False               # 上行文: 签发人 in the head, the number flush left
    signer: str = ""                   # 签发人: the leader who signed it off
    seal: bytes | None = None          # the issuing unit's seal (PNG), pressed on the signature

    def __post_init__(self):
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, not {self.layout!r}")
        for name in ("addressees", "attachments", "copies"):
            object.__setattr__(self, name, tuple(str(v) for v in getattr(self, name)))
        object.__setattr__(self, "body", tuple(_frozen_block(kind, value) for kind, value in self.body))
        if self.verification is not None and not isinstance(self.verification, Verification):
            object.__setattr__(self, "verification", Verification(*self.verification))


# ---------------------------------------------------------------- pure helpers

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (heading numbers)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")) + (_DIGITS[ones] if ones else "")


_LABELS = {
    "h1": lambda n: f"{chinese_numeral(n)}、",
    "h2": lambda n: f"（{chinese_numeral(n)}）",
    "h3": lambda n: f"{n}.",
    "h4": lambda n: f"（{n}）",
}


def _frozen_block(kind, value):
    if isinstance(value, (blocks.Table, blocks.Figure)):
        return str(kind), value
    return blocks.frozen(str(kind), value if isinstance(value, dict) else ("" if value is None else value))


def numbered(body) -> list[tuple[str, str, object]]:
    """``(kind, label, value)`` for each block: headings numbered per level,
    a level's count restarting under each new heading of a higher level."""
    counts = [0, 0, 0, 0]
    out = []
    for kind, text in body:
        if kind not in ("h1", "h2", "h3", "h4"):
            out.append((kind, "", text))
            continue
        level = int(kind[1]) - 1
        counts[level] += 1
        counts[level + 1:] = [0] * (3 - level)
        out.append((kind, _LABELS[kind](counts[level]), text))
    return out


def chinese_date(day: date | None) -> str:
    """2026年11月22日: Arabic numerals, the year in full, no leading zeros."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""


def _mark_size(layout: str, text: str) -> float:
    """The mark's size in points: as large as the layout allows, but one line."""
    return round(min(MARK_MAX_PT[layout], TEXT_WIDTH_PT / max(len(text), 1) * 0.96), 1)


def _qr_data_uri(url: str) -> str:
    import segno

    # Error correction M survives a stamp or a fold; the quiet zone is drawn by the CSS padding.
    return segno.make(url, error="m", micro=False).svg_data_uri(border=0, dark="#000", omitsize=True)


class LaidOutTable(NamedTuple):
    """A table as the template draws it: ``headers`` as ``(text, whole)`` (whole:
    kept on one line), the rows, and each column's width in per cent."""

    headers: tuple
    rows: tuple
    widths: tuple


def _png_data_uri(png: bytes) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@lru_cache(maxsize=32)
def _advances(fonts: Fonts, role: str):
    """The advance widths of a role's face, or None (logged once a process): its
    text is then broken and justified by WeasyPrint, short of the edge on lines
    with digits."""
    found = face_file(fonts, role)
    if found is None:
        log.warning("The font file of the %s face %r cannot be found; its text is justified by the layout "
                    "engine instead", role, fonts.face(role).family)
        return None
    return font_metrics.advances(*found)


def typeset(text: str, fonts: Fonts | None, role: str = "body", *, width: float = TEXT_WIDTH_PT,
            indent: float = 0.0) -> tuple:
    """``text`` broken into lines of the 3号 text (typesetting.break_lines) as
    ``(text, style)`` pairs, ``style`` the letter spacing (or a Latin line's word
    spacing) that takes a line to the right edge (and a negative margin as large, so that its box, to which
    WeasyPrint adds the spacing once more after the last character, never
    overflows the block), "" for a last line at the normal spacing; () when the
    face's widths are unknown (the CSS then justifies the text)."""
    advances = _advances(fonts, role) if fonts is not None else None
    if advances is None:
        return ()
    out = []
    for line in typesetting.break_lines(text, width, BODY_SIZE_PT, advances, indent=indent):
        if line.spacing is None:
            out.append((line.text, ""))
            continue
        spacing = _as_written(line.spacing)
        words = f"; word-spacing: {_as_written(line.word_spacing):.4f}pt" if line.word_spacing else ""
        out.append((line.text, f"letter-spacing: {spacing:.4f}pt; margin-right: {-spacing - 0.01:.4f}pt{words}"))
    return tuple(out)


def _as_written(spacing: float) -> float:
    """The letter spacing WeasyPrint writes as ``spacing``: it gives each glyph's
    advance in the PDF in thousandths of an em, truncating the spacing toward
    zero, which over 30 characters would lose up to half a point. The nearest
    thousandth, nudged away from zero so that truncation keeps it."""
    units = round(spacing / BODY_SIZE_PT * 1000)
    return (units + (0.3 if units > 0 else -0.3 if units < 0 else 0)) * BODY_SIZE_PT / 1000


def _blocks(body, fonts: Fonts | None = None) -> list[tuple]:
    """``(kind, label, value, anchor, lines)``: a heading's anchor is what the
    table of contents links to; a figure's value is its inline drawing and
    caption; a table's is a ``LaidOutTable``; a contents block is left out of a
    short document (typesetting.contents_wanted); a paragraph's or a heading's
    lines are its label and text as ``typeset`` breaks them (the first line
    indented two characters)."""
    font = fonts.body if fonts else ""
    out = []
    wants_contents = typesetting.contents_wanted(body)
    for index, (kind, label, value) in enumerate(numbered(body)):
        if kind == "figure":
            # Inline, so the document's fonts reach the drawing's text. Safe to
            # mark: blocks.check_svg let only a self-contained drawing through.
            value = (Markup(blocks.inline_svg(value.svg, font)), value.caption)
        elif kind == "table":
            columns = typesetting.column_widths(value.columns, value.rows)
            value = LaidOutTable(headers=tuple(zip(value.columns, columns.whole)), rows=value.rows,
                                 widths=columns.widths)
        elif kind == "contents" and not wants_contents:
            continue
        lines = ()
        if kind in ROLE_OF_BLOCK:
            lines = typeset(f"{label}{value}", fonts, ROLE_OF_BLOCK[kind], indent=2 * SET_CHARACTER_PT)
        out.append((kind, label, value, f"s{index}", lines))
    return out


def _contents(body) -> tuple:
    """The h1/h2 headings as ``(anchor, kind, label + text)`` when the body has a
    ``contents`` block and is long enough for one, else ()."""
    if not typesetting.contents_wanted(body):
        return ()
    return tuple((f"s{index}", kind, label + value) for index, (kind, label, value) in enumerate(numbered(body))
                 if kind in ("h1", "h2"))


def _attachment_lines(attachments: tuple, fonts: Fonts | None) -> tuple:
    """Each 附件说明 as ``(prefix, lines, style)``: "附件：" two characters in,
    the numbers (1. 2. …) under each other, and every line of a name aligned
    on the name's first character (GB/T 9704-2012 7.3.4): the name is broken
    on its own in a margin of five characters and the number's width, the
    prefix ("附件：1. ") hanging before it at the normal spacing."""
    advances = _advances(fonts, "body") if fonts is not None else None
    if advances is None:
        return ()
    out = []
    for index, name in enumerate(attachments):
        number = f"{index + 1}. " if len(attachments) > 1 else ""
        hang = sum(advances.of(number)) * BODY_SIZE_PT + len(number) * typesetting.BODY_SPACING_PT
        margin = 5 * SET_CHARACTER_PT + hang
        indent = -hang - (3 * SET_CHARACTER_PT if index == 0 else 0.0)
        out.append((("附件：" if index == 0 else "") + number, typeset(name, fonts, width=TEXT_WIDTH_PT - margin),
                     f"margin-left: {margin:.3f}pt; text-indent: {indent:.3f}pt"))
    return tuple(out)


def context(letter: Letter, fonts: Fonts | None = None, *, colophon_page: bool = False) -> dict:
    """The template's context: strings, numbers, tuples — nothing else.
    ``colophon_page``: the 文件's 版记 on an even page of its own (see render)."""
    verification = None
    if letter.verification:
        verification = {"code": letter.verification.code, "url": letter.verification.url,
                        "qr": _qr_data_uri(letter.verification.url)}
    return {
        "layout": letter.layout,
        "authority": letter.authority,
        "mark_size": _mark_size(letter.layout, letter.authority),
        "number": letter.number,
        "title": letter.title,
        "title_lines": typesetting.title_lines(letter.title),
        "upward": letter.upward and letter.layout == "file",
        "signer": letter.signer,
        "addressees": "、".join(letter.addressees),
        "addressee_lines": typeset("、".join(letter.addressees) + "：", fonts) if letter.addressees else (),
        "blocks": _blocks(letter.body, fonts),
        "contents": _contents(letter.body),
        "attachments": letter.attachments,
        "attachment_lines": _attachment_lines(letter.attachments, fonts),
        "issuer": letter.issuer,
        "date": chinese_date(letter.date),
        "copies": "，".join(letter.copies),
        "printer": letter.printer,
        "print_date": chinese_date(letter.print_date),
        "verification": verification,
        "draft": letter.draft,
        "watermark": WATERMARK,
        "colophon_page": colophon_page and letter.layout == "file",
        "seal": _png_data_uri(letter.seal) if letter.seal else None,
    }


# ---------------------------------------------------------------- the URL fetcher

def _weasyprint_urls():
    from weasyprint import urls

    return urls


class RefusedURL(ValueError):
    """A template asked for something outside the app's own static files."""


def fetch_static(url: str, font_folder: str | Path | None = None):
    """Serve ``anqi-static:path`` from core/static, ``anqi-font:name`` from
    ``font_folder`` (a font file directly in it, within the size cap) and decode
    ``data:`` URIs in memory; refuse every other URL (``file:``, ``http(s):``,
    ``ftp:`` …) and any path leaving its folder. Returns a WeasyPrint
    ``URLFetcherResponse``."""
    urls = _weasyprint_urls()
    scheme, _, rest = url.partition(":")
    scheme = scheme.lower()
    if scheme == "data":
        decoded = DataHandler().data_open(Request(url))   # no I/O: the bytes are in the URI
        return urls.URLFetcherResponse(url, decoded.read(), {"Content-Type": decoded.headers["Content-Type"]})
    if scheme == STATIC_SCHEME:
        relative = unquote(rest.split("?", 1)[0].split("#", 1)[0]).lstrip("/")
        path = (STATIC_ROOT / relative).resolve()
        if path.is_relative_to(STATIC_ROOT) and path.is_file():
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return urls.URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})
    if scheme == FONT_SCHEME and font_folder:
        name = unquote(rest.split("?", 1)[0].split("#", 1)[0])
        root = Path(font_folder).resolve()
        path = (root / name).resolve()
        if ("/" not in name and "\\" not in name and path.parent == root and path.suffix.lower() in FONT_SUFFIXES
                and path.is_file()):
            limit = font_max_bytes()
            with open(path, "rb") as stream:
                data = stream.read(limit + 1)
            if len(data) <= limit:
                return urls.URLFetcherResponse(url, data, {"Content-Type": "application/octet-stream"})
    raise RefusedURL(f"refused to fetch {url[:200]!r}: documents may use anqi-static:, anqi-font: and data: URLs "
                     "only")


@lru_cache(maxsize=8)
def url_fetcher(font_folder: str = ""):
    """The WeasyPrint fetcher object (WeasyPrint ≥ 68 wants a ``URLFetcher``);
    with ``font_folder``, it also serves that folder's font files."""
    urls = _weasyprint_urls()
    protocols = (STATIC_SCHEME, "data") + ((FONT_SCHEME,) if font_folder else ())

    class StaticOnlyFetcher(urls.URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=protocols, fail_on_errors=False)

        def fetch(self, url, headers=None):  # same signature as URLFetcher.fetch
            return fetch_static(url, font_folder or None)

    return StaticOnlyFetcher()


# ---------------------------------------------------------------- fonts, styles, templates

class _Engine:
    """What one process loads once: fonts, stylesheets, templates."""

    def __init__(self, fonts: Fonts):
        from jinja2 import Environment, FileSystemLoader, StrictUndefined
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        check_fonts(fonts)
        self.fonts = fonts
        self.font_config = FontConfiguration()
        fetcher = url_fetcher(fonts.folder)
        self.stylesheets = [
            CSS(string=(STATIC_ROOT / STYLESHEET).read_text(encoding="utf-8"), url_fetcher=fetcher,
                font_config=self.font_config),
            CSS(string=_fonts_css(fonts), url_fetcher=fetcher, font_config=self.font_config),
        ]
        # A dedicated environment rather than the app's render_template: autoescape
        # for every template (not only *.html), StrictUndefined, and none of the
        # app's globals or context processors (url_for, current_user, the inbox
        # count) — a document template sees its plain context and nothing else,
        # and rendering works the same in a request, a huey worker or the shell.
        self.env = Environment(loader=FileSystemLoader(str(TEMPLATE_ROOT)), autoescape=True,
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self.templates = {layout: self.env.get_template(f"{layout}.html") for layout in LAYOUTS}


@lru_cache(maxsize=8)
def _engine_fingerprint(fonts: Fonts) -> str:
    """What, besides the letter, decides the PDF: the templates, the stylesheet,
    the typesetting code, the faces of every role, those installed and the fonts folder's files (by
    their SHA-256), and the libraries' versions. Read
    from the files, without loading the engine (a web request that finds its
    preview in the cache never loads WeasyPrint)."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    # typesetting.py and font_metrics.py decide where lines break and how they are spaced.
    engine_sources = [Path(typesetting.__file__), Path(font_metrics.__file__)]
    for path in sorted(TEMPLATE_ROOT.glob("*.html")) + [STATIC_ROOT / STYLESHEET] + engine_sources:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    try:
        digest.update(_fonts_css(fonts).encode())
    except RenderingError:      # a role without a face: the render refuses; the key need only differ
        pass
    digest.update(repr((fonts.faces, fonts.folder_fonts)).encode())
    digest.update("\0".join(sorted(_installed_families())).encode())
    digest.update(f"weasyprint {version('weasyprint')}; segno {version('segno')}".encode())
    return digest.hexdigest()


_engines: dict[Fonts, _Engine] = {}
_engines_lock = threading.Lock()
MAX_ENGINES = 4     # a font dropped into the fonts folder makes another engine; the oldest go


def engine(fonts: Fonts) -> _Engine:
    found = _engines.get(fonts)
    if found is None:
        with _engines_lock:
            found = _engines.get(fonts)
            if found is None:
                found = _engines[fonts] = _Engine(fonts)
                while len(_engines) > MAX_ENGINES:
                    _engines.pop(next(iter(_engines)))
    return found


# WeasyPrint copies each @font-face file into a temporary folder that its
# FontConfiguration removes when collected; at interpreter exit that comes too late
# (the module's globals are gone), so the engines go first.
atexit.register(_engines.clear)


def _current_fonts() -> Fonts:
    return current_fonts()


# ---------------------------------------------------------------- rendering

def html_of(letter: Letter, fonts: Fonts | None = None, *, colophon_page: bool = False) -> str:
    """The HTML WeasyPrint lays out (for debugging and the tests)."""
    eng = engine(fonts or _current_fonts())
    return eng.templates[letter.layout].render(**context(letter, eng.fonts, colophon_page=colophon_page))


COLOPHON_ID = "colophon"


def _colophon_on_odd_page(document) -> bool:
    """The 版记 (the element ``#colophon`` and its footnote) fell on an odd page."""
    for number, page in enumerate(document.pages, 1):
        if COLOPHON_ID in page.anchors:
            return number % 2 == 1
    return False


# One layout at a time in a process. The engine's FontConfiguration (shared so that each
# font is loaded once) and the Pango and fontconfig calls under it are not safe from two
# threads at once: two job threads laying out letters together corrupted the heap and
# aborted the worker. Layout holds the GIL most of the time anyway; documents are laid
# out side by side by several processes (gunicorn workers, `anqi worker` processes).
_layout = threading.Lock()


class RendererBusy(RuntimeError):
    """This process is laying out another document and the caller would not wait
    (a web request asks for a short wait, then hands the work to the workers)."""


def write_pdf(html: str, fonts: Fonts | None = None, *, budget: budgets.Budget | None = None,
              wait: float | None = None, colophon_page_html: str | None = None) -> bytes:
    """Lay out ``html`` with the document stylesheets and the fetcher; the PDF bytes.

    ``colophon_page_html``: the same document with its 版记 on an even page of
    its own, laid out instead when the 版记 of ``html`` falls on an odd page (a
    文件's 版记 belongs on an even page, 封四; GB/T 9704-2012 7.4, 7.5). Only
    then is a document laid out twice.

    The render is held to ``budget`` (the configured one by default; pages and
    seconds, see budget.py) and raises ``budget.BudgetExceeded`` beyond it.
    ``wait``: how long to wait for this process's turn to lay out, in seconds
    (None: as long as it takes); ``RendererBusy`` when the turn did not come."""
    eng = engine(fonts or _current_fonts())
    budget = budget or budgets.current()
    if not _layout.acquire(timeout=-1 if wait is None else max(wait, 0)):
        raise RendererBusy("another document is being laid out in this process")
    try:
        with budgets.watch(budget, log=budgets.progress_logging()):
            document = _lay_out(html, eng)
            budgets.check_pages(len(document.pages), budget)
            if colophon_page_html is not None and _colophon_on_odd_page(document):
                document = _lay_out(colophon_page_html, eng)
                budgets.check_pages(len(document.pages), budget)
            content = document.write_pdf()
    finally:
        _layout.release()
    _report_fallbacks(document, eng.fonts)
    return content


def _lay_out(html: str, eng: _Engine):
    from weasyprint import HTML

    # base_url None: a relative URL resolves to nothing and is not fetched.
    return HTML(string=html, base_url=None, url_fetcher=url_fetcher()).render(
        stylesheets=eng.stylesheets, font_config=eng.font_config, presentational_hints=False)


def _report_fallbacks(document, fonts: Fonts) -> None:
    """Log what the CSS could not prevent: a character none of the configured
    fonts has (a rare name character, an emoji) drawn by a font fontconfig chose,
    or drawn as an empty box."""
    wanted = set(fonts.families())
    for font in document.fonts.values():
        if font.family not in wanted:
            log.warning("A document used the font %r for characters the configured fonts lack", font.family)
        if getattr(font, "missing", None):
            log.warning("A document has characters no installed font can draw (in %r)", font.family)


def render(letter: Letter, *, budget: budgets.Budget | None = None, wait: float | None = None) -> bytes:
    """The PDF of ``letter`` in its layout (A4, fonts subset and embedded), held
    to the render budget (``budget.BudgetExceeded``: characters before the
    layout, pages and seconds during it). ``wait`` as for ``write_pdf``."""
    budget = budget or budgets.current()
    budgets.check_characters(letter.body, budget)
    fonts = _current_fonts()
    again = html_of(letter, fonts, colophon_page=True) if letter.layout == "file" else None
    return write_pdf(html_of(letter, fonts), fonts, budget=budget, wait=wait, colophon_page_html=again)


def fingerprint(letter: Letter, fonts: Fonts | None = None) -> str:
    """A SHA-256 of exactly what ``render(letter)`` lays out: the letter's plain
    values and the engine that turns them into a PDF (templates, stylesheet,
    fonts and the installed families, WeasyPrint's version). Two letters with
    the same fingerprint give the same PDF; any change to one of them gives
    another fingerprint (the previews' cache is keyed by it)."""
    engine_print = _engine_fingerprint(fonts or _current_fonts())
    return hashlib.sha256(f"{engine_print}\n{letter!r}".encode("utf-8")).hexdigest()
