"""Compare two processor lists by vendor identity: what was added, removed or changed.

Identity is the vendor, never the text: `registry.names.key` of the canonical vendor (or of the
name as written when the extractor could not resolve one). Reordered rows, markup, whitespace,
dates, case, punctuation and legal-suffix variants therefore never show up. Two later passes
pair what is left over on both sides, so these are not add+remove either:

* a renamed row that still names the same vendor ("NexMo (aka Vonage)" -> "NexMo Inc (aka
  Vonage)", "Postbird" -> "Parcelmail (formerly Postbird)", or "SendGrid" and "Twilio" merged
  into one "Twilio (including SendGrid)" row), footnote markers aside ("Google LLC 2" ->
  "Google LLC 3" when a new footnote shifts the numbers);
* a one-letter typo fixed in a long name ("Miscrosoft Clarity" -> "Microsoft Clarity").

A kept vendor is `changed` only when what it does or where differs (see `compare`). Missing
information is not a change: a purpose or location that one side states and the other does
not (the page dropped a column, or the extractor could not read it) is never reported. That
rule is also what keeps the diff symmetric: diff(b, a) is diff(a, b) mirrored.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from registry import purposes
from registry.names import LEGAL_SUFFIXES, clean, key, words
from scraper.extract import Processor

# Words that carry no purpose meaning when free-text purposes are compared.
_FILLER = frozenset({"a", "an", "and", "or", "the", "of", "for", "to", "in", "on", "with", "by"})
# Connectors dropped from the loose name form ("NexMo Inc (aka Vonage)" == "NexMo (aka Vonage)").
_CONNECTORS = LEGAL_SUFFIXES | {"the", "aka", "dba", "formerly"}
# Other names for the same vendor inside one written name: "X (Y)", "X aka Y", "X dba Y", "X / Y",
# "X (formerly Y)", "X (including Y)".
_ALIAS_SPLIT = re.compile(
    r"\s*(?:[()]|\s/\s|,?\s+(?:aka|a\.k\.a\.|dba|d/b/a|formerly|previously|now|including|incl\.)\s+)\s*",
    re.I,
)
# The word that opens a bracketed other name: "(formerly Sendinblue)", "(now Brevo)".
_ALIAS_LEAD = re.compile(
    r"^(?:formerly|previously|now|including|incl\.?|includes|aka|a\.k\.a\.|dba|d/b/a"
    r"|also known as)\s+",
    re.I,
)
# A footnote marker after a name: "Stripe¹", "Okta [3]", "Slack*", and a number after a legal
# form ("Google LLC 2", a <sup> read as text). Renumbered footnotes must not turn a vendor into
# another; a number after a plain name ("Datacenter Provider 2") may be the name itself.
_FOOTNOTE = re.compile(r"(?:\s*\[\d{1,2}\]|[\u00b9\u00b2\u00b3\u2070-\u2079*\u2020\u2021]+)$")
_TRAILING_NUMBER = re.compile(r"^(?P<head>.*?)[\s,]+\d{1,2}$")
_NO_SLUG = "other"
_MIN_TYPO_KEY = 8
_MAX_TYPO_PAIRS = 10_000


@dataclass(frozen=True)
class Changed:
    before: Processor
    after: Processor
    fields: tuple[str, ...]  # "purpose" and/or "locations"


@dataclass(frozen=True)
class Diff:
    added: tuple[Processor, ...] = ()
    removed: tuple[Processor, ...] = ()
    changed: tuple[Changed, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def identity(processor: Processor) -> str:
    """Return the key a processor is tracked by: its vendor's, or its written name's."""
    return key(processor.vendor) or key(processor.name)


def diff(old: Sequence[Processor], new: Sequence[Processor]) -> Diff:
    """Return what changed from `old` to `new`, in a stable order (by identity, then name)."""
    before, after = group(old), group(new)
    kept = sorted(before.keys() & after.keys())
    gone = {k: before[k] for k in sorted(before.keys() - after.keys())}
    came = {k: after[k] for k in sorted(after.keys() - before.keys())}
    pairs = [(before[k], after[k]) for k in kept] + _renames(gone, came, before, after)
    changed = [c for old_p, new_p in pairs if (c := compare(old_p, new_p)) is not None]
    return Diff(
        added=tuple(came.values()),
        removed=tuple(gone.values()),
        changed=tuple(sorted(changed, key=_changed_order)),
    )


def _changed_order(change: Changed) -> tuple[str, ...]:
    # The same for a change and its mirror image, so diff(b, a) lists them in the same order.
    sides = sorted(
        [(identity(change.before), change.before.name), (identity(change.after), change.after.name)]
    )
    return (*sides[0], *sides[1])


def group(processors: Iterable[Processor]) -> dict[str, Processor]:
    """Merge rows of the same vendor into one processor (purposes joined, locations united).

    A vendor listed twice ("Microsoft (Azure)" for hosting and again for support analysis) is
    one vendor with two purposes, not two vendors.
    """
    rows: dict[str, list[Processor]] = {}
    for processor in processors:
        if ident := identity(processor):
            rows.setdefault(ident, []).append(processor)
    return {ident: _merge(rows[ident]) for ident in sorted(rows)}


def _merge(rows: list[Processor]) -> Processor:
    if len(rows) == 1:
        return rows[0]
    first = rows[0]
    purposes_seen = list(dict.fromkeys(clean(r.purpose) for r in rows if clean(r.purpose)))
    locations = tuple(dict.fromkeys(code for r in rows for code in r.locations))
    website = next((r.website for r in rows if r.website), "")
    return Processor(
        name=first.name,
        vendor=first.vendor,
        purpose="; ".join(purposes_seen),
        locations=locations,
        website=website,
        found_in=first.found_in,
    )


def compare(before: Processor, after: Processor) -> Changed | None:
    """Return the change between two versions of one vendor, or None when it means the same.

    * purpose: compared by purpose vocabulary (`registry.purposes.normalise`), so "Email
      delivery" -> "Transactional email delivery" is no change but "Hosting" -> "Hosting, AI
      inference" is; text the vocabulary knows nothing of on both sides is compared by its
      words, ignoring case, punctuation, order and filler words, and a qualifier added or
      dropped ("Cloud-based image processing" -> "Image processing") is no change.
    * locations: compared as sets of codes, so order and spelling ("USA" / "United States")
      never count, while a new or dropped code does.
    * one side silent (no purpose, or no location stated): missing information, not a change.
    """
    fields = []
    if clean(before.purpose) and clean(after.purpose) and _purpose_differs(before, after):
        fields.append("purpose")
    if before.locations and after.locations and set(before.locations) != set(after.locations):
        fields.append("locations")
    return Changed(before=before, after=after, fields=tuple(fields)) if fields else None


def _purpose_differs(before: Processor, after: Processor) -> bool:
    old_slugs, new_slugs = _slugs(before.purpose), _slugs(after.purpose)
    if old_slugs or new_slugs:
        return old_slugs != new_slugs
    # Unknown to the vocabulary on both sides: a qualifier added or dropped ("Cloud-based image
    # processing" -> "Image processing") keeps the meaning; other new words change it.
    old_words, new_words = _purpose_words(before.purpose), _purpose_words(after.purpose)
    return not (old_words <= new_words or new_words <= old_words)


def _slugs(text: str) -> frozenset[str]:
    # "other" only says the vocabulary knows none of it: the words are compared instead.
    return frozenset(purposes.normalise(text)) - {_NO_SLUG}


def _purpose_words(text: str) -> frozenset[str]:
    return frozenset(w for w in words(text) if w not in _FILLER)


def _renames(
    gone: dict[str, Processor],
    came: dict[str, Processor],
    before: dict[str, Processor],
    after: dict[str, Processor],
) -> list[tuple[Processor, Processor]]:
    """Drop from `gone` and `came` the vendors still named on the other side; return 1:1 renames.

    Mutates `gone` and `came`. A row that merely merged into another (many-to-one) is dropped
    without a pair, since there is no single "after" to compare its purpose with.
    """
    after_index, before_index = _FormIndex(after), _FormIndex(before)
    links = {k: after_index.naming(p) for k, p in gone.items()}
    back = {k: before_index.naming(p) for k, p in came.items()}
    _link_typos(gone, came, links, back)
    pairs = []
    for old_k, targets in links.items():
        if len(targets) == 1 and (new_k := next(iter(targets))) in came and back[new_k] == {old_k}:
            pairs.append((gone[old_k], came[new_k]))
    for old_k in [k for k, targets in links.items() if targets]:
        del gone[old_k]
    for new_k in [k for k, sources in back.items() if sources]:
        del came[new_k]
    return pairs


class _FormIndex:
    """The identities of one side, looked up by the name forms of their processors.

    Same vendor: a whole-name form of one (vendor or name key, or the name without legal and
    "aka" words) equals a form of the other, including the parts of a name like "X (Y)".
    Comparing whole forms with parts, never parts with parts, keeps two rows that share only a
    role in brackets ("AWS (Cloud provider)", "GCP (Cloud provider)") apart.
    """

    def __init__(self, side: dict[str, Processor]) -> None:
        self.whole: dict[str, set[str]] = {}
        self.any: dict[str, set[str]] = {}
        for ident, processor in side.items():
            whole, parts = _forms(processor)
            for form in whole:
                self.whole.setdefault(form, set()).add(ident)
            for form in whole | parts:
                self.any.setdefault(form, set()).add(ident)

    def naming(self, processor: Processor) -> set[str]:
        """Return the identities on this side that name the same vendor as `processor`."""
        whole, parts = _forms(processor)
        found: set[str] = set()
        for form in whole:
            found |= self.any.get(form, set())
        for form in whole | parts:
            found |= self.whole.get(form, set())
        return found


def _forms(p: Processor) -> tuple[frozenset[str], frozenset[str]]:
    return _forms_cached(p.name, p.vendor)


@lru_cache(maxsize=4096)
def _forms_cached(name: str, vendor: str) -> tuple[frozenset[str], frozenset[str]]:
    unmarked = _unmarked(name)
    names = {key(vendor), key(name), _loose(vendor), _loose(name), key(unmarked), _loose(unmarked)}
    whole = frozenset(names - {""})
    pieces = [_ALIAS_LEAD.sub("", piece) for piece in _ALIAS_SPLIT.split(clean(unmarked))]
    pieces = [piece for piece in pieces if key(piece)]
    parts = frozenset(key(piece) for piece in pieces) if len(pieces) > 1 else frozenset()
    return whole, parts - whole


def _unmarked(name: str) -> str:
    name = _FOOTNOTE.sub("", name.strip())
    numbered = _TRAILING_NUMBER.match(name)
    last = words(numbered["head"])[-1:] if numbered else []
    return numbered["head"] if numbered and last and last[0] in LEGAL_SUFFIXES else name


def _link_typos(
    gone: dict[str, Processor],
    came: dict[str, Processor],
    links: dict[str, set[str]],
    back: dict[str, set[str]],
) -> None:
    """Link leftovers one typo apart, only where each is the other's one candidate.

    Requiring a unique match both ways keeps the result independent of order, hence symmetric.
    """
    lonely_old = [k for k in gone if not links[k]]
    lonely_new = [k for k in came if not back[k]]
    if len(lonely_old) * len(lonely_new) > _MAX_TYPO_PAIRS:
        return  # a whole list replaced at once: no typo fix to look for, and bounded time
    near = [(o, n) for o in lonely_old for n in lonely_new if _one_typo(o, n)]
    olds, news = Counter(o for o, _ in near), Counter(n for _, n in near)
    for old_k, new_k in near:
        if olds[old_k] == 1 and news[new_k] == 1:
            links[old_k].add(new_k)
            back[new_k].add(old_k)


def _loose(name: str) -> str:
    # The first word always stays: "AB Tasty" and "SE Ranking" are names, not legal forms.
    parts = words(name)
    return " ".join(parts[:1] + [w for w in parts[1:] if w not in _CONNECTORS])


def _one_typo(a: str, b: str) -> bool:
    """True when two long keys differ by one inserted, deleted, replaced or swapped letter."""
    if min(len(a), len(b)) < _MIN_TYPO_KEY or abs(len(a) - len(b)) > 1 or a == b:
        return False
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end_a, end_b = len(a), len(b)
    while end_a > start and end_b > start and a[end_a - 1] == b[end_b - 1]:
        end_a, end_b = end_a - 1, end_b - 1
    diff_a, diff_b = a[start:end_a], b[start:end_b]
    if any(ch.isdigit() or ch == " " for ch in diff_a + diff_b):
        return False
    swapped = len(diff_a) == len(diff_b) == 2 and diff_a == diff_b[::-1]
    return swapped or (len(diff_a) <= 1 and len(diff_b) <= 1)
