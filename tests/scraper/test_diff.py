"""diff(old, new): added, removed and changed processors by vendor identity, never by text."""

from __future__ import annotations

from scraper.diff import Changed, Diff, diff, group, identity
from scraper.extract import Processor


def p(name: str, vendor: str = "", purpose: str = "", locations: tuple[str, ...] = ()) -> Processor:
    return Processor(name=name, vendor=vendor or name, purpose=purpose, locations=locations)


BASE = [
    p("Amazon Web Services, Inc.", "Amazon Web Services", "Hosting", ("US",)),
    p("Stripe, Inc.", "Stripe", "Payment processing", ("US",)),
    p("Mailgun Technologies, Inc.", "Mailgun", "Email delivery", ("US", "EU")),
]


def test_the_same_list_is_no_change() -> None:
    assert diff(BASE, BASE).is_empty


def test_reordered_rows_are_not_a_change() -> None:
    assert diff(BASE, list(reversed(BASE))).is_empty


def test_where_a_row_was_found_and_its_website_are_not_a_change() -> None:
    moved = [
        Processor(**{**x.to_dict(), "locations": x.locations, "found_in": "list 2", "website": "x"})
        for x in BASE
    ]
    assert diff(BASE, moved).is_empty


def test_legal_suffix_and_punctuation_variants_are_the_same_vendor() -> None:
    old = [p("Acme Inc."), p("GitHub, Inc."), p("Npm, Inc.")]
    new = [p("Acme, Inc."), p("GitHub Inc"), p("npm Inc")]
    assert diff(old, new).is_empty


def test_a_case_only_rename_is_not_a_change() -> None:
    assert diff([p("SendGrid")], [p("Sendgrid")]).is_empty


def test_a_name_resolved_to_the_same_catalogue_vendor_is_not_a_change() -> None:
    old = [p("Amazon Web Services (AWS)", "Amazon Web Services")]
    new = [p("AWS", "Amazon Web Services")]
    assert diff(old, new).is_empty


def test_an_unresolved_name_falls_back_to_the_name_as_written() -> None:
    assert identity(Processor(name="Hetzner Online GmbH", vendor="")) == "hetzner online"


def test_a_new_vendor_is_added() -> None:
    new = [*BASE, p("Sentry", purpose="Error monitoring")]
    result = diff(BASE, new)
    assert [x.name for x in result.added] == ["Sentry"]
    assert result.removed == ()
    assert result.changed == ()


def test_a_vendor_no_longer_listed_is_removed() -> None:
    result = diff(BASE, BASE[:2])
    assert [x.vendor for x in result.removed] == ["Mailgun"]
    assert result.added == ()


def test_a_replacement_is_one_removal_and_one_addition() -> None:
    result = diff([p("Rollbar"), p("Stripe")], [p("Sentry"), p("Stripe")])
    assert [x.name for x in result.added] == ["Sentry"]
    assert [x.name for x in result.removed] == ["Rollbar"]


def test_a_new_location_code_is_a_change() -> None:
    new = [BASE[0], BASE[1], p("Mailgun", "Mailgun", "Email delivery", ("US", "EU", "SG"))]
    result = diff(BASE, new)
    assert result.changed == (Changed(before=BASE[2], after=new[2], fields=("locations",)),)
    assert result.added == result.removed == ()


def test_a_dropped_location_code_is_a_change() -> None:
    new = [BASE[0], BASE[1], p("Mailgun", "Mailgun", "Email delivery", ("US",))]
    assert [c.fields for c in diff(BASE, new).changed] == [("locations",)]


def test_locations_in_another_order_are_not_a_change() -> None:
    new = [BASE[0], BASE[1], p("Mailgun", "Mailgun", "Email delivery", ("EU", "US"))]
    assert diff(BASE, new).is_empty


def test_a_location_the_extraction_lost_is_missing_information_not_a_change() -> None:
    new = [BASE[0], BASE[1], p("Mailgun", "Mailgun", "Email delivery", ())]
    assert diff(BASE, new).is_empty
    assert diff(new, BASE).is_empty


def test_a_purpose_that_was_not_stated_before_is_not_a_change() -> None:
    assert diff([p("Stripe")], [p("Stripe", purpose="Payment processing")]).is_empty


