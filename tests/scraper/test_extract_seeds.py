"""Every seed document extracts exactly its hand-checked processors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.catalogue import load
from registry.names import key
from scraper.documents import parse
from scraper.extract import extract

SEEDS = Path(__file__).resolve().parents[2] / "fixtures" / "pages" / "seeds"
LABELS = json.loads((SEEDS / "labels.json").read_text())["documents"]


def forms(label: dict) -> set[str]:
    return {key(n) for n in [label["name"], *label.get("aliases", [])]}


def matches(processor: dict, label: dict) -> bool:
    return bool({key(processor["name"]), key(processor["vendor"])} & forms(label))


@pytest.mark.parametrize("name", sorted(LABELS))
def test_seed_document_extracts_exactly_its_labelled_processors(name: str) -> None:
    label = LABELS[name]
    result = extract(parse((SEEDS / name).read_bytes()), catalogue=load())
    found = [p.to_dict() for p in result.processors]
    missed = [r["name"] for r in label["required"] if not any(matches(p, r) for p in found)]
    allowed = label["required"] + label.get("optional", [])
    extra = [p["name"] for p in found if not any(matches(p, r) for r in allowed)]
    assert (missed, extra) == ([], [])
