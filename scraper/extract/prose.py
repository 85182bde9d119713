"""Vendors named only in running text, accepted only where the words say data goes to them."""

from __future__ import annotations

import re
from collections import Counter

from registry.catalogue import Catalogue, Entry
from registry.names import key
from scraper.extract.cleanup import Finding
from scraper.extract.sections import Place

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])|\n")
# Words just before a name that say the name receives or handles data. Checked on the last few
# words before the name, in Python: a regex anchored at the end of the window is too slow.
# "Powered by X" is a footer brand, not a statement that X receives data.
_PASSIVE = frozenset(
    [
        "processed",
        "stored",
        "hosted",
        "handled",
        "collected",
        "provided",
        "operated",
        "managed",
        "held",
        "kept",
        "delivered",
        "sent",
        "performed",
        "supported",
    ]
)
_PREPOSITIONS = frozenset(["by", "at", "with", "on", "through", "via"])
_THIRD_PERSON = frozenset(["uses", "using", "engages", "employs", "relies"])
_FIRST_PERSON = frozenset(["use", "engage", "employ", "rely"])
_ROLE_WORDS = frozenset(
    [
        "provider",
        "providers",
        "processor",
        "processors",
        "vendor",
        "vendors",
        "partner",
        "partners",
        "gateway",
        "platform",
        "service",
        "services",
        "subprocessor",
        "subprocessors",
        "sub-processor",
        "sub-processors",
    ]
)
_SHARE = re.compile(r"\b(?:share|disclose|transfer|send|provide)[sd]?\b|\btransferred\b", re.I)
_FILLER = frozenset(
    [
        "our",
        "the",
        "their",
        "a",
        "an",
        "its",
        "such",
        "as",
        "like",
        "including",
        "called",
        "named",
        "namely",
        "and",
        "or",
        "both",
        "also",
        "services",
        "service",
        "of",
    ]
)
_WORD = re.compile(r"[\w'-]+")


def _says_before(window: str) -> bool:
    """Do the few words before a name say data goes to it ("processed by", "we use", ...)?

    At most two words that are not fillers ("our", "the", "and", ...) may stand between the
    trigger and the name, so "you use our integration with Slack" does not count.
    """
    tokens = [t.casefold() for t in _WORD.findall(window)[-10:]]
    skipped = 0
    for back in range(1, min(len(tokens), 8) + 1):
        word = tokens[-back]
        prev = tokens[-back - 1] if back < len(tokens) else ""
        if _trigger(word, prev, tokens[: len(tokens) - back], window):
            return True
        if word not in _FILLER:
            skipped += 1
            if skipped > 2:
                return False
    return False


def _trigger(word: str, prev: str, earlier: list[str], window: str) -> bool:
    if word in _PREPOSITIONS and (prev in _PASSIVE or prev == "directly"):
        return True
    if word in ("with", "to") and _SHARE.search(window):
        return True
    if (
        word in _ROLE_WORDS
        or word in _THIRD_PERSON
        or (word == "on" and prev in ("rely", "relies"))
    ):
        return True
    if word in _FIRST_PERSON:  # "we (also) use", not "you can use"
        return any(t in ("we", "i") for t in earlier[-3:])
    return word == "with" and prev in ("partner", "partners", "partnered", "work", "works")


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
# A sentence about logging in, cookies or links does not name a processor. Plain substrings
# first; the few that need context get a small regex (one big alternation is slow).
_NEGATIVE_WORDS = (
    "login", "log-in", "sign-in", "sign-on",
    "oauth", "single sign", "cookie", "opt-out", "opt out", "browser", "app store",
    "google play", "trademark", "®", "™", "button", "widget", "plugin", "plug-in",
)  # fmt: skip
_NEGATIVE_RULES = (
    ("sign", re.compile(r"sign(?:ing)?[\s-]?(?:in|up) with", re.I)),
    ("log", re.compile(r"log(?:ging)?[\s-]?in with", re.I)),
    ("sso", re.compile(r"\bsso\b", re.I)),
    ("account", re.compile(r"your [\w ]{0,20}account", re.I)),
    ("connect", re.compile(r"connect(?:ing)? your", re.I)),
    ("social", re.compile(r"social (?:media|network)", re.I)),
    ("link", re.compile(r"link(?:s|ed)? to|\blinks\b", re.I)),
)
_LEGAL_WORDS = (
    " Inc", " LLC", " Ltd", " Limited", " GmbH", " AG", " SAS", " SARL", " B.V", " BV", " PLC",
    " Corp", " s.r.o", " Oy", " AB", " ApS", " Pty", " SA", " SRL", " LLP", " PBC", " ULC", " a.s",
)  # fmt: skip


