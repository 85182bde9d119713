"""Clean vendor names as written and reduce them to matching keys (the one normaliser)."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Legal forms dropped from matching keys ("Acme, Inc." == "Acme Inc" == "ACME").
LEGAL_SUFFIXES = frozenset(
    [
        "inc",
        "incorporated",
        "llc",
        "l",
        "l",
        "c",
        "ltd",
        "limited",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "sarl",
        "bv",
        "b",
        "v",
        "nv",
        "plc",
        "corp",
        "corporation",
        "co",
        "company",
        "sro",
        "s",
        "r",
        "o",
        "oy",
        "oyj",
        "ab",
        "as",
        "a",
        "s",
        "aps",
        "pty",
        "pte",
        "kk",
        "spa",
        "srl",
        "lp",
        "llp",
        "se",
        "kft",
        "zoo",
        "sp",
        "ou",
        "pbc",
        "ulc",
        "lda",
        "ltda",
        "bvba",
        "sl",
        "sagl",
        "ohg",
        "kg",
        "mbh",
        "ug",
        "eurl",
        "sasu",
        "gie",
        "ek",
        "llc.",
        "dba",
        "aka",
    ]
)
# A character class, not str.translate: translate walks a non-ASCII string in Python-level
# steps and was the slowest part of reading a page.
_INVISIBLE = re.compile(
    "[\ufffd\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u00ad\u202a\u202b\u202c\u202d\u202e]"
)
_SPACE = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def clean(text: str) -> str:
    """Return text as a person reads it: NFKC, no invisible characters, single spaces."""
    if not text:
        return ""
    text = str(text)
    if not text.isascii():
        text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text))
    return " ".join(text.split())


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", clean(text).casefold())
    return folded.encode("ascii", "ignore").decode("ascii")


def words(name: str) -> list[str]:
    """Return the lower-case ascii words of a name, '&' read as 'and'."""
    text = _ascii(name).replace("&", " and ")
    return [w for w in _NON_WORD.split(text) if w]


@lru_cache(maxsize=16384)  # names recur on every page and in every diff
def key(name: str) -> str:
    """Return the matching key: casefolded, ascii, no punctuation, no legal suffixes.

    "Mailgun Technologies, Inc." -> "mailgun technologies"; "Acme, Inc." == "Acme Inc.".
    A leading "the" is dropped too ("The Rocket Science Group" -> "rocket science group").
    """
    parts = words(name)
    while parts and parts[-1] in LEGAL_SUFFIXES:
        parts.pop()
    if len(parts) > 1 and parts[0] == "the":
        parts = parts[1:]
    if not parts:
        return " ".join(words(name))
    return " ".join(parts)
