"""Walk a document's blocks once and hand each to the reader for its layout."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from urllib.parse import urlsplit

from registry.catalogue import Catalogue
from registry.names import key
from scraper.documents import Block, Document, select
from scraper.extract import EXTRACTOR_VERSION, Extraction, Processor
from scraper.extract.cleanup import Finding, merge, vendor_of
from scraper.extract.lists import (
    attribute_line,
    heading_vendor,
    read_item,
    read_term,
    section_location,
    section_purpose,
    sibling_headings,
)
from scraper.extract.locate import labelled_location, normalise, trailing_location
from scraper.extract.prose import read_prose
from scraper.extract.scripts import read_scripts
from scraper.extract.sections import PROCESSOR_WORDS, Place, Sections
from scraper.extract.tables import read_table
from scraper.extract.texttables import is_text_table, read_text_table

_DEFINED = re.compile(
    r"[“\"]\s*([A-Z][\w.&' -]{1,40}?)[,.]?\s*[”\"]\s*[,)]?\s*(?:\(|,)?\s*(?:and\s+|or\s+)?"
    r"[“\"]\s*(?:we|us|our)\b",
    re.IGNORECASE,
)
_BRACKETS = re.compile(r"\([^)]*\)")
_INTRO = re.compile(r"following|include|includes|including|below|:\s*$", re.IGNORECASE)


def read(
    document: Document,
    *,
    catalogue: Catalogue,
    selector: str | None = None,
    self_names: Sequence[str] = (),
) -> Extraction:
    notes: list[str] = []
    if selector:
        document, note = _narrow(document, selector)
        notes += [note] if note else []
    blocks = document.blocks
    self_keys = _self_keys(document, catalogue=catalogue, self_names=self_names)
    mentions: Counter[str] = Counter()
    findings = _walk(
        blocks, catalogue=catalogue, self_keys=self_keys, mentions=mentions, title=document.title
    )
    dominant = _dominant(mentions)
    findings = [f for f in findings if not (f.method == "prose" and f.group in dominant)]
    processors = merge(findings, catalogue=catalogue, normalise_locations=normalise)
    if document.scripts:
        findings = _with_script_list(findings, processors, document, catalogue=catalogue)
        processors = merge(findings, catalogue=catalogue, normalise_locations=normalise)
    methods = Counter(f.method for f in findings)
    found: tuple[str, ...] = () if processors else ("no sub-processors found on this page",)
    warnings = (*document.warnings, *notes, *found)
    return Extraction(
        processors=tuple(processors),
        warnings=warnings,
        format=document.format,
        method=methods.most_common(1)[0][0] if methods else "",
        details={"version": EXTRACTOR_VERSION, "blocks": len(blocks)},
    )


def _narrow(document: Document, selector: str) -> tuple[Document, str]:
    """The part of the page a CSS selector picks; the whole page (with a warning) when the
    selector is invalid or matches nothing, so a stale selector never empties the list."""
    try:
        narrowed = select(document, selector)
    except Exception as exc:  # soupsieve raises several error types
        return document, f"CSS selector {selector!r} is invalid ({exc}); read the whole page"
    if document.format == "html" and not narrowed.blocks:
        return document, f"CSS selector {selector!r} matched nothing; read the whole page"
    return narrowed, ""


def _with_script_list(
    findings: list[Finding],
    processors: list[Processor],
    document: Document,
    *,
    catalogue: Catalogue,
) -> list[Finding]:
    """Script JSON counts when the page shows no list, or when it holds the page's own list
    (a paginated list whose full data ships in the page): never as a separate source."""
    if not processors:
        return read_scripts(document.scripts, catalogue=catalogue)
    if len(processors) < 2:
        return findings
    scripts = tuple(
        text
        for text in document.scripts
        if sum(p.name in text or p.vendor in text for p in processors) * 10 >= len(processors) * 8
    )  # cheap test before parsing JSON: does the script mention the page's vendors at all?
    scripted = read_scripts(scripts, catalogue=catalogue) if scripts else []
    shown = {key(p.vendor) for p in processors}
    in_script = {key(vendor_of(f.name, catalogue=catalogue)[1]) for f in scripted}
    if len(shown) >= 2 and len(shown & in_script) * 10 >= len(shown) * 8:
        last = max((f.order for f in findings), default=0)
        return findings + [replace(f, order=last + 1 + f.order) for f in scripted]
    return findings


def _self_keys(
    document: Document, *, catalogue: Catalogue, self_names: Sequence[str]
) -> frozenset[str]:
    """The company publishing the page: given names, its "we" definition, its title's vendor."""
    names = list(self_names)
    head = " ".join(b.text for b in document.blocks[:60])
    names += [m.group(1) for m in _DEFINED.finditer(head)]
    keys = {key(n) for n in names if key(n)}
    for name in names:
        entry = catalogue.resolve(name)
        if entry:
            keys |= {entry.slug, key(entry.name)}
    title = document.title or next((b.text for b in document.blocks if b.kind == "heading"), "")
    for entry, _ in catalogue.find_in_text(title):
        keys |= {entry.slug, key(entry.name)}
    return frozenset(keys)


