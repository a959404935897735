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
only, as the standard's 10.1 asks).

Safety: a template gets a dict of strings, numbers and tuples (never a database
object), Jinja escapes every value, and WeasyPrint fetches through
``StaticOnlyFetcher``, which serves ``anqi-static:`` files from core/static and
``data:`` URIs, and refuses everything else (``file:``, ``http:`` …).

Speed: the fonts (one WeasyPrint ``FontConfiguration``), the stylesheets and the
templates are loaded once per process; a render costs the layout and the font
subsetting (HarfBuzz) only.
"""
from __future__ import annotations

import logging
import mimetypes
import shutil
import subprocess
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

log = logging.getLogger(__name__)

LAYOUTS = ("file", "letter")
STATIC_ROOT = (Path(__file__).resolve().parent.parent / "static").resolve()
TEMPLATE_ROOT = Path(__file__).resolve().parent.parent / "templates" / "documents"
STATIC_SCHEME = "anqi-static"
STYLESHEET = "documents/document.css"

# The text block of GB/T 9704: 156 mm wide, 22 lines of 28 characters of 3号 (16 pt).
TEXT_WIDTH_PT = 156 / 25.4 * 72
MARK_MAX_PT = {"file": 42, "letter": 36}   # the standard fixes the mark's position, not its size

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

    def __post_init__(self):
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}, not {self.layout!r}")
        for name in ("addressees", "attachments", "copies"):
            object.__setattr__(self, name, tuple(str(v) for v in getattr(self, name)))
        object.__setattr__(self, "body", tuple(_frozen_block(kind, value) for kind, value in self.body))
        if self.verification is not None and not isinstance(self.verification, Verification):
            object.__setattr__(self, "verification", Verification(*self.verification))


class RenderingError(RuntimeError):
    """The machine cannot render documents as configured (a font is missing)."""


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


def _blocks(body, font: str = "") -> list[tuple]:
    """``(kind, label, value, anchor)``: a heading's anchor is what the table of
    contents links to; a figure's value is its inline drawing and caption."""
    out = []
    for index, (kind, label, value) in enumerate(numbered(body)):
        if kind == "figure":
            # Inline, so the document's fonts reach the drawing's text. Safe to
            # mark: blocks.check_svg let only a self-contained drawing through.
            value = (Markup(blocks.inline_svg(value.svg, font)), value.caption)
        out.append((kind, label, value, f"s{index}"))
    return out


def _contents(body) -> tuple:
    """The h1/h2 headings as ``(anchor, kind, label + text)`` when the body has a
    ``contents`` block, else ()."""
    if not any(kind == "contents" for kind, _value in body):
        return ()
    return tuple((f"s{index}", kind, label + value) for index, (kind, label, value) in enumerate(numbered(body))
                 if kind in ("h1", "h2"))


def context(letter: Letter, fonts: Fonts | None = None) -> dict:
    """The template's context: strings, numbers, tuples — nothing else."""
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
        "addressees": "、".join(letter.addressees),
        "blocks": _blocks(letter.body, fonts.body if fonts else ""),
        "contents": _contents(letter.body),
        "attachments": letter.attachments,
        "issuer": letter.issuer,
        "date": chinese_date(letter.date),
        "copies": "，".join(letter.copies),
        "printer": letter.printer,
        "print_date": chinese_date(letter.print_date),
        "verification": verification,
        "draft": letter.draft,
        "watermark": WATERMARK,
    }


# ---------------------------------------------------------------- the URL fetcher

def _weasyprint_urls():
    from weasyprint import urls

    return urls


class RefusedURL(ValueError):
    """A template asked for something outside the app's own static files."""


def fetch_static(url: str):
    """Serve ``anqi-static:path`` from core/static and decode ``data:`` URIs in
    memory; refuse every other URL (``file:``, ``http(s):``, ``ftp:`` …) and any
    path leaving core/static. Returns a WeasyPrint ``URLFetcherResponse``."""
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
    raise RefusedURL(f"refused to fetch {url[:200]!r}: documents may use anqi-static: and data: URLs only")


@lru_cache(maxsize=1)
def url_fetcher():
    """The WeasyPrint fetcher object (WeasyPrint ≥ 68 wants a ``URLFetcher``)."""
    urls = _weasyprint_urls()

    class StaticOnlyFetcher(urls.URLFetcher):
        def __init__(self):
            super().__init__(allowed_protocols=(STATIC_SCHEME, "data"), fail_on_errors=False)

        def fetch(self, url, headers=None):  # same signature as URLFetcher.fetch
            return fetch_static(url)

    return StaticOnlyFetcher()


# ---------------------------------------------------------------- fonts, styles, templates

@dataclass(frozen=True)
class Fonts:
    body: str          # 仿宋 / 宋体: body, addressee, 版记, page numbers
    heading: str       # 小标宋 / 黑体: title and first-level headings
    mark: str          # the red 发文机关标志
    kai: str           # 楷体: second-level headings
    heading_weight: int = 700

    def families(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.body, self.heading, self.mark, self.kai)))


