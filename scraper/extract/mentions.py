"""Which blocks of a page may name a vendor, found in one pass over the page's whole text."""

from __future__ import annotations

import bisect
import itertools
import weakref
from collections.abc import Iterable, Sequence

from registry.catalogue import Catalogue
from registry.names import clean

# Bytes of a casefolded text: ASCII letters, digits and "_" stay, everything else is a gap.
_WORD_BYTES = bytes(b if (97 <= b <= 122 or 48 <= b <= 57 or b == 95) else 32 for b in range(256))


class _Index:
    """Each vendor form's ASCII words, filed under its first word."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.needs: dict[bytes, list[tuple[bytes, ...]]] = {}
        self.everywhere = False  # a form without ASCII words: every text must be searched
        for entry in catalogue.entries:
            for form in entry.forms:
                words = tuple(_words(clean(form).casefold()))
                if not words:
                    self.everywhere = True
                    continue
                self.needs.setdefault(words[0], []).append(words)
        self.keys = frozenset(self.needs)


_INDEXES: weakref.WeakKeyDictionary[Catalogue, _Index] = weakref.WeakKeyDictionary()


class Page:
    """The blocks' casefolded texts as UTF-8, searched with C-level bytes and set operations."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = [t.casefold().encode("utf-8", "replace") for t in texts]
        self.folded = b"\n".join(self.texts)
        self.starts = list(itertools.accumulate((len(t) + 1 for t in self.texts), initial=0))

    def blocks_with(self, needles: Iterable[str]) -> set[int]:
        """Indexes of the texts whose casefolded form contains any of needles."""
        found: set[int] = set()
        for needle in needles:
            word = needle.casefold().encode("utf-8", "replace")
            at = self.folded.find(word)
            while at >= 0:
                block = bisect.bisect_right(self.starts, at) - 1
                found.add(block)
                at = self.folded.find(word, self.starts[block + 1])  # one hit per text will do
        return found

    def naming_blocks(self, catalogue: Catalogue) -> set[int] | None:
        """Indexes of the texts that may name a catalogue vendor; None when it cannot tell.

        A mention makes a text's casefolded form contain the vendor's casefolded name bounded
        by non-word characters, so every ASCII word of the name is a whole word of that text.
        """
        index = _INDEXES.get(catalogue)
        if index is None:
            index = _INDEXES[catalogue] = _Index(catalogue)
        if index.everywhere:
            return None
        page = set(self.folded.translate(_WORD_BYTES).split())
        forms: dict[bytes, list[tuple[bytes, ...]]] = {}
        for first in page & index.keys:
            forms[first] = [need for need in index.needs[first] if page.issuperset(need)]
        firsts = frozenset(first for first, needs in forms.items() if needs)
        found = set()
        for number, text in enumerate(self.texts):
            words = set(text.translate(_WORD_BYTES).split())
            if any(words.issuperset(need) for f in words & firsts for need in forms[f]):
                found.add(number)
        return found


def _words(folded: str) -> list[bytes]:
    return folded.encode("utf-8", "replace").translate(_WORD_BYTES).split()
