"""Hand-written PDFs for tests: numbered objects and a correct cross-reference table.

The realistic PDFs beside this file were printed by Chromium from their HTML sources (see
README.md here); these small builders make the broken and hostile ones no printer would.
"""

from __future__ import annotations

import zlib

HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def pdf(objects: list[bytes]) -> bytes:
    """A PDF whose object 1 is the catalogue and whose objects are numbered from 1."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def stream(data: bytes, *, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n%s\nendstream" % (len(data), extra, data)


def text_content(lines: list[str], *, size: int = 11) -> bytes:
    """A content stream writing each line in Helvetica, top to bottom."""
    ops = [b"BT /F1 %d Tf 14 TL 72 760 Td" % size]
    for line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(b"(%s) Tj T*" % escaped.encode("latin-1"))
    ops.append(b"ET")
    return b"\n".join(ops)


def pages_pdf(contents: list[bytes]) -> bytes:
    """One page per content stream, all on US Letter with Helvetica as /F1."""
    count = len(contents)
    first_page = 4
    kids = b" ".join(b"%d 0 R" % (first_page + 2 * i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        HELVETICA,
    ]
    for i, content in enumerate(contents):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (first_page + 2 * i + 1)
        )
        objects.append(stream(content))
    return pdf(objects)


def shared_pages_pdf(count: int, content: bytes) -> bytes:
    """`count` pages that all draw the same content stream: a small file with many pages."""
    first_page = 5
    kids = b" ".join(b"%d 0 R" % (first_page + i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        HELVETICA,
        stream(content),
    ]
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    )
    return pdf(objects + [page] * count)


def nested_pages_pdf(depth: int, content: bytes) -> bytes:
    """One page at the bottom of a page tree `depth` levels deep."""
    objects = [b"<< /Type /Catalog /Pages 3 0 R >>", HELVETICA]
    for _ in range(depth):
        objects.append(b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (len(objects) + 2))
    objects.append(
        b"<< /Type /Page /MediaBox [0 0 612 792] /Resources << /Font << /F1 2 0 R >> >> "
        b"/Contents %d 0 R >>" % (len(objects) + 2)
    )
    objects.append(stream(content))
    return pdf(objects)


def flate_bomb_pdf(expanded: int) -> bytes:
    """A one-page PDF whose content stream inflates to `expanded` bytes of spaces."""
    packer = zlib.compressobj(9)
    chunk = b" " * (1 << 24)
    packed = b"".join(packer.compress(chunk) for _ in range(expanded // len(chunk)))
    packed += packer.flush()
    return pages_pdf([b""]).replace(stream(b""), stream(packed, extra=b"/Filter /FlateDecode"), 1)
