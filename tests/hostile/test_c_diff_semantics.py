"""HOSTILE.md section C, cases 22-25, at the level of extract + diff + judge.

Zero changes for cosmetic edits, exactly the real changes otherwise, no alert storm when a page
flaps, and no change when only our extractor reads the same page differently.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from registry.catalogue import load
from scraper.diff import Diff, diff
from scraper.documents import parse
from scraper.extract import Processor, extract
from scraper.sanity import guarded_diff

# (name as written, purpose, location as written)
VENDORS = [
    ("Amazon Web Services, Inc.", "Cloud hosting", "United States"),
    ("Stripe, Inc.", "Payment processing", "United States"),
    ("Mailgun Technologies, Inc.", "Transactional email delivery", "United States"),
    ("Intercom R&D Unlimited Company", "Customer support chat", "Ireland"),
    ("Zendesk, Inc.", "Help desk ticketing", "United States"),
    ("Datadog, Inc.", "Infrastructure monitoring", "United States"),
]


def page(
    rows: Sequence[tuple[str, str, str]] = VENDORS,
    *,
    updated: str = "1 March 2024",
    nonce: str = "a1b2c3",
    newline: str = "\n",
    wrap: bool = False,
    klass: str = "table",
) -> str:
    cells = [f"<tr><td>{n}</td><td>{p}</td><td>{loc}</td></tr>" for n, p, loc in rows]
    table = (
        f'<table class="{klass}"><thead><tr><th>Sub-processor</th><th>Purpose</th>'
        f"<th>Location</th></tr></thead><tbody>{newline.join(cells)}</tbody></table>"
    )
    if wrap:
        table = f'<div class="wrapper"><section><div class="inner">{table}</div></section></div>'
    parts = [
        "<html><head><title>Sub-processors</title>",
        f'<meta name="csrf-token" content="{nonce}"><script nonce="{nonce}">var t=1;</script>',
        "</head><body><h1>Sub-processors</h1>",
        f"<p><em>Last updated: {updated}</em></p>",
        "<p>We use the following sub-processors to provide our service to you.</p>",
        table,
        "</body></html>",
    ]
    return newline.join(parts)


def read(html: str) -> tuple[Processor, ...]:
    return extract(parse(html), catalogue=load()).processors


def changes(before: str, after: str) -> Diff:
    return diff(read(before), read(after))


def test_the_base_page_reads_every_vendor() -> None:
    assert len(read(page())) == len(VENDORS)


# ---------------------------------------------------------------- 22: cosmetic edits


@pytest.mark.parametrize(
    "edited",
    [
        pytest.param(page(nonce="zz99yy88"), id="nonce-and-csrf-token"),
        pytest.param(page(newline="\r\n  \t"), id="whitespace-and-crlf"),
        pytest.param(page(wrap=True, klass="vendors striped"), id="classes-and-wrappers"),
        pytest.param(page(list(reversed(VENDORS))), id="row-reorder"),
        pytest.param(page(updated="17 November 2026"), id="last-updated-date"),
    ],
)
def test_22_a_cosmetic_edit_gives_no_change(edited: str) -> None:
    assert changes(page(), edited).is_empty


def test_22_case_punctuation_and_legal_suffix_variants_give_no_change() -> None:
    variants = [
        ("Amazon Web Services Inc", "Cloud hosting", "United States"),
        ("STRIPE INC.", "Payment processing", "USA"),
        ("Mailgun Technologies Inc.", "Transactional email delivery", "US"),
        ("Intercom R&D Unlimited Company", "Customer support chat", "Ireland"),
        ("Zendesk Inc", "Help desk ticketing", "United States of America"),
        ("Datadog Inc.", "Infrastructure monitoring", "United States"),
    ]
    assert changes(page(), page(variants)).is_empty


def test_22_nbsp_zero_width_and_full_width_characters_in_names_give_no_change() -> None:
    variants = [
        ("Amazon\u00a0Web\u00a0Services, Inc.", "Cloud hosting", "United States"),
        ("Str\u200bipe, Inc.", "Payment processing", "United States"),
        ("\uff2d\uff41\uff49\uff4c\uff47\uff55\uff4e Technologies, Inc.", VENDORS[2][1], "US"),
        *VENDORS[3:],
    ]
    assert changes(page(), page(variants)).is_empty


def test_22_every_cosmetic_edit_at_once_gives_no_change() -> None:
    shuffled = list(VENDORS)
    random.Random(7).shuffle(shuffled)
    shuffled = [(n.upper().replace(", Inc.", " Inc"), p, loc) for n, p, loc in shuffled]
    edited = page(
        shuffled, updated="2 Jan 2027", nonce="ffff", newline="\r\n", wrap=True, klass="x y"
    )
    assert changes(page(), edited).is_empty


# ---------------------------------------------------------------- 23: real changes


def test_23_one_added_vendor_is_exactly_one_addition() -> None:
    result = changes(
        page(), page([*VENDORS, ("Functional Software, Inc. (Sentry)", "Errors", "US")])
    )
    assert [x.vendor for x in result.added] == ["Sentry"]
    assert (result.removed, result.changed) == ((), ())


def test_23_one_removed_vendor_is_exactly_one_removal() -> None:
    result = changes(page(), page(VENDORS[:-1]))
    assert [x.vendor for x in result.removed] == ["Datadog"]
    assert (result.added, result.changed) == ((), ())


def test_23_a_vendor_renamed_to_another_company_is_one_removal_and_one_addition() -> None:
    renamed = [*VENDORS[:2], ("Postmark (ActiveCampaign, LLC)", VENDORS[2][1], "United States")]
    result = changes(page(), page([*renamed, *VENDORS[3:]]))
    assert [x.vendor for x in result.removed] == ["Mailgun"]
    assert [x.vendor for x in result.added] == ["Postmark"]


def test_23_a_changed_location_is_exactly_one_change() -> None:
    moved = [*VENDORS[:3], ("Intercom R&D Unlimited Company", "Customer support chat", "USA")]
    result = changes(page(), page([*moved, *VENDORS[4:]]))
    assert [(c.after.vendor, c.fields) for c in result.changed] == [("Intercom", ("locations",))]
    assert (result.added, result.removed) == ((), ())


def test_23_a_changed_purpose_is_exactly_one_change() -> None:
    repurposed = [VENDORS[0], ("Stripe, Inc.", "Customer analytics", "United States")]
    result = changes(page(), page([*repurposed, *VENDORS[2:]]))
    assert [(c.after.vendor, c.fields) for c in result.changed] == [("Stripe", ("purpose",))]


def test_23_a_reworded_purpose_with_the_same_meaning_is_no_change() -> None:
    reworded = [VENDORS[0], ("Stripe, Inc.", "Processing of payments", "United States")]
    assert changes(page(), page([*reworded, *VENDORS[2:]])).is_empty


def test_23_add_and_remove_in_the_same_fetch_lists_both() -> None:
    after = [*VENDORS[1:], ("Functional Software, Inc. (Sentry)", "Error monitoring", "US")]
    result = changes(page(), page(after))
    assert [x.vendor for x in result.added] == ["Sentry"]
    assert [x.vendor for x in result.removed] == ["Amazon Web Services"]
    assert result.changed == ()


# ---------------------------------------------------------------- 24: flapping


def alerts_over(pages: Sequence[str]) -> list[Diff]:
    """Replay checks like the pipeline: judge each page against the last good list."""
    last_good = read(pages[0])
    reported = []
    for html in pages[1:]:
        document = parse(html)
        extraction = extract(document, catalogue=load())
        result, verdict = guarded_diff(last_good, extraction, document=document)
        if verdict.ok:
            last_good = extraction.processors
        if not result.is_empty:
            reported.append(result)
    return reported


def test_24_a_page_flapping_with_a_bot_check_never_reports_anything() -> None:
    challenge = "<html><head><title>Just a moment...</title></head><body></body></html>"
    assert alerts_over([page(), challenge, page(), challenge, page()]) == []


def test_24_a_table_that_vanishes_and_comes_back_never_reports_anything() -> None:
    no_table = "<html><body><h1>Sub-processors</h1><p>Loading the list...</p></body></html>"
    assert alerts_over([page(), no_table, page(), no_table, page()]) == []


def test_24_an_ab_tested_page_that_flaps_reports_mirror_images_a_debounce_can_cancel() -> None:
    variant = page([*VENDORS, ("Functional Software, Inc. (Sentry)", "Errors", "US")])
    first, second, third = alerts_over([page(), variant, page(), variant])
    assert first.added == second.removed == third.added
    assert first.removed == second.added == ()


# ---------------------------------------------------------------- 25: extractor upgrades


def test_25_a_newer_extractor_resolving_names_differently_gives_no_change() -> None:
    old_reading = [Processor(name=n, vendor=n, purpose=p) for n, p, _ in VENDORS]
    new_reading = read(page())
    assert diff(old_reading, new_reading).is_empty


def test_25_a_newer_extractor_that_reads_locations_it_missed_gives_no_change() -> None:
    old_reading = [
        Processor(name=x.name, vendor=x.vendor, purpose=x.purpose, found_in="list 1")
        for x in read(page())
    ]
    assert diff(old_reading, read(page())).is_empty
