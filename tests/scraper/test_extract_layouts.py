"""Each page layout the extractor reads, on small inline pages."""

from __future__ import annotations

import pytest

from registry.catalogue import Catalogue, load
from scraper.documents import parse
from scraper.extract import Extraction, extract


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load()


def run(body: str, catalogue: Catalogue, **kwargs: object) -> Extraction:
    return extract(parse(body.encode()), catalogue=catalogue, **kwargs)


def names(result: Extraction) -> list[str]:
    return [p.name for p in result.processors]


def test_an_html_table_maps_columns_by_header_meaning(catalogue: Catalogue) -> None:
    page = """<html><body><h2>Sub-processors</h2><table>
    <tr><th>Location</th><th>Entity Name</th><th>Purpose</th><th>Website</th></tr>
    <tr><td>Germany</td><td>Zebra Widgets GmbH</td><td>Printing</td><td>zebra.example</td></tr>
    </table></body></html>"""
    (processor,) = run(page, catalogue).processors
    assert processor.name == "Zebra Widgets GmbH"
    assert processor.purpose == "Printing"
    assert processor.locations == ("DE",)
    assert processor.website == "zebra.example"
    assert processor.found_in.startswith("table 1")


def test_a_headerless_table_under_a_subprocessor_heading_is_read(catalogue: Catalogue) -> None:
    page = """<h2>Our subprocessors</h2><table>
    <tr><td>Stripe, Inc.</td><td>Payments</td></tr><tr><td>Mailgun</td><td>Email</td></tr>
    </table>"""
    assert names(run(page, catalogue)) == ["Stripe, Inc.", "Mailgun"]


def test_markdown_table_with_linked_names(catalogue: Catalogue) -> None:
    page = "## Vendors\n\n| Name | Purpose |\n|---|---|\n| [Sentry](https://sentry.io) | Errors |\n"
    (processor,) = run(page, catalogue).processors
    assert (processor.name, processor.website) == ("Sentry", "https://sentry.io")


def test_bullet_list_of_bold_names_under_a_subprocessor_heading(catalogue: Catalogue) -> None:
    page = "## Sub-processors\n\n* **Hotjar**\n  Analytics.\n* **Acme Widgets**: printing\n"
    assert names(run(page, catalogue)) == ["Hotjar", "Acme Widgets"]


def test_rst_definition_list(catalogue: Catalogue) -> None:
    page = (
        "Sub-processor list\n==================\n\n"
        "New Relic\n    Monitoring.\n\nZebra B.V.\n    Printing.\n"
    )
    assert names(run(page, catalogue)) == ["New Relic", "Zebra B.V."]


def test_headed_sections_strip_the_role_and_skip_category_headings(catalogue: Catalogue) -> None:
    page = (
        "# Subprocessors\n\n## Cloud Infrastructure\n\n### Acme Cloud (Cloud provider)\n\n"
        "Acme Cloud hosts our servers.\n\n### Hosting notes\n\nWe rotate keys.\n"
    )
    result = run(page, catalogue)
    assert names(result) == ["Acme Cloud"]
    assert result.processors[0].purpose == "Cloud provider"


def test_card_grid_under_a_subprocessor_heading(catalogue: Catalogue) -> None:
    page = """<h2>Sub-processors</h2><div class="grid">
    <div class="card"><h3>Stripe</h3><p>Payments</p></div>
    <div class="card"><h3>Mailgun</h3><p>Email delivery</p></div></div>"""
    assert names(run(page, catalogue)) == ["Stripe", "Mailgun"]


def test_flattened_text_table_splits_name_purpose_location_and_website(
    catalogue: Catalogue,
) -> None:
    page = (
        "List of data sub-processors\n\nEntity Name Purpose Location Website\n"
        "Intercom, Inc. Customer Support USA https://intercom.io\n"
        "Baremetrics Analytics USA https://baremetrics.com/\n"
        "Zebrafoo Labels EU https://zebrafoo.example\n"
    )
    result = run(page, catalogue)
    assert [(p.name, p.purpose, p.locations) for p in result.processors] == [
        ("Intercom, Inc.", "Customer Support", ("US",)),
        ("Baremetrics", "Analytics", ("US",)),
        ("Zebrafoo", "Labels", ("EU",)),
    ]


