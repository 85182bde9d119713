"""Turn raw findings into processors: tidy names, split multi-vendor cells, resolve, merge."""

from __future__ import annotations

import re
from dataclasses import dataclass

from registry.catalogue import Catalogue, Entry
from registry.names import LEGAL_SUFFIXES, clean, key, words
from scraper.extract import Processor

LEGAL_TAIL = re.compile(
    r"(?:,?\s+(?:Inc|Incorporated|LLC|L\.L\.C|Ltd|Limited|GmbH|AG|S\.?A\.?S?|SARL|B\.?V|N\.?V|PLC|"
    r"Corp|Corporation|Co|Company|s\.?r\.?o|Oy|AB|A/S|ApS|Pty|Pte|K\.?K|S\.?p\.?A|S\.?r\.?l|LP|LLP|"
    r"SE|Kft|PBC|ULC|a\.s|Lda|BVBA|S\.L|SAS|UG)\.{0,2})+\s*$",
    re.IGNORECASE,
)
_DATE = re.compile(
    r"\b(19|20)\d\d\b|\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d", re.I
)
_SENTENCE = re.compile(
    r"\b(we|you|your|our|is|are|was|were|will|may|can|this|that|these|those|with|for|to|of|"
    r"in|on|the|when|if|please|use|used|uses)\b",
    re.IGNORECASE,
)
_GENERIC = frozenset(
    [
        "name",
        "names",
        "entity",
        "entities",
        "vendor",
        "vendors",
        "processor",
        "processors",
        "sub-processor",
        "subprocessor",
        "subprocessors",
        "service",
        "services",
        "provider",
        "providers",
        "purpose",
        "purposes",
        "location",
        "locations",
        "website",
        "description",
        "none",
        "n/a",
        "na",
        "tbd",
        "other",
        "others",
        "note",
        "notes",
        "example",
        "overview",
        "introduction",
        "summary",
        "infrastructure",
        "hosting",
        "support",
        "analytics",
        "marketing",
        "payments",
        "payment",
        "email",
        "security",
        "communication",
        "communications",
        "monitoring",
        "yes",
        "no",
        "all",
        "various",
    ]
)


GENERIC_WORDS = _GENERIC


@dataclass(frozen=True)
class Finding:
    """One name the page lists, before resolution and merging."""

    name: str
    purpose: str = ""
    location: str = ""
    website: str = ""
    found_in: str = ""
    method: str = ""
    order: int = 0
    group: str = ""  # the table a row came from (rows of one table stay apart), or a prose slug


_DECORATION = re.compile(r"^[\s\-\u2013\u2014•*#:>|]+|[\s\-\u2013\u2014:;,|*†‡¹²³⁴]+$")
_FOOTNOTE = re.compile(r"\s*\[\d{1,2}\]$")
_BADGE = re.compile(r"\s+\(?(?:new|updated)\)?$", re.I)
_COMMA = re.compile(r"\s*[,;]\s*")
_AND = re.compile(r"\s+(?:and|&)\s+")
_TRAILING_BRACKET = re.compile(r"\s*\([^)]*\)\s*$")


def tidy(name: str) -> str:
    """Strip decoration around a written name: bullets, trailing colons, footnote marks."""
    name = clean(name)
    name = _DECORATION.sub("", name)
    name = _FOOTNOTE.sub("", name)  # a footnote mark: "Stripe [1]"
    name = _BADGE.sub("", name)  # a badge: "Render New"
    return name.strip(" \"'\u201c\u201d\u2018\u2019")


def has_legal_suffix(name: str) -> bool:
    return bool(LEGAL_TAIL.search(name)) and len(words(name)) > 1


