"""fetch(): a real HTTP server on 127.0.0.1 answering the way real sites do."""

from __future__ import annotations

import gzip
import http.server
import time
import zlib
from collections.abc import Callable
from typing import Any

import pytest

from scraper.fetch import (
    BlockedAddress,
    ConnectionFailed,
    DNSFailure,
    Fetched,
    FetchError,
    HTTPStatusError,
    InvalidURL,
    NotADocument,
    Timeout,
    TLSFailure,
    TooLarge,
    TooManyRedirects,
    fetch,
)
from scraper.fetching import client
from scraper.fetching.body import inflaters
from scraper.fetching.text import check_document, decode, media_type

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]
PAGE = "<html><body><h1>Sub-processors</h1><table><tr><td>Stripe</td></tr></table></body></html>"


@pytest.fixture(autouse=True)
def no_pauses(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.SCRAPER_BACKOFF_SECONDS = 0
    monkeypatch.setattr(client, "sleep", lambda seconds: None)


def respond(status: int = 200, headers: dict[str, str] | None = None, body: bytes = b"") -> Handler:
    def handler(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            h.send_header(name, value)
        h.end_headers()
        h.wfile.write(body)

    return handler


def conditional(etag: str, last_modified: str) -> Handler:
    """Answers 304 when the request carries this ETag or this Last-Modified date."""

    def handler(h: http.server.BaseHTTPRequestHandler) -> None:
        validators = {"ETag": etag, "Last-Modified": last_modified}
        fresh = (
            h.headers.get("If-None-Match") == etag
            or h.headers.get("If-Modified-Since") == last_modified
        )
        if fresh:
            respond(304, validators)(h)
        else:
            respond(200, {"Content-Type": "text/html; charset=utf-8", **validators}, PAGE.encode())(
                h
            )

    return handler


def test_a_page_comes_back_decoded_with_its_validators(page_server: Any) -> None:
    headers = {"ETag": '"v1"', "Last-Modified": "Wed, 21 Oct 2026 07:28:00 GMT"}
    url = page_server.set("/subprocessors", PAGE, headers=headers)

    fetched = fetch(url)

    assert isinstance(fetched, Fetched)
    assert (fetched.status, fetched.url, fetched.final_url) == (200, url, url)
    assert fetched.body == PAGE.encode()
    assert fetched.text == PAGE
    assert (fetched.content_type, fetched.charset) == ("text/html; charset=utf-8", "utf-8")
    assert (fetched.etag, fetched.last_modified) == ('"v1"', "Wed, 21 Oct 2026 07:28:00 GMT")
    assert fetched.not_modified is False
    assert fetched.elapsed_ms >= 0


def test_requests_carry_the_configured_user_agent_and_ask_for_gzip_or_deflate(
    page_server: Any, settings: Any
) -> None:
    settings.SCRAPER_USER_AGENT = "SubwatchTest/2.0 (+https://subwatch.example/bot)"
    url = page_server.set("/p", PAGE)

    fetch(url)

    sent = page_server.requests[0]["headers"]
    assert sent["User-Agent"] == "SubwatchTest/2.0 (+https://subwatch.example/bot)"
    assert sent["Accept-Encoding"] == "gzip, deflate"
    assert "text/html" in sent["Accept"]


def test_an_unchanged_page_answers_304_to_its_etag(page_server: Any) -> None:
    url = page_server.set("/p", handler=conditional('"v1"', "Wed, 21 Oct 2026 07:28:00 GMT"))

    fetched = fetch(url, etag='"v1"')

    assert fetched.not_modified is True
    assert (fetched.status, fetched.body, fetched.text) == (304, b"", "")
    assert fetched.etag == '"v1"'
    assert page_server.requests[0]["headers"]["If-None-Match"] == '"v1"'


def test_an_unchanged_page_answers_304_to_its_last_modified_date(page_server: Any) -> None:
    date = "Wed, 21 Oct 2026 07:28:00 GMT"
    url = page_server.set("/p", handler=conditional('"v1"', date))

    fetched = fetch(url, last_modified=date)

    assert fetched.not_modified is True
    assert fetched.last_modified == date
    assert page_server.requests[0]["headers"]["If-Modified-Since"] == date


def test_a_304_without_validators_keeps_the_ones_we_sent(page_server: Any) -> None:
    url = page_server.set("/p", handler=respond(304))

    fetched = fetch(url, etag='"old"', last_modified="Tue, 01 Sep 2026 00:00:00 GMT")

    assert (fetched.etag, fetched.last_modified) == ('"old"', "Tue, 01 Sep 2026 00:00:00 GMT")


def test_a_changed_page_ignores_the_stale_etag(page_server: Any) -> None:
    url = page_server.set("/p", handler=conditional('"v2"', "Thu, 22 Oct 2026 07:28:00 GMT"))

    fetched = fetch(url, etag='"v1"')

    assert fetched.not_modified is False
    assert fetched.etag == '"v2"'
    assert fetched.text == PAGE


def test_a_stored_etag_with_a_line_break_is_not_sent(page_server: Any) -> None:
    url = page_server.set("/p", PAGE)

    fetch(url, etag='"v1"\r\nX-Injected: yes')

    assert "If-None-Match" not in page_server.requests[0]["headers"]
    assert "X-Injected" not in page_server.requests[0]["headers"]


def _gzip_members() -> bytes:
    half = len(PAGE) // 2
    return gzip.compress(PAGE[:half].encode()) + gzip.compress(PAGE[half:].encode())


def _raw_deflate() -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(PAGE.encode()) + packer.flush()


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(PAGE.encode())),
        ("x-gzip", gzip.compress(PAGE.encode())),
        ("deflate", zlib.compress(PAGE.encode())),
        ("deflate", _raw_deflate()),
        ("gzip, gzip", gzip.compress(gzip.compress(PAGE.encode()))),
        ("deflate, gzip", gzip.compress(zlib.compress(PAGE.encode()))),
        ("gzip", _gzip_members()),
        ("identity", PAGE.encode()),
    ],
    ids=[
        "gzip",
        "x-gzip",
        "zlib",
        "raw-deflate",
        "gzip-gzip",
        "deflate-gzip",
        "members",
        "identity",
    ],
)
def test_compressed_pages_are_decoded(page_server: Any, encoding: str, body: bytes) -> None:
    headers = {"Content-Type": "text/html", "Content-Encoding": encoding}
    url = page_server.set("/z", handler=respond(200, headers, body))

    assert fetch(url).body == PAGE.encode()


