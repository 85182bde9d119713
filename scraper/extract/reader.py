"""Walk a document's blocks once and hand each to the reader for its layout."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from registry.catalogue import Catalogue
from registry.names import key
from scraper.documents import Block, Document, select
from scraper.extract import EXTRACTOR_VERSION, Extraction
from scraper.extract.cleanup import Finding, merge
from scraper.extract.lists import heading_vendor, read_item, read_term, section_purpose
from scraper.extract.locate import normalise
from scraper.extract.prose import read_prose
from scraper.extract.sections import PROCESSOR_WORDS, Sections
from scraper.extract.tables import read_table
from scraper.extract.texttables import is_text_table, read_text_table

_DEFINED = re.compile(
    r"[“\"]\s*([A-Z][\w.&' -]{1,40}?)[,.]?\s*[”\"]\s*[,)]?\s*(?:\(|,)?\s*(?:and\s+|or\s+)?"
    r"[“\"]\s*(?:we|us|our)\b",
    re.IGNORECASE,
)
_INTRO = re.compile(r"following|include|includes|including|below|:\s*$", re.IGNORECASE)


def read(
    document: Document,
    *,
    catalogue: Catalogue,
    selector: str | None = None,
    self_names: Sequence[str] = (),
) -> Extraction:
    if selector:
        document = select(document, selector)
    blocks = document.blocks
    self_keys = _self_keys(document, catalogue=catalogue, self_names=self_names)
    mentions: Counter[str] = Counter()
    findings = _walk(blocks, catalogue=catalogue, self_keys=self_keys, mentions=mentions)
    dominant = _dominant(mentions)
    findings = [f for f in findings if not (f.method == "prose" and f.group in dominant)]
    processors = merge(findings, catalogue=catalogue, normalise_locations=normalise)
    methods = Counter(f.method for f in findings)
    warnings = () if processors else ("no sub-processors found on this page",)
    return Extraction(
        processors=tuple(processors),
        warnings=warnings,
        format=document.format,
        method=methods.most_common(1)[0][0] if methods else "",
        details={"version": EXTRACTOR_VERSION, "blocks": len(blocks)},
    )


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
        short = all(len(b.text.split()) <= 5 for b in blocks[start:end])
        for index in range(start, end):
            pure[index] = short and end - start >= 2
        start = end
    return pure


def _walk(
    blocks: tuple[Block, ...],
    *,
    catalogue: Catalogue,
    self_keys: frozenset[str],
    mentions: Counter[str],
) -> list[Finding]:
    sections = Sections()
    pure = _runs_pure(blocks)
    findings: list[Finding] = []
    intro = False
    tables = items = 0
    for index, block in enumerate(blocks):
        order = index * 1000
        if block.kind == "heading":
            sections.close(block.level)
            place = sections.place()
            vendor = heading_vendor(blocks, index, place=place, catalogue=catalogue)
            sections.push(block, is_vendor=bool(vendor))
            if vendor:
                purpose = section_purpose(blocks, index)
                where = f"section '{block.text}'"
                findings.append(
                    Finding(vendor, purpose, found_in=where, method="section", order=order)
                )
            intro, items = False, 0
            continue
        place = sections.place()
        if block.kind == "table":
            tables += 1
            findings += read_table(
                block, number=tables, place=place, catalogue=catalogue, order=index
            )
            intro = False
            continue
        relaxed = place.processor and not place.vendor_heading
        listed: list[Finding] = []
        if block.kind == "para" and is_text_table(block):
            findings += read_text_table(block, place=place, catalogue=catalogue, order=order)
            continue
        if block.kind in ("item", "para") and (relaxed or (intro and block.kind == "item")):
            if not place.excluded:
                items += block.kind == "item"
                listed = read_item(
                    block,
                    place=place,
                    pure=pure[index],
                    catalogue=catalogue,
                    number=items,
                    order=order,
                )
        elif block.kind == "term" and relaxed:
            listed = read_term(block, place=place, catalogue=catalogue, order=order)
        findings += listed
        if not listed:
            findings += read_prose(
                block.text,
                place=place,
                catalogue=catalogue,
                self_keys=self_keys,
                order=order,
                mentions=mentions,
            )
        if block.kind == "para":
            intro = bool(PROCESSOR_WORDS.search(block.text) and _INTRO.search(block.text))
    return findings
