"""Read processors from list items, definition lists and headed sections."""

from __future__ import annotations

import re

from registry.catalogue import Catalogue
from scraper.documents import Block
from scraper.extract.cleanup import Finding, has_legal_suffix, name_like, split_names, tidy
from scraper.extract.locate import labelled_location, location_words
from scraper.extract.sections import Place, is_excluded_heading, is_processor_heading

_PREFIX = re.compile(r"^(.{2,70}?)\s*(?::|\s[\u2013\u2014-]\s|\s\|\s)\s*(.*)$")
# Headings about the policy itself, never a vendor's name ("Data Processing Agreement").
_POLICY_WORDS = re.compile(
    r"\b(?:agreement|policy|policies|data|security|privacy|notice|terms|rights|information"
    r"|questions|overview|list|purposes?|locations?|transfers?|gdpr|ccpa|dpa|how|what|why|who"
    r"|when|where|our|your|we|you)\b",
    re.IGNORECASE,
)
_ROLE = re.compile(r"\s*\(([^)]*)\)\s*$")
_BRACKETS = re.compile(r"\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def item_name(block: Block) -> tuple[str, str, bool]:
    """Return (name, description, explicit) for a list item or a lead-in paragraph.

    explicit: the page marked the name (bold lead or "Name: ..."), not just a short item.
    A lower-case bracket after the name is its role, not part of it: "Hetzner (hosting)".
    """
    text = block.text
    lead = tidy(block.lead)
    if lead and text.startswith(lead[: max(1, len(lead) - 1)]):
        rest = text[len(block.lead.strip()) :].lstrip(" :\u2013\u2014-|")
        return (*_without_role(lead, rest), True)
    match = _PREFIX.match(text)
    if match and len(match.group(1).split()) <= 6:
        return (*_without_role(tidy(match.group(1)), match.group(2)), True)
    return (*_without_role(tidy(text), ""), False)


def _without_role(name: str, rest: str) -> tuple[str, str]:
    role = _ROLE.search(name)
    if not role or not role.group(1)[:1].islower():  # "Braintree (PayPal)" is an alias
        return name, rest
    purpose = role.group(1) if not rest else f"{role.group(1)}; {rest}"
    return tidy(name[: role.start()]), purpose


def read_item(
    block: Block, *, place: Place, pure: bool, catalogue: Catalogue, number: int, order: int
) -> list[Finding]:
    name, rest, explicit = item_name(block)
    if block.kind == "para" and not (explicit and block.lead):
        if _word_count(block.text) > 5:
            return []
        name, rest, explicit = tidy(block.text), "", False  # a card: a bare name on its own
    if (
        explicit
        and block.kind == "item"
        and not (catalogue.resolve(name) or has_legal_suffix(name))
    ):
        listed = _category_item(name, rest, catalogue=catalogue, place=place, order=order)
        if listed:
            return listed
    findings = []
    for part in split_names(name, catalogue=catalogue):
        strict = block.kind == "para" or place.vendor_heading  # one vendor's own section
        if strict and not (catalogue.resolve(part) or has_legal_suffix(part)):
            continue
        known = catalogue.resolve(part) or has_legal_suffix(part)
        if not explicit and not known and not (pure and _bare_name(part, block.href)):
            continue
        if _word_count(part) > 6 or not name_like(part, catalogue=catalogue):
            continue
        if not known and (_CATEGORY_TAIL.search(part) or is_excluded_heading(part)):
            continue  # "Login providers", "Analytics tools": a kind of vendor, not one
        kind = "card" if block.kind == "para" else "list"
        where = f"{kind} under '{place.heading}', item {number}" if place.heading else kind
        findings.append(Finding(part, purpose=rest, found_in=where, method="list", order=order))
    return findings


def _category_item(
    category: str, rest: str, *, catalogue: Catalogue, place: Place, order: int
) -> list[Finding]:
    """ "Analytics: Google Analytics, Mixpanel" names the vendors after the category."""
    rest = rest.strip().rstrip(".")
    if not rest or len(rest.split()) > 14 or is_excluded_heading(category):
        return []  # "Login providers: Google, GitHub" are not processors
    parts = split_names(rest, catalogue=catalogue)
    if len(parts) < 2 and not catalogue.resolve(rest):
        return []
    if not all(
        len(p) >= 3 and p[0].isupper() and (catalogue.resolve(p) or has_legal_suffix(p))
        for p in parts
    ):
        return []
    where = f"list under '{place.heading}', {category}"
    return [Finding(p, purpose=category, found_in=where, method="list", order=order) for p in parts]


def _word_count(name: str) -> int:
    return len(_BRACKETS.sub(" ", name).split())


_CATEGORY_TAIL = re.compile(
    r"\b(?:providers|services|tools|processors|vendors|partners|platforms|solutions|apps)$",
    re.IGNORECASE,
)
_NAV_WORDS = frozenset(
    [
        "home",
        "about",
        "blog",
        "careers",
        "jobs",
        "pricing",
        "contact",
        "docs",
        "documentation",
        "login",
        "log",
        "in",
        "sign",
        "in",
        "sign",
        "up",
        "status",
        "security",
        "terms",
        "privacy",
        "legal",
        "support",
        "help",
        "press",
        "news",
        "partners",
        "customers",
        "resources",
        "company",
        "product",
        "products",
        "features",
        "community",
        "events",
        "faq",
        "imprint",
        "sitemap",
        "cookies",
        "english",
        "deutsch",
        "français",
        "español",
    ]
)


def _bare_name(name: str, href: str) -> bool:
    """A short list entry that is no known vendor: a name only if it is not site navigation
    (a link within the site, or a word such as "Pricing")."""
    if name.casefold() in _NAV_WORDS or all(w.casefold() in _NAV_WORDS for w in name.split()):
        return False
    return not href or href.startswith(("http://", "https://"))


def read_term(block: Block, *, place: Place, catalogue: Catalogue, order: int) -> list[Finding]:
    term = tidy(block.lead)
    rest = block.text[len(block.lead) :].strip()
    if not name_like(term, catalogue=catalogue) or len(term.split()) > 6:
        return []
    if place.vendor_heading and not (catalogue.resolve(term) or has_legal_suffix(term)):
        return []
    where = f"definition under '{place.heading}'" if place.heading else "definition list"
    return [Finding(term, purpose=rest, found_in=where, method="list", order=order)]


def heading_vendor(
    blocks: tuple[Block, ...],
    index: int,
    *,
    place: Place,
    catalogue: Catalogue,
    siblings: dict[int, tuple[int, ...]] | None = None,
) -> str:
    """Return the vendor a heading names when it heads one vendor's section, else "".

    A heading counts when the catalogue knows it, it carries a legal suffix, or its section
    repeats the name; an unknown name also counts when most of its sibling headings do.
    """
    if not place.processor or blocks[index].level <= 1:
        return ""
    name = _heading_name(blocks, index, catalogue)
    if not name:
        return ""
    if _confirmed(blocks, index, name, catalogue):
        return name
    if _POLICY_WORDS.search(name) or blocks[index].level > 6:  # bold lines are too noisy
        return ""
    group = (siblings or {}).get(index, ())
    confirmed = sum(1 for i in group if _sibling_confirmed(blocks, i, catalogue))
    return name if confirmed >= 2 and confirmed * 10 >= len(group) * 6 else ""


def _heading_name(blocks: tuple[Block, ...], index: int, catalogue: Catalogue) -> str:
    block = blocks[index]
    if is_processor_heading(block.text) or is_excluded_heading(block.text):
        return ""
    nxt = blocks[index + 1] if index + 1 < len(blocks) else None
    if nxt is not None and nxt.kind == "heading" and nxt.level > block.level:
        return ""  # a category heading with vendors below it
    name = _ROLE.sub("", tidy(block.text)).strip() or tidy(block.text)
    if len(name.split()) > 6 or not name_like(name, catalogue=catalogue):
        return ""
    return name


def _confirmed(blocks: tuple[Block, ...], index: int, name: str, catalogue: Catalogue) -> bool:
    if catalogue.resolve(name) or has_legal_suffix(name):
        return True
    if _POLICY_WORDS.search(name):
        return False
    body = _section_text(blocks, index)
    return bool(re.search(rf"(?<!\w){re.escape(name)}(?!\w)", body))


def _sibling_confirmed(blocks: tuple[Block, ...], index: int, catalogue: Catalogue) -> bool:
    name = _heading_name(blocks, index, catalogue)
    return bool(name) and _confirmed(blocks, index, name, catalogue)


def sibling_headings(blocks: tuple[Block, ...]) -> dict[int, tuple[int, ...]]:
    """For each heading, the headings at its level under the same parent heading."""
    groups: dict[tuple[int, int], list[int]] = {}
    parents: list[tuple[int, int]] = []  # (level, index) of open headings
    for index, block in enumerate(blocks):
        if block.kind != "heading":
            continue
        while parents and parents[-1][0] >= block.level:
            parents.pop()
        parent = parents[-1][1] if parents else -1
        groups.setdefault((parent, block.level), []).append(index)
        parents.append((block.level, index))
    found: dict[int, tuple[int, ...]] = {}
    for members in groups.values():
        group = tuple(members[:200])
        for index in members:
            found[index] = group
    return found


def _section_text(blocks: tuple[Block, ...], index: int) -> str:
    level = blocks[index].level
    parts = []
    for block in blocks[index + 1 : index + 6]:
        if block.kind == "heading" and block.level <= level:
            break
        parts.append(block.text)
    return " ".join(parts)


def section_purpose(blocks: tuple[Block, ...], index: int) -> str:
    role = _ROLE.search(blocks[index].text)
    if role:
        return role.group(1)
    nxt = blocks[index + 1] if index + 1 < len(blocks) else None
    if nxt is None or nxt.kind == "heading":
        return ""
    first = _SENTENCE_END.split(nxt.text, maxsplit=1)[0]
    return first[:200]


def section_location(blocks: tuple[Block, ...], index: int) -> str:
    """A place the few blocks under a vendor heading state: "Location: X" or a bare "Germany"."""
    for block in blocks[index + 1 : index + 5]:
        if block.kind == "heading":
            return ""
        labelled = labelled_location(block.text)
        if labelled:
            return labelled
        if len(block.text.split()) <= 4 and any(location_words(block.text)):
            return block.text
    return ""


# A nested item that describes its parent ("Purpose: backups"), not a vendor of its own.
_ATTRIBUTE = re.compile(
    r"^(purpose|function|service|description|(?:data |hosting )?locations?|countr(?:y|ies)"
    r"|regions?)\s*:\s*(\S.*)$",
    re.IGNORECASE,
)


def attribute_line(text: str) -> tuple[str, str] | None:
    """("purpose", "backups") for "Purpose: backups"; None for anything else."""
    found = _ATTRIBUTE.match(text.strip())
    if not found:
        return None
    label = found.group(1).casefold()
    field = "purpose" if label in ("purpose", "function", "service", "description") else "location"
    return field, found.group(2).strip().rstrip(".")
