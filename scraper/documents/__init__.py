"""Parse a fetched body (HTML, markdown, plain text or PDF) into a flat sequence of blocks."""

from __future__ import annotations

import codecs
import re

from scraper.documents.html import html_blocks, parse_html
from scraper.documents.model import Block, Cell, Document
from scraper.documents.pdf import is_pdf, parse_pdf
from scraper.documents.text import inline, parse_lines

__all__ = [
    "Block",
    "Cell",
    "Document",
    "decode",
    "html_blocks",
    "inline",
    "parse",
    "select",
    "sniff",
]


def parse(body: bytes | str, *, content_type: str | None = None) -> Document:
    """Parse body into a Document, sniffing the format from the content itself."""
    utf8 = False
    if isinstance(body, bytes) and is_pdf(body):
        return parse_pdf(body)
    if isinstance(body, bytes):
        document = _utf8_html(body, content_type=content_type)
        if document is not None:
            return document
        text, utf8 = _decoded(body, content_type=content_type)
    else:
        text = body
    text = text.lstrip("\ufeff")
    kind = sniff(text)
    if kind == "html":
        return parse_html(text, raw=body if utf8 else None)  # type: ignore[arg-type]
    blocks, title = parse_lines(text)
    return Document(format=kind, blocks=tuple(blocks), title=title, page=text)


_SNIFFED = 5000  # characters sniff() reads
_HEAD = 4 * (_SNIFFED + 1)  # bytes that hold them in UTF-8, plus one more character


def _utf8_html(body: bytes, *, content_type: str | None) -> Document | None:
    """An HTML page in clean UTF-8, parsed from its bytes without decoding it all; None for
    anything else (other encodings, invalid bytes, markdown, text)."""
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    if _charset(body, content_type).casefold() not in ("", "utf-8", "utf8"):
        return None
    head = body[:_HEAD].decode("utf-8", "replace").lstrip("\ufeff")
    if len(body) > _HEAD and len(head) <= _SNIFFED:
        return None  # a run of byte order marks: sniff the decoded page instead
    if sniff(head) != "html" or not _is_utf8(body):
        return None
    return parse_html(None, raw=body)


def _is_utf8(body: bytes, *, step: int = 16384) -> bool:
    """Strict UTF-8, checked in slices: decoding a whole page that holds one emoji builds a
    4-byte-per-character copy of it, eight times slower than this."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(body), step):
            decoder.decode(body[start : start + step])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _decoded(body: bytes, *, content_type: str | None) -> tuple[str, bool]:
    """The text, and whether lxml may parse the bytes as they are (faster than a decoded str):
    clean UTF-8 without a UTF-16/32 BOM. A big page is decoded once, not once per question."""
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode(body, content_type=content_type), False
    try:
        strict = body.decode("utf-8")
    except UnicodeDecodeError:
        return decode(body, content_type=content_type), False
    if _charset(body, content_type).casefold() in ("", "utf-8", "utf8"):
        return strict, True
    return decode(body, content_type=content_type), True


def select(document: Document, selector: str) -> Document:
    """Narrow an HTML document to the elements a CSS selector matches (soupsieve via bs4)."""
    if document.format != "html" or not selector:
        return document
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(document.source, "lxml")
    blocks: list[Block] = []
    for element in soup.select(selector):
        blocks += parse_html(f"<html><body>{element}</body></html>").blocks
    return Document("html", tuple(blocks), document.title, document.scripts, document.page)


def decode(body: bytes, *, content_type: str | None = None) -> str:
    """Decode bytes: BOM first, then the declared charset, then UTF-8 with replacement."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    charset = _charset(body, content_type)
    if charset:
        try:
            return body.decode(charset, errors="replace")
        except LookupError:
            pass
    return body.decode("utf-8", errors="replace")


def _charset(body: bytes, content_type: str | None) -> str:
    declared = _declared_charset(content_type or "")
    return declared or _declared_charset(body[:2048].decode("ascii", "ignore"))


def _declared_charset(text: str) -> str:
    match = re.search(r"charset=[\"']?([A-Za-z0-9_.:-]+)", text, re.IGNORECASE)
    return match.group(1) if match else ""


_HTML_HINT = re.compile(
    r"<(?:!doctype\s+html|html|head|body|div|table|p|ul|h[1-6]|section|article|main)[\s>]", re.I
)


def sniff(text: str) -> str:
    """Return "html", "markdown" or "text" from the content alone."""
    head = text[:5000]
    if head.lstrip()[:1] == "<" and _HTML_HINT.search(head):
        return "html"
    if len(_HTML_HINT.findall(head)) >= 5 and not re.search(r"^#{1,6} |^\|.*\|\s*$", head, re.M):
        return "html"
    if re.search(
        r"^#{1,6} |^\s*\|.*\|\s*$|\[[^\]\n]+\]\([^)\s]+\)|\*\*[^*\n]+\*\*|^[=-]{3,}\s*$", head, re.M
    ):
        return "markdown"
    return "text"


# ---------------------------------------------------------------- HTML
