"""The faces of official documents: which font each part of a document is set in.

GB/T 9704-2012 names a face for each part: the body in 仿宋, the title and the
issuing authority's red mark in 小标宋, first-level headings in 黑体,
second-level headings (and the 签发人's name) in 楷体, page numbers in 宋体.
Those faces are licensed (方正, 中易 …) and are not on a fresh machine, so each
role has a list of families: the standard's faces first, by the names they are
installed under, then the best open stand-ins that ``make run`` installs. A
role takes the first family available, either installed on the system
(fontconfig) or dropped into the instance's fonts folder, and says whether it
is the standard's face or a stand-in.

The fonts folder (``DOCUMENT_FONT_FOLDER``, ``<instance>/fonts`` by default) is
for licensed faces that an operator is not allowed or not able to install on
the system: each .ttf/.otf/.ttc file's family names are read with fontTools
(within a size cap; a file that cannot be read is skipped and reported), and
the faces a document uses are given to WeasyPrint by ``@font-face`` rules
whose source the document fetcher serves from that folder only
(``anqi-font:<file name>``, rendering.py). The folder is in every backup.

``DOCUMENT_FONT_<ROLE>`` puts a family first for a role; a family named there
that is not available is refused, not passed over (a typo must not give a
document stand-ins without anyone noticing). One-weight faces (小标宋, 黑体,
楷体) are used at their normal weight: nothing is emboldened, and the title's
and the mark's stand-in is the Black face of Noto Serif CJK.
"""
from __future__ import annotations

import hashlib
import io
import logging
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

log = logging.getLogger(__name__)

FONT_SCHEME = "anqi-font"
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
MAX_FOLDER_FILES = 64            # files read from the fonts folder; more are reported, not read
DEFAULT_MAX_BYTES = 64 * 1024 * 1024   # a licensed CJK face is 10–30 MB; a collection up to about 60


class RenderingError(RuntimeError):
    """The machine cannot render documents as configured (a font is missing)."""


@dataclass(frozen=True)
class Role:
    name: str
    label: object          # what the role is, in the user's language
    standard_face: object  # the standard's face for it (仿宋 …), in the user's language
    standard: tuple[str, ...]   # the names that face is installed under, best first
    stand_ins: tuple[str, ...]  # open faces that stand in for it, best first


_XIAOBIAOSONG = ("方正小标宋简体", "方正小标宋_GBK", "方正小标宋", "FZXiaoBiaoSong-B05S", "FZXiaoBiaoSong-B05",
                 "FZXBSJW--GB1-0", "FZXBSK--GBK1-0")

ROLES = (
    # Debian has no complete open 仿宋 (fonts-cwtex-fs lacks about a third of GB 2312's
    # level-1 characters), so the body's stand-in is a Song (Ming) serif.
    Role("body", _l("Body text"), _l("FangSong"),
         ("仿宋_GB2312", "FangSong_GB2312", "FangSong", "仿宋", "STFangsong", "华文仿宋", "方正仿宋_GBK",
          "方正仿宋简体", "FZFangSong-Z02S", "FZFangSong-Z02", "FZFSK--GBK1-0"),
         ("Noto Serif CJK SC",)),
    Role("title", _l("Title"), _l("Xiaobiaosong"), _XIAOBIAOSONG, ("Noto Serif CJK SC Black",)),
    Role("mark", _l("Issuing authority's mark"), _l("Xiaobiaosong"), _XIAOBIAOSONG, ("Noto Serif CJK SC Black",)),
    Role("h1", _l("First-level headings"), _l("Heiti"),
         ("黑体", "SimHei", "方正黑体_GBK", "方正黑体简体", "FZHei-B01S", "FZHTK--GBK1-0", "STHeiti", "华文黑体"),
         ("Noto Sans CJK SC",)),
    Role("kai", _l("Second-level headings and the signer's name"), _l("Kaiti"),
         ("楷体_GB2312", "KaiTi_GB2312", "KaiTi", "楷体", "STKaiti", "华文楷体", "方正楷体_GBK", "方正楷体简体",
          "FZKai-Z03S", "FZKai-Z03", "FZKTK--GBK1-0"),
         ("LXGW WenKai", "AR PL KaitiM GB")),
    Role("page", _l("Page numbers"), _l("Songti"),
         ("宋体", "SimSun", "NSimSun", "新宋体", "方正书宋_GBK", "方正书宋简体", "FZShuSong-Z01S", "STSong", "华文宋体"),
         ("Noto Serif CJK SC",)),
)
ROLE_NAMES = tuple(role.name for role in ROLES)
ROLES_BY_NAME = {role.name: role for role in ROLES}
# The settings that put a family first for a role. DOCUMENT_FONT_HEADING, the older
# setting for the title and the first-level headings, still counts for both.
SETTINGS = {"body": ("DOCUMENT_FONT_BODY",), "title": ("DOCUMENT_FONT_TITLE", "DOCUMENT_FONT_HEADING"),
            "mark": ("DOCUMENT_FONT_MARK",), "h1": ("DOCUMENT_FONT_H1", "DOCUMENT_FONT_HEADING"),
            "kai": ("DOCUMENT_FONT_KAI",), "page": ("DOCUMENT_FONT_PAGE",)}


