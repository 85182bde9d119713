"""HTML to blocks: one lxml parse, one iterative walk (no recursion on hostile nesting)."""

from __future__ import annotations

import threading

import lxml.etree

from registry.names import clean
from scraper.documents.model import Block, Cell, Document, pseudo_heading

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
        # Struck-through text is what a page no longer uses ("<del>Heroku</del>").
        "del",
        "s",
        "strike",
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


Lines = tuple[str, ...]
_LOCAL = threading.local()  # lxml parser objects must not be shared between threads


def _parser(encoding: str | None) -> lxml.etree.HTMLParser:
    """A plain etree parser: lxml.html's element classes are looked up in Python for every
    element the walk touches, and the walk needs none of their methods."""
    parsers = _LOCAL.__dict__.setdefault("parsers", {})
    if encoding not in parsers:
        parsers[encoding] = lxml.etree.HTMLParser(encoding=encoding)
    return parsers[encoding]


def parse_html(text: str | None, *, raw: bytes | None = None) -> Document:
    """raw: the same page as clean UTF-8 bytes, parsed directly when given (faster than text);
    text may then be None."""
    try:
        if raw is not None:
            root = lxml.etree.fromstring(raw.removeprefix(b"\xef\xbb\xbf"), _parser("utf-8"))
        else:
            root = lxml.etree.fromstring(text or "", _parser(None))
        if root is None:
            raise lxml.etree.ParserError("Document is empty")
    except (lxml.etree.ParserError, ValueError):
        return Document(format="html", blocks=())
    title = clean(root.findtext(".//title") or "")
    scripts = tuple(
        s.text for s in root.iter("script") if s.text and "json" in (s.get("type") or "").lower()
    )
    blocks = tuple(html_blocks(root))
    page = text if text is not None else raw
    return Document("html", blocks, title=title, scripts=scripts, page=page or "")


class _Open:
    __slots__ = ("depth", "gave_item", "href", "lead", "lead_at", "order", "parts", "tag")

    def __init__(self, tag: str, order: int, depth: int) -> None:
        self.tag, self.order, self.depth = tag, order, depth
        self.parts: list[str] = []
        self.lead = ""
        self.lead_at = -1
        self.href = ""
        self.gave_item = False


# What the walk does at each tag, looked up once per element.
_ROLE: dict[str, str] = {
    **dict.fromkeys(_SKIP, "skip"),
    **dict.fromkeys(_BLOCKS, "block"),
    **dict.fromkeys(_HEADINGS, "block"),
    **dict.fromkeys(("ul", "ol", "dl"), "list"),
    **dict.fromkeys(_LEAD_TAGS, "lead"),
    "table": "table",
    "a": "a",
    "br": "br",
}


def html_blocks(root: lxml.etree._Element) -> list[Block]:
    """Walk the tree without recursion and emit blocks in reading order."""
    out: list[tuple[float, Block]] = []
    stack: list[_Open] = [_Open("root", 0, 0)]
    top = stack[0]
    list_depth = 0
    order = 0
    closed = False
    walker = lxml.etree.iterwalk(root, events=("start", "end", "comment", "pi"))
    for event, el in walker:
        tag = el.tag
        if event == "start":
            order += 1
            role = _ROLE.get(tag, "") if isinstance(tag, str) else "skip"
            if role == "skip" or el.get("role") == "navigation":
                walker.skip_subtree()  # its "end" event still comes and adds its tail
                continue
            if role == "table":
                out.append((order, _html_table(el)))
                walker.skip_subtree()
                continue
            if role == "block":
                if not len(el):  # a leaf (<p>text</p>): opened and closed at once
                    leaf = _Open(tag, order, list_depth)
                    if el.text:
                        leaf.parts.append(el.text)
                    stack.append(leaf)
                    _close(stack, out, order)
                    walker.skip_subtree()
                    closed = True  # its "end" event, next, only adds its tail
                    continue
                top = _Open(tag, order, list_depth)
                stack.append(top)
            elif role == "list":
                list_depth += 1
            elif role == "lead":
                if top.lead_at < 0 and not "".join(top.parts).strip():
                    top.lead_at = len(top.parts)
            elif role == "a":
                if not top.href:
                    top.href = el.get("href") or ""
            elif role == "br":
                top.parts.append("\n")
            if el.text:
                top.parts.append(el.text)
            continue
        if closed:
            closed = False
        elif event == "end":
            role = _ROLE.get(tag, "") if isinstance(tag, str) else ""
            if role == "list":
                list_depth -= 1
            elif role == "lead":
                if top.lead_at >= 0 and not top.lead:
                    top.lead = clean("".join(top.parts[top.lead_at :])) or " "
            elif role == "block" and top.tag == tag and len(stack) > 1:
                _close(stack, out, order)
                top = stack[-1]
        # A comment's own text is not page text; what follows it (its tail) is.
        if el.tail:
            top.parts.append(el.tail)
    out.sort(key=lambda item: item[0])
    return [block for _, block in out]


