"""The parsed page: a flat sequence of blocks in reading order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

Cell = tuple[str, str]  # (text, first link href)


@dataclass(frozen=True)
class Block:
    """One block of a page in reading order.

    kind: "heading" (level 1-6, or 7+ for bold-only lines), "para", "item" (list item, level =
    nesting depth), "term" (definition-list term with its description), "table" (rows of cells).
    lead: the bold/term text a paragraph or item starts with; href: its first link.
    """

    kind: str
    text: str = ""
    level: int = 0
    lead: str = ""
    href: str = ""
    rows: tuple[tuple[Cell, ...], ...] = ()
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    format: str  # "html", "markdown", "text" or "pdf"
    blocks: tuple[Block, ...]
    title: str = ""
    scripts: tuple[str, ...] = ()  # JSON found in <script> tags, a fallback source only
    page: str | bytes = ""  # the page as read: its decoded text, or its clean UTF-8 bytes
    warnings: tuple[str, ...] = ()  # what could not be read (an encrypted or scanned PDF)

    @cached_property
    def source(self) -> str:
        """The decoded text, kept for CSS selectors and markup checks. A UTF-8 page is decoded
        only when asked: one emoji makes the decoded copy 4 bytes a character, slower to build
        than the whole parse."""
        if isinstance(self.page, bytes):
            return self.page.decode("utf-8", "replace").lstrip("\ufeff")
        return self.page

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks if b.text)


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def pseudo_heading(text: str) -> bool:
    """A bold-only line reads as a heading unless it is a stamp like "Last update: 2024-09-12"."""
    if len(text) >= 120 or _YEAR.search(text):
        return False
    return ":" not in text.rstrip(": ")
