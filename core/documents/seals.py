"""The issuing units' seals (印章), pressed on the documents they issue.

An administrator uploads each issuing unit's seal: a PNG with a transparent
background and red ink. The upload is read as a stream up to ``MAX_BYTES`` and
checked by its content (``check``): every problem is reported at once and
nothing is stored. A good seal is normalised (RGBA, at most ``STORED_PIXELS``
on its long side: about 300 dpi at the 42 mm it is printed at, and a small
embedded image) and written sealed with the personal-data keys
(core/privacy/files.py, purpose ``document.seal``) under the seals folder, so
a copy of the disk alone does not give away the unit's seal; ``anqi privacy
rotate-key`` re-seals it. Upload, replacement and removal are audited (never
the image), and so is every use: ``document.seal`` with the seal's SHA-256
when a document is issued with it (services.issue).

A signed-off document of a unit with a seal is issued with the seal pressed on
the issuer's name and the date (GB/T 9704-2012 7.3.5.1, the template's
``.signature``); drafts' previews carry none; a unit without a seal issues
without one and the document's page says so.

``sample(name)`` draws a specimen seal marked 样章 (the specimen command and
the tests): a red ring, the unit's name along the arc, a star, 样章 across.
"""
import hashlib
import io
import math
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from core import clock
from core.audit import services as audit
from core.documents.models import Document, DocumentAuthentication, UnitSeal
from core.errors import NotFound, ValidationError
from core.extensions import db
from core.privacy import files
from core.privacy.fields import keyring

PURPOSE = "document.seal"
FIELD = "seal"
MAX_BYTES = 2 * 1024 * 1024
MIN_PIXELS, MAX_PIXELS = 200, 4000      # a side, in pixels
MAX_ASPECT = 1.15                       # a seal is round or square: long side / short side
STORED_PIXELS = 500
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
INK = (230, 0, 18)                      # the red of the document's mark (#e60012)


@dataclass(frozen=True)
class Checked:
    """A seal that passed the checks, normalised, held in memory until stored."""

    png: bytes
    sha256: str
    width: int
    height: int


def folder() -> Path:
    from core.config import storage_root

    return storage_root(current_app) / "document-seals"


# --- checking an upload -------------------------------------------------------------

def check(stream) -> Checked:
    """Read ``stream`` (at most ``MAX_BYTES``) and check it is a seal: a PNG by
    its content, roughly square and of a sensible size, with a transparent
    background and red ink. ValidationError lists every problem found."""
    data = stream.read(MAX_BYTES + 1) if stream is not None else b""
    if not data:
        _refuse([_l("Choose the seal's image file (a PNG).")])
    if len(data) > MAX_BYTES:
        _refuse([_l("The seal image is larger than %(limit)s; a seal needs no more than 500 × 500 pixels.",
                    limit="2 MB")])
    if not data.startswith(PNG_SIGNATURE):
        _refuse([_l("The seal image must be a PNG file (with a transparent background).")])
    from PIL import Image

    try:
        image = Image.open(io.BytesIO(data), formats=["PNG"])
        width, height = image.size      # read from the header: nothing is decoded yet
    except Exception:           # Pillow raises many kinds for a damaged file
        _refuse([_l("The seal image is not a readable PNG file.")])
    problems = []
    if not (MIN_PIXELS <= width <= MAX_PIXELS and MIN_PIXELS <= height <= MAX_PIXELS):
        _refuse([_l("The seal image must be between %(low)d and %(high)d pixels wide and high; this one is "
                    "%(width)d × %(height)d.", low=MIN_PIXELS, high=MAX_PIXELS, width=width, height=height)])
    if max(width, height) / min(width, height) > MAX_ASPECT:
        problems.append(_l("A seal is round: its image must be about as wide as it is high; this one is "
                           "%(width)d × %(height)d pixels.", width=width, height=height))
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    try:
        rgba = image.convert("RGBA")
    except Exception:
        _refuse([_l("The seal image is not a readable PNG file.")])
    if not has_alpha or not _transparent_background(rgba):
        problems.append(_l("The seal image needs a transparent background (a PNG with an alpha channel), so "
                           "that the text under it shows through."))
    if not _red_ink(rgba):
        problems.append(_l("A seal's ink must be red: most of the image's visible pixels must be red."))
    if problems:
        _refuse(problems)
    png = _normalised(rgba)
    stored = Image.open(io.BytesIO(png))
    return Checked(png=png, sha256=hashlib.sha256(png).hexdigest(), width=stored.width, height=stored.height)


def _refuse(problems):
    raise ValidationError(problems[0], errors={FIELD: list(problems)})


def _small(rgba):
    """A copy of at most 200 pixels a side: the checks look at proportions."""
    copy = rgba.copy()
    copy.thumbnail((200, 200))
    return copy


