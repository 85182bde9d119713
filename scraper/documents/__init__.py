"""Parse a fetched body (HTML, markdown or plain text) into a flat sequence of blocks."""

from __future__ import annotations

import codecs
import re

from scraper.documents.html import html_blocks, parse_html
from scraper.documents.model import Block, Cell, Document
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
    if isinstance(body, bytes):
        text, utf8 = _decoded(body, content_type=content_type)
    else:
        text = body
    text = text.lstrip("\ufeff")
    kind = sniff(text)
    if kind == "html":
        return parse_html(text, raw=body if utf8 else None)  # type: ignore[arg-type]
    blocks, title = parse_lines(text)
    return Document(format=kind, blocks=tuple(blocks), title=title, source=text)


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
    return Document("html", tuple(blocks), document.title, document.scripts, document.source)


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
