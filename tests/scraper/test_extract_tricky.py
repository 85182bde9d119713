"""Real-page traps: duplicates, changelogs, cookie tables, aliases, hostile input."""

from __future__ import annotations

import pytest

from registry.catalogue import Catalogue, load
from scraper.documents import parse
from scraper.extract import Extraction, extract


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load()


def run(body: str | bytes, catalogue: Catalogue) -> Extraction:
    data = body.encode() if isinstance(body, str) else body
    return extract(parse(data), catalogue=catalogue)


def vendors(result: Extraction) -> list[str]:
    return [p.vendor for p in result.processors]


def test_a_table_rendered_twice_gives_each_vendor_once(catalogue: Catalogue) -> None:
    table = "<table><tr><th>Vendor</th><th>Purpose</th></tr><tr><td>Stripe</td><td>Pay</td></tr>"
    page = f"<h2>Sub-processors</h2><div>{table}</table></div><div>{table}</table></div>"
    assert vendors(run(page, catalogue)) == ["Stripe"]


def test_a_paginated_list_with_the_full_list_hidden_is_read_once_per_vendor(
    catalogue: Catalogue,
) -> None:
    page = """<h2>Subprocessors</h2><ul><li><b>Stripe</b>: pay</li></ul>
    <div hidden><ul><li><b>Stripe</b>: pay</li><li><b>Mailgun</b>: mail</li></ul></div>"""
    assert vendors(run(page, catalogue)) == ["Stripe", "Mailgun"]


def test_script_json_is_used_only_when_the_page_shows_no_list(catalogue: Catalogue) -> None:
    data = '{"subprocessors":[{"name":"Zebra Widgets Ltd","purpose":"Printing"}]}'
    script = f'<script type="application/json">{data}</script>'
    only_script = run(f"<html><body><div id=app></div>{script}</body></html>", catalogue)
    assert [p.name for p in only_script.processors] == ["Zebra Widgets Ltd"]
    with_list = run(f"<h2>Vendors</h2><ul><li><b>Stripe</b>: pay</li></ul>{script}", catalogue)
    assert vendors(with_list) == ["Stripe"]


def test_html_comments_are_ignored(catalogue: Catalogue) -> None:
    page = "<h2>Vendors</h2><ul><li><b>Stripe</b>: pay</li><!-- <li><b>Mailgun</b> --></ul>"
    assert vendors(run(page, catalogue)) == ["Stripe"]


def test_changelog_sections_do_not_name_current_processors(catalogue: Catalogue) -> None:
    page = """<h2>Sub-processors</h2><ul><li><b>Sentry:</b> errors</li></ul>
    <p><strong>Change log:</strong></p>
    <ul><li><em>April 2026:</em> Replaced Rollbar with Sentry.</li>
    <li><b>Heroku:</b> removed</li></ul>
    <h2>History</h2><table><tr><th>Date</th><th>Vendor</th></tr>
    <tr><td>2023</td><td>Paylane</td></tr></table>"""
    assert vendors(run(page, catalogue)) == ["Sentry"]


def test_cookie_tables_login_providers_and_footer_brands_are_excluded(
    catalogue: Catalogue,
) -> None:
    page = """<h2>Sub-processors</h2><ul><li><b>Mailgun</b>: email</li></ul>
    <h3>Cookies</h3><table><tr><th>Vendor</th><th>Cookie name</th></tr>
    <tr><td>Hotjar</td><td>_hj</td></tr></table>
    <h3>Sign in with</h3><ul><li>Google</li><li>GitHub</li></ul>
    <footer>Hosted on Vercel, powered by Cloudflare</footer>"""
    assert vendors(run(page, catalogue)) == ["Mailgun"]


def test_one_cell_naming_several_vendors_gives_each(catalogue: Catalogue) -> None:
    page = (
        "<h2>Third-party service providers</h2>"
        "<ul><li><strong>Stripe, PayPal, Wise</strong>: payments</li></ul>"
    )
    assert vendors(run(page, catalogue)) == ["Stripe", "PayPal", "Wise"]


def test_a_legal_suffix_after_a_comma_is_not_a_second_vendor(catalogue: Catalogue) -> None:
    page = "## Vendors\n\n| Entity | Purpose |\n|---|---|\n| Zebra Widgets, Inc. | Print |\n"
    assert [p.name for p in run(page, catalogue).processors] == ["Zebra Widgets, Inc."]


@pytest.mark.parametrize(
    ("written", "vendor"),
    [
        ("Functional Software, dba Sentry", "Sentry"),
        ("Raintank Inc. (Also known as Grafana Labs)", "Grafana Labs"),
        ("Sentry by Functional Software, Inc", "Sentry"),
        ("The Rocket Science Group", "Mailchimp"),
    ],
)
def test_aliases_and_legal_entities_resolve_to_the_brand(
    catalogue: Catalogue, written: str, vendor: str
) -> None:
    page = f"## Sub-processors\n\n| Entity | Purpose |\n|---|---|\n| {written} | Something |\n"
    (processor,) = run(page, catalogue).processors
    assert (processor.name, processor.vendor) == (written, vendor)


def test_a_location_stated_once_above_a_list_applies_to_each_item(
    catalogue: Catalogue,
) -> None:
    page = """<h2>Sub-processors</h2><p>All sub-processors are located in the United States.</p>
    <ul><li><b>Stripe</b>: pay</li><li><b>Mailgun</b>: mail</li></ul>"""
    assert [p.locations for p in run(page, catalogue).processors] == [("US",), ("US",)]


