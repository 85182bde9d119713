"""The registry is the domain: no module under registry/ may import the scraper.

Checked statically, from the source, so an import hidden inside a function (or spelled as a
string for importlib) is caught before it runs. The scraper is reached through the
SUBWATCH_PIPELINE setting instead.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REGISTRY = Path(__file__).resolve().parents[2] / "registry"
DYNAMIC = {"import_module", "import_string", "__import__"}


def scraper_imports(source: str) -> list[str]:
    """Each import of scraper (statement or importlib call with a literal name), as text."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Call) and _called(node) in DYNAMIC and node.args:
            first = node.args[0]
            names = [first.value] if isinstance(first, ast.Constant) else []
        else:
            continue
        found += [name for name in names if isinstance(name, str) and _is_scraper(name)]
    return found


def _called(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""


def _is_scraper(name: str) -> bool:
    return name == "scraper" or name.startswith("scraper.")


@pytest.mark.parametrize(
    "line",
    [
        "import scraper",
        "import scraper.pipeline as p",
        "from scraper import netguard",
        "from scraper.fetching.errors import FetchError",
        "def f():\n    from scraper.pipeline import check_source",
        "importlib.import_module('scraper.pipeline')",
        "import_string('scraper.pipeline.check_source')",
    ],
)
def test_it_recognises_every_spelling_of_a_scraper_import(line: str) -> None:
    assert scraper_imports(line)


@pytest.mark.parametrize(
    "line",
    [
        "import netguard",
        "from registry import models",
        "import scrapers",
        "from .scraper import x",
        "importlib.import_module(settings.SUBWATCH_PIPELINE)",
        "text = 'scraper.pipeline'",
    ],
)
def test_it_leaves_other_imports_alone(line: str) -> None:
    assert scraper_imports(line) == []


def test_it_finds_no_module_under_registry_that_imports_the_scraper() -> None:
    modules = sorted(REGISTRY.rglob("*.py"))
    assert len(modules) > 20  # the scan really walks the package
    offenders = {
        str(path.relative_to(REGISTRY.parent)): found
        for path in modules
        if (found := scraper_imports(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}
