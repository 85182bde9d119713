"""The guard: judge() and looks_like_error_page() keep broken pages from becoming removals."""

from __future__ import annotations

from typing import Any

import pytest

from scraper.documents import parse
from scraper.extract import Extraction, Processor
from scraper.sanity import guarded_diff, judge, looks_like_error_page


def p(name: str, purpose: str = "") -> Processor:
    return Processor(name=name, vendor=name, purpose=purpose)


FOURTEEN = [p(f"Vendor Number {n:02d}") for n in range(14)]
POLICY_PARAGRAPH = (
    "We share personal data with the sub-processors listed below only to provide the service, "
    "under written contracts that require them to protect it as we do. "
)


def found(processors: list[Processor]) -> Extraction:
    return Extraction(processors=tuple(processors), method="table" if processors else "")


def long_policy(extra: str = "") -> str:
    rows = "".join(f"<tr><td>{x.name}</td><td>Hosting</td></tr>" for x in FOURTEEN)
    return (
        f"<html><head><title>Sub-processors</title></head><body>{extra}<h1>Sub-processors</h1>"
        f"<p>{POLICY_PARAGRAPH * 12}</p><table><tr><th>Name</th><th>Purpose</th></tr>{rows}"
        "</table></body></html>"
    )


def test_an_unchanged_list_is_ok() -> None:
    assert judge(FOURTEEN, found(FOURTEEN)).ok


def test_the_first_check_of_a_page_without_a_list_is_ok() -> None:
    verdict = judge([], found([]))
    assert (verdict.ok, verdict.kind) == (True, "ok")


def test_a_list_that_found_nothing_is_empty_and_says_how_many_were_listed() -> None:
    verdict = judge(FOURTEEN, found([]))
    assert (verdict.ok, verdict.kind) == (False, "empty")
    assert "found 0 of 14 previously listed processors" in verdict.reason.lower()


def test_more_than_half_of_the_vendors_vanishing_at_once_is_a_mass_removal() -> None:
    verdict = judge(FOURTEEN, found(FOURTEEN[:6]))
    assert (verdict.ok, verdict.kind) == (False, "mass_removal")
    assert "8 of 14" in verdict.reason


def test_exactly_half_of_the_vendors_vanishing_is_still_ok() -> None:
    assert judge(FOURTEEN, found(FOURTEEN[:7])).ok


def test_the_mass_removal_ratio_is_read_from_settings(settings: Any) -> None:
    settings.SCRAPER_MASS_REMOVAL_RATIO = 0.2
    assert judge(FOURTEEN, found(FOURTEEN[:10])).kind == "mass_removal"


def test_a_small_list_losing_most_vendors_is_a_real_edit_not_a_mass_removal() -> None:
    three = FOURTEEN[:3]
    assert judge(three, found(three[:1])).ok


def test_additions_never_count_towards_a_mass_removal() -> None:
    assert judge(FOURTEEN[:4], found(FOURTEEN)).ok


def test_renamed_rows_do_not_count_as_vanished() -> None:
    before = [p("NexMo (aka Vonage)"), p("Npm, Inc."), p("Semmle Inc."), p("Zendesk")]
    after = [p("NexMo Inc (aka Vonage)"), p("npm Inc"), p("Semmle Inc"), p("Zendesk")]
    assert judge(before, found(after)).ok


def test_an_error_page_is_reported_before_anything_else() -> None:
    document = parse("<html><head><title>Just a moment...</title></head><body></body></html>")
    verdict = judge(FOURTEEN, found([]), document=document)
    assert (verdict.ok, verdict.kind) == (False, "error_page")
    assert '"Just a moment' in verdict.reason
    assert "last good list is kept" in verdict.reason


def test_a_real_policy_page_is_not_an_error_page() -> None:
    page = long_policy()
    assert looks_like_error_page(parse(page), body=page) is None


