"""Real PDF files for the upload tests, written byte by byte: a plain one-page
document, and one whose objects live in a compressed object stream (PDF 1.5),
where a name such as /JavaScript is invisible to a byte scan."""
import zlib

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
CATALOG = b"<< /Type /Catalog /Pages 2 0 R %s>>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] %s>>"


def classic(catalog_extra: bytes = b"", page_extra: bytes = b"", extra=()) -> bytes:
    """Objects 1 (catalog), 2 (pages), 3 (page), then ``extra`` from 4 on, with a
    classic cross-reference table."""
    objects = [CATALOG % catalog_extra, PAGES, PAGE % page_extra, *extra]
    out = bytearray(HEADER)
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, start)
    return bytes(out)


def in_object_stream(catalog_extra: bytes = b"", extra=()) -> bytes:
    """The catalog (1), pages (2), page (3) and ``extra`` (4 …) compressed in one
    object stream, found through a cross-reference stream."""
    inner = [CATALOG % catalog_extra, PAGES, PAGE % b"", *extra]
    header, body = bytearray(), bytearray()
    for number, obj in enumerate(inner, 1):
        header += b"%d %d " % (number, len(body))
        body += obj + b"\n"
    packed = zlib.compress(bytes(header) + bytes(body))
    stream_number, xref_number = len(inner) + 1, len(inner) + 2
    out = bytearray(HEADER)
    stream_at = len(out)
    out += (b"%d 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
            % (stream_number, len(inner), len(header), len(packed)) + packed + b"\nendstream\nendobj\n")
    xref_at = len(out)
    rows = [b"\x00" + bytes(4) + b"\xff\xff"]
    rows += [b"\x02" + stream_number.to_bytes(4, "big") + index.to_bytes(2, "big") for index in range(len(inner))]
    rows += [b"\x01" + stream_at.to_bytes(4, "big") + bytes(2), b"\x01" + xref_at.to_bytes(4, "big") + bytes(2)]
    table = b"".join(rows)
    out += (b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
            % (xref_number, xref_number + 1, len(table)) + table + b"\nendstream\nendobj\n")
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


PLAIN = classic()
JAVASCRIPT_ON_OPEN_IN_OBJECT_STREAM = in_object_stream(
    b"/OpenAction 4 0 R ", [b"<< /Type /Action /S /JavaScript /JS (app.alert\\(1\\)) >>"])
