"""PDF to blocks: tables drawn with ruling lines become table blocks, the rest reads as text.

pdfplumber (on pdfminer.six) finds table cells from the lines a DPA annex is drawn with;
pdfminer groups characters into lines and boxes, which are put in reading order here: down
one column, then the next, and boxes that line up in rows without lines make a table too.
Text outside tables goes through the plain-text line reader, marked up from what the PDF
says cheaply: a larger font makes a heading, bold makes a lead, a small drawn dot before a
line makes a list item.

A PDF is a program as much as a document: it can decompress to gigabytes, nest objects
without end or claim a million pages. It is read in a forked child with an address-space
limit and a deadline, so a bomb costs that child, never the worker; the child also stops at
MAX_PAGES pages and MAX_CHARS characters (the same first pages each time, so a long annex
still diffs cleanly). Reading never raises: an encrypted, damaged, scanned, bombed or too
slow PDF gives no blocks, never a list cut short at random, and a warning saying why.
"""

from __future__ import annotations

import contextlib
import html
import io
import os
import pickle
import re
import select
import signal
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from registry.names import clean
from scraper.documents.html import MAX_ROWS
from scraper.documents.model import Block, Cell, Document
from scraper.documents.text import parse_lines

MAX_PAGES = 200
MAX_CHARS = 2_000_000  # characters of text read, tables included
TIME_LIMIT = 60.0  # seconds for the whole document; the child is killed after it
MEMORY_LIMIT = 768 * 2**20  # bytes of address space the child may add to the worker's

NO_TEXT_LAYER = (
    "no text layer: the PDF holds only images (a scan?), so no processors can be read "
    "from it without OCR"
)
_ENCRYPTED = "the PDF is encrypted with a password, so its text cannot be read"
_DAMAGED = "the PDF is damaged or incomplete and cannot be read ({error})"
_TOO_BIG = (
    f"the PDF expands to more than {MEMORY_LIMIT // 2**20} MiB when read (a compression "
    "bomb?): reading stopped"
)
_TOO_DEEP = "the PDF nests its objects too deeply to be read (a malicious file?)"
_TOO_SLOW = f"reading the PDF took longer than {TIME_LIMIT:.0f} s: reading stopped"
_PAGES = f"the PDF has more than {MAX_PAGES} pages: only the first {MAX_PAGES} were read"
_CHARS = f"the PDF holds more than {MAX_CHARS:,} characters of text: the rest was not read"

_WIDE = 0.5  # share of the text area's width that makes a part span the columns
_GUTTER = 9.0  # points of empty width between two columns, at least
_ROW_SLACK = 3.0  # points between the tops of two boxes on one row of a table
_ALIGNED = 0.8  # share of boxes beside another that makes columns a table
_HEADING_RATIO = 1.15  # font size over the body size that makes a heading
_BULLET_MAX = 8.0  # points: the widest drawn shape that is a list bullet
_BULLET_GAP = 24.0  # points between a bullet and its text, at most
_BULLETS = re.compile(r"^\s*[\uf0b7\uf0a7\uf076\uf0d8\u25aa\u25cf\u2022\u25e6\u2023\u2043]\s*")
_PAGE_FURNITURE = re.compile(r"^\W*(page\s*)?\d+(\s*(of|/)\s*\d+)?\W*$", re.IGNORECASE)
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_RULE = re.compile(r"^\s*([=\-~^+*#\"'`:._])\1{2,}\s*$")


def parse_pdf(body: bytes) -> Document:
    """Parse PDF bytes into a Document of format "pdf"; warnings say what could not be read."""
    read = _isolated(body)
    return Document("pdf", read.blocks, read.title, page=read.text, warnings=read.warnings)


@dataclass(frozen=True)
class _Read:
    blocks: tuple[Block, ...] = ()
    title: str = ""
    text: str = ""
    warnings: tuple[str, ...] = ()


# ---------------------------------------------------------------- isolation