@pytest.mark.parametrize(
    "extra",
    [
        '<div class="cookie-banner">We use cookies. <button>Accept all</button></div>',
        '<nav><a href="/login">Sign in</a></nav><form><input type="password"></form>',
        "<p>Our forms are protected by a captcha; see Google reCAPTCHA terms.</p>",
        '<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script>',
        '<div id="root"></div><script src="/app.js"></script>',
    ],
)
def test_a_long_policy_with_a_banner_a_login_link_or_scripts_is_not_an_error_page(
    extra: str,
) -> None:
    page = long_policy(extra)
    assert looks_like_error_page(parse(page), body=page) is None


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("", "empty"),
        ("   \r\n\t  ", "empty"),
        ("<html><head><title>Just a moment...</title></head><body></body></html>", "bot check"),
        (
            "<html><head><title>Attention Required! | Cloudflare</title></head>"
            "<body><h1>Sorry, you have been blocked</h1></body></html>",
            "bot check",
        ),
        (
            '<html><body><p>Loading</p><script>window._cf_chl_opt={cType:"managed"}</script>'
            "</body></html>",
            "bot check",
        ),
        (
            "<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>"
            "<p>You don't have permission to access this server.</p></body></html>",
            "refused access",
        ),
        (
            "<html><body><p>Please complete the security captcha to continue.</p>"
            '<div class="g-recaptcha"></div></body></html>',
            "captcha",
        ),
        (
            "<html><head><title>Sign in · Acme</title></head><body><h1>Sign in</h1><form>"
            '<input name="email"><input type="password" name="pw"></form></body></html>',
            "login",
        ),
        (
            "<html><head><title>404 - Page not found</title></head><body><h1>Oops</h1>"
            "<p>This page could not be found.</p></body></html>",
            "not found",
        ),
        (
            "<html><body><div class='consent'><h2>We value your privacy</h2><p>We use cookies "
            "to improve your experience. Accept all cookies or manage preferences.</p>"
            "<p>Accept all</p><p>Reject all</p></div></body></html>",
            "cookie",
        ),
        (
            '<html><head><title>Acme</title></head><body><div id="root"></div>'
            '<script src="/static/js/main.js"></script></body></html>',
            "javascript",
        ),
        (
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad "
            "Gateway</h1></center><hr><center>nginx</center></body></html>",
            "error page",
        ),
        (
            "<html><head><title>We'll be back soon</title></head><body><h1>Down for "
            "maintenance</h1><p>Sorry for the inconvenience.</p></body></html>",
            "error page",
        ),
        (
            "<html><head><title>429 Too Many Requests</title></head><body></body></html>",
            "refused access",
        ),
        (
            '<html><head><meta http-equiv="refresh" content="0; url=/trust/subprocessors">'
            "</head><body><p>Redirecting...</p></body></html>",
            "sends the reader elsewhere",
        ),
        (
            "<html><body><p>Please enable JavaScript to view this page.</p></body></html>",
            "javascript",
        ),
        ("404: Not Found", "not found"),
    ],
    ids=[
        "empty",
        "whitespace",
        "just-a-moment",
        "cloudflare-blocked",
        "cf-chl-script",
        "access-denied",
        "captcha",
        "login",
        "not-found",
        "cookie-wall",
        "js-shell",
        "bad-gateway",
        "maintenance",
        "rate-limited",
        "meta-refresh",
        "enable-javascript",
        "raw-404-text",
    ],
)
def test_error_pages_are_recognised_with_a_reason_a_dpo_can_read(page: str, expected: str) -> None:
    reason = looks_like_error_page(parse(page), body=page)
    assert reason is not None
    assert expected in reason.lower()


def test_markup_signals_are_read_from_the_parsed_document_when_no_body_is_given() -> None:
    document = parse('<html><body><p>Hi</p><form><input type="password"></form></body></html>')
    assert "login" in (looks_like_error_page(document) or "").lower()


def test_a_tiny_page_saying_there_are_no_processors_is_not_an_error_page() -> None:
    page = "<html><body><h1>Sub-processors</h1><p>We use no sub-processors.</p></body></html>"
    assert looks_like_error_page(parse(page), body=page) is None


def test_a_page_that_is_only_a_table_is_not_an_error_page() -> None:
    page = "| Sub-processor | Purpose |\n| --- | --- |\n| Stripe | Payments |\n| AWS | Hosting |\n"
    assert looks_like_error_page(parse(page), body=page) is None


def test_guarded_diff_reports_nothing_from_an_error_page() -> None:
    page = "<html><head><title>Just a moment...</title></head><body></body></html>"
    result, verdict = guarded_diff(FOURTEEN, found([p("Cloudflare")]), document=parse(page))
    assert verdict.kind == "error_page"
    assert result.is_empty


def test_guarded_diff_holds_everything_from_a_collapsed_list() -> None:
    result, verdict = guarded_diff(FOURTEEN, found([*FOURTEEN[:3], p("Sentry")]))
    assert verdict.kind == "mass_removal"
    assert result.is_empty


def test_a_short_list_replaced_entirely_is_held_as_another_page() -> None:
    verdict = judge(FOURTEEN[:3], found([p("Stripe"), p("Cloudflare")]))
    assert (verdict.ok, verdict.kind) == (False, "mass_removal")
    assert "All 3 previously listed processors disappeared" in verdict.reason


def test_a_single_vendor_replaced_by_another_is_a_real_change() -> None:
    assert judge([p("Rollbar")], found([p("Sentry")])).ok


def test_guarded_diff_of_a_sound_page_is_the_plain_diff() -> None:
    result, verdict = guarded_diff(FOURTEEN, found(FOURTEEN[1:]))
    assert verdict.ok
    assert [x.name for x in result.removed] == [FOURTEEN[0].name]


def test_a_long_page_cut_short_inside_its_table_is_an_error_page() -> None:
    page = long_policy()
    cut = page[: page.index("Vendor Number 11")]

    verdict = judge(FOURTEEN, found(FOURTEEN[:11]), document=parse(cut))

    assert (verdict.ok, verdict.kind) == (False, "error_page")
    assert "cut short" in verdict.reason


def test_a_page_cut_short_inside_a_list_is_an_error_page() -> None:
    items = "".join(f"<li>{x.name}</li>" for x in FOURTEEN)
    page = f"<html><body><h1>Sub-processors</h1><p>{POLICY_PARAGRAPH * 12}</p><ul>{items}"

    assert "cut short" in (looks_like_error_page(parse(page), body=page) or "")


def test_a_whole_page_that_omits_its_closing_tags_is_not_cut_short() -> None:
    page = long_policy().replace("</body></html>", "")

    assert looks_like_error_page(parse(page), body=page) is None
