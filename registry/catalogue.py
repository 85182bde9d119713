"""The vendor catalogue: the one place a written name is resolved to a canonical vendor."""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from registry.names import clean, key

VENDORS_JSON = Path(__file__).resolve().parent.parent / "fixtures" / "demo" / "vendors.json"
_TLDS = frozenset({"com", "io", "net", "org", "co", "ai", "app", "dev", "to", "so", "me", "us"})
# Parts that name the same vendor another way: "X dba Y", "Y by X", "X (aka Y)", "X (Y)".
_ALIAS_SPLIT = re.compile(
    r"\s*(?:\(|\)|,?\s+(?:dba|d/b/a|aka|a\.k\.a\.|by|also known as|formerly|now)\s+|\s/\s)\s*",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[A-Za-z0-9][\w.&'+-]*")


@dataclass(frozen=True)
class Entry:
    name: str
    slug: str
    aliases: tuple[str, ...] = ()
    legal_names: tuple[str, ...] = ()
    domain: str = ""
    website: str = ""
    hq_country: str = ""
    category: str = ""

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases, *self.legal_names)


def _strip_tld(k: str) -> str:
    parts = k.split()
    while len(parts) > 1 and parts[-1] in _TLDS:
        parts.pop()
    return " ".join(parts)


class Catalogue:
    """Known vendors, indexed by matching key, by domain and by first word for prose search."""

    def __init__(self, entries: list[Entry] | tuple[Entry, ...] = ()) -> None:
        self.entries: tuple[Entry, ...] = tuple(entries)
        self._by_key: dict[str, Entry] = {}
        self._by_domain: dict[str, Entry] = {}
        self._by_first: dict[str, list[tuple[str, str, Entry]]] = {}
        self._resolved: dict[str, Entry | None] = {}  # exact resolutions only
        for entry in self.entries:
            self._index(entry)
        for forms in self._by_first.values():
            forms.sort(key=lambda item: -len(item[0]))
        # Prose search only looks at capitalised words and at the few names written in lower case.
        lower = sorted(
            (re.escape(w) for w in self._by_first if w[:1].isalpha() and not w[:1].isupper()),
            key=len,
            reverse=True,
        )
        lower = [
            w
            for w in lower
            if any(f[0][:1].islower() for f in self._by_first[re.sub(r"\\(.)", r"\1", w)])
        ]
        # Grouped by first letter, so the regex tests one letter where it tested every name.
        groups: dict[str, list[str]] = {}
        for w in lower:
            groups.setdefault(w[0], []).append(w[1:])
        alternatives = "|".join(f"{c}(?:{'|'.join(rest)})" for c, rest in groups.items()) or "(?!)"
        self._token = re.compile(rf"(?<![\w.])(?:[A-Z0-9][\w.&'+-]*|(?:{alternatives})(?![\w]))")

    def _index(self, entry: Entry) -> None:
        for form in entry.forms:
            k = key(form)
            if not k:
                continue
            self._by_key.setdefault(k, entry)
            self._by_key.setdefault(_strip_tld(k), entry)
            form = clean(form)
            first = form.split(" ", 1)[0].casefold().rstrip(".,;:")
            if len(form) >= 3:
                self._by_first.setdefault(first, []).append((form, form.casefold(), entry))
        if entry.domain:
            self._by_domain.setdefault(entry.domain.casefold().removeprefix("www."), entry)

    def __len__(self) -> int:
        return len(self.entries)

    def resolve(self, name: str, *, prefix: bool = True) -> Entry | None:
        """Return the entry a written name stands for, or None (memoised per written name).

        prefix: also accept a known name of two words or more that the name starts with.
        """
        exact = self._resolved.get(name, False)
        if exact is False:
            if len(self._resolved) > 50_000:
                self._resolved.clear()
            exact = self._resolved[name] = self._resolve(name)
        if exact is not None or not prefix:
            return exact
        return self._by_prefix(key(name))

    def _resolve(self, name: str) -> Entry | None:
        k = key(name)
        if not k:
            return None
        found = self._by_key.get(k) or self._by_key.get(_strip_tld(k))
        if found:
            return found
        parts = [p for p in _ALIAS_SPLIT.split(clean(name)) if p and p.strip(" .,")]
        if len(parts) > 1:
            for part in parts:
                found = self._by_key.get(key(part)) or self._by_key.get(_strip_tld(key(part)))
                if found:
                    return found
        return None

    def _by_prefix(self, k: str) -> Entry | None:
        """ "Amazon Web Services EMEA" is Amazon Web Services: the longest known name of two
        words or more that the written name starts with (one word is too loose: "Google X")."""
        words = k.split()
        for size in range(min(len(words) - 1, 5), 1, -1):
            found = self._by_key.get(" ".join(words[:size]))
            if found:
                return found
        return None

    def by_domain(self, host: str) -> Entry | None:
        host = (host or "").casefold().strip().rstrip(".")
        host = re.sub(r"^[a-z]+://", "", host).split("/", 1)[0].split(":", 1)[0]
        host = host.removeprefix("www.")
        while host:
            if host in self._by_domain:
                return self._by_domain[host]
            if "." not in host:
                return None
            host = host.split(".", 1)[1]
        return None

    def find_in_text(self, text: str) -> list[tuple[Entry, str]]:
        """Return (entry, text as written) for each vendor named in text, in order.

        Matching is case-sensitive unless the text capitalises the name some other way, so
        common words that are also brands ("front", "linear", "segment") are not read as vendors.
        """
        return [(entry, written) for _, entry, written in self.find_spans(text)]

    def find_spans(self, text: str) -> list[tuple[int, Entry, str]]:
        """Like find_in_text, with the offset of each mention."""
        found: list[tuple[int, Entry, str]] = []
        end = -1
        by_first = self._by_first
        for match in self._token.finditer(text):
            if match.start() < end:
                continue
            first = match.group().casefold().rstrip(".,;:")
            if first not in by_first and first.removesuffix("'s") not in by_first:
                continue  # most capitalised words start no vendor's name
            hit = self._match_at(text, match.start(), first)
            if hit:
                found.append((match.start(), *hit))
                end = match.start() + len(hit[1])
        return found

    def _match_at(self, text: str, start: int, first: str) -> tuple[Entry, str] | None:
        first = first.rstrip(".,;:")
        candidates = self._by_first.get(first) or self._by_first.get(first.removesuffix("'s"))
        if not candidates:
            return None
        for form, folded, entry in candidates:
            written = text[start : start + len(form)]
            if written.casefold() != folded:
                continue
            after = text[start + len(form) : start + len(form) + 1]
            if after and (after.isalnum() or after == "_"):
                continue
            if written == form or (not written.islower() and written[:1] == form[:1]):
                return entry, written
        return None


def _entry(data: dict) -> Entry:
    return Entry(
        name=clean(data.get("name", "")),
        slug=str(data.get("slug", "")),
        aliases=tuple(clean(a) for a in data.get("aliases") or () if a),
        legal_names=tuple(clean(a) for a in data.get("legal_names") or () if a),
        domain=str(data.get("domain") or ""),
        website=str(data.get("website") or ""),
        hq_country=str(data.get("hq_country") or ""),
        category=str(data.get("category") or ""),
    )


def _from_json(path: Path) -> list[Entry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if isinstance(data, dict):
        data = data.get("vendors") or []
    return [_entry(item) for item in data if isinstance(item, dict) and item.get("name")]


def _from_db() -> list[Entry]:
    return _entries(_vendor_rows() or [])


def _vendor_rows() -> list[dict] | None:
    """Every Vendor row as a dict, or None when the database cannot be read."""
    try:
        from django.db import DatabaseError

        from registry.models import Vendor
    except Exception:
        return None
    try:
        return list(Vendor.objects.all().values())
    except (DatabaseError, Exception):
        return None


def _entries(rows: list[dict]) -> list[Entry]:
    return [_entry(_vendor_dict(row)) for row in rows]


def _vendor_dict(row: dict) -> dict:
    def listed(value: object) -> list[str]:
        if isinstance(value, str):
            return [v.strip() for v in re.split(r"[\n,;]", value) if v.strip()]
        return list(value or [])

    return {
        **row,
        "aliases": listed(row.get("aliases")),
        "legal_names": listed(row.get("legal_names")),
        "hq_country": row.get("hq_country") or row.get("country") or "",
    }


@lru_cache(maxsize=1)
def load() -> Catalogue:
    """Return the catalogue (cached per process): vendors.json plus Vendor rows when reachable."""
    return _build(_from_db())


def _build(from_db: list[Entry]) -> Catalogue:
    """vendors.json, then the Vendor rows: a row for a vendor the file knows adds its aliases and
    legal names (what the DPO added in the admin), a row for any other vendor adds the vendor.
    """
    entries = _from_json(VENDORS_JSON)
    at = {entry.slug: n for n, entry in enumerate(entries)}
    for row in from_db:
        if row.slug not in at:
            entries.append(row)
            continue
        known = entries[at[row.slug]]
        entries[at[row.slug]] = replace(
            known,
            aliases=tuple(dict.fromkeys((*known.aliases, *row.aliases))),
            legal_names=tuple(dict.fromkeys((*known.legal_names, *row.legal_names))),
        )
    return Catalogue(entries)


@dataclass(frozen=True)
class _Held:
    catalogue: Catalogue
    stamp: str
    checked: float


_held: _Held | None = None
_held_lock = threading.Lock()


def fresh(*, every: float | None = None) -> Catalogue:
    """The catalogue, rebuilt after Vendor rows change (an alias added in the admin, say).

    The rows are read and compared with the ones the catalogue was built from at most once
    every `every` seconds (CATALOGUE_REFRESH_SECONDS), so a long-running worker picks up an
    edit within that time without a restart, at the cost of one query per interval rather
    than one per page. The rebuild, the costly part, happens only when the rows changed.
    Vendor has no updated-at column, so the stamp is a digest of the rows themselves.
    """
    global _held
    every = settings.CATALOGUE_REFRESH_SECONDS if every is None else every
    with _held_lock:
        now = time.monotonic()
        if _held is not None and now - _held.checked < every:
            return _held.catalogue
        rows = _vendor_rows()
        if rows is None and _held is not None:
            # The database is away: keep what we have and look again next interval.
            _held = _Held(_held.catalogue, _held.stamp, now)
            return _held.catalogue
        stamp = _stamp(rows or [])
        if _held is None or stamp != _held.stamp:
            _held = _Held(_build(_entries(rows or [])), stamp, now)
        else:
            _held = _Held(_held.catalogue, stamp, now)
        return _held.catalogue


def _stamp(rows: list[dict]) -> str:
    text = json.dumps(rows, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
