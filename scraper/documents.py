"""Parse a fetched body (HTML, markdown or plain text) into a flat sequence of blocks."""

from __future__ import annotations

import codecs
import html as html_lib
import re
from dataclasses import dataclass

import lxml.etree
import lxml.html

from registry.names import clean

Cell = tuple[str, str]  # (text, first link href)


@dataclass(frozen=True)
class Block:
    """One block of a page in reading order.

    kind: "heading" (level 1-6, or 7+ for bold-only lines), "para", "item" (list item, level =
    nesting depth), "term" (definition-list term with its description), "table" (rows of cells).
    lead: the bold/term text a paragraph or item starts with; href: its first link.
    """

    kind: str
    text: str = ""
    level: int = 0
    lead: str = ""
    href: str = ""
    rows: tuple[tuple[Cell, ...], ...] = ()
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    format: str  # "html", "markdown" or "text"
    blocks: tuple[Block, ...]
    title: str = ""
    scripts: tuple[str, ...] = ()  # JSON found in <script> tags, a fallback source only
    source: str = ""  # the decoded text, kept for CSS selectors

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks if b.text)


def parse(body: bytes | str, *, content_type: str | None = None) -> Document:
    """Parse body into a Document, sniffing the format from the content itself."""
    text = decode(body, content_type=content_type) if isinstance(body, bytes) else body
    text = text.lstrip("\ufeff")
    kind = sniff(text)
    if kind == "html":
        return _parse_html(text)
    blocks, title = _parse_lines(text)
    return Document(format=kind, blocks=tuple(blocks), title=title, source=text)


def select(document: Document, selector: str) -> Document:
    """Narrow an HTML document to the elements a CSS selector matches (soupsieve via bs4)."""
    if document.format != "html" or not selector:
        return document
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(document.source, "lxml")
    blocks: list[Block] = []
    for element in soup.select(selector):
        blocks += _parse_html(f"<html><body>{element}</body></html>").blocks
    return Document("html", tuple(blocks), document.title, document.scripts, document.source)


def decode(body: bytes, *, content_type: str | None = None) -> str:
    """Decode bytes: BOM first, then the declared charset, then UTF-8 with replacement."""
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if body.startswith(bom):
            return body.decode(codec, errors="replace")
    charset = _declared_charset(content_type or "") or _declared_charset(
        body[:2048].decode("ascii", "ignore")
    )
    if charset:
        try:
            return body.decode(charset, errors="replace")
        except LookupError:
            pass
    return body.decode("utf-8", errors="replace")


def _declared_charset(text: str) -> str:
    match = re.search(r"charset=[\"']?([A-Za-z0-9_.:-]+)", text, re.IGNORECASE)
    return match.group(1) if match else ""


_HTML_HINT = re.compile(
    r"<(?:!doctype\s+html|html|head|body|div|table|p|ul|h[1-6]|section|article|main)[\s>]", re.I
)


def sniff(text: str) -> str:
    """Return "html", "markdown" or "text" from the content alone."""
    head = text[:5000]
    if head.lstrip()[:1] == "<" and _HTML_HINT.search(head):
        return "html"
    if len(_HTML_HINT.findall(head)) >= 5 and not re.search(r"^#{1,6} |^\|.*\|\s*$", head, re.M):
        return "html"
    if re.search(
        r"^#{1,6} |^\s*\|.*\|\s*$|\[[^\]\n]+\]\([^)\s]+\)|\*\*[^*\n]+\*\*|^[=-]{3,}\s*$", head, re.M
    ):
        return "markdown"
    return "text"


# ---------------------------------------------------------------- HTML

_SKIP = frozenset(
    [
        "script",
        "style",
        "noscript",
        "svg",
        "nav",
        "footer",
        "aside",
        "form",
        "button",
        "select",
        "iframe",
        "object",
        "head",
        "math",
        "canvas",
    ]
)
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_BLOCKS = frozenset(
    [
        "p",
        "li",
        "dt",
        "dd",
        "div",
        "section",
        "article",
        "blockquote",
        "pre",
        "main",
        "header",
        "td",
        "th",
        "caption",
        "details",
        "summary",
        "figcaption",
    ]
)
_LEAD_TAGS = frozenset(("strong", "b"))


def _parse_html(text: str) -> Document:
    try:
        root = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError):
        return Document(format="html", blocks=())
    title = clean(root.findtext(".//title") or "")
    scripts = tuple(
        s.text for s in root.iter("script") if s.text and "json" in (s.get("type") or "").lower()
    )
    blocks = tuple(_html_blocks(root))
    return Document("html", blocks, title=title, scripts=scripts, source=text)


class _Open:
    __slots__ = ("depth", "gave_item", "href", "lead", "lead_at", "order", "parts", "tag")

    def __init__(self, tag: str, order: int, depth: int) -> None:
        self.tag, self.order, self.depth = tag, order, depth
        self.parts: list[str] = []
        self.lead = ""
        self.lead_at = -1
        self.href = ""
        self.gave_item = False


