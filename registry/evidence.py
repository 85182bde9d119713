"""Evidence for a change: a snapshot's stored page as plain text, and a diff of two snapshots."""

from __future__ import annotations

import difflib
import zlib

from bs4 import BeautifulSoup

from registry.models import Snapshot

MAX_DIFF_LINES = 4000
_HIDDEN_TAGS = ("script", "style", "noscript", "template", "head")


def body_bytes(snapshot: Snapshot) -> bytes:
    return zlib.decompress(bytes(snapshot.body.compressed))


def html_to_text(raw: bytes) -> str:
    """Readable text of a page: visible text one block per line; the HTML is never rendered."""
    text = raw.decode("utf-8", errors="replace")
    if "<" not in text:
        return _tidy(text)
    soup = BeautifulSoup(text, "lxml")
    for tag in soup(_HIDDEN_TAGS):
        tag.decompose()
    return _tidy(soup.get_text("\n"))


def _tidy(text: str) -> str:
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def snapshot_text(snapshot: Snapshot) -> str:
    return html_to_text(body_bytes(snapshot))


def text_diff(old: str, new: str, *, old_label: str, new_label: str) -> list[str]:
    """A unified diff of two texts, capped so a rewritten page cannot make a huge page."""
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), old_label, new_label, lineterm="", n=2
    )
    diff = []
    for index, line in enumerate(lines):
        if index >= MAX_DIFF_LINES:
            diff.append(f"... diff cut at {MAX_DIFF_LINES} lines")
            break
        diff.append(line)
    return diff