def _key(family: str) -> str:
    """Family names compared as fontconfig does: case and blanks do not count."""
    return "".join(family.split()).casefold()


# ---------------------------------------------------------------- what is available

@lru_cache(maxsize=1)
def _installed_faces() -> tuple[frozenset[str], ...]:
    """The system's faces, each as the set of family names fontconfig gives it
    (a face has several: 霞鹜文楷 and LXGW WenKai). Read once per process: a font
    installed on the system is seen after a restart."""
    if not shutil.which("fc-list"):
        return ()
    out = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=False).stdout
    faces = {frozenset(name.strip() for name in line.split(",") if name.strip()) for line in out.splitlines()}
    return tuple(sorted((face for face in faces if face), key=sorted))


def _installed_families() -> frozenset[str]:
    return frozenset(name for face in _installed_faces() for name in face)


@dataclass(frozen=True)
class FolderFont:
    """A font file of the instance's fonts folder that could be read."""

    file: str
    families: tuple[str, ...]
    sha256: str
    alias: str          # the ASCII name the document's CSS gives it (see _alias)


@dataclass(frozen=True)
class Skipped:
    """A file of the fonts folder that is not used, and why."""

    file: str
    reason: str      # a message id, translated when shown (see skipped_reason)


SKIPPED_REASONS = {
    "too_large": _l("larger than the limit for a font file"),
    "unreadable": _l("not a font file that can be read"),
    "no_family": _l("the font has no family name"),
    "too_many": _l("too many files in the fonts folder; this one was not read"),
    "outside": _l("a link to a file outside the fonts folder"),
}


def folder() -> Path | None:
    """The instance's fonts folder (``DOCUMENT_FONT_FOLDER``, else ``<instance>/fonts``);
    None outside an application."""
    from flask import current_app, has_app_context

    if not has_app_context():
        return None
    return Path(current_app.config.get("DOCUMENT_FONT_FOLDER") or Path(current_app.instance_path) / "fonts")


def max_bytes() -> int:
    from flask import current_app, has_app_context

    return int(current_app.config.get("DOCUMENT_FONT_MAX_BYTES") or DEFAULT_MAX_BYTES) if has_app_context() \
        else DEFAULT_MAX_BYTES


def _folder_state(path: Path | None) -> tuple:
    """What identifies the folder's files without reading them: name, size, time."""
    if path is None or not path.is_dir():
        return ()
    state = []
    for entry in sorted(path.iterdir()):
        if entry.suffix.lower() in FONT_SUFFIXES and entry.is_file():
            stat = entry.stat()
            state.append((entry.name, stat.st_size, stat.st_mtime_ns))
    return tuple(state)


def _alias(postscript: str, sha256: str) -> str:
    """The name a folder face is declared under in the CSS: its PostScript name
    (ASCII by the OpenType spec), else one made of its SHA-256. WeasyPrint names
    the PDF's font after the CSS family and writes the name's bytes as they are,
    where a PDF name should be ASCII (ISO 32000 7.3.5): 仿宋_GB2312 would not be."""
    cleaned = "".join(c for c in postscript if c.isascii() and (c.isalnum() or c in "-_"))[:60]
    return cleaned or f"anqi-font-{sha256[:12]}"