def _isolated(body: bytes) -> _Read:
    """Read in a forked child with a memory limit, and kill it at the deadline."""
    deadline = time.monotonic() + TIME_LIMIT
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: read, send the result, and leave without running any cleanup
        os.close(read_end)
        code = 1
        try:
            _limit_memory()
            data = pickle.dumps(_read_safely(body, deadline=deadline - 1.0))
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    try:
        data = _receive(read_end, deadline=deadline)
    finally:
        os.close(read_end)
        _reap(pid)
    if data is None:
        return _Read(warnings=(_TOO_SLOW,))
    if not data:  # the child died: the memory limit hit outside the reader's own checks
        return _Read(warnings=(_TOO_BIG,))
    result: _Read = pickle.loads(data)  # our own child's output, nothing read from the PDF
    return result


def _limit_memory() -> None:
    """Cap the child's address space at what the worker uses now plus MEMORY_LIMIT."""
    import resource

    try:
        with open("/proc/self/statm") as statm:
            used = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = used + MEMORY_LIMIT
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _receive(fd: int, *, deadline: float) -> bytes | None:
    """All the child writes, or None when the deadline passes first."""
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return None
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _reap(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)  # a no-op for a child that finished
    os.waitpid(pid, 0)


# ---------------------------------------------------------------- reading (in the child)


def _read_safely(body: bytes, *, deadline: float) -> _Read:
    try:
        return _read(body, deadline=deadline)
    except MemoryError:
        return _Read(warnings=(_TOO_BIG,))
    except RecursionError:
        return _Read(warnings=(_TOO_DEEP,))
    except Exception as error:  # pdfminer raises many types for broken files
        return _Read(warnings=(_failure(error),))


def _failure(error: BaseException) -> str:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    causes = [error, *error.args, error.__cause__, error.__context__]
    if any(isinstance(c, (PDFPasswordIncorrect, PDFEncryptionError)) for c in causes):
        return _ENCRYPTED
    if any(isinstance(c, RecursionError) for c in causes):
        return _TOO_DEEP
    if any(isinstance(c, MemoryError) for c in causes):
        return _TOO_BIG
    return _DAMAGED.format(error=(str(error) or type(error).__name__)[:120])


@dataclass
class _Box:
    """A text box of a page: its lines (bold runs marked), which of them a drawn bullet
    starts, its smallest font size and its top (points from the top of the page)."""

    lines: list[str]
    plain: str  # the text without markup, for a cell of a table drawn without lines
    bullets: list[bool]
    size: float
    x0: float
    x1: float
    top: float
    bottom: float


@dataclass
class _Table:
    rows: list[tuple[Cell, ...]]
    x0: float
    x1: float
    top: float
    bottom: float


_Part = _Box | _Table


def _read(body: bytes, *, deadline: float) -> _Read:
    import pdfplumber
    from pdfminer.pdfpage import PDFPage

    warnings: list[str] = []
    pages: list[list[_Part]] = []
    chars = images = 0
    # boxes_flow=None: no reading order from pdfminer (quadratic in boxes); ours is cheaper.
    with pdfplumber.open(io.BytesIO(body), laparams={"boxes_flow": None}) as pdf:
        page_objects = list(islice(PDFPage.create_pages(pdf.doc), MAX_PAGES + 1))
        if len(page_objects) > MAX_PAGES:
            warnings.append(_PAGES)
        for number, page_object in enumerate(page_objects[:MAX_PAGES], start=1):
            if time.monotonic() > deadline:
                return _Read(warnings=(_TOO_SLOW,))  # all or nothing: never a list cut short
            page = pdfplumber.page.Page(pdf, page_object, page_number=number)
            parts = _page_parts(page)
            chars += len(page.chars)
            images += len(page.images)
            page.close()
            pages.append(parts)
            if chars > MAX_CHARS:
                warnings.append(_CHARS)
                break
        title = _metadata_title(pdf.metadata)
    if not chars:
        warnings.append(NO_TEXT_LAYER if images else "the PDF has no text")
    blocks, text = _blocks(pages)
    title = title or next((b.text for b in blocks if b.kind == "heading"), "")
    return _Read(tuple(blocks), title, text, tuple(warnings))


