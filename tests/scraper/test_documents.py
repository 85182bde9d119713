"""Parsing bodies into blocks: format sniffing, encodings, hostile markup."""

from __future__ import annotations

from scraper.documents import parse, sniff


def test_sniff_tells_html_markdown_and_text_apart() -> None:
    assert sniff("<!doctype html><html><body><p>x</p></body></html>") == "html"
    assert sniff("# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n") == "markdown"
    assert sniff("Privacy policy\n\nWe use cookies.\n") == "text"


def test_html_headings_tables_and_list_leads_become_blocks() -> None:
    doc = parse(
        b"<h2>Sub-processors</h2><table><tr><th>Vendor</th></tr><tr><td>Stripe</td></tr></table>"
        b"<ul><li><strong>Sentry:</strong> errors</li></ul>"
    )
    kinds = [(b.kind, b.text) for b in doc.blocks]
    assert kinds[0] == ("heading", "Sub-processors")
    assert doc.blocks[1].rows == ((("Vendor", ""),), (("Stripe", ""),))
    assert (doc.blocks[2].kind, doc.blocks[2].lead) == ("item", "Sentry:")


def test_scripts_comments_and_navigation_are_not_text() -> None:
    doc = parse(
        b"<html><body><nav><a>Stripe</a></nav><!-- Mailgun --><script>var x='Paddle'</script>"
        b"<p>Hello</p></body></html>"
    )
    assert doc.text == "Hello"


def test_utf16_with_bom_and_invalid_utf8_decode_without_error() -> None:
    assert parse("\ufeff<p>Zürich</p>".encode("utf-16")).text == "Zürich"
    assert parse(b"<html><body><p>Caf\xe9 \xff</p></body></html>").text.startswith("Caf")


def test_a_utf8_page_parsed_from_bytes_still_gives_its_decoded_source() -> None:
    body = "<html><body><p>Zürich 🚀</p></body></html>".encode()

    doc = parse(b"\xef\xbb\xbf" + body)

    assert doc.text == "Zürich 🚀"
    assert doc.source == body.decode()


def test_invalid_utf8_anywhere_in_a_long_page_reads_like_its_replacement_decoding() -> None:
    filler = b"<p>" + b"Policy text. " * 3000 + b"</p>"
    body = b"<!DOCTYPE html \xff><html><body>" + filler + b"<p>Caf\xe9</p></body></html>"

    doc = parse(body)

    assert doc.blocks[-1].text == "Caf"  # the replacement character is dropped from text
    assert "\ufffd" in doc.source


def test_ten_thousand_nested_elements_parse_without_recursion_errors() -> None:
    body = b"<html><body>" + b"<div>" * 10000 + b"deep" + b"</div>" * 10000 + b"</body></html>"
    doc = parse(body)
    assert doc.format == "html"


def test_markdown_tables_keep_link_targets_and_drop_markup() -> None:
    doc = parse("| Name | Purpose |\n|---|---|\n| [**AWS**](https://aws.amazon.com) | Hosting |\n")
    assert doc.blocks[0].rows[1][0] == ("AWS", "https://aws.amazon.com")


def test_rst_underlined_titles_and_definition_lists_are_recognised() -> None:
    doc = parse("Sub-processors\n==============\n\nSentry\n    Error tracking.\n")
    assert [(b.kind, b.lead or b.text) for b in doc.blocks] == [
        ("heading", "Sub-processors"),
        ("term", "Sentry"),
    ]


def test_a_bold_date_stamp_is_not_a_heading() -> None:
    doc = parse("# Vendors\n\n**Last update: 2024-09-12**\n\n| Vendor |\n|---|\n| Stripe |\n")
    assert [b.kind for b in doc.blocks] == ["heading", "para", "table"]