def _close(stack: list[_Open], out: list[tuple[float, Block]], order: int) -> None:
    """The innermost open block element ends: emit it, and restart its container's text."""
    top = stack.pop()
    parent = stack[-1]
    if (
        top.tag in ("p", "div")
        and parent.tag == "li"
        and not parent.gave_item
        and not "".join(parent.parts).strip()
    ):
        top.tag, top.depth, parent.gave_item = "li", parent.depth, True
    block = _html_block(top)
    if block:
        out.append((top.order, block))
    if parent.tag not in _ITEM_TAGS:
        _restart(parent, out, order)


# Containers whose text stays one block even around a child block (an item and its details).
_ITEM_TAGS = frozenset({"li", "dt", "dd", "td", "th", "summary", "root"}) | frozenset(_HEADINGS)


def _restart(parent: _Open, out: list[tuple[float, Block]], order: int) -> None:
    """A child block just closed: text the container had before it is a block of its own, and
    text after it (a card's trailing <span>) comes after the child, not before it."""
    block = _html_block(parent) if parent.parts else None
    if block:
        out.append((parent.order, block))
    parent.parts, parent.lead, parent.lead_at, parent.href = [], "", -1, ""
    parent.order = order + 0.5


def _block(
    kind: str, text: str, *, level: int = 0, lead: str = "", href: str = "", lines: Lines = ()
) -> Block:
    """Block(...) without a frozen dataclass's object.__setattr__ call per field: a page makes
    hundreds of blocks."""
    block = object.__new__(Block)
    block.__dict__.update(
        kind=kind, text=text, level=level, lead=lead, href=href, rows=(), lines=lines
    )
    return block


def _html_block(top: _Open) -> Block | None:
    raw = "".join(top.parts)
    if not raw or raw.isspace():
        return None
    text = clean(raw)
    if not text:
        return None
    lead = top.lead.strip()
    if top.tag in _HEADINGS:
        return _block("heading", text, level=_HEADINGS[top.tag], href=top.href)
    if top.tag == "li":
        return _block("item", text, level=top.depth, lead=lead, href=top.href)
    if top.tag == "dt":
        return _block("term", text, lead=text, href=top.href)
    if top.tag == "summary" and pseudo_heading(text):  # an accordion's title
        return _block("heading", text, level=7, href=top.href)
    lines = (text,)
    if "\n" in raw.strip():
        lines = tuple(c for c in (clean(line) for line in raw.split("\n")) if c)
    if lead and lead == text and pseudo_heading(text):
        return _block("heading", text, level=7, href=top.href)
    return _block("para", text, lead=lead, href=top.href, lines=lines)


MAX_ROWS = 5000


def _cell_text(cell: lxml.etree._Element, *, breaks_in_table: bool = True) -> str:
    """A cell's text; lines a <br> separates stay on their own lines ("EasyPost<br>Lob")."""
    if not len(cell):
        return clean(cell.text or "")
    breaks = list(cell.iter("br")) if breaks_in_table else []
    if not breaks:
        return clean(" ".join(cell.itertext()))
    for br in breaks:  # the table's subtree is read once, so marking it in place is safe
        br.tail = _BREAK + (br.tail or "")
    lines = (clean(line) for line in " ".join(cell.itertext()).split(_BREAK))
    return "\n".join(line for line in lines if line)


_BREAK = "\ue000"  # a private-use character no page text uses


def _html_table(table: lxml.etree._Element) -> Block:
    rows: list[tuple[Cell, ...]] = []
    # Asked once per table, not once per cell: most tables have no line breaks or no links.
    breaks = next(table.iter("br"), None) is not None
    links = next(table.iter("a"), None) is not None
    for tr in table.iter("tr"):
        cells = []
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            link = next(cell.iter("a"), None) if links else None
            href = link.get("href", "") if link is not None else ""
            cells.append((_cell_text(cell, breaks_in_table=breaks), href))
        if any(text for text, _ in cells):
            rows.append(tuple(cells))
        if len(rows) >= MAX_ROWS:
            break
    caption = clean(table.findtext("caption") or "")
    return Block("table", caption, rows=tuple(rows))


# ---------------------------------------------------------------- markdown / RST / text