def name_like(name: str, *, catalogue: Catalogue, strict: bool = False) -> bool:
    """Could this short text be an organisation's name? strict: also needs outside evidence."""
    name = tidy(name)
    if not name or len(name) > 90 or catalogue.resolve(name):
        return bool(name) and len(name) <= 90
    tokens = name.split()
    if len(tokens) > 8 or name.casefold() in _GENERIC or _DATE.search(name):
        return False
    if not (name[0].isupper() or name[0].isdigit()) or (
        name.endswith((".", "?", "!")) and not (has_legal_suffix(name))
    ):
        return False
    if "http" in name or "@" in name or len(_SENTENCE.findall(name)) > (0 if strict else 1):
        return False
    if strict:
        return has_legal_suffix(name)
    return any(ch.isalpha() for ch in name)


_SPLIT = re.compile(r"\s*[,;]\s*|\s+(?:and|&)\s+")


def split_names(cell: str, *, catalogue: Catalogue) -> list[str]:
    """Split "Stripe, PayPal, Wise" into names; keep "Acme, Inc." and "AT&T" whole."""
    cell = tidy(cell)
    if not _SPLIT.search(cell) or catalogue.resolve(cell, prefix=False):
        return [cell] if cell else []
    pieces: list[str] = []
    for piece in _COMMA.split(cell):
        head = words(piece)[:1]
        if pieces and (not head or head[0] in LEGAL_SUFFIXES):  # "Acme, Inc." is one name
            pieces[-1] = f"{pieces[-1]}, {piece}".rstrip(", ")
        elif piece:
            pieces.append(piece)
    if len(pieces) < 2 or not all(_short_name(p) for p in pieces):
        return _split_and(cell, catalogue=catalogue)
    return pieces


def _short_name(piece: str) -> bool:
    return 0 < len(piece.split()) <= 4 and (piece[0].isupper() or piece[0].isdigit())


def _split_and(cell: str, *, catalogue: Catalogue) -> list[str]:
    parts = _AND.split(cell)
    if len(parts) > 1 and all(catalogue.resolve(p) for p in parts):
        return parts
    return [cell]


def vendor_of(name: str, *, catalogue: Catalogue) -> tuple[Entry | None, str]:
    """Return the catalogue entry and canonical vendor name for a written name."""
    entry = catalogue.resolve(name)
    if entry:
        return entry, entry.name
    base = _TRAILING_BRACKET.sub("", name).strip() or name
    base = LEGAL_TAIL.sub("", base).strip(" ,.") or base
    return None, base


def merge(
    findings: list[Finding], *, catalogue: Catalogue, normalise_locations: object
) -> list[Processor]:
    """One processor per vendor, in page order; purposes and locations merged in order."""
    merged: dict[str, dict] = {}
    for f in sorted(findings, key=lambda item: item.order):
        entry, vendor = vendor_of(f.name, catalogue=catalogue)
        ident = entry.slug if entry and entry.slug else key(vendor) or key(f.name)
        if not ident:
            continue
        first = merged.get(ident)
        if first and f.group.startswith("table") and first["f"].group == f.group:
            # One table's rows for different legal entities of one group stay apart ("GitHub
            # BV", "GitHub Canada ULC"); product rows ("Azure Cognitive Services") and an
            # abbreviation with its long form ("AWS") are one vendor.
            old, new = key(first["f"].name), key(f.name)
            entities = has_legal_suffix(first["f"].name) and has_legal_suffix(f.name)
            if entities and old != new and old.split()[:1] == new.split()[:1]:
                ident = f"{ident}#{new}"
        slot = merged.setdefault(
            ident, {"f": f, "vendor": vendor, "purposes": [], "locations": [], "website": ""}
        )
        purpose = clean(f.purpose)
        if purpose and purpose not in slot["purposes"]:
            slot["purposes"].append(purpose)
        for code in normalise_locations(f.location) if f.location else ():  # type: ignore[operator]
            if code not in slot["locations"]:
                slot["locations"].append(code)
        slot["website"] = slot["website"] or f.website
    return [
        Processor(
            name=slot["f"].name,
            vendor=slot["vendor"],
            purpose="; ".join(slot["purposes"]),
            locations=tuple(slot["locations"]),
            website=slot["website"],
            found_in=slot["f"].found_in,
        )
        for slot in merged.values()
    ]