def test_prose_vendor_counts_only_when_the_text_says_it_handles_data(
    catalogue: Catalogue,
) -> None:
    page = (
        "Privacy\n\nAll payment data is stored at Stripe.\n\n"
        "You can sign in with your Google account.\n\nWe comply with the GDPR and HIPAA.\n"
    )
    assert names(run(page, catalogue)) == ["Stripe"]


def test_a_css_selector_narrows_the_page(catalogue: Catalogue) -> None:
    page = """<div id="a"><h2>Vendors</h2><ul><li><b>Stripe</b>: pay</li></ul></div>
    <div id="b"><h2>Vendors</h2><ul><li><b>Mailgun</b>: mail</li></ul></div>"""
    assert names(run(page, catalogue, selector="#b")) == ["Mailgun"]


def test_the_company_itself_is_not_its_own_processor(catalogue: Catalogue) -> None:
    page = "Privacy\n\nWe share data with Sentry. Our payments are processed by Stripe.\n"
    assert names(run(page, catalogue, self_names=["Stripe"])) == ["Sentry"]


def test_output_is_in_page_order_and_deterministic(catalogue: Catalogue) -> None:
    page = "## Vendors\n\n- **Zendesk**: support\n- **Algolia**: search\n- **Mailgun**: mail\n"
    first, second = run(page, catalogue), run(page, catalogue)
    assert names(first) == ["Zendesk", "Algolia", "Mailgun"]
    assert first.processors == second.processors


def test_a_page_without_processors_warns_instead_of_failing(catalogue: Catalogue) -> None:
    result = run("Terms of service\n\nBe nice.\n", catalogue)
    assert result.processors == ()
    assert result.warnings


def test_nested_list_categories_are_not_vendors(catalogue: Catalogue) -> None:
    page = "## Sub-processors\n\n- Payments\n  - Stripe\n  - PayPal\n- Hosting\n  - Hetzner\n"
    assert names(run(page, catalogue)) == ["Stripe", "PayPal", "Hetzner"]


def test_accordion_titles_under_a_subprocessor_heading_are_vendors(catalogue: Catalogue) -> None:
    page = """<h2>Sub-processors</h2>
    <details><summary>Mailgun</summary><p>Mailgun sends our email.</p></details>
    <details><summary>Zebra Widgets Ltd</summary><p>Printing</p></details>"""
    assert names(run(page, catalogue)) == ["Mailgun", "Zebra Widgets Ltd"]


def test_a_sentence_listing_subprocessors_names_each_but_not_its_subject(
    catalogue: Catalogue,
) -> None:
    page = (
        "# Sub-processors\n\nIntercom uses the following sub-processors: Amazon Web Services "
        "(hosting), Stripe (payments), and Mailgun (email).\n"
    )
    assert names(run(page, catalogue)) == ["Amazon Web Services", "Stripe", "Mailgun"]


def test_an_html_table_inside_markdown_is_read(catalogue: Catalogue) -> None:
    page = (
        "# Subprocessors\n\n<table><thead><tr><th>Name of Subprocessor</th></tr></thead>"
        "<tbody><tr><td>Tabs</td></tr><tr><td>DocuSign</td></tr></tbody></table>\n"
    )
    assert names(run(page, catalogue)) == ["Tabs", "DocuSign"]


def test_a_name_cell_holding_an_address_keeps_only_the_name(catalogue: Catalogue) -> None:
    page = """<h2>Sub-processors</h2><table><tr><th>Sub-processor</th><th>Purpose</th></tr>
    <tr><td><b>Zebra Widgets, Inc.</b><br>510 Townsend Street, San Francisco, CA 94103</td>
    <td>Printing</td></tr></table>"""
    assert names(run(page, catalogue)) == ["Zebra Widgets, Inc."]


def test_a_role_in_brackets_after_a_listed_name_becomes_its_purpose(catalogue: Catalogue) -> None:
    page = "## Sub-processors\n\n- Hetzner (hosting, Germany)\n- Braintree (PayPal)\n"
    result = run(page, catalogue)
    assert [(p.name, p.purpose) for p in result.processors] == [
        ("Hetzner", "hosting"),
        ("Braintree (PayPal)", ""),
    ]
    assert result.processors[0].locations == ("DE",)  # the place after the role is its location


def test_prose_needs_the_company_as_the_user_of_a_vendor(catalogue: Catalogue) -> None:
    page = (
        "Privacy Policy\n\nYou can use our integration with Salesforce to sync contacts.\n\n"
        "We use data about your interactions with Slack to improve features.\n\n"
        "We also use Mailgun to send email. Our website is hosted on Vercel.\n"
    )
    assert names(run(page, catalogue)) == ["Mailgun", "Vercel"]