def _negative(sentence: str) -> bool:
    low = sentence.casefold()
    if any(word in low for word in _NEGATIVE_WORDS):
        return True
    return any(hint in low and rule.search(sentence) for hint, rule in _NEGATIVE_RULES)


_ROLE_HINTS = ("processor", "provider", "vendor", "gateway")


def _legal_hint(text: str) -> bool:
    return any(word in text for word in _LEGAL_WORDS)


_ARTICLE = re.compile(r"^(?:The|Our|Its|Their|A|An|With|By|And|Or)\s+")
_ROLE_WORD = re.compile(r"provider|processor|vendor|gateway", re.I)
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
    low = text.casefold()
    # Unknown legal entities are only taken next to a role word: skip the scan elsewhere.
    legal = any(w in low for w in _ROLE_HINTS) and _legal_hint(text)
    spans = catalogue.find_spans(text)
    if not legal and not spans:
        return []
    if not legal and all(_is_self(entry, self_keys) for _, entry, _ in spans):
        if mentions is not None:
            mentions.update(entry.slug for _, entry, _ in spans)
        return []  # only the page's own company is named: counted, never a processor
    offset = 0
    for sentence in _SENTENCE.split(text):
        start = text.find(sentence, offset)
        offset = start + len(sentence)
        hits = [(entry, written) for at, entry, written in spans if start <= at < offset]
        if mentions is not None:
            mentions.update(entry.slug for entry, _ in hits)
        legal_here = legal and _legal_hint(sentence)
        if (not hits and not legal_here) or _negative(sentence):
            continue
        for entry, written in hits:
            if _is_self(entry, self_keys):
                continue
            if _says_processing(sentence, written) or _listed_here(sentence, written, place):
                findings.append(_finding(written, sentence, place, order, slug=entry.slug))
        if legal_here:
            findings += _legal_entities(sentence, place=place, self_keys=self_keys, order=order)
    return findings


def _is_self(entry: Entry, self_keys: frozenset[str]) -> bool:
    return entry.slug in self_keys or key(entry.name) in self_keys


_IN_A_LIST = re.compile(r"(?:[:,;]|\band|\bor|\binclude|\bincluding|\bsuch as)\s*\S{0,3}\s*$")
_LISTING = re.compile(r"sub-?processors?|vendors|providers|processors|partners", re.IGNORECASE)


def _listed_here(sentence: str, written: str, place: Place) -> bool:
    """Under a sub-processor heading, a sentence listing names ("...: AWS, Stripe and Intercom")
    names processors, except its subject, which is the company ("Acme uses ...")."""
    if not place.processor or place.vendor_heading or not _LISTING.search(sentence):
        return False
    at = sentence.find(written)
    if at <= 0 or not sentence[:at].strip(" \"'(*_"):
        return False
    before = sentence[max(0, at - 40) : at].casefold()
    return bool(_IN_A_LIST.search(before))


def _says_processing(sentence: str, written: str) -> bool:
    start = sentence.find(written)
    while start >= 0:
        before = sentence[max(0, start - 120) : start]
        after = sentence[start + len(written) : start + len(written) + 80]
        if _says_before(before) or _AFTER.match(after):
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
        name = _ARTICLE.sub("", name)
        if key(name) in self_keys or any(key(name).startswith(k + " ") for k in self_keys if k):
            continue
        before = sentence[max(0, match.start() - 120) : match.start()]
        near = explicit and 0 <= explicit.start() - match.end() <= 40
        role = _ROLE_WORD.search(before)
        if near or (role and _says_before(before)):
            found.append(_finding(name, sentence, place, order))
    return found


def _finding(name: str, sentence: str, place: Place, order: int, slug: str = "") -> Finding:
    where = f"text under '{place.heading}'" if place.heading else "text"
    return Finding(name, purpose="", found_in=where, method="prose", order=order, group=slug)
