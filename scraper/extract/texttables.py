"""Read plain-text tables flattened to one line per row: "Name Purpose Location https://site"."""

from __future__ import annotations

import re

from registry.catalogue import Catalogue
from registry.names import key
from scraper.documents import Block
from scraper.extract.cleanup import Finding
from scraper.extract.locate import location_words
from scraper.extract.sections import Place

_SITE_TOKEN = re.compile(r"(?:https?://|www\.)\S+|[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/?", re.I)


class _Site:
    """The website a flattened row ends with (its last token), like a regex match."""

    def __init__(self, line: str, token: str) -> None:
        self._token = token
        self._start = len(line.rstrip()) - len(token)

    def start(self) -> int:
        return self._start

    def group(self, _: int = 0) -> str:
        return self._token


def _site(line: str) -> _Site | None:
    parts = line.rsplit(None, 1)
    if len(parts) < 2 or not _SITE_TOKEN.fullmatch(parts[1]):
        return None
    return _Site(line, parts[1])


def is_text_table(block: Block) -> bool:
    if len(block.lines) < 3:
        return False
    rows = [line for line in block.lines if _site(line)]
    return len(rows) >= 3 and len(rows) * 10 >= len(block.lines) * 6


def read_text_table(
    block: Block, *, place: Place, catalogue: Catalogue, order: int
) -> list[Finding]:
    if place.excluded:
        return []
    findings = []
    for index, line in enumerate(block.lines, start=1):
        site = _site(line)
        if not site:
            continue
        row = split_row(line[: site.start()].strip(), site=site.group(1), catalogue=catalogue)
        if row is None:
            continue
        name, purpose, location = row
        where = f"text table under '{place.heading}', line {index}"
        findings.append(
            Finding(name, purpose, location, site.group(1), where, "text-table", order + index)
        )
    return findings


def split_row(text: str, *, site: str, catalogue: Catalogue) -> tuple[str, str, str] | None:
    """Split "Intercom, Inc. Customer Support USA" into name, purpose and location."""
    text, location = _take_location(text)
    words = text.split()
    if not words:
        return None
    cut = name_cut(words, site=site, catalogue=catalogue) or 1
    return " ".join(words[:cut]).rstrip(","), " ".join(words[cut:]), location


def name_cut(words: list[str], *, site: str, catalogue: Catalogue) -> int:
    """How many leading words are the name: up to a legal suffix, a known vendor, or the
    words that spell the website's domain; 0 when none says."""
    text = " ".join(words)
    return _legal_cut(text) or _catalogue_cut(words, catalogue) or _domain_cut(words, site)


def _take_location(text: str) -> tuple[str, str]:
    words = text.split()
    taken: list[str] = []
    while words:
        for size in (3, 2, 1):
            tail = " ".join(words[-size:]).strip(",")
            if len(words) > size and location_words(tail):
                taken.insert(0, tail)
                del words[-size:]
                break
        else:
            break
    return " ".join(words), ", ".join(taken)


def _legal_cut(text: str) -> int:
    """Words up to the last legal suffix ("Slack by Slack Technologies, Inc.")."""
    best = 0
    for match in re.finditer(
        r"(?:,?\s)(?:Inc|LLC|Ltd|Limited|GmbH|AG|SAS|SARL|B\.V|BV|PLC|Corp|s\.r\.o|Oy|AB|ApS|Pty|"
        r"S\.A|SA|SRL|LP|LLP|PBC|ULC|a\.s)\.{0,2}(?=\s|$)",
        text,
        re.IGNORECASE,
    ):
        best = len(text[: match.end()].split())
    return best


def _catalogue_cut(words: list[str], catalogue: Catalogue) -> int:
    for size in range(min(5, len(words) - 1), 0, -1):
        if catalogue.resolve(" ".join(words[:size]), prefix=False):
            return size
    return 0


def _domain_cut(words: list[str], site: str) -> int:
    host = re.sub(r"^(?:https?://)?(?:www\.)?", "", site.lower()).split("/")[0]
    label = key(host.rsplit(".", 1)[0]).replace(" ", "")
    for size in range(min(4, len(words) - 1), 0, -1):
        if key(" ".join(words[:size])).replace(" ", "") == label:
            return size
    return 0