def _html_blocks(root: lxml.html.HtmlElement) -> list[Block]:
    """Walk the tree without recursion and emit blocks in reading order."""
    out: list[tuple[int, Block]] = []
    stack: list[_Open] = [_Open("root", 0, 0)]
    list_depth = 0
    order = 0
    walker = lxml.etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, el in walker:
        tag = el.tag if isinstance(el.tag, str) else ""
        if event in ("comment", "pi"):
            _add_text(stack[-1], el.tail)  # the comment itself is not text; what follows it is
            continue
        if event == "start":
            order += 1
            if not tag or tag in _SKIP or el.get("role") == "navigation":
                walker.skip_subtree()  # its "end" event still comes and adds its tail
                continue
            if tag == "table":
                out.append((order, _html_table(el)))
                walker.skip_subtree()
                continue
            if tag in ("ul", "ol", "dl"):
                list_depth += 1
            if tag in _BLOCKS or tag in _HEADINGS:
                stack.append(_Open(tag, order, list_depth))
            top = stack[-1]
            if tag in _LEAD_TAGS and not "".join(top.parts).strip() and top.lead_at < 0:
                top.lead_at = len(top.parts)
            if tag == "a" and not top.href:
                top.href = el.get("href") or ""
            if tag == "br":
                top.parts.append("\n")
            _add_text(top, el.text)
        else:
            if tag in ("ul", "ol", "dl"):
                list_depth -= 1
            top = stack[-1]
            if tag in _LEAD_TAGS and top.lead_at >= 0 and not top.lead:
                top.lead = clean("".join(top.parts[top.lead_at :])) or " "
            if (tag in _BLOCKS or tag in _HEADINGS) and top.tag == tag and len(stack) > 1:
                stack.pop()
                parent = stack[-1]
                if (
                    tag in ("p", "div")
                    and parent.tag == "li"
                    and not parent.gave_item
                    and not "".join(parent.parts).strip()
                ):
                    top.tag, top.depth, parent.gave_item = "li", parent.depth, True
                block = _html_block(top)
                if block:
                    out.append((top.order, block))
            _add_text(stack[-1], el.tail)
    out.sort(key=lambda item: item[0])
    return [block for _, block in out]


def _add_text(top: _Open, text: str | None) -> None:
    if text:
        top.parts.append(text)


def _html_block(top: _Open) -> Block | None:
    raw = "".join(top.parts)
    text = clean(raw)
    if not text:
        return None
    lead = top.lead.strip()
    if top.tag in _HEADINGS:
        return Block("heading", text, level=_HEADINGS[top.tag], href=top.href)
    if top.tag == "li":
        return Block("item", text, level=top.depth, lead=lead, href=top.href)
    if top.tag == "dt":
        return Block("term", text, lead=text, href=top.href)
    if top.tag == "summary" and _pseudo_heading(text):  # an accordion's title
        return Block("heading", text, level=7, href=top.href)
    lines = (text,)
    if "\n" in raw.strip():
        lines = tuple(c for c in (clean(line) for line in raw.split("\n")) if c)
    if lead and lead == text and _pseudo_heading(text):
        return Block("heading", text, level=7, href=top.href)
    return Block("para", text, lead=lead, href=top.href, lines=lines)


_MAX_ROWS = 5000


def _html_table(table: lxml.html.HtmlElement) -> Block:
    rows: list[tuple[Cell, ...]] = []
    for tr in table.iter("tr"):
        cells = []
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            link = next(cell.iter("a"), None)
            href = link.get("href", "") if link is not None else ""
            cells.append((clean(" ".join(cell.itertext())), href))
        if any(text for text, _ in cells):
            rows.append(tuple(cells))
        if len(rows) >= _MAX_ROWS:
            break
    caption = clean(table.findtext("caption") or "")
    return Block("table", caption, rows=tuple(rows))


# ---------------------------------------------------------------- markdown / RST / text

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


def _parse_lines(text: str) -> tuple[list[Block], str]:
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
        self.blocks.extend(_html_blocks(root))
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
            if _TABLE_SEP.match(line) or len(rows) >= _MAX_ROWS:
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
        if bold and _pseudo_heading(text):
            self._add(Block("heading", text, level=7, href=href))
            return
        if len(raw) == 1 and not self.has_headings and _looks_like_heading(text):
            self._add(Block("heading", text, level=3))
            return
        lead = _LEAD.match(joined)
        lines = tuple(inline(x)[0] for x in raw)
        block_lead = inline(lead.group(1))[0] if lead else ""
        self._add(Block("para", text, lead=block_lead, href=href, lines=lines))


def _pseudo_heading(text: str) -> bool:
    """A bold-only line reads as a heading unless it is a stamp like "Last update: 2024-09-12"."""
    if len(text) >= 120 or re.search(r"\b(?:19|20)\d\d\b", text):
        return False
    return ":" not in text.rstrip(": ")


def _looks_like_heading(text: str) -> bool:
    words = text.split()
    return (
        0 < len(words) <= 10
        and text[:1].isupper()
        and text[-1] not in ".,;:!?"
        and "http" not in text
        and "@" not in text
    )