def test_a_corrupt_gzip_body_is_not_a_document(page_server: Any) -> None:
    headers = {"Content-Type": "text/html", "Content-Encoding": "gzip"}
    url = page_server.set("/z", handler=respond(200, headers, b"this is not gzip at all"))

    with pytest.raises(NotADocument, match="not valid gzip"):
        fetch(url)


def test_the_byte_cap_is_read_from_settings_at_fetch_time(page_server: Any, settings: Any) -> None:
    url = page_server.set("/p", "x" * 2000, headers={"Content-Type": "text/plain"})
    assert len(fetch(url).body) == 2000

    settings.SCRAPER_MAX_BYTES = 1024

    with pytest.raises(TooLarge, match="1,024-byte cap"):
        fetch(url)


def test_a_gzip_body_over_the_cap_is_stopped_after_decompression(
    page_server: Any, settings: Any
) -> None:
    settings.SCRAPER_MAX_BYTES = 64 * 1024
    body = gzip.compress(b"a" * (1024 * 1024))
    headers = {"Content-Type": "text/plain", "Content-Encoding": "gzip"}
    url = page_server.set("/z", handler=respond(200, headers, body))

    with pytest.raises(TooLarge, match="decompressed body is larger than the 64 KiB cap"):
        fetch(url)


def test_a_relative_redirect_is_resolved_against_the_current_url(page_server: Any) -> None:
    page_server.set("/legal/old", status=303, headers={"Location": "../privacy/subprocessors"})
    target = page_server.set("/privacy/subprocessors", PAGE)

    fetched = fetch(page_server.url("/legal/old"))

    assert fetched.final_url == target
    assert [r["path"] for r in page_server.requests] == ["/legal/old", "/privacy/subprocessors"]