def _metadata_title(metadata: dict[str, Any]) -> str:
    title = metadata.get("Title")
    return " ".join(title.split())[:300] if isinstance(title, str) else ""


def _page_parts(page: Any) -> list[_Part]:
    """The page's text boxes in reading order with its ruled tables placed among them."""
    from pdfminer.layout import LTCurve, LTTextBox

    tables = [t for t in page.find_tables() if _is_table(t)]
    areas = [_layout_box(page, t.bbox) for t in tables]
    markers = [o for o in page.layout if isinstance(o, LTCurve) and _bullet_sized(o)]
    boxes = [
        _box(o, page.layout.y1, markers)
        for o in page.layout
        if isinstance(o, LTTextBox) and not any(_inside(o, area) for area in areas)
    ]
    parts: list[_Part] = [b for b in boxes if b is not None]
    parts += [_Table(_rows(t), t.bbox[0], t.bbox[2], t.bbox[1], t.bbox[3]) for t in tables]
    return _reading_order(parts)


def _reading_order(parts: list[_Part]) -> list[_Part]:
    """Top to bottom, column by column: parts wider than most of the text area (a title, a
    paragraph, a table across the page) cut the page into bands, and a band whose parts
    leave a vertical gutter between them is read one column at a time."""
    if not parts:
        return []
    left, right = min(p.x0 for p in parts), max(p.x1 for p in parts)
    bands: list[list[_Part]] = [[]]
    for part in sorted(parts, key=lambda p: (p.top, p.x0)):
        if part.x1 - part.x0 > _WIDE * (right - left):
            bands += [[part], []]
        else:
            bands[-1].append(part)
    ordered: list[_Part] = []
    for band in bands:
        columns = _columns(band)
        if len(columns) > 1 and (grid := _grid(columns)) is not None:
            ordered.append(grid)
        else:
            ordered += [part for column in columns for part in column]
    return ordered


def _columns(band: list[_Part]) -> list[list[_Part]]:
    columns: list[list[_Part]] = []
    edge = float("-inf")
    for part in sorted(band, key=lambda p: p.x0):
        if part.x0 > edge + _GUTTER or not columns:
            columns.append([])
        columns[-1].append(part)
        edge = max(edge, part.x1)
    return [sorted(column, key=lambda p: (p.top, p.x0)) for column in columns]


def _grid(columns: list[list[_Part]]) -> _Table | None:
    """Columns whose boxes line up in rows are a table drawn without lines (three rows at
    least, nearly every box beside another); two columns of prose line up only by chance."""
    boxes = [(index, part) for index, column in enumerate(columns) for part in column]
    if any(not isinstance(part, _Box) for _, part in boxes):
        return None
    rows: list[list[tuple[int, _Part]]] = []
    for index, part in sorted(boxes, key=lambda item: item[1].top):
        if rows and part.top - rows[-1][0][1].top <= _ROW_SLACK:
            rows[-1].append((index, part))
        else:
            rows.append([(index, part)])
    beside = sum(len(row) for row in rows if len({index for index, _ in row}) > 1)
    if len(rows) < 3 or beside < _ALIGNED * len(boxes):
        return None
    cells = [
        tuple(
            (" ".join(p.plain for i, p in row if i == column and isinstance(p, _Box)), "")
            for column in range(len(columns))
        )
        for row in rows
    ]
    edges = [part for _, part in boxes]
    return _Table(
        cells[:MAX_ROWS],
        min(p.x0 for p in edges),
        max(p.x1 for p in edges),
        min(p.top for p in edges),
        max(p.bottom for p in edges),
    )


def _is_table(table: Any) -> bool:
    """At least two rows and two columns: a ruled box around a paragraph is not a table."""
    return len(table.rows) >= 2 and max((len(r.cells) for r in table.rows), default=0) >= 2


