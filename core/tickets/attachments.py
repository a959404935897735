"""Ticket attachments: photos, audio, video and PDF, checked by content.

A file is accepted when its extension is one we take AND its first bytes are
the signature of that format. The check is a few lines of our own rather than
a library: no well-kept type-sniffing library is installed (python-magic needs
libmagic, which the intranet servers may lack, and its answers change with the
libmagic version), and the formats we take are few, with fixed, documented
signatures. Nothing else is ever stored. A PDF is also parsed for scripts,
automatic actions and embedded files, and refused when it carries any
(``core.tickets.pdf_content``).

Files are stored outside the web root, in ``<instance>/attachments/`` under a
generated name (the uploaded name is only kept in the database, for the
download), with their SHA-256. They are written in the same transaction as the
rows that record them: if that transaction fails, the files are removed, so no
orphan file and no half-written ticket remain.
"""
import hashlib
import re
import secrets
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from babel.lists import format_list
from flask import current_app
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from core import clock
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.tickets import pdf_content
from core.tickets.models import TicketAttachment

FIELD = "attachments"


# --- signatures ----------------------------------------------------------------

def _jpeg(head: bytes) -> bool:
    return head[:3] == b"\xff\xd8\xff"


def _png(head: bytes) -> bool:
    return head[:8] == b"\x89PNG\r\n\x1a\n"


def _riff(form: bytes):
    return lambda head: head[:4] == b"RIFF" and head[8:12] == form


_IMAGE_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif", b"avis"}


def _iso_media(head: bytes) -> bool:
    """ISO base media (MP4, M4A): a ``ftyp`` box first, and not an image brand (HEIC, AVIF)."""
    return head[4:8] == b"ftyp" and head[8:12] not in _IMAGE_BRANDS


def _mpeg_audio(head: bytes) -> bool:
    """MP3: an ID3 tag, or an MPEG audio frame (11 sync bits, a layer that is not 0)."""
    if head[:3] == b"ID3":
        return True
    return len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0 and head[1] & 0x06 != 0


def _adts(head: bytes) -> bool:
    """Raw AAC (ADTS): 12 sync bits and layer 0; may follow an ID3 tag."""
    return head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0)


def _ogg(head: bytes) -> bool:
    return head[:4] == b"OggS"


def _amr(head: bytes) -> bool:
    return head.startswith(b"#!AMR\n") or head.startswith(b"#!AMR-WB\n")


