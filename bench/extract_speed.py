"""Print how long extraction takes relative to a bare lxml parse of the same bytes.

usage: .venv/bin/python bench/extract_speed.py [PAGE...]
Defaults to the development corpus HTML pages (../shared/corpus/pages) plus a synthetic
100 KB sub-processor page. Each figure is the median of several runs.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import lxml.html

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from registry.catalogue import load  # noqa: E402
from scraper.documents import parse  # noqa: E402
from scraper.extract import extract  # noqa: E402

RUNS = 15


def synthetic_page(size: int = 100_000) -> bytes:
    """A realistic page: nav chrome, policy prose, and a 60-row sub-processor table."""
    nav = "".join(f'<li><a href="/docs/{i}">Documentation page {i}</a></li>' for i in range(80))
    rows = "".join(
        f"<tr><td>Vendor Number {i} Inc.</td><td>Hosting and email delivery</td>"
        f"<td>United States</td><td>https://vendor{i}.example</td></tr>"
        for i in range(60)
    )
    generic = (
        "<p>We retain personal information for as long as your account is active and as needed "
        "to provide the Services, comply with our legal obligations, resolve disputes and "
        "enforce our agreements. You may ask us to access, correct or delete it.</p>"
    )
    vendors = (
        "<p>We share personal data with service providers such as Stripe for payments and "
        "Intercom for support. Information is processed by Amazon Web Services in the United "
        "States under Standard Contractual Clauses and the GDPR.</p>"
    )
    prose = generic * 9 + vendors  # a policy names vendors now and then, not in every paragraph
    head = f"<html><head><title>Sub-processors</title></head><body><nav><ul>{nav}</ul></nav>"
    table = (
        "<h2>Sub-processors</h2><table><tr><th>Entity Name</th><th>Purpose</th>"
        f"<th>Location</th><th>Website</th></tr>{rows}</table>"
    )
    body = head + table
    while len(body) < size:
        body += prose
    return (body + "</body></html>").encode()


def median_seconds(func: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def measure(name: str, body: bytes) -> float:
    catalogue = load()
    bare = median_seconds(lambda: lxml.html.document_fromstring(body))
    full = median_seconds(lambda: extract(parse(body), catalogue=catalogue))
    ratio = full / bare if bare else float("inf")
    print(
        f"{name:48} {len(body) / 1024:7.1f} KB  lxml {bare * 1000:7.2f} ms  "
        f"extract {full * 1000:7.2f} ms  ratio {ratio:5.2f}"
    )
    return ratio


def main(argv: list[str]) -> int:
    load()  # the catalogue is loaded once per process, not per page
    pages = [Path(p) for p in argv] or sorted(
        (ROOT.parent / "shared" / "corpus" / "pages").glob("*.html")
    )
    ratios = [measure(p.name, p.read_bytes()) for p in pages]
    ratios.append(measure("synthetic 100 KB sub-processor page", synthetic_page()))
    print(f"median ratio {statistics.median(ratios):.2f}  max ratio {max(ratios):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
