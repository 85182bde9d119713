"""Read processors from tables (HTML and markdown): find the name column by header meaning."""

from __future__ import annotations

import re
from dataclasses import dataclass

from registry.catalogue import Catalogue
from registry.names import LEGAL_SUFFIXES, key, words
from scraper.documents import Block, Cell
from scraper.extract.cleanup import (
    GENERIC_WORDS,
    Finding,
    has_legal_suffix,
    name_like,
    split_names,
)
from scraper.extract.locate import normalise
from scraper.extract.sections import Place

_COOKIE = re.compile(r"cookie|\bexpir|duration|lifespan|storage type", re.I)
_LOCATION = re.compile(
    r"location|countr|region|where|jurisdiction|data cent|hosted in|residen", re.I
)
_WEBSITE = re.compile(r"website|\burl\b|link|contact|domain|web site|privacy policy|address", re.I)
_PURPOSE = re.compile(
    r"purpose|function|descri|activit|processing|service|role|nature|reason|used for|categor"
    r"|what|usage|type|product|details",
    re.I,
)
_STRONG_NAME = re.compile(
    r"sub[\s-]?processor|processor|vendor|entity|provider|third[\s-]?party|company|supplier"
    r"|recipient|contractor|organi[sz]ation|partner|legal name",
    re.I,
)
_WEAK_NAME = re.compile(r"\bname\b|service|tool|platform|who", re.I)
_DESCRIBES = re.compile(r"purpose|descri|locat", re.I)
_PURPOSE_HEADER = re.compile(r"purpose|function|descri", re.I)
_URL = re.compile(r"^(?:https?://|www\.)\S+$|^[\w-]+(\.[\w-]+)+/?$", re.I)


@dataclass(frozen=True)
class Columns:
    name: int
    purpose: int = -1
    location: int = -1
    website: int = -1
    strong: bool = False
    status: int = -1


_CHANGE = re.compile(r"^(?:date|change|changes|action|added|removed|effective)\b", re.I)
# A status column keeps the table; its rows for vendors no longer used are left out.
_STATUS = re.compile(r"^status\b", re.I)
_GONE = re.compile(
    r"\b(?:removed|inactive|discontinued|deprecated|terminated|former|no longer|retired"
    r"|offboarded|ended)\b",
    re.I,
)


def _role(header: str) -> str:
    if _STATUS.search(header.strip()):
        return "status"
    if _COOKIE.search(header) or _CHANGE.search(header.strip()):
        return "cookie"  # not a list of current processors
    if _STRONG_NAME.search(header) and not _DESCRIBES.search(header):
        return "strong"
    if _LOCATION.search(header):
        return "location"
    if _WEBSITE.search(header):
        return "website"
    if _WEAK_NAME.search(header) and not _PURPOSE.search(header.replace("service", "")):
        return "weak"
    if _PURPOSE.search(header):
        return "purpose"
    return ""


def _columns(header: tuple[Cell, ...]) -> Columns | None:
    roles = [_role(text) for text, _ in header]
    if "cookie" in roles or not any(text for text, _ in header):
        return None
    if any(len(text.split()) > 8 for text, _ in header):
        return None
    name = next((i for i, r in enumerate(roles) if r == "strong"), -1)
    strong = name >= 0
    if name < 0:
        name = next((i for i, r in enumerate(roles) if r == "weak"), -1)
    if name < 0:
        return None

    def first(role: str) -> int:
        return next((i for i, r in enumerate(roles) if r == role and i != name), -1)

    texts = [text for text, _ in header]
    purpose = next(
        (i for i, t in enumerate(texts) if i != name and _PURPOSE_HEADER.search(t)),
        first("purpose"),
    )
    if purpose < 0:
        purpose = next((i for i, r in enumerate(roles) if r in ("weak", "") and i != name), -1)
    return Columns(name, purpose, first("location"), first("website"), strong, first("status"))


def _guess_columns(rows: list[tuple[Cell, ...]], *, catalogue: Catalogue) -> Columns | None:
    """A table without a header: the first column must mostly hold organisation names."""
    firsts = [row[0][0] for row in rows if row and row[0][0]]
    if len(firsts) < 2:
        return None
    known = sum(1 for t in firsts if catalogue.resolve(t) or has_legal_suffix(t))
    if known * 2 < len(firsts):
        return None
    width = max(len(r) for r in rows)
    website = location = -1
    for col in range(1, width):
        values = [r[col][0] for r in rows if len(r) > col and r[col][0]]
        if values and sum(bool(_URL.match(v)) for v in values) * 2 >= len(values):
            website = col
    purpose = 1 if width > 1 and website != 1 else -1
    return Columns(0, purpose, location, website)


def _cell(row: tuple[Cell, ...], index: int) -> Cell:
    return row[index] if 0 <= index < len(row) else ("", "")


