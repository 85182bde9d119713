"""Realistic pages in layouts the seeds and corpus lack, to catch rules fitted too closely."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from registry.catalogue import Catalogue, load
from registry.names import key
from scraper.documents import parse
from scraper.extract import Extraction, Processor, extract
from scraper.sanity import looks_like_error_page

PAGES = Path(__file__).parent / "fixtures_general"
EXPECTED: dict[str, dict] = json.loads((PAGES / "expected.json").read_text())

# Pages whose written locations the reader is known to miss: {file: reason} (none at present).
LOCATION_GAPS: dict[str, str] = {}


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load()


def run(name: str, catalogue: Catalogue) -> Extraction:
    return extract(parse((PAGES / name).read_bytes()), catalogue=catalogue)


def found(processor: Processor, wanted: str) -> bool:
    return key(wanted) in {key(processor.vendor), key(processor.name)}


# Pages whose names the reader is known to get wrong: {file: reason}.
NAME_GAPS: dict[str, str] = {}


def page_cases() -> list[object]:
    return [
        pytest.param(name, marks=[pytest.mark.xfail(reason=NAME_GAPS[name], strict=True)])
        if name in NAME_GAPS
        else name
        for name in sorted(EXPECTED)
    ]


@pytest.mark.parametrize("name", page_cases())
def test_each_page_gives_exactly_its_current_processors(name: str, catalogue: Catalogue) -> None:
    wanted = EXPECTED[name]["vendors"]
    processors = run(name, catalogue).processors
    missing = [w for w in wanted if not any(found(p, w) for p in processors)]
    extra = [p.name for p in processors if not any(found(p, w) for w in wanted)]
    assert (missing, extra) == ([], [])
    assert len(processors) == len(wanted)


def location_cases() -> list[object]:
    cases = []
    for name in sorted(EXPECTED):
        gap = LOCATION_GAPS.get(name)
        marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
        for vendor, codes in EXPECTED[name].get("locations", {}).items():
            cases.append(pytest.param(name, vendor, tuple(codes), marks=marks))
    return cases


@pytest.mark.parametrize(("name", "vendor", "codes"), location_cases())
def test_the_location_written_for_a_vendor_is_read(
    name: str, vendor: str, codes: tuple[str, ...], catalogue: Catalogue
) -> None:
    (processor,) = [p for p in run(name, catalogue).processors if found(p, vendor)]
    assert processor.locations == codes


@pytest.mark.parametrize(
    "name", ["challenge.html", "not_found.html", "login_wall.html", "access_denied.html"]
)
def test_error_and_challenge_pages_are_flagged_as_such(name: str) -> None:
    assert looks_like_error_page(parse((PAGES / name).read_bytes()))
