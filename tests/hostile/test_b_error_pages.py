"""HOSTILE.md section B, cases 10-12, at the level of documents + extract + judge.

A 200 response that is not the policy (empty, a bot check, a login or cookie wall, a "not
found" page, a JavaScript shell, a page whose table is gone) is a failed or suspicious check
with a specific reason, never "every processor removed".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from registry.catalogue import load
from scraper.documents import parse
from scraper.extract import Processor, extract
from scraper.fetch import fetch
from scraper.sanity import Verdict, guarded_diff, judge

SEEDS = Path(__file__).resolve().parent.parent.parent / "fixtures" / "pages" / "seeds"
VENDORS = [
    ("Amazon Web Services, Inc.", "Cloud hosting", "United States"),
    ("Stripe, Inc.", "Payment processing", "United States"),
    ("Mailgun Technologies, Inc.", "Transactional email delivery", "United States"),
    ("Intercom R&D Unlimited Company", "Customer support chat", "Ireland"),
    ("Zendesk, Inc.", "Help desk ticketing", "United States"),
    ("Datadog, Inc.", "Infrastructure monitoring", "United States"),
    ("Cloudflare, Inc.", "Content delivery network", "United States"),
    ("Functional Software, Inc. (Sentry)", "Error monitoring", "United States"),
]


def policy(rows: list[tuple[str, str, str]] = VENDORS, *, extra: str = "", prose: str = "") -> str:
    cells = "".join(f"<tr><td>{n}</td><td>{p}</td><td>{loc}</td></tr>" for n, p, loc in rows)
    return (
        "<html><head><title>Sub-processors | Acme</title></head><body>"
        f"{extra}<h1>Sub-processors</h1>{prose}"
        "<p>Acme uses the following sub-processors to provide the service.</p>"
        "<table><tr><th>Sub-processor</th><th>Purpose</th><th>Location</th></tr>"
        f"{cells}</table></body></html>"
    )


PREVIOUS: tuple[Processor, ...] = extract(parse(policy()), catalogue=load()).processors


def check(body: bytes | str) -> tuple[Verdict, Any]:
    """Run one page through parse, extract and the guard, against the previous good list."""
    document = parse(body)
    extraction = extract(document, catalogue=load())
    result, verdict = guarded_diff(PREVIOUS, extraction, document=document)
    assert result.removed == (), "a broken page must never report removals"
    return verdict, result


def test_the_previous_list_is_the_full_table() -> None:
    assert len(PREVIOUS) == len(VENDORS)


# ---------------------------------------------------------------- 10: empty body


@pytest.mark.parametrize("body", [b"", b"   \r\n\t \n", b"\xef\xbb\xbf", "\u00a0\u200b  "])
def test_10_an_empty_or_whitespace_body_is_an_error_not_all_processors_removed(
    body: bytes | str,
) -> None:
    verdict, result = check(body)
    assert (verdict.ok, verdict.kind) == (False, "error_page")
    assert "empty" in verdict.reason
    assert result.is_empty


# ---------------------------------------------------------------- 11: bot, consent, login pages

CLOUDFLARE_CHALLENGE = """<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta name="robots"
content="noindex,nofollow"><meta http-equiv="refresh" content="390"></head><body class="no-js">
<div class="main-wrapper" role="main"><div class="main-content"><h1 class="zone-name-title h1">
acme.example</h1><h2 class="h2" id="challenge-running">Verifying you are human. This may take a
few seconds.</h2><noscript><div id="challenge-error-title"><span id="challenge-error-text">
Enable JavaScript and cookies to continue</span></div></noscript></div></div><script>(function()
{window._cf_chl_opt={cvId: '3',cZone: "acme.example",cType: 'managed',cRay: '8a1b2c3d4e5f6a7b'};
var cpo = document.createElement('script');cpo.src = '/cdn-cgi/challenge-platform/h/g/orchestrate/
chl_page/v1?ray=8a1b2c3d4e5f6a7b';document.getElementsByTagName('head')[0].appendChild(cpo);}());
</script><div class="footer" role="contentinfo"><div class="ray-id">Ray ID: <code>8a1b2c3d4e5f6a7b
</code></div><div class="text-center" id="footer-text">Performance &amp; security by <a
href="https://www.cloudflare.com?utm_source=challenge">Cloudflare</a></div></div></body></html>"""

CLOUDFLARE_BLOCKED = """<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare
</title></head><body><div id="cf-wrapper"><div id="cf-error-details"><h1 data-translate=
"block_headline">Sorry, you have been blocked</h1><h2 class="cf-subheadline">You are unable to
access acme.example</h2><section><h2>Why have I been blocked?</h2><p>This website is using a
security service to protect itself from online attacks. The action you just performed triggered
the security solution. There are several actions that could trigger this block including
submitting a certain word or phrase, a SQL command or malformed data.</p></section><section><h2>
What can I do to resolve this?</h2><p>You can email the site owner to let them know you were
blocked. Please include what you were doing when this page came up and the Cloudflare Ray ID
found at the bottom of this page.</p></section><p>Cloudflare Ray ID: 8a1b2c3d4e5f6a7b &bull;
Performance &amp; security by Cloudflare</p></div></div></body></html>"""

AKAMAI_DENIED = """<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>

You don't have permission to access "http&#58;&#47;&#47;acme&#46;example&#47;legal&#47;
subprocessors" on this server.<P>
Reference&#32;&#35;18&#46;4f2d1b17&#46;1700000000&#46;2a3b4c5d
</BODY>
</HTML>"""

DATADOME_CAPTCHA = """<html><head><title>acme.example</title><style>#cmsg{animation: A 1.5s;}
</style></head><body style="margin:0"><p id="cmsg">Please enable JS and disable any ad blocker
</p><script data-cfasync="false">var dd={'rt':'c','cid':'AHrlqAAAAAMA','hsh':'2211F5','t':'fe',
's':45141,'host':'geo.captcha-delivery.com'}</script><script data-cfasync="false"
src="https://ct.captcha-delivery.com/c.js"></script></body></html>"""

HCAPTCHA = """<html><head><title>Security check</title><script src="https://hcaptcha.com/1/api.js"
async defer></script></head><body><h1>One more step</h1><p>Please complete the security check to
access acme.example.</p><form method="post"><div class="h-captcha" data-sitekey="10000000-ffff">
</div><button>Submit</button></form></body></html>"""

COOKIE_WALL = """<html><head><title>Acme</title></head><body><div id="onetrust-consent-sdk">
<div id="onetrust-banner-sdk" role="dialog"><h2 id="onetrust-policy-title">We value your privacy
</h2><p id="onetrust-policy-text">We and our partners use cookies and similar technologies to
store and access information on your device, to personalise content and ads, and to analyse our
traffic. By clicking "Accept All Cookies", you consent to the use of cookies. You can manage your
preferences or withdraw your consent at any time in Cookie Settings.</p><button id=
"onetrust-accept-btn-handler">Accept All Cookies</button><button>Reject All</button><button>
Cookie Settings</button></div></div><div id="app" style="display:none"></div>
<script src="/app.js"></script></body></html>"""

LOGIN_PAGE = """<!doctype html><html><head><title>Log in | Acme</title></head><body><main>
<h1>Welcome back</h1><p>Log in to your account to continue.</p><form action="/session"
method="post"><label for="email">Email</label><input id="email" type="email" name="email">
<label for="pw">Password</label><input id="pw" type="password" name="password"><button>Log in
</button></form><p><a href="/password/new">Forgot your password?</a></p></main></body></html>"""

NEXT_404 = """<!DOCTYPE html><html><head><meta charSet="utf-8"/><title>404: This page could not be
found</title></head><body><div id="__next"><div style="font-family:system-ui;height:100vh;
text-align:center"><div><h1 class="next-error-h1">404</h1><div><h2>This page could not be found.
</h2></div></div></div></div><script id="__NEXT_DATA__" type="application/json">{"props":
{"pageProps":{"statusCode":404}},"page":"/_error"}</script></body></html>"""

WORDPRESS_404 = """<html><head><title>Page not found &ndash; Acme</title></head><body>
<header><a href="/">Acme</a></header><main><h1 class="page-title">Oops! That page can&rsquo;t be
found.</h1><p>It looks like nothing was found at this location. Maybe try one of the links below
or a search?</p><ul><li><a href="/pricing">Pricing</a></li><li><a href="/blog">Blog</a></li>
<li><a href="/legal">Legal</a></li></ul></main><footer>&copy; Acme Inc.</footer></body></html>"""

REACT_SHELL = """<!doctype html><html lang="en"><head><meta charset="utf-8"/><title>Acme Trust
Center</title><link href="/static/css/main.css" rel="stylesheet"></head><body><noscript>You need
to enable JavaScript to run this app.</noscript><div id="root"></div><script defer="defer"
src="/static/js/main.8f3a1b2c.js"></script></body></html>"""


@pytest.mark.parametrize(
    ("body", "says"),
    [
        pytest.param(CLOUDFLARE_CHALLENGE, "bot check", id="just-a-moment"),
        pytest.param(CLOUDFLARE_BLOCKED, "bot check", id="cloudflare-blocked"),
        pytest.param(AKAMAI_DENIED, "refused access", id="access-denied"),
        pytest.param(DATADOME_CAPTCHA, "bot check", id="datadome-captcha"),
        pytest.param(HCAPTCHA, "bot check", id="hcaptcha"),
        pytest.param(COOKIE_WALL, "cookie", id="cookie-wall"),
        pytest.param(LOGIN_PAGE, "login", id="login-page"),
    ],
)
def test_11_a_bot_consent_or_login_page_is_an_error_page(body: str, says: str) -> None:
    verdict, result = check(body)
    assert (verdict.ok, verdict.kind) == (False, "error_page")
    assert says in verdict.reason.lower()
    assert result.is_empty


def test_11_a_vendor_named_on_a_bot_check_page_is_not_reported_added() -> None:
    table = "<table><tr><th>Sub-processor</th></tr><tr><td>Hetzner Online GmbH</td></tr></table>"
    blocked = CLOUDFLARE_BLOCKED.replace("</body>", f"{table}</body>")
    assert extract(parse(blocked), catalogue=load()).processors, "the page does name a vendor"
    verdict, result = check(blocked)
    assert verdict.kind == "error_page"
    assert result.added == ()


def test_11_a_redirect_to_a_login_page_is_an_error_page(page_server: Any) -> None:
    page_server.set("/subprocessors", status=302, headers={"Location": "/login?next=/sub"})
    page_server.set("/login", LOGIN_PAGE)
    fetched = fetch(page_server.url("/subprocessors"))
    verdict, _ = check(fetched.body)
    assert fetched.final_url.endswith("/login?next=/sub")
    assert verdict.kind == "error_page"


def test_11_the_page_coming_back_after_a_bot_check_reports_nothing() -> None:
    # The bot check was not trusted, so the page is compared with the list before it.
    verdict, result = check(policy())
    assert verdict.ok
    assert result.is_empty


@pytest.mark.parametrize(
    "body",
    [pytest.param(NEXT_404, id="nextjs-404"), pytest.param(WORDPRESS_404, id="wordpress-404")],
)
def test_11_a_200_page_saying_not_found_is_an_error_page(body: str) -> None:
    verdict, _ = check(body)
    assert verdict.kind == "error_page"
    assert "not found" in verdict.reason


# ---------------------------------------------------------------- 12: the vendor table is gone


def test_12_a_javascript_rendered_list_is_an_error_page() -> None:
    verdict, _ = check(REACT_SHELL)
    assert verdict.kind == "error_page"
    assert "javascript" in verdict.reason.lower()


def test_12_a_redesign_without_the_table_is_found_0_of_n_not_a_diff() -> None:
    redesign = (
        "<html><head><title>Sub-processors | Acme</title></head><body><h1>Sub-processors</h1>"
        "<p>Our list of sub-processors now lives in the Acme Trust Center. Customers can "
        "subscribe there to be told about changes thirty days before they happen.</p>"
        "<p>Questions about data protection can be sent to privacy@acme.example.</p>"
        "</body></html>"
    )
    verdict, result = check(redesign)
    assert (verdict.ok, verdict.kind) == (False, "empty")
    assert f"found 0 of {len(VENDORS)} previously listed processors" in verdict.reason.lower()
    assert result.is_empty


def test_12_a_table_cut_to_a_few_rows_is_held_as_a_mass_removal() -> None:
    verdict, result = check(policy(VENDORS[:2]))
    assert (verdict.ok, verdict.kind) == (False, "mass_removal")
    assert f"6 of {len(VENDORS)}" in verdict.reason
    assert result.removed == ()


def test_12_one_real_removal_is_not_held() -> None:
    document = parse(policy(VENDORS[1:]))
    extraction = extract(document, catalogue=load())
    assert judge(PREVIOUS, extraction, document=document).ok


# ---------------------------------------------------------------- real pages are not error pages


def seed_policy_html(name: str, extra: str) -> str:
    lines = (SEEDS / name).read_text(encoding="utf-8").splitlines()
    prose = "".join(f"<p>{line}</p>" for line in lines if line.strip())
    return policy(extra=extra, prose=prose)


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param(
            '<div class="cookie-banner"><p>We use cookies to improve your experience. '
            "Accept all cookies or manage preferences.</p></div>",
            id="cookie-banner",
        ),
        pytest.param(
            '<header><a href="/login">Sign in</a><form><input type="password"></form></header>',
            id="sign-in-form-in-header",
        ),
        pytest.param(
            "<p>Our contact form is protected by reCAPTCHA and a captcha challenge.</p>"
            '<script src="https://www.google.com/recaptcha/api.js"></script>',
            id="captcha-mention",
        ),
        pytest.param(
            '<script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script>',
            id="cloudflare-script",
        ),
    ],
)
@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_a_long_real_policy_with_a_banner_login_link_or_captcha_is_not_an_error_page(
    seed: str, extra: str
) -> None:
    verdict, result = check(seed_policy_html(seed, extra))
    assert verdict.ok, verdict.reason
    assert [x.vendor for x in result.removed] == []