def _transparent_background(rgba) -> bool:
    """The corners are see-through and so is a good part of the image (a ring's outside and inside)."""
    small = _small(rgba)
    alpha = small.getchannel("A")
    w, h = small.size
    corners = [alpha.getpixel((x, y)) for x, y in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1))]
    clear = sum(1 for a in alpha.tobytes() if a < 32)
    return max(corners) < 32 and clear >= 0.3 * w * h


def _red_ink(rgba) -> bool:
    """Most opaque pixels are red-dominant, and there is some ink at all."""
    small = _small(rgba)
    data = small.tobytes()          # RGBA, a byte a channel
    opaque = [(data[i], data[i + 1], data[i + 2]) for i in range(0, len(data), 4) if data[i + 3] >= 128]
    if len(opaque) < 0.01 * small.size[0] * small.size[1]:
        return False
    red = sum(1 for r, g, b in opaque if r >= 120 and r >= 1.6 * g and r >= 1.6 * b)
    return red >= 0.8 * len(opaque)


def _normalised(rgba) -> bytes:
    """The PNG to store and press: at most ``STORED_PIXELS`` a side, in one ink.

    A seal is pressed in one red: every pixel takes the ink's colour (the mean
    of the opaque pixels) and the shape and the ink's density stay in the alpha
    channel. The colour plane then compresses to almost nothing, which keeps a
    sealed letter small (the seal's colours were two thirds of its image bytes).
    """
    from PIL import Image, ImageStat

    image = rgba.copy()
    image.thumbnail((STORED_PIXELS, STORED_PIXELS))
    alpha = image.getchannel("A")
    opaque = alpha.point(lambda a: 255 if a >= 128 else 0)
    ink = (tuple(round(mean) for mean in ImageStat.Stat(image.convert("RGB"), mask=opaque).mean)
           if opaque.getbbox() else INK)
    one_ink = Image.new("RGBA", image.size, ink + (0,))
    one_ink.putalpha(alpha)
    out = io.BytesIO()
    one_ink.save(out, format="PNG", optimize=True)
    return out.getvalue()


# --- the services ----------------------------------------------------------------------

@dataclass(frozen=True)
class UnitRow:
    """A line of the seals page: an issuing unit, its seal and its signing certificate (or None)."""

    unit: object
    seal: UnitSeal | None
    certificate: object


def issuing_units(actor) -> list[UnitRow]:
    """The units that issue documents (those with a document number prefix), each
    with its seal and signing certificate: for the administrator."""
    from core.documents.models import UnitSigningCertificate
    from core.org.models import Unit

    actor.require("system.manage")
    units = list(db.session.scalars(select(Unit).where(Unit.doc_prefix.is_not(None), Unit.doc_prefix != "")
                                    .order_by(Unit.path)))
    seals = {s.unit_id: s for s in db.session.scalars(select(UnitSeal))}
    certificates = {c.unit_id: c for c in db.session.scalars(select(UnitSigningCertificate))}
    return [UnitRow(unit, seals.get(unit.id), certificates.get(unit.id)) for unit in units]


def _unit(unit_id):
    from core.org.models import Unit

    unit = db.session.get(Unit, unit_id) if unit_id else None
    if unit is None:
        raise NotFound(_l("There is no such unit."))
    return unit


def upload(actor, unit_id, stream) -> UnitSeal:
    """Check and store a unit's seal, replacing the one it had. Nothing changes
    when the image is refused."""
    actor.require("system.manage")
    unit = _unit(unit_id)
    checked = check(stream)
    name = f"{secrets.token_hex(16)}.png.sealed"
    path = folder() / name
    files.write_atomically(path, files.seal(keyring(), PURPOSE, checked.png))
    seal = db.session.get(UnitSeal, unit.id)
    replaced = seal.file_name if seal is not None else None
    try:
        if seal is None:
            seal = UnitSeal(unit_id=unit.id)
            db.session.add(seal)
        seal.file_name, seal.sha256 = name, checked.sha256
        seal.width, seal.height = checked.width, checked.height
        seal.uploaded_by_id, seal.uploaded_at = actor.user_id, clock.now()
        audit.record(actor, "document.seal_replace" if replaced else "document.seal_upload", unit,
                     detail={"sha256": checked.sha256, "width": checked.width, "height": checked.height})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        path.unlink(missing_ok=True)
        raise
    if replaced:
        (folder() / replaced).unlink(missing_ok=True)
    return seal


def remove(actor, unit_id) -> None:
    """Remove a unit's seal: its documents are issued without one from now on."""
    actor.require("system.manage")
    unit = _unit(unit_id)
    seal = db.session.get(UnitSeal, unit.id)
    if seal is None:
        raise NotFound(_l("This unit has no seal to remove."))
    name = seal.file_name
    audit.record(actor, "document.seal_remove", unit, detail={"sha256": seal.sha256})
    db.session.delete(seal)
    db.session.commit()
    (folder() / name).unlink(missing_ok=True)