def _webm(head: bytes) -> bool:
    return head[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in head[:64]


def _pdf(head: bytes) -> bool:
    return head[:5] == b"%PDF-"


@dataclass(frozen=True)
class Format:
    label: object        # lazy text: what the content is, for messages
    kind: str            # photo / audio / video / document
    content_type: str
    check: object        # head bytes -> bool
    name: str            # how people call the format, in the list of what may be attached


JPEG = Format(_l("a JPEG image"), "photo", "image/jpeg", _jpeg, "JPEG")
PNG = Format(_l("a PNG image"), "photo", "image/png", _png, "PNG")
WEBP = Format(_l("a WebP image"), "photo", "image/webp", _riff(b"WEBP"), "WebP")
MP3 = Format(_l("MP3 audio"), "audio", "audio/mpeg", _mpeg_audio, "MP3")
M4A = Format(_l("M4A audio"), "audio", "audio/mp4", _iso_media, "M4A")
AAC = Format(_l("AAC audio"), "audio", "audio/aac", _adts, "AAC")
WAV = Format(_l("WAV audio"), "audio", "audio/wav", _riff(b"WAVE"), "WAV")
OGG = Format(_l("Ogg audio"), "audio", "audio/ogg", _ogg, "Ogg/Opus")
AMR = Format(_l("AMR audio"), "audio", "audio/amr", _amr, "AMR")
# a recording made in the browser
WEBM_AUDIO = Format(_l("WebM audio"), "audio", "audio/webm", _webm, "WebM")
MP4 = Format(_l("an MP4 video"), "video", "video/mp4", _iso_media, "MP4")
# an iPhone's camera
MOV = Format(_l("a QuickTime video"), "video", "video/quicktime", _iso_media, "MOV")
# older Android phones' camera
THREE_GP = Format(_l("a 3GP video"), "video", "video/3gpp", _iso_media, "3GP")
WEBM = Format(_l("a WebM video"), "video", "video/webm", _webm, "WebM")
PDF = Format(_l("a PDF document"), "document", "application/pdf", _pdf, "PDF")

# The extensions we take, each with the one format its content must have.
# MP4, M4A, MOV and 3GP share a container (ISO base media) whose brand does not
# reliably tell sound from picture, so each accepts the others' content; WebM
# likewise for browser recordings (``weba``: sound only, as MediaRecorder makes it).
EXTENSIONS = {
    "jpg": JPEG, "jpeg": JPEG, "png": PNG, "webp": WEBP,
    "mp3": MP3, "m4a": M4A, "aac": AAC, "wav": WAV, "ogg": OGG, "oga": OGG, "opus": OGG, "amr": AMR,
    "mp4": MP4, "mov": MOV, "3gp": THREE_GP, "webm": WEBM, "weba": WEBM_AUDIO, "pdf": PDF,
}
# What the kinds are called in the list of what may be attached, in this order.
KINDS = {"photo": _l("photos (%(formats)s)"), "audio": _l("audio (%(formats)s)"),
         "video": _l("video (%(formats)s)"), "document": _l("documents (%(formats)s)")}
# Order matters only for naming what a mismatched file looks like.
DETECT_ORDER = (JPEG, PNG, WEBP, WAV, PDF, OGG, AMR, WEBM, MP4, MP3, AAC)
HEAD_BYTES = 64


def detect(head: bytes) -> Format | None:
    """What the content is, as far as its signature tells, or None."""
    return next((fmt for fmt in DETECT_ORDER if fmt.check(head)), None)


# --- what may be attached: the hint, the file picker's filter and the refusal ------------
# All three are built from EXTENSIONS, so they cannot disagree.

def _list(items) -> str:
    return format_list([str(item) for item in items], locale=str(get_locale() or "zh_Hans_CN"))


def allowed_text(kinds=tuple(KINDS)) -> str:
    """The formats of ``kinds`` that may be attached, by kind, in the reader's language."""
    names: dict[str, list[str]] = {kind: [] for kind in KINDS if kind in kinds}
    for fmt in EXTENSIONS.values():
        if fmt.kind in names and fmt.name not in names[fmt.kind]:
            names[fmt.kind].append(fmt.name)
    return _list(str(label) % {"formats": _list(names[kind])} for kind, label in KINDS.items() if names.get(kind))


ALLOWED = LazyString(allowed_text)
HINT = _l("Allowed: %(allowed)s; several files may be chosen.", allowed=ALLOWED)


def accept(kinds=tuple(KINDS)) -> str:
    """The file picker's ``accept`` attribute: every extension we take (of ``kinds``)."""
    return ",".join(f".{extension}" for extension, fmt in EXTENSIONS.items() if fmt.kind in kinds)


# --- checking uploads ----------------------------------------------------------

@dataclass(frozen=True)
class Prepared:
    """An upload that passed the checks, held in memory until it is stored."""

    name: str
    extension: str
    content_type: str
    kind: str
    data: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def max_bytes() -> int:
    return int(current_app.config["ATTACHMENT_MAX_BYTES"])


def max_files() -> int:
    return int(current_app.config["ATTACHMENT_MAX_FILES"])


def clean_name(filename: str) -> str:
    """The uploaded name without any folder, control characters or excess length."""
    name = re.split(r"[/\\]", filename or "")[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip().strip(".") or "file"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:8]) if dot else name[:200]
    return name


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB" if size >= 1024 * 1024 else f"{max(size // 1024, 1)} KB"


def check_uploads(uploads: Iterable[tuple[str, object]], field: str = FIELD) -> list[Prepared]:
    """Read and check ``(filename, stream)`` pairs. Every problem is reported at
    once, by file; when there is one, nothing is kept and ValidationError says why."""
    accepted, problems = inspect_uploads(uploads)
    if problems:
        raise ValidationError(problems[0], errors={field: problems})
    return accepted


def inspect_uploads(uploads: Iterable[tuple[str, object]]) -> tuple[list[Prepared], list]:
    """Read and check ``(filename, stream)`` pairs, each as a stream up to the size
    limit: the files that passed, and a message for each that did not. A form
    that shows all its errors at once holds the passing files (core.uploads)."""
    limit, problems, accepted = max_bytes(), [], []
    uploads = [(name, stream) for name, stream in uploads if name]
    if len(uploads) > max_files():
        return [], [_l("Attach at most %(n)d files at a time.", n=max_files())]
    for filename, stream in uploads:
        name = clean_name(filename)
        extension = name.rpartition(".")[2].lower() if "." in name else ""
        expected = EXTENSIONS.get(extension)
        if expected is None:
            problems.append(_l("“%(name)s”: only %(allowed)s can be attached.", name=name, allowed=ALLOWED))
            continue
        data = stream.read(limit + 1)
        if len(data) > limit:
            problems.append(_l("“%(name)s” is larger than %(limit)s.", name=name, limit=size_text(limit)))
            continue
        if not data:
            problems.append(_l("“%(name)s” is empty.", name=name))
            continue
        head = data[:HEAD_BYTES]
        if not expected.check(head):
            found = detect(head)
            problems.append(
                _l("“%(name)s” is named as %(expected)s but its content is %(found)s.", name=name,
                   expected=expected.label, found=found.label) if found else
                _l("“%(name)s” is named as %(expected)s but its content is not.", name=name,
                   expected=expected.label))
            continue
        if expected is PDF:
            problem = _pdf_problem(name, data)
            if problem is not None:
                problems.append(problem)
                continue
        accepted.append(Prepared(name=name, extension="jpg" if extension == "jpeg" else extension,
                                 content_type=expected.content_type, kind=expected.kind, data=data,
                                 sha256=hashlib.sha256(data).hexdigest()))
    return accepted, problems


def _pdf_problem(name: str, data: bytes):
    """Why the PDF ``data`` is refused (scripts, automatic actions, embedded files,
    or a file that cannot be checked), or None."""
    found = pdf_content.check(data)
    if found is None:
        return None
    if found.kind == "encrypted":
        return _l("“%(name)s” is protected by a password, so it cannot be checked. Attach a copy without "
                  "the password.", name=name)
    if found.kind == "unreadable":
        return _l("“%(name)s” could not be read as a PDF. Save or print it to PDF again and attach the new "
                  "file.", name=name)
    if found.kind == "too_complex":
        return _l("“%(name)s” is too complex to check. Print it to PDF again (or scan it) and attach the "
                  "new file.", name=name)
    return _l("“%(name)s” contains scripts, automatic actions or embedded files, which are not accepted: an "
              "attachment is kept exactly as sent. Print it to PDF again (for example with “Microsoft Print to "
              "PDF”) and attach the new file.", name=name)


# --- storing and reading ---------------------------------------------------------

def folder() -> Path:
    """Where attachments are kept: outside the web root, in the storage folder."""
    from core.config import storage_root

    configured = current_app.config.get("ATTACHMENT_DIR")
    path = Path(configured) if configured else storage_root(current_app) / "attachments"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def staged(actor, ticket, prepared: list[Prepared]):
    """Write the files and add their rows to the session; the caller commits
    inside the ``with``. If anything fails, the session is rolled back and the
    files written so far are removed."""
    written: list[Path] = []
    try:
        target = folder()
        for item in prepared:
            stored = f"{secrets.token_hex(16)}.{item.extension}"
            path = target / stored
            with open(path, "xb") as out:
                written.append(path)
                out.write(item.data)
            db.session.add(TicketAttachment(
                ticket=ticket, stored_name=stored, original_name=item.name, content_type=item.content_type,
                size=item.size, sha256=item.sha256, uploaded_by_id=actor.user_id, uploaded_at=clock.now()))
        yield written
    except BaseException:
        db.session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise


def get(actor, ticket_id, attachment_id) -> tuple[TicketAttachment, Path]:
    """An attachment of a ticket the actor may see, and its file; else NotFound."""
    from core.tickets import services

    ticket = services.get(actor, ticket_id)
    attachment = db.session.get(TicketAttachment, attachment_id)
    if attachment is None or attachment.ticket_id != ticket.id or "/" in attachment.stored_name \
            or "\\" in attachment.stored_name:
        raise NotFound(_l("There is no such attachment."))
    path = folder() / attachment.stored_name
    if not path.is_file():
        raise NotFound(_l("The file of this attachment is missing. Tell the administrator."))
    return attachment, path
