"""What an uploaded PDF does when it is opened: JavaScript, automatic actions,
launching programs, embedded files. anqi refuses such a PDF rather than
cleaning it: an attachment or a delivery receipt is evidence, kept exactly as
it was sent (its SHA-256 is recorded), so it is never rewritten; the sender
prints it to PDF again, which drops scripts and embedded files.

The file is read with a real PDF parser (pypdf: pure Python, so a hostile file
meets no native code), not scanned for bytes: names such as ``/JavaScript`` can
be hidden in compressed object streams or spelt ``/J#61vaScript``. Every object
of the cross-reference tables, those inside object streams included, is
fetched and its dictionaries are searched. The work is bounded: the upload's
size limit, pypdf's own limits on decompressed streams and object counts, at
most ``PDF_CHECK_MAX_OBJECTS`` objects, and ``PDF_CHECK_SECONDS`` of time
(checked between objects); a file beyond a bound is refused as too complex.
"""
import io
import logging
import time
from dataclasses import dataclass

from flask import current_app
from pypdf import PdfReader
from pypdf.errors import DependencyError, LimitReachedError, PyPdfError
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

# A damaged file makes pypdf warn for each repair it makes; the refusal (or the
# accepted upload) is what matters here, not every recovered offset in the log.
logging.getLogger("pypdf").setLevel(logging.ERROR)

# Keys whose presence alone makes a PDF active.
ACTIVE_KEYS = {
    "/JavaScript": "javascript",    # the document-level JavaScript name tree
    "/JS": "javascript",            # an action's script
    "/AA": "automatic_action",      # additional actions: on open, close, page view, field change …
    "/EmbeddedFiles": "embedded_file",
    "/EF": "embedded_file",         # a file specification carrying the file itself
    "/RichMedia": "embedded_file",  # Flash and other embedded players
    "/XFA": "javascript",           # XML forms, which carry their own scripts
}
# Action types that run something or send something out.
ACTIVE_ACTIONS = {
    "/JavaScript": "javascript", "/Launch": "launch", "/SubmitForm": "submit_form",
    "/ImportData": "launch", "/RichMediaExecute": "javascript", "/GoToE": "embedded_file",
}
NODES_PER_OBJECT = 10_000        # a dictionary nested deeper or wider than this is not a real page


class TooComplex(Exception):
    """The file is beyond the check's time or object bound."""


@dataclass(frozen=True)
class Finding:
    kind: str        # javascript, automatic_action, launch, submit_form, embedded_file, unreadable, encrypted,
    #                  too_complex


def check(data: bytes) -> Finding | None:
    """What active content ``data`` (a PDF) holds, or None when it holds none."""
    config = current_app.config
    deadline = time.monotonic() + float(config["PDF_CHECK_SECONDS"])
    max_objects = int(config["PDF_CHECK_MAX_OBJECTS"])
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return Finding("encrypted")   # a user password: the objects cannot be read, so not checked
        found = _walk(reader, deadline, max_objects)
    except (TooComplex, LimitReachedError):
        return Finding("too_complex")
    except (PyPdfError, DependencyError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError,
            NotImplementedError, OSError, OverflowError, MemoryError):
        return Finding("unreadable")
    return Finding(found) if found else None


def _walk(reader: PdfReader, deadline: float, max_objects: int) -> str | None:
    found = _search(reader.trailer, deadline, reader)
    if found:
        return found
    seen = 0
    for idnum, generation in _object_ids(reader):
        seen += 1
        if seen > max_objects or time.monotonic() > deadline:
            raise TooComplex()
        found = _search(IndirectObject(idnum, generation, reader).get_object(), deadline, reader)
        if found:
            return found
    return None


def _object_ids(reader: PdfReader):
    """Every object the file's cross-reference sections name: those at an offset
    and those stored inside object streams."""
    for generation, table in list(reader.xref.items()):
        for idnum in list(table):
            yield idnum, generation
    for idnum in list(reader.xref_objStm):
        yield idnum, 0


def _search(obj, deadline: float, reader: PdfReader) -> str | None:
    """Search one object's dictionaries and arrays (a stream's dictionary too),
    not following references: every referenced object is visited on its own."""
    stack, nodes = [obj], 0
    while stack:
        node = stack.pop()
        nodes += 1
        if nodes > NODES_PER_OBJECT or (nodes % 1000 == 0 and time.monotonic() > deadline):
            raise TooComplex()
        if isinstance(node, DictionaryObject):       # streams are dictionaries with data
            for key, value in node.items():
                if key in ACTIVE_KEYS:
                    return ACTIVE_KEYS[key]
                if key == "/S" and isinstance(value, str) and value in ACTIVE_ACTIONS:
                    return ACTIVE_ACTIONS[value]
                if key == "/Type" and isinstance(value, str) and value == "/EmbeddedFile":
                    return "embedded_file"
                if key == "/OpenAction":
                    target = value.get_object() if isinstance(value, IndirectObject) else value
                    if isinstance(target, DictionaryObject):    # an action; an array is only a page to show
                        return "automatic_action"
                if isinstance(value, (DictionaryObject, ArrayObject)):
                    stack.append(value)
        elif isinstance(node, ArrayObject):
            stack.extend(item for item in node if isinstance(item, (DictionaryObject, ArrayObject)))
    return None