_INTRO_HINTS = ("processor", "vendor", "provider", "third", "3rd", "services", "contractor")


def _is_intro(text: str) -> bool:
    """A paragraph that introduces the list below it ("We use the following providers:")."""
    low = text[-300:].casefold()
    if not (low.rstrip().endswith(":") or "following" in low or "below" in low or "includ" in low):
        return False
    if not any(hint in low for hint in _INTRO_HINTS):
        return False
    return bool(PROCESSOR_WORDS.search(text[-300:]) and _INTRO.search(text[-300:]))


def _dominant(mentions: Counter[str]) -> set[str]:
    """The vendor a page keeps naming in its text is the page's own company, not a processor."""
    ranked = mentions.most_common(2)
    if not ranked or ranked[0][1] < 8:
        return set()
    if len(ranked) > 1 and ranked[0][1] < 2 * ranked[1][1]:
        return set()
    return {ranked[0][0]}


def _runs_pure(blocks: tuple[Block, ...]) -> list[bool]:
    """For each item: is its list made of short entries only (a bare list of names)?"""
    pure = [False] * len(blocks)
    start = 0
    while start < len(blocks):
        if blocks[start].kind != "item":
            start += 1
            continue
        end = start
        while end < len(blocks) and blocks[end].kind == "item":
            end += 1
        run = blocks[start:end]
        short = all(len(_BRACKETS.sub(" ", b.text).split()) <= 5 for b in run)
        site = _site_host(run)
        for index in range(start, end):
            nav = bool(site) and urlsplit(blocks[index].href).netloc.casefold() == site
            pure[index] = short and end - start >= 2 and not nav
        start = end
    return pure


def _site_host(run: tuple[Block, ...]) -> str:
    """The host most entries link to, when there is one: that is navigation (vendors each
    link to their own site)."""
    hosts = [urlsplit(b.href).netloc.casefold() for b in run if b.href]
    if len(hosts) < 3:
        return ""
    host, count = Counter(hosts).most_common(1)[0]
    return host if host and count >= 3 and count * 10 >= len(hosts) * 6 else ""


_LOCATED = re.compile(
    r"\b(?:located|based|hosted|stor(?:e|es|ed)|process(?:es|ed)?|resides?)\s+(?:\w+\s+){0,2}?in\s+(?:the\s+)?"
    r"([A-Z][\w.]*(?:[ ,]+(?:and\s+|&\s+)?[A-Z][\w.]*){0,6})"
)


def _walk(
    blocks: tuple[Block, ...],
    *,
    catalogue: Catalogue,
    self_keys: frozenset[str],
    mentions: Counter[str],
    title: str = "",
) -> list[Finding]:
    walker = _Walker(blocks, catalogue=catalogue, self_keys=self_keys, mentions=mentions)
    if title and not any(b.kind == "heading" for b in blocks):
        # A page with no headings at all: its <title> ("Acme subprocessors") heads it.
        walker.sections.push(Block("heading", title, level=0))
    for index, block in enumerate(blocks):
        walker.step(index, block)
    return walker.findings


def _split_location(finding: Finding) -> Finding:
    """A listed vendor's place written into its purpose text becomes its location."""
    if finding.location or finding.method == "prose":
        return finding
    if finding.name.endswith(")"):  # "Hetzner Online GmbH (Germany)"
        name, place = trailing_location(finding.name)
        if place and name:
            return replace(finding, name=name, location=place)
    labelled = labelled_location(finding.purpose)
    if labelled:
        return replace(finding, location=labelled)
    purpose, place = trailing_location(finding.purpose)
    return replace(finding, purpose=purpose, location=place) if place else finding


