"""Decide whether fetched bytes are a text document, and decode them to text without crashing."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from scraper.fetching.errors import NotADocument

ACCEPTED_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "text/plain",
        "text/markdown",
        "text/x-markdown",
        "text/x-rst",
        "text/prs.fallenstein.rst",
        "application/pdf",
        "application/x-pdf",
    }
)
_UNTYPED = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a ZIP archive or office document"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"RIFF", "a RIFF file (WebP image, audio or video)"),
)
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.\-]+)""", re.I)
_LATIN1_LABELS = frozenset({"iso8859-1", "ascii"})
_CONTROL_BYTES = bytes(set(range(32)) - {9, 10, 12, 13, 27})


def media_type(content_type: str) -> tuple[str, str]:
    """('text/html', 'utf-8') from 'text/html; charset="UTF-8"'; empty strings when absent."""
    kind, _, params = (content_type or "").partition(";")
    charset = ""
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip("\"'").strip()
    return kind.strip().lower(), charset


def check_document(body: bytes, *, content_type: str, url: str = "") -> None:
    """Raise NotADocument unless the declared type and the bytes themselves are text."""
    kind, charset = media_type(content_type)
    served = f"served as {kind}" if kind else "served without a content type"
    if kind not in ACCEPTED_TYPES and kind not in _UNTYPED:
        raise NotADocument(
            f"The page is {kind}, not a web page or text document; Subwatch reads HTML, "
            "plain text, markdown and PDF.",
            url=url,
        )
    head = body[:1024].lstrip()
    if head.startswith(b"%PDF-"):
        return  # a PDF, read by scraper.documents.pdf
    for magic, label in _MAGIC:
        if head.startswith(magic):
            raise NotADocument(f"The page is {label} ({served}), not a text document.", url=url)
    if _looks_binary(body[:8192], charset=charset):
        raise NotADocument(f"The page is binary data ({served}), not a text document.", url=url)


def decode(body: bytes, *, content_type: str) -> tuple[str, str]:
    """(text, codec name): BOM, then header charset, then <meta charset>, then detection."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace"), _name(codec)
    codec = _header_codec(body, content_type) or _meta_codec(body) or _guess_codec(body)
    return body.decode(codec, errors="replace"), _name(codec)


def _looks_binary(sample: bytes, *, charset: str) -> bool:
    if not sample or any(sample.startswith(bom) for bom, _ in _BOMS):
        return False
    if (_lookup(charset) or "").startswith(("utf-16", "utf-32")):
        return False
    if b"\x00" in sample:
        return True
    controls = sum(sample.count(byte) for byte in _CONTROL_BYTES)
    return controls > len(sample) // 10


def _header_codec(body: bytes, content_type: str) -> str | None:
    codec = _lookup(media_type(content_type)[1])
    if codec in _LATIN1_LABELS:
        # Servers often label UTF-8 pages latin-1; browsers read latin-1 as windows-1252.
        return "utf-8" if _is_utf8(body) else "cp1252"
    return codec


def _meta_codec(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:4096])
    codec = _lookup(match.group(1).decode("ascii")) if match else None
    if codec and codec.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a page that can declare itself in ASCII is not UTF-16
    if codec in _LATIN1_LABELS:
        return "utf-8" if _is_utf8(body) else "cp1252"
    return codec


def _guess_codec(body: bytes) -> str:
    if _is_utf8(body):
        return "utf-8"
    best = from_bytes(body[:65536]).best()
    return _lookup(best.encoding) if best is not None and _lookup(best.encoding) else "cp1252"


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _lookup(label: str | None) -> str | None:
    if not label:
        return None
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def _name(codec: str) -> str:
    return "utf-8" if codec == "utf-8-sig" else codecs.lookup(codec).name