def test_a_purpose_with_a_different_meaning_is_a_change() -> None:
    result = diff([p("Stripe", purpose="Payment processing")], [p("Stripe", purpose="Hosting")])
    assert [c.fields for c in result.changed] == [("purpose",)]


def test_a_purpose_that_gains_a_second_meaning_is_a_change() -> None:
    old = [p("Amazon Web Services", purpose="Cloud hosting")]
    new = [p("Amazon Web Services", purpose="Cloud hosting and email delivery")]
    assert [c.fields for c in diff(old, new).changed] == [("purpose",)]


def test_a_purpose_reworded_in_case_punctuation_and_order_is_not_a_change() -> None:
    old = [p("Pusher", purpose="Real-time infrastructure for web, mobile")]
    new = [p("Pusher", purpose="mobile and web: real time infrastructure")]
    assert diff(old, new).is_empty


def test_purpose_and_location_changing_together_are_one_change_with_both_fields() -> None:
    old = [p("Stripe", purpose="Payment processing", locations=("US",))]
    new = [p("Stripe", purpose="Hosting", locations=("US", "IE"))]
    assert [c.fields for c in diff(old, new).changed] == [("purpose", "locations")]


def test_add_remove_and_change_in_the_same_fetch_are_all_reported() -> None:
    new = [
        BASE[0],
        p("Stripe, Inc.", "Stripe", "Payment processing", ("US", "IE")),
        p("Postmark", purpose="Email delivery"),
    ]
    result = diff(BASE, new)
    assert [x.name for x in result.added] == ["Postmark"]
    assert [x.vendor for x in result.removed] == ["Mailgun"]
    assert [c.after.vendor for c in result.changed] == ["Stripe"]


def test_a_vendor_listed_twice_is_one_vendor_with_both_purposes_and_locations() -> None:
    rows = [
        p("Microsoft (Azure)", "Microsoft Azure", "Hosting", ("US",)),
        p("Microsoft (Azure)", "Microsoft Azure", "Support ticket analysis", ("IE",)),
    ]
    merged = group(rows)["microsoft azure"]
    assert merged.purpose == "Hosting; Support ticket analysis"
    assert set(merged.locations) == {"US", "IE"}
    assert diff(rows[:1], rows).changed[0].fields == ("purpose", "locations")


def test_a_second_row_for_a_listed_vendor_is_not_an_addition() -> None:
    old = [p("Microsoft", purpose="Technical services")]
    new = [*old, p("Microsoft", purpose="Technical services")]
    assert diff(old, new).is_empty


def test_a_renamed_row_that_names_the_vendor_another_way_is_not_add_and_remove() -> None:
    old = [p("NexMo (aka Vonage)"), p("Amazon Web Services (AWS)")]
    new = [p("NexMo Inc (aka Vonage)"), p("Amazon Web Services Inc (AWS)")]
    assert diff(old, new).is_empty


def test_rows_merged_into_one_row_naming_both_are_not_removed() -> None:
    old = [p("SendGrid"), p("Twilio")]
    new = [p("Twilio     (SendGrid)", "Twilio")]
    result = diff(old, new)
    assert result.removed == ()
    assert result.added == ()


def test_a_leading_word_that_is_also_a_legal_form_is_part_of_the_name() -> None:
    result = diff([p("AB Tasty"), p("Stripe")], [p("Tasty"), p("Stripe")])
    assert [x.name for x in result.removed] == ["AB Tasty"]
    assert [x.name for x in result.added] == ["Tasty"]


def test_two_rows_sharing_only_a_bracketed_role_are_still_different_vendors() -> None:
    old = [p("AWS (Cloud provider)"), p("Snowflake (Data warehouse)")]
    new = [p("GCP (Cloud provider)"), p("Snowflake (Data warehouse)")]
    result = diff(old, new)
    assert [x.name for x in result.added] == ["GCP (Cloud provider)"]
    assert [x.name for x in result.removed] == ["AWS (Cloud provider)"]


def test_a_one_letter_typo_fix_in_a_long_name_is_not_add_and_remove() -> None:
    result = diff([p("Miscrosoft Clarity"), p("Stripe")], [p("Microsoft Clarity"), p("Stripe")])
    assert result.is_empty