class _Walker:
    """Reads blocks in order, keeping the heading context and the list/section state."""

    def __init__(
        self,
        blocks: tuple[Block, ...],
        *,
        catalogue: Catalogue,
        self_keys: frozenset[str],
        mentions: Counter[str],
    ) -> None:
        self.blocks, self.catalogue, self.self_keys, self.mentions = (
            blocks,
            catalogue,
            self_keys,
            mentions,
        )
        self.sections = Sections()
        self.pure = _runs_pure(blocks)
        self.siblings = sibling_headings(blocks)
        self.findings: list[Finding] = []
        self.intro = False
        self.tables = self.items = 0
        self.location = ""  # stated once for a whole section ("all located in the EU")
        self.location_level = 0  # the level of the heading whose section stated it

    def step(self, index: int, block: Block) -> None:
        if block.kind == "heading":
            self._heading(index, block)
            return
        place = self.sections.place()
        found = self._structural(index, block, place)
        if found is None:
            return
        if not found:
            found = read_prose(
                block.text,
                place=place,
                catalogue=self.catalogue,
                self_keys=self.self_keys,
                order=index * 1000,
                mentions=self.mentions,
            )
        self._add(found)
        if block.kind == "para":
            self.intro = _is_intro(block.text)
            self._located(block.text, place)

    def _located(self, text: str, place: Place) -> None:
        """A sentence stating where the section's processors are ("all located in the EU")."""
        stack = self.sections.stack
        # On a page without headings, a sentence naming sub-processors speaks for the list below.
        about = place.processor or (not stack and PROCESSOR_WORDS.search(text))
        located = _LOCATED.search(text) if about and " in " in text else None
        if located and normalise(located.group(1)):
            self.location = located.group(1)
            # Without a heading, the next heading of any level ends the statement.
            self.location_level = stack[-1][0] if stack else 99

    def _add(self, found: list[Finding]) -> None:
        if not found:
            return
        found = [_split_location(f) for f in found]
        if self.location:
            found = [
                replace(f, location=self.location) if not f.location and f.method != "prose" else f
                for f in found
            ]
        self.findings += found

    def _describe_last(self, text: str) -> bool:
        """A nested "Purpose: ..." line under the item just read describes that vendor."""
        attribute = attribute_line(text)
        if not attribute or not self.findings or self.findings[-1].method != "list":
            return False
        last, (field, value) = self.findings[-1], attribute
        if not getattr(last, field):
            self.findings[-1] = replace(last, **{field: value})
        return True

    def _heading(self, index: int, block: Block) -> None:
        self.sections.close(block.level)
        place = self.sections.place()
        vendor = heading_vendor(
            self.blocks, index, place=place, catalogue=self.catalogue, siblings=self.siblings
        )
        self.sections.push(block, is_vendor=bool(vendor))
        if block.level <= self.location_level:  # the section that stated it has ended
            self.location = ""
        if vendor:
            purpose = section_purpose(self.blocks, index)
            location = section_location(self.blocks, index)
            where = f"section '{block.text}'"
            self._add([Finding(vendor, purpose, location, "", where, "section", index * 1000)])
        self.intro, self.items = False, 0

    def _structural(self, index: int, block: Block, place: Place) -> list[Finding] | None:
        """Findings from the block's layout; None when the block is fully handled (no prose)."""
        order = index * 1000
        if block.kind == "table":
            self.tables += 1
            self.intro = False
            self._add(
                read_table(
                    block, number=self.tables, place=place, catalogue=self.catalogue, order=index
                )
            )
            return None
        if block.kind == "para" and is_text_table(block):
            self._add(read_text_table(block, place=place, catalogue=self.catalogue, order=order))
            return None
        relaxed = place.processor and not place.excluded
        if block.kind == "item" and (relaxed or self.intro) and not place.excluded:
            if block.level > 1 and self._describe_last(block.text):
                return None
            self.items += 1
            nxt = self.blocks[index + 1] if index + 1 < len(self.blocks) else None
            nested = nxt is not None and nxt.kind == "item" and nxt.level > block.level
            if nested and not attribute_line(nxt.text):
                return []  # a category with the vendors nested below it
            return read_item(
                block,
                place=place,
                pure=self.pure[index],
                catalogue=self.catalogue,
                number=self.items,
                order=order,
            )
        if block.kind == "para" and relaxed and (block.lead or len(block.text) < 80):
            return read_item(
                block, place=place, pure=False, catalogue=self.catalogue, number=0, order=order
            )
        if block.kind == "term" and relaxed:
            found = read_term(block, place=place, catalogue=self.catalogue, order=order)
            nxt = self.blocks[index + 1] if index + 1 < len(self.blocks) else None
            if found and not found[0].purpose and nxt is not None and nxt.kind == "para":
                found = [replace(found[0], purpose=nxt.text[:200])]  # <dt>Name</dt><dd>...</dd>
            return found
        return []
