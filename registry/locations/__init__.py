"""Location vocabulary (ISO countries and regions), transfer status, and free-text parsing."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from registry.locations.data import (
    ADEQUACY,
    CLOUD_REGIONS,
    COUNTRY_ROWS,
    EEA,
    ISO_VARIANTS,
    NAMES,
    PLACES,
    REGION_NAMES,
    REGIONS,
)
from registry.names import clean

EEA_STATUS = "eea"
ADEQUACY_STATUS = "adequacy"
THIRD_COUNTRY = "third_country"
MIXED = "mixed"


@dataclass(frozen=True)
class Place:
    """One entry of the vocabulary, shaped like registry.models.Location."""

    code: str
    name: str
    kind: str
    transfer_status: str


def _country_status(code: str) -> str:
    if code in EEA:
        return EEA_STATUS
    return ADEQUACY_STATUS if code in ADEQUACY else THIRD_COUNTRY


def _build() -> tuple[Place, ...]:
    rows = (line.split(" ", 1) for line in COUNTRY_ROWS.strip().splitlines())
    countries = [Place(code, name, "country", _country_status(code)) for code, name in rows]
    regions = [Place(code, name, "region", status) for code, name, status in REGIONS]
    return tuple(countries + regions)


LOCATIONS: tuple[Place, ...] = _build()
BY_CODE: dict[str, Place] = {place.code: place for place in LOCATIONS}


def transfer_status(code: str) -> str:
    """Return "eea", "adequacy", "third_country" or "mixed"; unknown codes are third countries."""
    place = BY_CODE.get(code.upper())
    return place.transfer_status if place else THIRD_COUNTRY


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).casefold())
    return "".join(ch for ch in text if not unicodedata.combining(ch)).replace("\u2019", "'")


def _is_acronym(name: str) -> bool:
    return not any(ch.islower() for ch in name)


@cache
def _phrases() -> dict[str, str]:
    """Map each written form to its code: acronyms ("US", "E.U.") as written, names folded."""
    phrases: dict[str, str] = {}
    sources = [((p.code, (p.name,)) for p in LOCATIONS), ISO_VARIANTS.items(), PLACES.items()]
    sources += [NAMES.items(), REGION_NAMES.items()]
    for pairs in sources:
        for code, names in pairs:
            for name in names:
                phrases[name if _is_acronym(name) else _fold(name)] = code
    return phrases


def _alternation(names: list[str]) -> str:
    # Longest first, so "New Jersey" beats "Jersey" and "Northern Ireland" beats "Ireland".
    ordered = sorted(names, key=len, reverse=True)
    return rf"(?<![\w.])(?:{'|'.join(re.escape(name) for name in ordered)})(?![\w])"


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """Return (acronyms, matched case-sensitively on the text; names, on the folded text)."""
    acronyms = [name for name in _phrases() if _is_acronym(name)]
    names = [name for name in _phrases() if not _is_acronym(name)]
    return re.compile(_alternation(acronyms)), re.compile(_alternation(names))


_CLOUD = re.compile(
    r"\b(?:(?P<known>"
    + "|".join(map(re.escape, CLOUD_REGIONS))
    + r")|(?P<us>us-[a-z]+-?\d|(?:east|west|central|northcentral|southcentral|westcentral)us\d?)"
    + r"|(?P<ca>northamerica-northeast\d|canada(?:central|east)))\b"
)
# A bare upper-case code is read only when it is a whole segment ("US & EU", "DE / FR"), so
# "IT support" or "IN" inside a sentence never becomes Italy or India.
_SEGMENT_SPLIT = re.compile(r"\s*(?:[,;/|&+()\[\]]|\band\b|\bor\b|\s-\s)\s*")
_CODE = re.compile(r"^[A-Z]{2}$")


def _cloud_codes(folded: str) -> list[tuple[int, str]]:
    found = []
    for match in _CLOUD.finditer(folded):
        code = CLOUD_REGIONS.get(match["known"] or "", "US" if match["us"] else "CA")
        found.append((match.start(), code))
    return found


def _segment_codes(text: str) -> list[tuple[int, str]]:
    found, offset = [], 0
    for segment in _SEGMENT_SPLIT.split(text):
        bare = segment.strip().strip(".")
        if _CODE.match(bare) and bare in BY_CODE:
            found.append((text.find(segment, offset), bare))
        offset += len(segment)
    return found


def normalise(text: str) -> tuple[str, ...]:
    """Return the location codes named in free text, unique and sorted; () when none is known.

    "USA" -> ("US",); "Germany, Ireland" -> ("DE", "IE"); "US & EU" -> ("EU", "US");
    "AWS eu-west-1 (Ireland)" -> ("IE",). Sorted so that a reordered cell is the same value.
    """
    if not text or not text.strip():
        return ()
    text = clean(text)
    folded = _fold(text)
    phrases, (acronyms, names) = _phrases(), _patterns()
    codes = {phrases[m.group(0)] for m in acronyms.finditer(text)}
    codes.update(phrases[m.group(0)] for m in names.finditer(folded))
    codes.update(code for _, code in _cloud_codes(folded))
    codes.update(code for _, code in _segment_codes(text))
    return tuple(sorted(codes))


def name_of(code: str) -> str:
    """Return the display name of a code ("DE" -> "Germany"), or the code when unknown."""
    place = BY_CODE.get(code.upper())
    return place.name if place else code