def test_a_policy_heading_under_a_subprocessor_heading_is_not_a_vendor(
    catalogue: Catalogue,
) -> None:
    page = (
        "# Sub-processors\n\n## Data Processing Agreement\n\n"
        "Our Data Processing Agreement covers every vendor.\n"
    )
    assert names(run(page, catalogue)) == []


def test_an_invalid_or_stale_selector_reads_the_whole_page_with_a_warning(
    catalogue: Catalogue,
) -> None:
    page = "<h2>Vendors</h2><ul><li><b>Stripe</b>: pay</li></ul>"
    for selector in ("div[", "#gone"):
        result = run(page, catalogue, selector=selector)
        assert names(result) == ["Stripe"]
        assert "selector" in result.warnings[0]


def test_a_category_item_names_the_vendors_after_its_colon(catalogue: Catalogue) -> None:
    page = "## Vendors\n\n- **Analytics**: Google Analytics, Mixpanel\n- **Mail**: Mailgun"
    assert names(run(page, catalogue)) == ["Google Analytics", "Mixpanel", "Mailgun"]


def test_an_unknown_vendor_heading_counts_when_its_siblings_are_vendors(
    catalogue: Catalogue,
) -> None:
    page = (
        "# Subprocessors\n\n### Stripe\n\nPayments.\n\n### Mailgun\n\nEmail.\n\n"
        "### Quokka Metrics\n\nProduct analytics.\n\n## Contact\n\nWrite to us.\n"
    )
    assert names(run(page, catalogue)) == ["Stripe", "Mailgun", "Quokka Metrics"]


def test_a_legal_suffix_and_role_after_a_listed_name_stay_with_it(catalogue: Catalogue) -> None:
    page = "## Sub-processors\n\n- Zebra Widgets, Inc. (printing) \u2013 United States\n"
    (processor,) = run(page, catalogue).processors
    assert (processor.name, processor.purpose) == ("Zebra Widgets, Inc.", "printing; United States")


def test_a_page_without_headings_is_headed_by_its_title(catalogue: Catalogue) -> None:
    page = "<html><head><title>Acme subprocessors</title></head><body><ul><li>Stripe</li>"
    page += "<li>Quokka Metrics</li></ul></body></html>"
    assert names(run(page, catalogue)) == ["Stripe", "Quokka Metrics"]


def test_an_html_definition_list_gives_names_and_their_descriptions(catalogue: Catalogue) -> None:
    page = "<h2>Sub-processors</h2><dl><dt>Sentry</dt><dd>Error tracking</dd></dl>"
    result = run(page, catalogue)
    assert [(p.name, p.purpose) for p in result.processors] == [("Sentry", "Error tracking")]


def _names_table(*cells: str) -> str:
    rows = "".join(f"<tr><td>{cell}</td><td>Shipping</td></tr>" for cell in cells)
    return (
        f"<h2>Subprocessors</h2><table><tr><th>Subprocessor</th><th>Purpose</th></tr>{rows}</table>"
    )


def test_unknown_names_stacked_with_br_in_a_one_name_per_cell_table_are_each_read(
    catalogue: Catalogue,
) -> None:
    page = _names_table("Parcelwise", "Boxtrail<br>Labelry", "Shipnook")

    assert names(run(page, catalogue)) == ["Parcelwise", "Boxtrail", "Labelry", "Shipnook"]


def test_a_brand_above_its_legal_entity_in_one_cell_stays_one_processor(
    catalogue: Catalogue,
) -> None:
    page = _names_table("Parcelwise", "Boxtrail<br>Boxtrail Labs GmbH", "Shipnook")

    assert len(run(page, catalogue).processors) == 3


def test_a_second_line_with_a_city_or_a_description_is_not_a_name(catalogue: Catalogue) -> None:
    page = _names_table("Parcelwise", "Boxtrail<br>Dublin", "Labelry<br>Payments Processor", "Nook")

    assert names(run(page, catalogue))[1:3] == ["Boxtrail Dublin", "Labelry Payments Processor"]


def test_name_cells_that_all_hold_two_lines_are_names_with_details(catalogue: Catalogue) -> None:
    page = _names_table("Parcelwise<br>Harbour House", "Boxtrail<br>Mill Lane")

    assert names(run(page, catalogue)) == ["Parcelwise Harbour House", "Boxtrail Mill Lane"]
