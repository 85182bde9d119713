"""Vendors named only in running text, accepted only where the words say data goes to them."""

from __future__ import annotations

import re
from collections import Counter

from registry.catalogue import Catalogue
from registry.names import key
from scraper.extract.cleanup import Finding
from scraper.extract.sections import Place

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])|\n")
# Words just before a name that say the name receives or handles data.
_BEFORE = re.compile(
    r"(?:(?:processed|stored|hosted|handled|collected|provided|operated|managed|powered|held|"
    r"kept|delivered|sent|run|performed|supported)\s+(?:directly\s+)?(?:by|at|with|on|through|via)"
    r"|(?:share|shares|shared|disclose|discloses|disclosed|transfer|transfers|transferred|send|"
    r"sends|provide|provides)\b[^.]{0,80}?\b(?:with|to)"
    r"|\b(?:we|i|it)\s+(?:also\s+)?(?:use|uses|rely on|relies on|work with|engage|employ)"
    r"|\buses|\busing|\bpartners?\s+with|\bpartnered\s+with|\bengages?"
    r"|(?:provider|processor|vendor|partner|gateway|platform|service|subprocessor|sub-processor)s?"
    r"(?:\s+\w+){0,2}?,?\s*(?:such as|like|including|called|named|namely|[(:])?"
    r")\s*(?:our\s+|the\s+|their\s+|a\s+)?(?:[\w-]+\s+){0,3}?[,\"“]?\s*$",
    re.IGNORECASE,
)
# Words just after a name that say it handles data.
_AFTER = re.compile(
    r"^\s*(?:,\s*)?(?:\(?[\"“][^\"”]{1,30}[\"”]\)?\s*)?(?:,\s*)?"
    r"(?:collects|processes|stores|hosts|handles|receives|provides|powers|manages|processes|"
    r"(?:is|acts as|serves as|as)\s+(?:a|an|our)\s+(?:\w+\s+){0,3}?"
    r"(?:processor|sub-?processor|provider|vendor|partner|gateway|merchant of record|service)"
    r"|,?\s*(?:a|an|our)\s+(?:third[\s-]party|service provider|payment processor|processor|vendor"
    r"|sub-?processor|partner|\w+\s+provider))",
    re.IGNORECASE,
)
# A sentence that is about logging in, cookies or links does not name a processor.
_NEGATIVE = re.compile(
    r"sign(?:ing)?[\s-]?in with|sign[\s-]?up with|log(?:ging)?[\s-]?in with|\boauth\b|single sign"
    r"|\bsso\b|your [\w ]{0,20}account|connect(?:ing)? your|cookie|opt[\s-]?out|\bbrowser\b"
    r"|app store|google play|share button|like button|social (?:media|network)|link(?:s|ed)? to"
    r"|trademark|®|™|buttons?\b|\blinks\b|widgets? from|plug-?ins?\b",
    re.IGNORECASE,
)
_AS_PROCESSOR = re.compile(r"\bas\s+(?:a|an|our|its)?\s*sub-?processors?\b", re.IGNORECASE)
_LEGAL_ENTITY = re.compile(
    r"((?:[A-Z][\w&.'-]*\s+){1,5}(?:Inc|LLC|Ltd|Limited|GmbH|AG|SAS|SARL|B\.V|BV|PLC|Corp|"
    r"s\.r\.o|Oy|AB|ApS|Pty Ltd|SA|SRL|LLP|PBC|ULC|a\.s)\.?)(?![\w])"
)


def read_prose(
    text: str,
    *,
    place: Place,
    catalogue: Catalogue,
    self_keys: frozenset[str],
    order: int,
    mentions: Counter[str] | None = None,
) -> list[Finding]:
    """Findings for vendors the text says handle data; every mention is counted in mentions."""
    if place.changelog or not text:
        return []
    findings: list[Finding] = []
    for sentence in _SENTENCE.split(text):
        hits = catalogue.find_in_text(sentence)
        if mentions is not None:
            mentions.update(entry.slug for entry, _ in hits)
        if (not hits and not _LEGAL_ENTITY.search(sentence)) or _NEGATIVE.search(sentence):
            continue
        for entry, written in hits:
            if entry.slug in self_keys or key(entry.name) in self_keys:
                continue
            if _says_processing(sentence, written):
                findings.append(_finding(written, sentence, place, order, slug=entry.slug))
        findings += _legal_entities(sentence, place=place, self_keys=self_keys, order=order)
    return findings


def _says_processing(sentence: str, written: str) -> bool:
    start = sentence.find(written)
    while start >= 0:
        before = sentence[max(0, start - 120) : start]
        after = sentence[start + len(written) : start + len(written) + 80]
        if _BEFORE.search(before) or _AFTER.match(after):
            return True
        start = sentence.find(written, start + 1)
    return False


def _legal_entities(
    sentence: str, *, place: Place, self_keys: frozenset[str], order: int
) -> list[Finding]:
    """Unknown companies named with a legal form where the sentence engages them."""
    found = []
    explicit = _AS_PROCESSOR.search(sentence)
    for match in _LEGAL_ENTITY.finditer(sentence):
        name = match.group(1).strip()
        name = re.sub(r"^(?:The|Our|Its|Their|A|An|With|By|And|Or)\s+", "", name)
        if key(name) in self_keys or any(key(name).startswith(k + " ") for k in self_keys if k):
            continue
        before = sentence[max(0, match.start() - 120) : match.start()]
        near = explicit and 0 <= explicit.start() - match.end() <= 40
        if near or (
            _BEFORE.search(before) and re.search(r"provider|processor|vendor|gateway", before, re.I)
        ):
            found.append(_finding(name, sentence, place, order))
    return found


def _finding(name: str, sentence: str, place: Place, order: int, slug: str = "") -> Finding:
    where = f"text under '{place.heading}'" if place.heading else "text"
    return Finding(name, purpose="", found_in=where, method="prose", order=order, group=slug)
