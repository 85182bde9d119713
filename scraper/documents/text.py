"""Markdown, reStructuredText and plain text to blocks, line by line."""

from __future__ import annotations

import html as html_lib
import re

import lxml.etree
import lxml.html

from registry.names import clean
from scraper.documents.html import MAX_ROWS, html_blocks
from scraper.documents.model import Block, Cell, pseudo_heading

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_UNDERLINE = re.compile(r"^\s*([=\-~^+*#\"'`:.])\1{2,}\s*$")
_ITEM = re.compile(r"^(\s*)(?:[*+\-•◦·▪●]|\d{1,3}[.)])\s+(.*)$")
_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_FRONT = re.compile(r"\A---\s*\n.*?\n---\s*\n", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_LINK = re.compile(r"!?\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = re.compile(r"<(https?://[^>\s]+)>")
_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_BOLD_LINE = re.compile(r"^[\s_*]*(?:\*\*|__)(.+?)(?:\*\*|__)[\s_*:]*$")
_LEAD = re.compile(r"^[\s_*]*(?:\*\*|__)(.+?)(?:\*\*|__)")
_HTML_BLOCK = re.compile(
    r"^\s{0,3}<(?:table|ul|ol|dl|div|section|article|figure|details|h[1-6]|p)[\s>]", re.IGNORECASE
)


def inline(text: str) -> tuple[str, str]:
    """Return (plain text, first link) of a markdown/HTML inline fragment."""
    href = ""
    link = _LINK.search(text) or _AUTOLINK.search(text)
    if link:
        href = link.group(link.lastindex or 1)
    text = _LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    if not href:
        tag_href = re.search(r"href=[\"']([^\"']+)", text)
        href = tag_href.group(1) if tag_href else ""
    text = _TAG.sub(" ", text)
    text = re.sub(r"(\*\*|__|`)", "", text)
    text = re.sub(r"(?<![\w\\])[*_](?=\S)|(?<=\S)(?<!\\)[*_](?!\w)", "", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", text)
    return clean(html_lib.unescape(text)), href


def parse_lines(text: str) -> tuple[list[Block], str]:
    text = _FRONT.sub("", text.replace("\r\n", "\n").replace("\r", "\n"), count=1)
    text = _COMMENT.sub("", text)
    lines = text.split("\n")
    parser = _LineParser(lines)
    parser.run()
    title = next((b.text for b in parser.blocks if b.kind == "heading"), "")
    return parser.blocks, title


class _LineParser:
    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.blocks: list[Block] = []
        self.levels: dict[str, int] = {}
        self.has_headings = any(_ATX.match(x) or _UNDERLINE.match(x) for x in lines[:2000])

    def run(self) -> None:
        i, n = 0, len(self.lines)
        while i < n:
            i = self._step(i)

    def _step(self, i: int) -> int:
        line = self.lines[i]
        if not line.strip():
            return i + 1
        nxt = self.lines[i + 1] if i + 1 < len(self.lines) else ""
        over = i + 2 < len(self.lines) and _UNDERLINE.match(self.lines[i + 2])
        if _UNDERLINE.match(line) and nxt.strip() and over:  # RST over- and underlined title
            return self._heading(self.lines[i + 1], line.strip()[0], i + 3)
        if (m := _ATX.match(line)) is not None:
            self._add(Block("heading", inline(m.group(2))[0], level=len(m.group(1))))
            return i + 1
        if _HTML_BLOCK.match(line):
            return self._html(i)
        if nxt and _UNDERLINE.match(nxt) and not _ITEM.match(line) and "|" not in line:
            return self._heading(line, nxt.strip()[0], i + 2)
        if "|" in line and (_TABLE_SEP.match(nxt) or line.lstrip().startswith("|")):
            return self._table(i)
        if (m := _ITEM.match(line)) is not None:
            return self._item(i, m)
        indented = nxt.startswith((" ", "\t")) and nxt.strip() and not _ITEM.match(nxt)
        if indented and not line.startswith((" ", "\t")) and len(line.split()) <= 8:
            return self._term(i)
        return self._para(i)

    def _add(self, block: Block) -> None:
        if block.text or block.rows:
            self.blocks.append(block)

    def _html(self, i: int) -> int:
        """An HTML block inside markdown (a <table>, <ul>, ...) runs to the next blank line."""
        start = i
        while i < len(self.lines) and self.lines[i].strip():
            i += 1
        fragment = "\n".join(self.lines[start:i])
        try:
            root = lxml.html.document_fromstring(f"<html><body>{fragment}</body></html>")
        except (lxml.etree.ParserError, ValueError):
            return i
        self.blocks.extend(html_blocks(root))
        return i

    def _heading(self, line: str, char: str, nxt: int) -> int:
        level = self.levels.setdefault(char, len(self.levels) + 1)
        self._add(Block("heading", inline(line)[0], level=level))
        return nxt

    def _table(self, i: int) -> int:
        rows: list[tuple[Cell, ...]] = []
        while i < len(self.lines) and "|" in self.lines[i] and self.lines[i].strip():
            line = self.lines[i].strip()
            i += 1
            if _TABLE_SEP.match(line) or len(rows) >= MAX_ROWS:
                continue
            cells = re.split(r"(?<!\\)\|", line.strip("|") if line.startswith("|") else line)
            rows.append(tuple(inline(c) for c in cells))
        self._add(Block("table", "", rows=tuple(rows)))
        return i

    def _item(self, i: int, m: re.Match[str]) -> int:
        indent = len(m.group(1).expandtabs())
        parts = [m.group(2)]
        i += 1
        while i < len(self.lines):
            line = self.lines[i]
            if not line.strip() or _ITEM.match(line) or _ATX.match(line):
                break
            if len(line) - len(line.lstrip()) <= indent and "|" in line:
                break
            parts.append(line.strip())
            i += 1
        raw = " ".join(parts)
        lead = _LEAD.match(raw)
        text, href = inline(raw)
        block_lead = inline(lead.group(1))[0] if lead else ""
        self._add(Block("item", text, level=indent // 2 + 1, lead=block_lead, href=href))
        return i

    def _term(self, i: int) -> int:
        term, href = inline(self.lines[i])
        parts = [term]
        i += 1
        while i < len(self.lines):
            line = self.lines[i]
            if not line.strip():
                nxt = self.lines[i + 1] if i + 1 < len(self.lines) else ""
                if not (nxt.strip() and nxt.startswith((" ", "\t"))):
                    break
            elif not line.startswith((" ", "\t")):
                break
            parts.append(line.strip())
            i += 1
        self._add(Block("term", inline(" ".join(parts))[0], lead=term, href=href))
        return i

    def _para(self, i: int) -> int:
        raw: list[str] = []
        while i < len(self.lines) and self.lines[i].strip():
            line = self.lines[i]
            if raw and (_ITEM.match(line) or _ATX.match(line) or line.lstrip().startswith("|")):
                break
            nxt = self.lines[i + 1] if i + 1 < len(self.lines) else ""
            if raw and _UNDERLINE.match(nxt):
                break
            raw.append(line)
            i += 1
        self._emit_para(raw)
        return i

    def _emit_para(self, raw: list[str]) -> None:
        joined = " ".join(x.strip() for x in raw)
        bold = _BOLD_LINE.match(joined)
        text, href = inline(joined)
        if bold and pseudo_heading(text):
            self._add(Block("heading", text, level=7, href=href))
            return
        if len(raw) == 1 and not self.has_headings and _looks_like_heading(text):
            self._add(Block("heading", text, level=3))
            return
        lead = _LEAD.match(joined)
        lines = tuple(inline(x)[0] for x in raw)
        block_lead = inline(lead.group(1))[0] if lead else ""
        self._add(Block("para", text, lead=block_lead, href=href, lines=lines))


def _looks_like_heading(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= 10
        and text[:1].isupper()
        and text[-1] not in ".,;:!?"
        and "http" not in text
        and "@" not in text
    )