def _layout_box(page: Any, bbox: tuple[float, ...]) -> tuple[float, float, float, float]:
    """pdfplumber's (x0, top, x1, bottom) as pdfminer's (x0, y0, x1, y1)."""
    x0, top, x1, bottom = bbox
    mb_x0, mb_top = page.mediabox[0], page.mediabox[1]
    return (x0 - mb_x0, page.height - (bottom - mb_top), x1 - mb_x0, page.height - (top - mb_top))


def _inside(obj: Any, area: tuple[float, float, float, float]) -> bool:
    cx, cy = (obj.x0 + obj.x1) / 2, (obj.y0 + obj.y1) / 2
    return area[0] <= cx <= area[2] and area[1] <= cy <= area[3]


def _bullet_sized(obj: Any) -> bool:
    return 1.0 <= obj.width <= _BULLET_MAX and 1.0 <= obj.height <= _BULLET_MAX


def _box(obj: Any, page_top: float, markers: list[Any]) -> _Box | None:
    from pdfminer.layout import LTChar

    lines: list[str] = []
    plain: list[str] = []
    bullets: list[bool] = []
    sizes: Counter[float] = Counter()
    for line in obj:
        sizes.update(round(c.size, 1) for c in line if isinstance(c, LTChar))
        text = _marked_line(line)
        if text.strip() and not _RULE.match(text):
            lines.append(text)
            plain.append(line.get_text().strip())
            bullets.append(any(_bullet_of(m, line) for m in markers))
    if not lines:
        return None
    size = min(sizes) if sizes else 0.0
    top, bottom = page_top - obj.y1, page_top - obj.y0
    return _Box(lines, _cell_text("\n".join(plain)), bullets, size, obj.x0, obj.x1, top, bottom)


def _bullet_of(marker: Any, line: Any) -> bool:
    middle = (marker.y0 + marker.y1) / 2
    return line.y0 <= middle <= line.y1 and 0 <= line.x0 - marker.x1 <= _BULLET_GAP


def _marked_line(line: Any) -> str:
    """The line's text, escaped for the line reader, with its bold runs in **…**."""
    runs: list[tuple[bool, str]] = []
    bold = False
    for item in line:
        text = item.get_text()
        if hasattr(item, "fontname"):
            bold = bool(_BOLD_FONT.search(item.fontname.partition("+")[2] or item.fontname))
        if runs and runs[-1][0] == bold:
            runs[-1] = (bold, runs[-1][1] + text)
        else:
            runs.append((bold, text))
    out = ""
    for is_bold, text in runs:
        text = _escape(text.replace("\n", ""))
        if is_bold and text.strip():
            lead, core, trail = re.match(r"(\s*)(.*?)(\s*)$", text, re.S).groups()  # type: ignore[union-attr]
            text = f"{lead}**{core}**{trail}"
        out += text
    return _BULLETS.sub("• ", out).rstrip()


def _escape(text: str) -> str:
    """Keep PDF text literal through the markdown-aware line reader."""
    text = html.escape(text, quote=False)
    return re.sub(r"([\\`*_\[\]])", r"\\\1", text)


def _rows(table: Any) -> list[tuple[Cell, ...]]:
    rows: list[tuple[Cell, ...]] = []
    for row in table.extract()[:MAX_ROWS]:
        cells = tuple((_cell_text(c), "") for c in row)
        if any(text for text, _ in cells):
            rows.append(cells)
    return rows


def _cell_text(text: str | None) -> str:
    if not text:
        return ""
    return clean(re.sub(r"(?<=\w)-\n(?=[a-z])", "-", text))


# ---------------------------------------------------------------- blocks