def read_table(
    block: Block, *, number: int, place: Place, catalogue: Catalogue, order: int
) -> list[Finding]:
    if place.excluded or not block.rows:
        return []
    rows = list(block.rows)
    columns = None
    for skip in range(min(2, len(rows))):
        columns = _columns(rows[skip])
        if columns:
            header = rows[skip]
            rows = [r for r in rows[skip + 1 :] if r != header]  # a header repeated per page
            break
        if any(_role(text) == "cookie" for text, _ in rows[skip]):
            return []
    if columns is None and place.processor:
        columns = _guess_columns(rows, catalogue=catalogue)
    if columns is None or not rows:
        return []
    if not columns.strong and not place.processor and not _mostly_known(rows, columns, catalogue):
        return []
    label = place.heading or block.text
    findings: list[Finding] = []
    width = max(len(r) for r in rows)
    stacked = _stacked(rows, columns)
    for index, row in enumerate(rows, start=1):
        if width > 1 and sum(1 for cell, _ in row if cell) == 1 and len(row) == 1:
            continue  # a one-cell row spanning the table is a group label ("Infrastructure")
        if columns.status >= 0 and _GONE.search(_cell(row, columns.status)[0]):
            continue
        text, href = _cell(row, columns.name)
        website = _cell(row, columns.website)
        site = website[1] or website[0] if columns.website >= 0 else href
        for name in _cell_names(text, site, catalogue, stacked=stacked):
            if not name_like(name, catalogue=catalogue):
                continue
            site = _first_url(site) or (site if _URL.match(site or "") else "")
            findings.append(
                Finding(
                    name=name,
                    purpose=" ".join(_cell(row, columns.purpose)[0].split()),
                    location=" ".join(_cell(row, columns.location)[0].split()),
                    website=site,
                    found_in=f"table {number} ({label}), row {index}"
                    if label
                    else f"table {number}, row {index}",
                    method="table",
                    order=order * 1000 + index,
                    group=f"table {number}",
                )
            )
    return findings


def _cell_names(text: str, site: str, catalogue: Catalogue, *, stacked: bool = False) -> list[str]:
    """The names in a name cell; lines split by <br> are names when each one is known, or, in
    a table listing one name per cell elsewhere (stacked), when each reads as a bare name of
    its own company ("Parcelly<br>Parcelly Labs GmbH" is one company written twice)."""
    lines = text.split("\n")
    stacked = stacked and len({key(x).split(" ")[0] for x in lines}) == len(lines)
    if len(lines) > 1 and all(
        catalogue.resolve(x) or has_legal_suffix(x) or (stacked and _bare_name(x, catalogue))
        for x in lines
    ):
        return [name for line in lines for name in split_names(line, catalogue=catalogue)]
    return split_names(_name_part(" ".join(text.split()), site, catalogue), catalogue=catalogue)


def _stacked(rows: list[tuple[Cell, ...]], columns: Columns) -> bool:
    """Do most name cells hold one line? Then a cell with several lines lists several names;
    where most cells do, the lines are a name with its address or description."""
    cells = [_cell(r, columns.name)[0] for r in rows]
    cells = [c for c in cells if c]
    return bool(cells) and sum("\n" in c for c in cells) * 2 <= len(cells)


_NAME_WORD = re.compile(r"^[A-Z][\w&'.+-]*$")


def _bare_name(line: str, catalogue: Catalogue) -> bool:
    """An unknown line that reads as a company's name by itself ("Lob"): one to three
    capitalised words, no digits, not a place, no legal form alone, no generic word."""
    parts = line.split()
    return (
        0 < len(parts) <= 3
        and all(_NAME_WORD.match(p) for p in parts)
        and not any(ch.isdigit() for ch in line)
        and not normalise(line)
        and not all(w in LEGAL_SUFFIXES for w in words(line))
        and not any(w in GENERIC_WORDS for w in words(line))  # "Payments Processor"
        and name_like(line, catalogue=catalogue)
    )


def _name_part(text: str, site: str, catalogue: Catalogue) -> str:
    """A name cell that also holds an address or a note: keep the name at its start."""
    if len(text.split()) <= 8 or catalogue.resolve(text):
        return text
    from scraper.extract.texttables import name_cut

    cut = name_cut(text.split(), site=site, catalogue=catalogue)
    return " ".join(text.split()[:cut]).rstrip(",") if cut else text


def _mostly_known(rows: list[tuple[Cell, ...]], columns: Columns, catalogue: Catalogue) -> bool:
    names = [_cell(r, columns.name)[0] for r in rows]
    names = [n for n in names if n]
    known = sum(1 for n in names if catalogue.resolve(n) or has_legal_suffix(n))
    return bool(names) and known * 2 >= len(names)


def _first_url(text: str) -> str:
    match = re.search(
        r"(?:https?://|www\.)[^\s<>\"')]+|\b[\w-]+\.(?:com|io|net|org|co|ai|app)\b\S*", text or ""
    )
    return match.group(0).rstrip(".,;") if match else ""