def image(actor, unit_id) -> bytes:
    """The seal's PNG, for the administrator's preview."""
    actor.require("system.manage")
    seal = db.session.get(UnitSeal, _unit(unit_id).id)
    if seal is None:
        raise NotFound(_l("This unit has no seal."))
    return _open(seal)


def _open(seal: UnitSeal) -> bytes:
    try:
        stored = (folder() / seal.file_name).read_bytes()
        png = files.unseal(keyring(), PURPOSE, stored)
    except (OSError, ValueError) as exc:          # PersonalDataKeyError is a ValueError
        raise ValidationError(_l("The unit's stored seal cannot be opened (missing or altered). Upload it "
                                 "again, or restore it from the backup.")) from exc
    if hashlib.sha256(png).hexdigest() != seal.sha256:
        raise ValidationError(_l("The unit's stored seal cannot be opened (missing or altered). Upload it "
                                 "again, or restore it from the backup."))
    return png


@dataclass(frozen=True)
class Pressed:
    png: bytes
    sha256: str


def for_issue(unit_id) -> Pressed | None:
    """The seal a document of this unit is issued with; None when it has none."""
    seal = db.session.get(UnitSeal, unit_id)
    if seal is None:
        return None
    return Pressed(_open(seal), seal.sha256)


def has_seal(unit_id) -> bool:
    return db.session.scalar(select(UnitSeal.unit_id).where(UnitSeal.unit_id == unit_id)) is not None


def authentication_of(document: Document) -> DocumentAuthentication | None:
    """How an issued document was sealed and signed (None before it is issued)."""
    return db.session.get(DocumentAuthentication, document.id)


def _sealed_paths() -> list[Path]:
    base = folder()
    return [base / name for name in db.session.scalars(select(UnitSeal.file_name))]


files.register(files.SealedFiles("document.seal", PURPOSE, _sealed_paths))


# --- the specimen seal ------------------------------------------------------------------

@lru_cache(maxsize=1)
def _cjk_font() -> tuple[str, int]:
    """A bold CJK font installed on this machine (file and index in a collection)."""
    if shutil.which("fc-match"):
        out = subprocess.run(["fc-match", "-f", "%{file}\n%{index}", "Noto Sans CJK SC:bold"],
                             capture_output=True, text=True, check=False).stdout.split("\n")
        if out and out[0] and Path(out[0]).is_file():
            return out[0], int(out[1] or 0) if len(out) > 1 and out[1].isdigit() else 0
    raise RuntimeError("No CJK font found for the specimen seal (install fonts-noto-cjk)")


def sample(name: str, *, size: int = STORED_PIXELS) -> bytes:
    """A specimen seal: a red ring, ``name`` along its upper arc, a five-pointed
    star in the middle and 样章 across below it, on a transparent background."""
    from PIL import Image, ImageDraw, ImageFont

    scale = 2                               # drawn large, then reduced: smooth edges
    side = size * scale
    font_file, font_index = _cjk_font()
    image = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    ink = INK + (255,)
    centre = side / 2
    ring = side * 0.035
    draw.ellipse((ring / 2, ring / 2, side - ring / 2, side - ring / 2), outline=ink, width=round(ring))
    _star(draw, centre, centre, side * 0.15, ink)
    label_font = ImageFont.truetype(font_file, round(side * 0.11), index=font_index)
    box = draw.textbbox((0, 0), "样章", font=label_font)
    draw.text((centre - (box[2] - box[0]) / 2 - box[0], side * 0.66 - box[1]), "样章", font=label_font, fill=ink)
    _arc_text(image, name, font_file, font_index, side, ink)
    return _normalised(image.resize((size, size), Image.Resampling.LANCZOS))


def _star(draw, x, y, radius, ink):
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((x + r * math.cos(angle), y + r * math.sin(angle)))
    draw.polygon(points, fill=ink)


def _arc_text(image, text, font_file, font_index, side, ink):
    """Each character upright towards the centre, spread over the upper arc (about 240°)."""
    from PIL import Image, ImageDraw, ImageFont

    text = text or "样章"
    count = len(text)
    widest = math.radians(250)
    em = round(min(side * 0.13, side * 0.39 * widest / count / 1.08))
    font = ImageFont.truetype(font_file, em, index=font_index)
    radius = side / 2 - side * 0.035 - em * 0.7
    spread = min(widest, max(math.radians(200), count * em * 1.08 / radius))
    for i, ch in enumerate(text):
        angle = -spread / 2 + (spread * (i + 0.5) / count)        # 0 is straight up, clockwise positive
        glyph = Image.new("RGBA", (em * 2, em * 2), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((em, em), ch, font=font, fill=ink, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle), resample=Image.Resampling.BICUBIC)
        x = side / 2 + radius * math.sin(angle) - em
        y = side / 2 - radius * math.cos(angle) - em
        image.alpha_composite(glyph, (round(x), round(y)))
