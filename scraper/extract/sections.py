"""Where a block sits: under a sub-processor-like heading, an excluded one, or neither."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scraper.documents import Block

PROCESSOR_WORDS = re.compile(
    r"sub[\s-]?processor|\bprocessors\b|\bvendors?\b|service providers?|third[\s-]part(?:y|ies)"
    r"|3rd[\s-]part(?:y|ies)|services used|sub[\s-]?contractors?|data recipients|providers we use"
    r"|tools we use|services we use|who we share|partners we use",
    re.IGNORECASE,
)
# Sections whose names are not the current list: change logs, cookies, former processors.
EXCLUDED_WORDS = re.compile(
    r"change\s?log|changes|history|\bupdates?\b|revisions?|cookies?|what'?s new|archived?"
    r"|previous|former|removed|past\b|deprecated|links?\b|social|log ?in|sign[\s-]?in|login"
    r"|single sign|\bsso\b|authentication|contact",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Place:
    """The heading context of one block."""

    heading: str  # nearest heading text
    processor: bool  # under a sub-processor-like heading (and nothing excluded between)
    excluded: bool  # under a change log / cookie / login heading
    vendor_heading: bool  # the nearest heading is itself a vendor's name


def is_processor_heading(text: str) -> bool:
    return bool(PROCESSOR_WORDS.search(text)) and len(text.split()) <= 14


def is_excluded_heading(text: str) -> bool:
    return bool(EXCLUDED_WORDS.search(text)) and not is_processor_heading(text)


class Sections:
    """Tracks the heading stack while blocks are read in order."""

    def __init__(self) -> None:
        self.stack: list[tuple[int, str, bool]] = []  # (level, text, is a vendor heading)

    def close(self, level: int) -> None:
        """Leave every section at this level or deeper (a new heading of this level starts)."""
        while self.stack and self.stack[-1][0] >= level:
            self.stack.pop()

    def push(self, block: Block, *, is_vendor: bool = False) -> None:
        self.close(block.level)
        self.stack.append((block.level, block.text, is_vendor))

    def place(self) -> Place:
        heading = self.stack[-1][1] if self.stack else ""
        vendor = bool(self.stack) and self.stack[-1][2]
        for _, text, is_vendor in reversed(self.stack):
            if is_vendor:
                continue
            if is_processor_heading(text):
                return Place(heading, True, False, vendor)
            if is_excluded_heading(text):
                return Place(heading, False, True, vendor)
        return Place(heading, False, False, vendor)
