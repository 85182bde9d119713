"""Where a block sits: under a sub-processor-like heading, an excluded one, or neither."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from scraper.documents import Block

_THIRD = r"(?:third|3rd)[\s-]part(?:y|ies)"
PROCESSOR_WORDS = re.compile(
    r"sub[\s-]?processor|\bprocessors\b|\bvendors?\b|service providers?"
    rf"|{_THIRD}[\s-](?:services?|tools|disclosure|providers?|partners|recipients)"
    rf"|(?:disclosure|sharing|share|transfers?)\b[\w\s]{{0,30}}\b{_THIRD}|services used"
    r"|sub[\s-]?contractors?|data recipients|providers we use|unterauftragsverarbeiter"
    r"|sous-traitants|subencargados|subprocesadores|sub-?responsáveis"
    r"|tools we use|services we use|who we share|partners we use",
    re.IGNORECASE,
)
# Sections naming vendors that are no longer (or never were) current processors.
CHANGELOG_WORDS = re.compile(
    r"change\s?log|changes\b|history|\bupdates\b|revisions?|what'?s new|archived?"
    r"|previous|former|removed|\bpast\b|deprecated|\bfrom\b",
    re.IGNORECASE,
)
# Sections whose lists and tables are not the processor list (prose there is still read).
EXCLUDED_WORDS = re.compile(
    r"cookies?|links?\b|social|log ?in|sign[\s-]?in|login|single sign|\bsso\b"
    r"|authentication|contact|sources|integrations?\b"
    # Customer logos and "related pages" blocks name brands that are not processors.
    r"|trusted by|used by|loved by|our (?:customers|clients)|testimonials?|case stud"
    r"|related\b|see also|further reading|learn more|resources\b",
    re.IGNORECASE,
)
_STAMP = re.compile(r"last updated?|effective|updated (?:on|at)|\b(?:19|20)\d\d\b", re.IGNORECASE)


@dataclass(frozen=True)
class Place:
    """The heading context of one block."""

    heading: str  # nearest heading text
    processor: bool  # under a sub-processor-like heading (and nothing excluded between)
    excluded: bool  # under a change log / cookie / login heading
    vendor_heading: bool  # the nearest heading is itself a vendor's name
    changelog: bool = False  # under a change log or history: nothing here is current


@lru_cache(maxsize=4096)
def is_processor_heading(text: str) -> bool:
    return bool(PROCESSOR_WORDS.search(text)) and len(text.split()) <= 14


@lru_cache(maxsize=4096)
def is_changelog_heading(text: str) -> bool:
    return bool(CHANGELOG_WORDS.search(text)) and not _STAMP.search(text)


@lru_cache(maxsize=4096)
def is_excluded_heading(text: str) -> bool:
    if is_processor_heading(text) and not CHANGELOG_WORDS.search(text):
        return False
    return bool(EXCLUDED_WORDS.search(text)) or is_changelog_heading(text)


@lru_cache(maxsize=4096)
def _kind(text: str) -> str:
    if is_changelog_heading(text):
        return "changelog"
    if is_processor_heading(text):
        return "processor"
    return "excluded" if is_excluded_heading(text) else ""


class Sections:
    """Tracks the heading stack while blocks are read in order."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str, str]] = []  # (level, text, kind: "vendor", "processor"...)
        self._place = Place("", False, False, False)

    def close(self, level: int) -> None:
        """Leave every section at this level or deeper (a new heading of this level starts)."""
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()
        self._place = self._compute()

    def push(self, block: Block, *, is_vendor: bool = False) -> None:
        self.close(block.level)
        self.stack.append((block.level, block.text, "vendor" if is_vendor else _kind(block.text)))
        self._place = self._compute()

    def place(self) -> Place:
        return self._place

    def _compute(self) -> Place:
        heading = self.stack[-1][1] if self.stack else ""
        vendor = bool(self.stack) and self.stack[-1][2] == "vendor"
        for _, _, kind in reversed(self.stack):
            if kind == "changelog":
                return Place(heading, False, True, vendor, changelog=True)
            if kind == "processor":
                return Place(heading, True, False, vendor)
            if kind == "excluded":
                return Place(heading, False, True, vendor)
        return Place(heading, False, False, vendor)