def _blocks(pages: list[list[_Part]]) -> tuple[list[Block], str]:
    """Blocks in reading order and the plain text: text through the line reader, tables as
    they are, a table that goes on over a page break joined into one (its repeated header
    row dropped)."""
    body = _body_size(pages)
    levels = _heading_levels(pages, body)
    repeated = _repeated(pages)
    blocks: list[Block] = []
    lines: list[str] = []  # text waiting for the line reader
    for parts in pages:
        page_start = True
        for part in parts:
            if isinstance(part, _Box):
                if not _furniture(part, repeated):
                    lines += [*_box_lines(part, body=body, levels=levels), ""]
                    page_start = False
                continue
            if page_start and not lines and blocks and _continues(blocks[-1], part):
                blocks[-1] = _joined(blocks[-1], part)
            else:
                blocks += _text_blocks(lines)
                lines = []
                blocks.append(Block("table", rows=tuple(part.rows)))
            page_start = False
    blocks += _text_blocks(lines)
    return blocks, "\n".join(_plain(block) for block in blocks)


def _plain(block: Block) -> str:
    return block.text or "\n".join(" | ".join(text for text, _ in row) for row in block.rows)


def _text_blocks(lines: list[str]) -> list[Block]:
    return parse_lines("\n".join(lines))[0] if any(s.strip() for s in lines) else []


def _repeated(pages: list[list[_Part]]) -> set[str]:
    """One-line texts on most pages (a running header or footer, numbers aside)."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for parts in pages:
        if len(parts) > 1:  # a page of one line is content, however often it recurs
            seen.update({_shape(p) for p in parts if isinstance(p, _Box) and len(p.lines) == 1})
    return {text for text, count in seen.items() if count >= 2 and count * 2 >= len(pages)}


def _shape(box: _Box) -> str:
    return re.sub(r"\d+", "#", box.plain.casefold())


def _furniture(box: _Box, repeated: set[str]) -> bool:
    """A page number or running header between the halves of a table does not break it."""
    if len(box.lines) != 1:
        return False
    return bool(_PAGE_FURNITURE.match(box.plain)) or _shape(box) in repeated


def _continues(previous: Block, table: _Table) -> bool:
    width = len(previous.rows[0]) if previous.kind == "table" and previous.rows else 0
    return bool(table.rows) and width == len(table.rows[0])


def _joined(previous: Block, table: _Table) -> Block:
    rows = table.rows[1:] if table.rows[0] == previous.rows[0] else table.rows
    return Block("table", rows=(previous.rows + tuple(rows))[:MAX_ROWS])


def _body_size(pages: list[list[_Part]]) -> float:
    sizes: Counter[float] = Counter()
    for parts in pages:
        for part in parts:
            if isinstance(part, _Box):
                sizes[part.size] += sum(len(line) for line in part.lines)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def _heading_levels(pages: list[list[_Part]], body: float) -> dict[float, int]:
    sizes = {
        part.size
        for parts in pages
        for part in parts
        if isinstance(part, _Box) and _is_heading(part, body)
    }
    return {size: min(level, 6) for level, size in enumerate(sorted(sizes, reverse=True), 1)}


def _is_heading(box: _Box, body: float) -> bool:
    return (
        body > 0
        and box.size >= body * _HEADING_RATIO
        and len(box.lines) <= 3
        and sum(len(line) for line in box.lines) <= 200
    )


def _box_lines(box: _Box, *, body: float, levels: dict[float, int]) -> list[str]:
    if _is_heading(box, body):
        text = " ".join(line.replace("**", "").strip() for line in box.lines)
        return [f"{'#' * levels[box.size]} {text}"]
    if any(box.bullets):
        return [f"• {t.strip()}" if b else t for t, b in zip(box.lines, box.bullets, strict=True)]
    return list(_dehyphenated(box.lines))


def _dehyphenated(lines: list[str]) -> Iterator[str]:
    """A word broken over two lines ("sub-" / "processors") is one again."""
    held = ""
    for line in lines:
        if held and re.match(r"\s*[a-z]", line):
            held += line.strip()
            if held.endswith("-"):
                continue
            yield held
            held = ""
            continue
        if held:
            yield held
            held = ""
        if re.search(r"\w-$", line):
            held = line
            continue
        yield line
    if held:
        yield held


def is_pdf(body: bytes) -> bool:
    """The PDF signature, allowing the whitespace some servers put before it."""
    return body[:1024].lstrip().startswith(b"%PDF-")
