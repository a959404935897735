"""The advance widths of a document face, read from its font file, for the
engine's line breaking (typesetting.break_lines).

The CJK ideographs and full-width punctuation are 1 em in the document faces,
but digits and Latin letters are proportional, and a line holding them reaches
the text block's right edge only if their real advances are counted: the
font's ``cmap`` (character to glyph) and ``hmtx`` (glyph to advance) tables,
read with fontTools once per file and face index in a process. Kerning is not
read: the lines the engine breaks are set without it (document.css). What the
shaper does apply is the localized forms (``locl``): Chinese text in the
language system of the document's language, Simplified Chinese (ZHS), and
Latin text in the script's default one (Pango shapes text in a script the
document's language is not written in with that script's default language).
In Noto CJK a digit shaped in the Latin script (after a Latin letter: GB/T
9704) takes a tabular form 0.549 em wide where it is proportional after a
Chinese character, so each character's script is worked out as the shaper
does (a digit or a sign takes the script of the letter before it) and its
localized glyph's advance counted.
"""
from __future__ import annotations

import logging
import unicodedata
from functools import lru_cache

log = logging.getLogger(__name__)


# Each script's OpenType language system as the shaper picks it for a zh-CN document.
LANGUAGE_OF_SCRIPT = {"hani": "ZHS", "latn": ""}


def _script(char: str) -> str:
    """"latn" for a Latin letter, "hani" for a Chinese character (or kana, hangul),
    "" for what takes its neighbours' script (digits, signs, punctuation)."""
    if not char.isalpha():
        return ""
    if ord(char) < 0x2500:
        return "latn" if ord(char) < 0x250 or 0x1E00 <= ord(char) < 0x1F00 else "other"
    return "hani"


class Advances:
    """A face's advances, in em: of a character (``advance(char)``) and of every
    character of a text in its script (``of(text)``). A character the face
    lacks (drawn by a fallback font) is taken as 1 em if full-width, else
    half an em."""

    def __init__(self, cmap: dict[int, str], metrics: dict[str, tuple], units_per_em: int,
                 localized: dict[str, dict[str, str]] | None = None):
        self._cmap = cmap
        self._metrics = metrics
        self._units = float(units_per_em)
        self._localized = localized or {}
        self._known: dict[tuple[str, str], float] = {}

    def __call__(self, char: str, script: str = "hani") -> float:
        found = self._known.get((char, script))
        if found is None:
            glyph = self._cmap.get(ord(char))
            glyph = self._localized.get(script, {}).get(glyph, glyph)
            if glyph is not None and glyph in self._metrics:
                found = self._metrics[glyph][0] / self._units
            else:
                found = 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.5
            self._known[(char, script)] = found
        return found

    def of(self, text: str) -> list[float]:
        """Each character's advance, shaped in the script of the last letter
        before it (of the first after it at the start)."""
        scripts = [_script(c) for c in text]
        current = next((s for s in scripts if s), "hani")
        out = []
        for char, script in zip(text, scripts):
            current = script or current
            out.append(self(char, current))
        return out


def _localized_forms(font) -> dict[str, dict[str, str]]:
    """The ``locl`` single substitutions of each script of LANGUAGE_OF_SCRIPT in
    its language system (the default one for "" or one the font lacks)."""
    if "GSUB" not in font:
        return {}
    table = font["GSUB"].table
    if not table.ScriptList or not table.FeatureList:
        return {}
    out = {}
    for record in table.ScriptList.ScriptRecord:
        if record.ScriptTag not in LANGUAGE_OF_SCRIPT:
            continue
        systems = {lang.LangSysTag.strip(): lang.LangSys for lang in record.Script.LangSysRecord}
        system = systems.get(LANGUAGE_OF_SCRIPT[record.ScriptTag]) or record.Script.DefaultLangSys
        if system is None:
            continue
        mapping: dict[str, str] = {}
        for index in system.FeatureIndex:
            feature = table.FeatureList.FeatureRecord[index]
            if feature.FeatureTag != "locl":
                continue
            for lookup_index in feature.Feature.LookupListIndex:
                lookup = table.LookupList.Lookup[lookup_index]
                for sub in lookup.SubTable:
                    if lookup.LookupType == 7:          # an extension: the real subtable is inside
                        sub = sub.ExtSubTable
                    mapping.update(getattr(sub, "mapping", None) or {})
        if mapping:
            out[record.ScriptTag] = mapping
    return out


@lru_cache(maxsize=16)
def advances(path: str, index: int = 0) -> Advances | None:
    """The advances of face ``index`` of the font file ``path`` (a .ttc/.otc
    collection holds several), or None when they cannot be read (logged once)."""
    from fontTools.ttLib import TTFont

    try:
        with TTFont(path, fontNumber=index, lazy=True) as font:
            cmap = font.getBestCmap()
            metrics = dict(font["hmtx"].metrics)
            units = font["head"].unitsPerEm
            localized = _localized_forms(font)
    except Exception:  # noqa: BLE001 - without metrics the text is justified by the CSS, never refused
        log.warning("The advance widths of the font %r (face %d) cannot be read; its text is justified by "
                    "the layout engine instead", path, index)
        return None
    if not cmap or not units:
        log.warning("The font %r (face %d) has no character map; its text is justified by the layout engine "
                    "instead", path, index)
        return None
    return Advances(cmap, metrics, units, localized)
