"""Reading sub-processor lists published as PDF: tables, lists, columns, pages, and commands.

The PDFs in fixtures_pdf/ were printed by Chromium from the HTML beside each (see README.md
there), so they carry what real exports carry: embedded subset fonts, ligatures, ruled
tables, vector bullets and running footers.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from registry.catalogue import load
from scraper.documents import Block, Document, parse
from scraper.extract import extract
from tests.scraper.fixtures_pdf.minimal import pages_pdf, text_content

FIXTURES = Path(__file__).resolve().parent / "fixtures_pdf"
DASH = "\N{EN DASH}"  # as the HTML sources write "&ndash;"


def read(name: str) -> Document:
    return parse((FIXTURES / name).read_bytes())


def vendors(document: Document) -> list[str]:
    return [p.vendor for p in extract(document, catalogue=load()).processors]


def tables(document: Document) -> list[Block]:
    return [b for b in document.blocks if b.kind == "table"]


def cells(block: Block) -> list[list[str]]:
    return [[text for text, _ in row] for row in block.rows]


def test_pdf_bytes_are_recognised_by_their_signature_whatever_the_declared_type() -> None:
    body = (FIXTURES / "bullet_list.pdf").read_bytes()

    assert parse(body, content_type="text/html; charset=utf-8").format == "pdf"
    assert parse(b"\r\n" + body).format == "pdf"
    assert parse(b"<p>%PDF-1.7 is a version</p>").format == "html"


def test_it_reads_a_ruled_dpa_annex_table_as_a_table_with_cells() -> None:
    document = read("dpa_annex.pdf")

    [table] = tables(document)
    rows = cells(table)
    assert rows[0] == ["Sub-processor", "Purpose of processing", "Location of processing"]
    assert rows[1] == ["Amazon Web Services, Inc.", "Cloud hosting and storage of the Service",
                       "Ireland (EU)"]  # fmt: skip
    assert rows[5][1] == (
        "Customer support ticketing and help centre for enterprise customers with a long "
        "description that wraps onto a second line inside its cell"
    )
    assert rows[7][1] == "SMS notifications and two-factor authentication"  # "ﬁ" ligature
    assert len(rows) == 8


def test_the_annex_table_keeps_its_place_between_headings_and_paragraphs() -> None:
    document = read("dpa_annex.pdf")

    kinds = [(b.kind, b.level, b.text[:34]) for b in document.blocks]
    assert kinds == [
        ("heading", 1, "Data Processing Addendum"),
        ("para", 0, 'This Data Processing Addendum ("DP'),
        ("heading", 2, "1. Authorised sub-processors"),
        ("para", 0, "The Customer grants a general auth"),
        ("heading", 2, f"Annex III {DASH} List of Sub-processors"),
        ("table", 0, ""),
        ("heading", 2, f"Annex IV {DASH} Technical and organisat"),
        ("para", 0, "Northwind encrypts Customer Person"),
    ]
    assert document.title == "Data Processing Addendum - Annex III"
    assert "sub-processors listed in Annex III" in document.blocks[3].text  # "sub-" + "processors"


def test_the_annex_table_gives_name_purpose_and_location_of_each_processor() -> None:
    found = extract(read("dpa_annex.pdf"), catalogue=load())

    by_vendor = {p.vendor: p for p in found.processors}
    assert list(by_vendor) == [
        "Amazon Web Services", "Cloudflare", "Stripe", "Mailgun", "Zendesk", "Sentry", "Twilio",
    ]  # fmt: skip
    assert by_vendor["Mailgun"].purpose == "Transactional email delivery"
    assert by_vendor["Mailgun"].locations == ("DE",)
    assert by_vendor["Stripe"].locations == ("US",)
    assert found.method == "table"
    assert found.format == "pdf"
    assert found.warnings == ()


def test_drawn_bullets_under_a_sub_processors_heading_become_list_items() -> None:
    document = read("bullet_list.pdf")

    items = [b for b in document.blocks if b.kind == "item"]
    assert [b.text for b in items] == [
        f"Google Cloud Platform {DASH} hosting and databases (Belgium)",
        f"Postmark {DASH} transactional email (United States)",
        f"Intercom {DASH} in-app chat and customer support (Ireland)",
        f"Mixpanel {DASH} product analytics (United States)",
        f"Auth0 {DASH} sign-in and identity management (Germany)",
    ]
    heading = document.blocks[document.blocks.index(items[0]) - 2]
    assert (heading.kind, heading.text) == ("heading", "Sub-processors")
    assert vendors(document) == ["Google Cloud", "Postmark", "Intercom", "Mixpanel", "Auth0"]


def test_bullet_characters_in_the_text_make_list_items_too() -> None:
    lines = ["Sub-processors", "\x95 Stripe: payments", "\x95 Mailgun: email"]  # \x95: a bullet
    body = pages_pdf([text_content(lines)])

    document = parse(body)

    assert [(b.kind, b.text) for b in document.blocks if b.kind == "item"] == [
        ("item", "Stripe: payments"),
        ("item", "Mailgun: email"),
    ]


def test_a_table_over_three_pages_is_one_table_with_its_repeated_header_dropped() -> None:
    document = read("multipage_annex.pdf")

    [table] = tables(document)
    rows = cells(table)
    assert rows[0] == ["No.", "Vendor name", "Nature of processing", "Country"]
    assert [row[0] for row in rows[1:]] == [str(n) for n in range(1, 101)]
    assert "confidential" not in document.text.casefold()  # the running footer of each page
    assert len(vendors(document)) == 100


def test_a_two_column_page_reads_down_the_first_column_before_the_second() -> None:
    document = read("two_column.pdf")

    order = [b.lead or b.text for b in document.blocks if b.kind in ("heading", "para")]
    assert order[:5] == [
        "Third-party sub-processors",
        "Infrastructure",
        "Microsoft Azure",
        "Fastly",
        "MongoDB Atlas",
    ]
    assert order[6:10] == ["Communication", "SendGrid", "Slack", "HubSpot"]
    found = extract(document, catalogue=load())
    assert {p.vendor: p.found_in for p in found.processors}["Fastly"].endswith(
        "'Infrastructure', item 0"
    )


def test_a_table_drawn_without_lines_is_read_from_its_aligned_columns() -> None:
    document = read("unruled_table.pdf")

    [table] = tables(document)
    assert cells(table) == [
        ["Entity", "Service", "Country"],
        ["Amazon Web Services", "Hosting", "Germany"],
        ["Okta", "Single sign-on for staff", "United States"],
        ["Salesforce", "Customer records", "United States"],
        ["DocuSign", "Electronic signatures of employment contracts", "Ireland"],
    ]


def test_a_pdf_locked_only_against_editing_is_read_like_any_other() -> None:
    assert vendors(read("owner_locked.pdf")) == vendors(read("dpa_annex.pdf"))


def test_markdown_and_markup_characters_in_pdf_text_stay_literal() -> None:
    body = pages_pdf([text_content(["Sub-processors", "Acme_Data *EU* [beta] <Vendor> & Co"])])

    document = parse(body)

    assert "Acme_Data *EU* [beta] <Vendor> & Co" in document.text


def test_extract_command_reads_a_pdf_file_as_json() -> None:
    out = StringIO()

    call_command("extract", str(FIXTURES / "dpa_annex.pdf"), "--json", stdout=out)

    line = json.loads(out.getvalue())
    assert line["input"].endswith("dpa_annex.pdf")
    assert [p["vendor"] for p in line["processors"]][:3] == [
        "Amazon Web Services",
        "Cloudflare",
        "Stripe",
    ]
    assert line["processors"][0]["found_in"] == (
        f"table 1 (Annex III {DASH} List of Sub-processors), row 1"
    )
    assert line["warnings"] == []


def test_diff_of_two_pdf_versions_reports_exactly_the_added_vendor() -> None:
    out = StringIO()

    call_command(
        "diff", str(FIXTURES / "dpa_annex.pdf"), str(FIXTURES / "dpa_annex_v2.pdf"), "--json",
        stdout=out,
    )  # fmt: skip

    report = json.loads(out.getvalue())
    assert [p["vendor"] for p in report["added"]] == ["Datadog"]
    assert report["added"][0]["purpose"] == "Infrastructure monitoring and log management"
    assert report["removed"] == []
    assert report["changed"] == []
    assert report["guard"]["ok"] is True


@pytest.mark.parametrize("name", ["dpa_annex.pdf", "two_column.pdf", "multipage_annex.pdf"])
def test_reading_the_same_pdf_twice_gives_the_same_document(name: str) -> None:
    assert read(name) == read(name)