def test_duplicate_rows_merge_purposes_and_locations(catalogue: Catalogue) -> None:
    page = (
        "## Vendors\n\n| Vendor | Purpose | Location |\n|---|---|---|\n"
        "| AWS | Hosting | United States |\n| Amazon Web Services, Inc. | Backups | Ireland |\n"
    )
    (processor,) = run(page, catalogue).processors
    assert processor.vendor == "Amazon Web Services"
    assert processor.purpose == "Hosting; Backups"
    assert processor.locations == ("US", "IE")


def test_script_tags_inside_names_become_text_only(catalogue: Catalogue) -> None:
    page = "<h2>Vendors</h2><ul><li><b>Acme<script>alert(1)</script> Ltd</b>: y</li></ul>"
    assert [p.name for p in run(page, catalogue).processors] == ["Acme Ltd"]


def test_a_hundred_thousand_row_table_is_bounded(catalogue: Catalogue) -> None:
    rows = "".join(f"<tr><td>Vendor {i} Ltd</td><td>x</td></tr>" for i in range(100_000))
    page = f"<h2>Vendors</h2><table><tr><th>Vendor</th><th>Purpose</th></tr>{rows}</table>"
    result = run(page, catalogue)
    assert 0 < len(result.processors) <= 5000


def test_deeply_nested_markup_does_not_crash(catalogue: Catalogue) -> None:
    page = b"<h2>Vendors</h2>" + b"<div>" * 10000 + b"<ul><li><b>Stripe</b>: x</li></ul>"
    assert isinstance(run(page, catalogue).processors, tuple)


def test_invalid_utf8_and_zero_width_characters_do_not_leak_into_names(
    catalogue: Catalogue,
) -> None:
    page = b"<h2>Vendors</h2><ul><li><b>Str\xe2\x80\x8bipe\xff</b>: pay</li></ul>"
    assert [p.name for p in run(page, catalogue).processors] == ["Stripe"]


def test_a_div_footer_after_the_list_does_not_add_its_links(catalogue: Catalogue) -> None:
    page = """<h2>Sub-processors</h2><ul><li>Stripe</li><li>Acme Widgets</li></ul>
    <div class="footer"><h4>Company</h4><ul><li><a href="/about">About us</a></li>
    <li><a href="/careers">Careers</a></li><li>Pricing</li></ul></div>"""
    assert [p.name for p in run(page, catalogue).processors] == ["Stripe", "Acme Widgets"]


def test_a_paginated_list_whose_full_data_is_script_json_gets_every_vendor(
    catalogue: Catalogue,
) -> None:
    rows = ",".join(
        f'{{"name":"{n}","purpose":"x"}}' for n in ["Stripe", "Mailgun", "Zebra Widgets Ltd"]
    )
    page = f"""<h2>Subprocessors</h2><ul><li>Stripe</li><li>Mailgun</li></ul>
    <button>Next page</button>
    <script type="application/json">{{"items":[{rows}],"nav":[{{"name":"Home"}}]}}</script>"""
    assert vendors(run(page, catalogue)) == ["Stripe", "Mailgun", "Zebra Widgets"]


def test_unrelated_script_json_is_not_read_next_to_a_page_list(catalogue: Catalogue) -> None:
    data = '{"products":[{"name":"Zebra Widgets Ltd","description":"A product"}]}'
    page = f"""<h2>Subprocessors</h2><ul><li>Stripe</li><li>Mailgun</li></ul>
    <script type="application/json">{data}</script>"""
    assert vendors(run(page, catalogue)) == ["Stripe", "Mailgun"]


def test_group_label_rows_and_repeated_headers_are_not_vendors(catalogue: Catalogue) -> None:
    page = """<h2>Sub-processors</h2><table>
    <tr><th>Entity Name</th><th>Purpose</th></tr>
    <tr><td colspan="2">Customer Support Tools</td></tr>
    <tr><td>Zendesk</td><td>Tickets</td></tr>
    <tr><th>Entity Name</th><th>Purpose</th></tr>
    <tr><td>Acme Widgets</td><td>Printing</td></tr></table>"""
    assert [p.name for p in run(page, catalogue).processors] == ["Zendesk", "Acme Widgets"]


def test_login_providers_named_after_a_category_are_not_processors(catalogue: Catalogue) -> None:
    page = "## Service providers\n\n- **Hosting**: Hetzner\n- **Login providers**: Google, GitHub\n"
    assert vendors(run(page, catalogue)) == ["Hetzner"]


def test_a_sidebar_of_links_to_one_site_is_navigation(catalogue: Catalogue) -> None:
    links = "".join(
        f'<li><a href="https://docs.acme.example/{p}">{p.title()} Guide</a></li>'
        for p in ("setup", "billing", "exports", "webhooks")
    )
    page = f"<h2>Subprocessors</h2><ul><li>Stripe</li><li>Quokka Metrics</li></ul><ul>{links}</ul>"
    assert [p.name for p in run(page, catalogue).processors] == ["Stripe", "Quokka Metrics"]


def test_a_location_stated_for_one_section_does_not_leak_into_the_next(
    catalogue: Catalogue,
) -> None:
    page = """<h2>US sub-processors</h2><p>They are located in the United States.</p>
    <ul><li><b>Stripe</b>: pay</li></ul>
    <h2>EU sub-processors</h2><ul><li><b>Hetzner</b>: hosting</li></ul>"""
    assert [p.locations for p in run(page, catalogue).processors] == [("US",), ()]