def test_a_typo_fixed_rename_still_reports_its_location_change() -> None:
    old = [p("Miscrosoft Clarity", locations=("US",))]
    new = [p("Microsoft Clarity", locations=("US", "EU"))]
    assert [(c.before.name, c.after.name) for c in diff(old, new).changed] == [
        ("Miscrosoft Clarity", "Microsoft Clarity")
    ]


def test_short_names_one_letter_apart_are_different_vendors() -> None:
    result = diff([p("Segment")], [p("Sigment")])
    assert len(result.added) == len(result.removed) == 1


def test_names_differing_by_a_number_are_different_vendors() -> None:
    result = diff([p("Datacenter Provider 1")], [p("Datacenter Provider 2")])
    assert len(result.added) == len(result.removed) == 1


def test_a_similar_name_of_another_company_is_not_taken_for_a_rename() -> None:
    result = diff([p("Google Analytics"), p("Google Cloud Platform")], [p("Google Cloud Platform")])
    assert [x.name for x in result.removed] == ["Google Analytics"]


def test_processors_without_any_name_are_ignored() -> None:
    assert diff(BASE, [*BASE, Processor(name="", vendor="")]).is_empty


def test_output_order_is_by_vendor_whatever_the_input_order() -> None:
    new = [p("Zendesk"), p("Airtable"), p("Mixpanel")]
    expected = ["Airtable", "Mixpanel", "Zendesk"]
    assert [x.name for x in diff([], new).added] == expected
    assert [x.name for x in diff([], list(reversed(new))).added] == expected


def test_an_empty_diff_says_it_is_empty() -> None:
    assert Diff().is_empty
    assert not Diff(added=(p("Stripe"),)).is_empty


def test_purpose_text_outside_the_vocabulary_is_compared_by_its_words() -> None:
    old = [p("Acme", purpose="Widget frobnication, quarterly")]
    assert diff(old, [p("Acme", purpose="quarterly: the widget frobnication")]).is_empty
    changed = diff(old, [p("Acme", purpose="Gizmo polishing")]).changed
    assert [c.fields for c in changed] == [("purpose",)]


def test_a_qualifier_added_to_purpose_text_outside_the_vocabulary_is_not_a_change() -> None:
    old = [p("Imgix", purpose="Cloud-based Image Processing")]
    assert diff(old, [p("Imgix", purpose="Image processing")]).is_empty


def test_diff_is_pure_and_leaves_its_inputs_alone() -> None:
    old, new = list(BASE), [*BASE[:2], p("Sentry")]
    diff(old, new)
    assert old == BASE
    assert [x.name for x in new] == [BASE[0].name, BASE[1].name, "Sentry"]


def test_a_name_gaining_a_formerly_note_is_the_same_vendor() -> None:
    old = [p("Postbird", "Postbird"), p("Stripe")]
    new = [p("Parcelmail (formerly Postbird)", "Parcelmail"), p("Stripe")]
    assert diff(old, new).is_empty


def test_a_name_with_a_previous_name_written_after_a_comma_is_the_same_vendor() -> None:
    old = [p("Helpwise Desk", "Helpwise Desk")]
    new = [p("Quickdesk, previously Helpwise Desk", "Quickdesk")]
    assert diff(old, new).is_empty


def test_a_row_merged_into_another_as_including_is_still_listed() -> None:
    old = [p("Twilio Inc.", "Twilio"), p("SendGrid, Inc.", "SendGrid"), p("Hotjar Ltd", "Hotjar")]
    new = [p("Twilio Inc. (including SendGrid)", "Twilio")]
    result = diff(old, new)
    assert [x.vendor for x in result.removed] == ["Hotjar"]
    assert result.added == ()


def test_renumbered_footnote_markers_are_not_a_change() -> None:
    old = [p("Google LLC 2", "Google LLC 2"), p("Okta [1]", "Okta [1]"), p("Acme Hosting¹")]
    new = [p("Google LLC 3", "Google LLC 3"), p("Okta [2]", "Okta [2]"), p("Acme Hosting²")]
    assert diff(old, new).is_empty


def test_a_footnote_marker_added_to_a_name_is_not_a_change() -> None:
    assert diff([p("Slack Technologies, LLC", "Slack")], [p("Slack Technologies, LLC*")]).is_empty