def _family_names(data: bytes) -> tuple[tuple[str, ...], str]:
    """Every family name (name IDs 1 and 16, all languages) of every face in a
    font file or collection, and the first face's PostScript name."""
    from fontTools.ttLib import TTCollection, TTFont

    stream = io.BytesIO(data)
    if data[:4] == b"ttcf":
        faces = TTCollection(stream, lazy=True).fonts
    else:
        faces = [TTFont(stream, lazy=True)]
    names, postscript = [], ""
    for face in faces:
        for record in face["name"].names:
            if record.nameID in (1, 16):
                name = record.toUnicode().strip()
                if name and name not in names:
                    names.append(name)
            elif record.nameID == 6 and not postscript:
                postscript = record.toUnicode().strip()
    return tuple(names), postscript


@lru_cache(maxsize=8)
def _scan(path: str, state: tuple, limit: int) -> tuple[tuple[FolderFont, ...], tuple[Skipped, ...]]:
    fonts, skipped = [], []
    for index, (name, size, _mtime) in enumerate(state):
        if index >= MAX_FOLDER_FILES:
            skipped.append(Skipped(name, "too_many"))
            continue
        if size > limit:
            skipped.append(Skipped(name, "too_large"))
            continue
        if (Path(path) / name).resolve().parent != Path(path).resolve():   # the fetcher would refuse it
            skipped.append(Skipped(name, "outside"))
            continue
        try:
            with open(Path(path) / name, "rb") as stream:
                data = stream.read(limit + 1)        # the file may have grown since it was listed
            if len(data) > limit:
                skipped.append(Skipped(name, "too_large"))
                continue
            families, postscript = _family_names(data)
        except Exception:  # noqa: BLE001 - a broken font file is reported, never breaks rendering
            log.warning("The font file %r in the fonts folder cannot be read; it is not used", name)
            skipped.append(Skipped(name, "unreadable"))
            continue
        if not families:
            skipped.append(Skipped(name, "no_family"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        fonts.append(FolderFont(name, families, digest, _alias(postscript, digest)))
    return tuple(fonts), tuple(skipped)


def scan_folder(path: Path | None = None, limit: int | None = None):
    """``(fonts, skipped)`` of the fonts folder; read again only when its files change."""
    path = folder() if path is None else path
    if path is None:
        return (), ()
    return _scan(str(path), _folder_state(path), limit or max_bytes())


# ---------------------------------------------------------------- resolution

@dataclass(frozen=True)
class Face:
    """The face a role resolved to. ``family`` is "" when none was available;
    ``file`` names the fonts folder's file for a face found there."""

    role: str
    family: str
    standard: bool = False
    file: str = ""
    forced: bool = False          # named by DOCUMENT_FONT_<ROLE>
    alias: str = ""               # a folder face's name in the CSS

    @property
    def source(self) -> str:
        return "folder" if self.file else "system"

    @property
    def css_family(self) -> str:
        return self.alias or self.family


@dataclass(frozen=True)
class Fonts:
    """One face per role, the fonts folder they may come from and what is in it
    (so that a font dropped there gives another engine and another fingerprint)."""

    faces: tuple[Face, ...]
    folder: str = ""
    folder_fonts: tuple[tuple[str, str], ...] = ()    # (file, sha256) of every readable file

    @classmethod
    def of(cls, **families: str) -> Fonts:
        """Fonts naming a system family per role (the others: the body's)."""
        body = families.get("body", "")
        return cls(tuple(Face(role, families.get(role, body), forced=True) for role in ROLE_NAMES))

    def face(self, role: str) -> Face:
        return next(face for face in self.faces if face.role == role)

    # Each role's family as the document's CSS names it (an inline drawing's text takes the body's).
    body = property(lambda self: self.face("body").css_family)
    title = property(lambda self: self.face("title").css_family)
    mark = property(lambda self: self.face("mark").css_family)
    h1 = property(lambda self: self.face("h1").css_family)
    kai = property(lambda self: self.face("kai").css_family)
    page = property(lambda self: self.face("page").css_family)

    def families(self) -> tuple[str, ...]:
        """The families the CSS names (what WeasyPrint reports a document used)."""
        return tuple(dict.fromkeys(face.css_family for face in self.faces if face.family))

    def record(self) -> dict:
        """What ``document.faces`` keeps of an issued document: {role: {"family", "standard"}}."""
        return {face.role: {"family": face.family, "standard": face.standard} for face in self.faces}


def _is_standard(role: Role, family: str, aliases: frozenset[str] = frozenset()) -> bool:
    wanted = {_key(name) for name in role.standard}
    return any(_key(name) in wanted for name in {family, *aliases})


def _forced(config, role: str) -> str:
    for setting in SETTINGS[role]:
        value = (config.get(setting) or "").strip() if config else ""
        if value:
            return value
    return ""


def resolve(config, folder_path: Path | None = None, folder_fonts=()) -> Fonts:
    """The face of every role: the family configured for it, else the first of
    the standard's names, else the first stand-in, found in the fonts folder or
    on the system. A role may resolve to nothing (``family`` ""), and a
    configured family may be missing: ``check_fonts`` refuses both."""
    system = {}
    for face in _installed_faces():
        for name in face:
            system.setdefault(_key(name), face)
    in_folder = {}
    for font in folder_fonts:
        for name in font.families:
            in_folder.setdefault(_key(name), font)
    faces = []
    for role in ROLES:
        forced = _forced(config, role.name)
        found = None
        for family in ((forced,) if forced else role.standard + role.stand_ins):
            if _key(family) in in_folder:
                font = in_folder[_key(family)]
                found = Face(role.name, family, _is_standard(role, family, frozenset(font.families)), font.file,
                             forced=bool(forced), alias=font.alias)
            elif _key(family) in system:
                found = Face(role.name, family, _is_standard(role, family, system[_key(family)]),
                             forced=bool(forced))
            if found:
                break
        faces.append(found or Face(role.name, forced, _is_standard(role, forced) if forced else False,
                                   forced=bool(forced)))
    return Fonts(tuple(faces), str(folder_path or ""), tuple((f.file, f.sha256) for f in folder_fonts))


def fonts_from_config(config) -> Fonts:
    """The faces for an application's configuration (and its fonts folder)."""
    path = folder()
    fonts, _skipped = scan_folder(path)
    return resolve(config, path, fonts)


def current() -> Fonts:
    from flask import current_app, has_app_context

    return fonts_from_config(current_app.config if has_app_context() else {})


def check_fonts(fonts: Fonts) -> None:
    """Refuse a role with no face, and a face that is neither installed nor in the
    fonts folder: it would be replaced by whatever fontconfig picks, which is
    exactly what the layout must not do."""
    problems = _problems(fonts)
    if problems:
        # Each problem is a sentence of its own: no list punctuation to get wrong in either language.
        raise RenderingError(_("Documents cannot be set in the fonts configured. %(problems)s See "
                               "DOCUMENT_FONT_* in the configuration; `anqi documents fonts` lists the "
                               "fonts in use.", problems=" ".join(problems)))


def _problems(fonts: Fonts) -> list[str]:
    """What is wrong with each role's face, one message a role, in the user's language."""
    installed = {_key(name) for name in _installed_families()}
    in_folder = {name for name, _digest in fonts.folder_fonts}
    problems = []
    for face in fonts.faces:
        role = ROLES_BY_NAME[face.role]
        if not face.family:
            problems.append(_("%(role)s: none of %(families)s is installed on this machine or in the fonts "
                              "folder.", role=role.label, families=", ".join(role.standard + role.stand_ins)))
        elif face.file and face.file not in in_folder:
            problems.append(_("%(role)s: the font file %(file)s is no longer in the fonts folder.",
                              role=role.label, file=face.file))
        elif not face.file and _key(face.family) not in installed:
            problems.append(_("%(role)s: %(family)s is not installed on this machine or in the fonts folder.",
                              role=role.label, family=face.family))
    return problems


# ---------------------------------------------------------------- the font file of a face

def face_file(fonts: Fonts, role: str) -> tuple[str, int] | None:
    """The font file and face index a role's text is drawn from (the line
    breaker reads its advance widths), or None when it cannot be told: a
    face of the fonts folder is its file there, a system face the file
    fontconfig gives for the family."""
    face = fonts.face(role)
    if not face.family:
        return None
    if face.file:
        return _folder_face_file(str(Path(fonts.folder) / face.file), face.family)
    return _system_face_file(face.family)


@lru_cache(maxsize=32)
def _system_face_file(family: str) -> tuple[str, int] | None:
    if not shutil.which("fc-match"):
        return None
    pattern = "".join("\\" + c if c in "\\-:," else c for c in family)
    out = subprocess.run(["fc-match", "-f", "%{file}\n%{index}\n%{family}", pattern], capture_output=True,
                         text=True, check=False).stdout.split("\n", 2)
    if len(out) < 3 or _key(family) not in {_key(name) for name in out[2].split(",")}:
        return None                  # fontconfig substituted another family
    return out[0], int(out[1] or 0)


@lru_cache(maxsize=32)
def _folder_face_file(path: str, family: str) -> tuple[str, int] | None:
    """A folder file and the index of the face named ``family`` in it (0 unless a collection)."""
    from fontTools.ttLib import TTCollection

    try:
        with open(path, "rb") as stream:
            if stream.read(4) != b"ttcf":
                return path, 0
        collection = TTCollection(path, lazy=True)
        for index, face in enumerate(collection.fonts):
            if any(record.nameID in (1, 16) and _key(record.toUnicode()) == _key(family)
                   for record in face["name"].names):
                return path, index
    except Exception:  # noqa: BLE001 - an unreadable file: no metrics, the text is justified by the CSS
        return None
    return path, 0


# ---------------------------------------------------------------- the stylesheet

def _css_string(value: str) -> str:
    if not value or any(c in value for c in '"\\<>{};\n\r'):
        raise RenderingError(f"A document font name may not contain quotes, braces or angle brackets: {value!r}")
    return f'"{value}"'


def _font_file_url(name: str) -> str:
    from urllib.parse import quote

    return f"{FONT_SCHEME}:{quote(name)}"


def _fonts_css(fonts: Fonts) -> str:
    """Every element's family named explicitly, with no generic family after it
    (a missing font must be noticed, not silently replaced), each at its normal
    weight: the standard's faces have one weight, and a synthetic bold is not
    the face. A face from the fonts folder is declared with ``@font-face``."""
    declared = []
    for face in fonts.faces:
        if face.file:
            rule = (f"@font-face {{ font-family: {_css_string(face.css_family)}; "
                    f'src: url("{_font_file_url(face.file)}"); }}')
            if rule not in declared:
                declared.append(rule)
    body, title, mark, h1, kai, page = (_css_string(fonts.face(role).css_family) for role in ROLE_NAMES)
    return "\n".join(declared) + f"""
@page {{ font-family: {page}; font-weight: normal; }}
html, body, .attachments, .colophon, .signer-label {{ font-family: {body}; }}
h3, h4 {{ font-family: {body}; font-weight: normal; }}
.title {{ font-family: {title}; font-weight: normal; }}
.mark {{ font-family: {mark}; font-weight: normal; }}
.watermark {{ font-family: {title}; font-weight: normal; }}
h1 {{ font-family: {h1}; font-weight: normal; }}
h2, .signer-name {{ font-family: {kai}; font-weight: normal; }}
"""


# ---------------------------------------------------------------- saying which face is used

@dataclass(frozen=True)
class Row:
    """One role as the fonts command and the administrator's page show it."""

    role: str
    label: str
    standard_face: str
    family: str            # "" when none is available
    standard: bool
    source: str            # "system" or "folder"
    file: str
    problem: str = ""


def report() -> tuple[list[Row], list[tuple[str, str]]]:
    """Every role with its face, and the fonts folder's files that are not used
    (``(file, reason)``), in the user's language."""
    from flask import current_app

    path = folder()
    found, skipped = scan_folder(path)
    fonts = resolve(current_app.config, path, found)
    rows = []
    for face in fonts.faces:
        role = ROLES_BY_NAME[face.role]
        problem = "".join(_problems(Fonts((face,), fonts.folder, fonts.folder_fonts)))
        rows.append(Row(face.role, str(role.label), str(role.standard_face), face.family, face.standard,
                        face.source, face.file, problem))
    return rows, [(item.file, str(SKIPPED_REASONS[item.reason])) for item in skipped]


def stand_ins(faces: dict | None) -> list[dict]:
    """The roles of ``faces`` (a ``document.faces`` record) set in a stand-in:
    ``{"role", "family", "standard_face"}`` in the user's language."""
    out = []
    for name in ROLE_NAMES:
        face = (faces or {}).get(name)
        if face and not face.get("standard"):
            role = ROLES_BY_NAME[name]
            out.append({"role": str(role.label), "family": face.get("family") or "—",
                        "standard_face": str(role.standard_face)})
    return out


def faces_of(document) -> dict | None:
    """The faces of a document: an issued one's as recorded at issue (None for one
    issued before they were recorded), any other's as it would be issued now."""
    if document.pdf_name:
        return document.faces
    return current().record()
