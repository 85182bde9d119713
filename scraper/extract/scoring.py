"""Score extracted processors against labels, matching names the way the shared scorer does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from registry.names import key
from scraper.extract import Processor

# Words too common to make two names the same vendor on their own.
GENERIC = frozenset(
    [
        "technologies",
        "technology",
        "software",
        "services",
        "service",
        "systems",
        "group",
        "holdings",
        "international",
        "global",
        "cloud",
        "web",
        "data",
        "labs",
        "by",
        "and",
        "of",
    ]
)


@dataclass(frozen=True)
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    missed: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def _forms(label: dict) -> set[str]:
    names = [label.get("name", ""), *label.get("aliases", [])]
    return {_words(n) for n in names if _words(n)}


def _words(name: str) -> str:
    return key(name.replace(".com", " ").replace(".io", " "))


def matches(names: Sequence[str], label: dict) -> bool:
    """Same key, or one name's words contain the other's with a word that is not generic."""
    forms = _forms(label)
    for name in names:
        k = _words(name)
        if not k:
            continue
        if k in forms:
            return True
        mine = set(k.split())
        for form in forms:
            theirs = set(form.split())
            if (mine & theirs) - GENERIC and (mine <= theirs or theirs <= mine):
                return True
    return False


def score_document(processors: Sequence[Processor], label: dict) -> Score:
    required, optional = label.get("required", []), label.get("optional", [])
    matched = [False] * len(required)
    extra: list[str] = []
    for p in processors:
        names = [p.name, p.vendor]
        hit = next(
            (i for i, r in enumerate(required) if not matched[i] and matches(names, r)), None
        )
        if hit is not None:
            matched[hit] = True
        elif not any(matches(names, r) for r in [*required, *optional]):
            extra.append(p.name or p.vendor)
    missed = tuple(r["name"] for r, m in zip(required, matched, strict=True) if not m)
    return Score(sum(matched), len(extra), len(missed), missed, tuple(extra))
