"""Locations as codes: registry.locations when present, a small fallback vocabulary otherwise."""

from __future__ import annotations

import re
from functools import lru_cache

_FALLBACK = {
    "usa": "US", "us": "US", "u.s.": "US", "u.s.a.": "US", "united states": "US",
    "united states of america": "US", "america": "US", "eu": "EU", "european union": "EU",
    "eea": "EEA", "europe": "EU", "uk": "GB", "united kingdom": "GB", "great britain": "GB",
    "germany": "DE", "ireland": "IE", "france": "FR", "netherlands": "NL", "belgium": "BE",
    "switzerland": "CH", "canada": "CA", "australia": "AU", "japan": "JP", "singapore": "SG",
    "india": "IN", "brazil": "BR", "iceland": "IS", "sweden": "SE", "norway": "NO",
    "spain": "ES", "italy": "IT", "finland": "FI", "denmark": "DK", "poland": "PL",
    "czech republic": "CZ", "czechia": "CZ", "austria": "AT", "israel": "IL", "global": "",
    "worldwide": "",
}  # fmt: skip


@lru_cache(maxsize=4096)
def normalise(text: str) -> tuple[str, ...]:
    """Return location codes for free text ("USA", "Germany, Ireland" -> ("DE", "IE"))."""
    try:
        from registry.locations import normalise as registry_normalise
    except ImportError:
        registry_normalise = None
    if registry_normalise is not None:
        try:
            return tuple(registry_normalise(text))
        except Exception:
            pass
    codes: list[str] = []
    for part in re.split(r"\s*(?:,|;|/|&|\band\b|\n)\s*", text.casefold()):
        code = _FALLBACK.get(part.strip(" .()"))
        if code and code not in codes:
            codes.append(code)
    return tuple(codes)


def location_words(text: str) -> tuple[str, ...]:
    """Codes when the whole of text is a location ("USA", "EU"), else ()."""
    cleaned = text.strip(" ,.()").casefold()
    if cleaned in _FALLBACK:
        return (_FALLBACK[cleaned],) if _FALLBACK[cleaned] else ("",)
    return ()


_LABELLED = re.compile(r"\b(?:data\s+)?locations?\s*:\s*([^.;\n]+)", re.IGNORECASE)
# A place written after a purpose: "hosting (Germany)", "Search — France", "Email, USA".
_TRAILING = re.compile(
    r"^(.*?)\s*(?:\(([^()]+)\)|[\u2013\u2014]\s*([^\u2013\u2014]+)|\s-\s([^-]+)|,\s*([^,]+))$"
)


def labelled_location(text: str) -> str:
    """The place after a "Location:" label in text, else ""."""
    found = _LABELLED.search(text)
    return found.group(1).strip() if found and normalise(found.group(1).strip()) else ""


def trailing_location(text: str) -> tuple[str, str]:
    """Split a short place off the end of a purpose: ("hosting", "Germany"), else (text, "")."""
    found = _TRAILING.match(text.strip().rstrip("."))
    if not found:
        return text, ""
    place = next(group for group in found.groups()[1:] if group).strip()
    if len(place.split()) > 4 or not normalise(place):
        return text, ""
    return found.group(1).strip(" ,;:"), place