def test_a_redirect_without_a_location_is_an_http_error(page_server: Any) -> None:
    url = page_server.set("/moved", status=302)

    with pytest.raises(HTTPStatusError, match="without a Location header") as caught:
        fetch(url)

    assert caught.value.status == 302


def test_conditional_headers_follow_redirects(page_server: Any) -> None:
    page_server.set("/old", status=301, headers={"Location": "/new"})
    page_server.set("/new", handler=conditional('"v1"', "Wed, 21 Oct 2026 07:28:00 GMT"))

    fetched = fetch(page_server.url("/old"), etag='"v1"')

    assert fetched.not_modified is True
    assert fetched.final_url == page_server.url("/new")


def test_a_timeout_followed_by_an_answer_is_retried(page_server: Any, settings: Any) -> None:
    settings.SCRAPER_READ_TIMEOUT = 0.2
    answers = iter([lambda h: time.sleep(1), respond(200, {"Content-Type": "text/html"}, b"ok")])
    url = page_server.set("/sleepy", handler=lambda h: next(answers)(h))

    fetched = fetch(url)

    assert fetched.text == "ok"
    assert len(page_server.requests) == 2


def test_retries_are_counted_from_settings(page_server: Any, settings: Any) -> None:
    settings.SCRAPER_RETRIES = 0
    url = page_server.set("/down", "down", status=502)

    with pytest.raises(HTTPStatusError):
        fetch(url)

    assert len(page_server.requests) == 1


def test_proxy_settings_in_the_environment_are_ignored(
    page_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    monkeypatch.setenv("http_proxy", "http://10.0.0.1:3128")
    url = page_server.set("/p", PAGE)

    assert fetch(url).text == PAGE


def test_every_failure_has_its_own_stable_kind() -> None:
    kinds = [
        cls.kind
        for cls in (
            InvalidURL, BlockedAddress, Timeout, TooLarge, NotADocument, ConnectionFailed,
            DNSFailure, TLSFailure, TooManyRedirects, HTTPStatusError,
        )
    ]  # fmt: skip

    assert len(set(kinds)) == len(kinds)
    assert all(issubclass(type(error), FetchError) for error in [Timeout("x"), TLSFailure("y")])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('text/HTML; Charset="UTF-8"', ("text/html", "UTF-8")),
        ("text/plain", ("text/plain", "")),
        ("", ("", "")),
        ("text/html; boundary=x; charset=iso-8859-1", ("text/html", "iso-8859-1")),
    ],
)
def test_media_types_are_parsed(header: str, expected: tuple[str, str]) -> None:
    assert media_type(header) == expected


def test_utf16_without_a_bom_is_not_mistaken_for_binary_when_declared() -> None:
    body = "<p>Zürich</p>".encode("utf-16-le")

    check_document(body, content_type="text/html; charset=utf-16le")

    assert decode(body, content_type="text/html; charset=utf-16le")[0] == "<p>Zürich</p>"


def test_undetectable_bytes_still_decode_to_text() -> None:
    body = bytes(range(128, 256)) * 4

    text, charset = decode(body, content_type="text/plain")

    assert isinstance(text, str)
    assert charset


def test_unknown_content_encodings_are_refused_by_name() -> None:
    with pytest.raises(NotADocument, match="'compress'"):
        inflaters("compress", max_bytes=1024, url="http://vendor.example/")


def test_without_a_redirect_the_final_url_is_the_url_as_given(page_server: Any) -> None:
    page_server.set("/Legal", PAGE)
    url = f"HTTP://127.0.0.1:{page_server.port}/Legal#subprocessors"

    fetched = fetch(url)

    assert fetched.final_url == fetched.url == url