def fonts_from_config(config) -> Fonts:
    body = config.get("DOCUMENT_FONT_BODY") or "Noto Serif CJK SC"
    heading = config.get("DOCUMENT_FONT_HEADING") or "Noto Sans CJK SC"
    return Fonts(body=body, heading=heading, mark=config.get("DOCUMENT_FONT_MARK") or heading,
                 kai=config.get("DOCUMENT_FONT_KAI") or body,
                 heading_weight=int(config.get("DOCUMENT_FONT_HEADING_WEIGHT") or 700))


def _css_string(value: str) -> str:
    if not value or any(c in value for c in '"\\<>{};\n\r'):
        raise RenderingError(f"A document font name may not contain quotes, braces or angle brackets: {value!r}")
    return f'"{value}"'


def _fonts_css(fonts: Fonts) -> str:
    """Every element's family named explicitly, with no generic family after it:
    a missing font must be noticed, not silently replaced."""
    body, heading, mark, kai = (_css_string(f) for f in (fonts.body, fonts.heading, fonts.mark, fonts.kai))
    weight = fonts.heading_weight
    return f"""
@page {{ font-family: {body}; }}
html, body, .attachments, .colophon {{ font-family: {body}; }}
.title, h1 {{ font-family: {heading}; font-weight: {weight}; }}
.mark {{ font-family: {mark}; font-weight: {weight}; }}
.watermark {{ font-family: {heading}; font-weight: {weight}; }}
h2 {{ font-family: {kai}; font-weight: normal; }}
h3, h4 {{ font-family: {body}; font-weight: normal; }}
"""


@lru_cache(maxsize=1)
def _installed_families() -> frozenset[str]:
    if not shutil.which("fc-list"):
        return frozenset()
    out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=False).stdout
    return frozenset(name.strip() for line in out.splitlines() for name in line.split(","))


def check_fonts(fonts: Fonts) -> None:
    """Refuse a font that fontconfig does not know: it would be replaced by
    whatever fontconfig picks, which is exactly what the layout must not do."""
    installed = _installed_families()
    missing = [f for f in fonts.families() if f not in installed]
    if missing:
        raise RenderingError("Document font(s) not installed on this machine: " + ", ".join(missing)
                             + " (see DOCUMENT_FONT_* in the configuration; `fc-list : family` lists the fonts)")


class _Engine:
    """What one process loads once: fonts, stylesheets, templates."""

    def __init__(self, fonts: Fonts):
        from jinja2 import Environment, FileSystemLoader, StrictUndefined
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        check_fonts(fonts)
        self.fonts = fonts
        self.font_config = FontConfiguration()
        fetcher = url_fetcher()
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


_engines: dict[Fonts, _Engine] = {}
_engines_lock = threading.Lock()


def engine(fonts: Fonts) -> _Engine:
    found = _engines.get(fonts)
    if found is None:
        with _engines_lock:
            found = _engines.get(fonts)
            if found is None:
                found = _engines[fonts] = _Engine(fonts)
    return found


def _current_fonts() -> Fonts:
    from flask import current_app, has_app_context

    return fonts_from_config(current_app.config if has_app_context() else {})


# ---------------------------------------------------------------- rendering

def html_of(letter: Letter, fonts: Fonts | None = None) -> str:
    """The HTML WeasyPrint lays out (for debugging and the tests)."""
    eng = engine(fonts or _current_fonts())
    return eng.templates[letter.layout].render(**context(letter, eng.fonts))


# One layout at a time in a process. The engine's FontConfiguration (shared so that each
# font is loaded once) and the Pango and fontconfig calls under it are not safe from two
# threads at once: two job threads laying out letters together corrupted the heap and
# aborted the worker. Layout holds the GIL most of the time anyway; documents are laid
# out side by side by several processes (gunicorn workers, `anqi worker` processes).
_layout = threading.Lock()


def write_pdf(html: str, fonts: Fonts | None = None) -> bytes:
    """Lay out ``html`` with the document stylesheets and the fetcher; the PDF bytes."""
    from weasyprint import HTML

    eng = engine(fonts or _current_fonts())
    with _layout:
        # base_url None: a relative URL resolves to nothing and is not fetched.
        document = HTML(string=html, base_url=None, url_fetcher=url_fetcher()).render(
            stylesheets=eng.stylesheets, font_config=eng.font_config, presentational_hints=False)
        content = document.write_pdf()
    _report_fallbacks(document, eng.fonts)
    return content


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


def render(letter: Letter) -> bytes:
    """The PDF of ``letter`` in its layout (A4, fonts subset and embedded)."""
    fonts = _current_fonts()
    return write_pdf(html_of(letter, fonts), fonts)
