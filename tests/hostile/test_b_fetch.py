"""HOSTILE.md section B, cases 9 and 13-21: what a fetched page can do to the fetcher."""

from __future__ import annotations

import codecs
import gzip
import http.server
import shutil
import socket
import ssl
import struct
import subprocess
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import netguard
from scraper.fetch import (
    ConnectionFailed,
    DNSFailure,
    HTTPStatusError,
    NotADocument,
    Timeout,
    TLSFailure,
    TooLarge,
    fetch,
)
from scraper.fetching import client

Handler = Callable[[http.server.BaseHTTPRequestHandler], None]
MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def pauses(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Backoff pauses are recorded, not slept, so retry tests stay fast."""
    recorded: list[float] = []
    settings.SCRAPER_BACKOFF_SECONDS = 0.01
    monkeypatch.setattr(client, "sleep", recorded.append)
    return recorded


def respond(status: int = 200, headers: dict[str, str] | None = None, body: bytes = b"") -> Handler:
    """A handler that writes exactly these headers (no defaults) and closes the connection."""

    def handler(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body)
        h.close_connection = True

    return handler


def stream(total: int, headers: dict[str, str] | None = None, *, chunked: bool = False) -> Handler:
    """A handler that streams `total` bytes of text generated on the fly (no big buffer)."""
    piece = b"<p>" + b"a" * (64 * 1024 - 7) + b"</p>\n"

    def handler(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        for name, value in (headers or {}).items():
            h.send_header(name, value)
        if chunked:
            h.send_header("Transfer-Encoding", "chunked")
        h.send_header("Connection", "close")
        h.end_headers()
        h.close_connection = True
        try:
            for _ in range(total // len(piece)):
                h.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
        except OSError:
            return

    return handler


def bomb(size: int = 256 * MiB) -> bytes:
    """Zeros compressed in a stream: about 256 KiB that inflate to `size` bytes."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(MiB)
    parts = [packer.compress(zeros) for _ in range(size // MiB)]
    return b"".join(parts) + packer.flush()


@pytest.fixture(scope="module")
def gzip_bomb() -> bytes:
    return bomb()


# 9. Error statuses: recorded, retried with backoff where it helps, never a page.


@pytest.mark.parametrize("status", [404, 410, 403])
def test_09_client_errors_fail_at_once_without_retry(page_server: Any, status: int) -> None:
    url = page_server.set("/gone", "<h1>nope</h1>", status=status)

    with pytest.raises(HTTPStatusError) as caught:
        fetch(url)

    assert caught.value.status == status
    assert caught.value.kind == "http_status"
    assert f"HTTP {status}" in str(caught.value)
    assert len(page_server.requests) == 1


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_09_server_errors_are_retried_with_exponential_backoff(
    page_server: Any, settings: Any, pauses: list[float], status: int
) -> None:
    settings.SCRAPER_RETRIES = 2
    url = page_server.set("/flaky", "<h1>oops</h1>", status=status)

    with pytest.raises(HTTPStatusError) as caught:
        fetch(url)

    assert caught.value.status == status
    assert len(page_server.requests) == 3
    assert pauses == [0.01, 0.02]


def test_09_a_server_error_followed_by_success_returns_the_page(page_server: Any) -> None:
    answers = iter([respond(503, body=b"busy"), respond(200, {"Content-Type": "text/html"}, b"ok")])
    url = page_server.set("/recovering", handler=lambda h: next(answers)(h))

    fetched = fetch(url)

    assert fetched.text == "ok"
    assert len(page_server.requests) == 2


def test_09_too_many_requests_honours_retry_after_up_to_the_cap(
    page_server: Any, settings: Any, pauses: list[float]
) -> None:
    settings.SCRAPER_RETRIES = 2
    settings.SCRAPER_RETRY_AFTER_MAX = 5
    url = page_server.set("/slow-down", "wait", status=429, headers={"Retry-After": "7"})

    with pytest.raises(HTTPStatusError) as caught:
        fetch(url)

    assert pauses == [5, 5]
    assert caught.value.status == 429
    assert caught.value.retry_after == 7
    assert "asked to wait 7 s" in str(caught.value)


def test_09_retry_after_beyond_the_deadline_gives_up_at_once(
    page_server: Any, settings: Any, pauses: list[float]
) -> None:
    settings.SCRAPER_TOTAL_TIMEOUT = 2
    settings.SCRAPER_RETRY_AFTER_MAX = 3600
    url = page_server.set("/later", "wait", status=429, headers={"Retry-After": "600"})

    with pytest.raises(HTTPStatusError):
        fetch(url)

    assert pauses == []
    assert len(page_server.requests) == 1


# 13. Non-documents are rejected by declared type and by their bytes.

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"


@pytest.mark.parametrize(
    ("content_type", "body", "named"),
    [
        ("image/png", PNG, "image/png"),
        ("text/html", PNG, "PNG"),
        ("text/html", b"GIF89a\x01\x00\x01\x00", "GIF"),
        ("text/plain", b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG"),
        ("application/octet-stream", b"\x00\x01\x02\x03binary\x00\x00", "binary"),
        ("application/json", b'{"subprocessors": ["AWS"]}', "application/json"),
        ("application/ld+json", b'{"@context": "x"}', "application/ld+json"),
        ("text/html", b"<html>\x00\x00\x00\x00</html>", "binary"),
        ("application/zip", b"PK\x03\x04", "application/zip"),
    ],
)
def test_13_non_documents_are_rejected_naming_what_they_are(
    page_server: Any, content_type: str, body: bytes, named: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    url = page_server.set("/doc", handler=respond(200, headers, body))

    with pytest.raises(NotADocument) as caught:
        fetch(url)

    assert caught.value.kind == "not_a_document"
    assert named in str(caught.value)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "text/markdown",
        "text/x-rst",
        "application/xhtml+xml",
        "",
        "application/octet-stream",
    ],
)
def test_13_text_documents_are_accepted_with_or_without_a_type(
    page_server: Any, content_type: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    body = b"# Sub-processors\n\n| Name | Purpose |\n| AWS | Hosting |\n"
    url = page_server.set("/doc", handler=respond(200, headers, body))

    fetched = fetch(url)

    assert fetched.text.startswith("# Sub-processors")
    assert fetched.content_type == content_type


# 14. Huge bodies stop at the cap, with memory bounded.


def test_14_a_declared_huge_body_is_refused_before_downloading(page_server: Any) -> None:
    url = page_server.set("/huge", handler=stream(50 * MiB, {"Content-Length": str(50 * MiB)}))

    with pytest.raises(TooLarge) as caught:
        fetch(url)

    assert "5,242,880-byte cap" in str(caught.value)


@pytest.mark.parametrize("chunked", [False, True], ids=["until-close", "chunked"])
def test_14_a_huge_body_without_length_stops_at_the_cap_in_bounded_memory(
    page_server: Any, chunked: bool
) -> None:
    url = page_server.set("/huge", handler=stream(50 * MiB, chunked=chunked))

    tracemalloc.start()
    try:
        with pytest.raises(TooLarge) as caught:
            fetch(url)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert "5 MiB cap" in str(caught.value)
    assert peak < 20 * MiB


def test_14_a_content_length_that_understates_the_body_reads_only_what_was_declared(
    page_server: Any,
) -> None:
    url = page_server.set("/liar", handler=stream(50 * MiB, {"Content-Length": "1000"}))

    fetched = fetch(url)

    assert len(fetched.body) == 1000


def test_14_a_content_length_that_overstates_the_body_is_a_broken_connection(
    page_server: Any,
) -> None:
    headers = {"Content-Type": "text/html", "Content-Length": "5000"}
    url = page_server.set("/short", handler=respond(200, headers, b"<p>only this</p>"))

    with pytest.raises(ConnectionFailed) as caught:
        fetch(url)

    assert "broke while downloading" in str(caught.value)


# 15. Decompression bombs are capped after decompression.


def _bomb_handler(body: bytes, encoding: str) -> Handler:
    return respond(200, {"Content-Type": "text/html", "Content-Encoding": encoding}, body)


def _fetch_measuring_peak(url: str) -> tuple[BaseException, int]:
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge) as caught:
            fetch(url)
        return caught.value, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_15_a_gzip_bomb_never_inflates_past_the_cap(page_server: Any, gzip_bomb: bytes) -> None:
    url = page_server.set("/bomb", handler=_bomb_handler(gzip_bomb, "gzip"))

    error, peak = _fetch_measuring_peak(url)

    assert len(gzip_bomb) < 300 * 1024
    assert "decompressed body is larger than the 5 MiB cap" in str(error)
    assert peak < 20 * MiB


def test_15_a_deflate_bomb_never_inflates_past_the_cap(page_server: Any) -> None:
    body = zlib.compress(bytes(64 * MiB), 9)
    url = page_server.set("/bomb", handler=_bomb_handler(body, "deflate"))

    error, peak = _fetch_measuring_peak(url)

    assert "5 MiB cap" in str(error)
    assert peak < 20 * MiB


def test_15_a_stacked_gzip_bomb_never_inflates_past_the_cap(
    page_server: Any, gzip_bomb: bytes
) -> None:
    url = page_server.set("/bomb", handler=_bomb_handler(gzip.compress(gzip_bomb), "gzip, gzip"))

    error, peak = _fetch_measuring_peak(url)

    assert "5 MiB cap" in str(error)
    assert peak < 20 * MiB


def test_15_brotli_which_we_never_ask_for_is_refused_by_name(page_server: Any) -> None:
    url = page_server.set("/br", handler=_bomb_handler(b"\x1b\xff\xff", "br"))

    with pytest.raises(NotADocument) as caught:
        fetch(url)

    assert "'br'" in str(caught.value)
    assert page_server.requests[0]["headers"]["Accept-Encoding"] == "gzip, deflate"


# 16. Slow drip and stalled connections end at the deadline.


class Drip:
    """Sends one byte every 20 ms for 8 s, and notes how many bytes went out before a hang-up."""

    def __init__(self) -> None:
        self.sent = 0
        self.stopped = threading.Event()

    def __call__(self, h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "400")
        h.end_headers()
        try:
            for _ in range(400):
                h.wfile.write(b"a")
                h.wfile.flush()
                self.sent += 1
                time.sleep(0.02)
        except OSError:
            pass
        finally:
            h.close_connection = True
            self.stopped.set()


def test_16_a_slow_drip_ends_at_the_total_deadline(page_server: Any, settings: Any) -> None:
    settings.SCRAPER_TOTAL_TIMEOUT = 1
    settings.SCRAPER_READ_TIMEOUT = 1
    drip = Drip()
    url = page_server.set("/drip", handler=drip)

    with pytest.raises(Timeout) as caught:
        fetch(url)

    assert "SCRAPER_TOTAL_TIMEOUT" in str(caught.value)
    assert caught.value.kind == "timeout"
    assert drip.stopped.wait(5)
    assert drip.sent < 400  # the client hung up mid-drip


def test_16_headers_then_a_stalled_body_times_out(page_server: Any, settings: Any) -> None:
    settings.SCRAPER_READ_TIMEOUT = 0.3
    settings.SCRAPER_RETRIES = 0

    def stall(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "1000")
        h.end_headers()
        h.wfile.write(b"<html>")
        time.sleep(1.5)

    url = page_server.set("/stall", handler=stall)

    with pytest.raises(Timeout) as caught:
        fetch(url)

    assert "stopped sending" in str(caught.value)


def test_16_a_server_that_never_answers_times_out_after_retries(
    page_server: Any, settings: Any
) -> None:
    settings.SCRAPER_READ_TIMEOUT = 0.2
    settings.SCRAPER_RETRIES = 1
    url = page_server.set("/silent", handler=lambda h: time.sleep(1.5))

    with pytest.raises(Timeout) as caught:
        fetch(url)

    assert "sent no answer" in str(caught.value)
    assert len(page_server.requests) == 2


# 17. Connection failures and TLS.


def test_17_a_refused_connection_is_a_connection_failure(page_server: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(ConnectionFailed) as caught:
        fetch(f"http://127.0.0.1:{port}/")

    assert caught.value.kind == "connection"
    assert "refused" in str(caught.value)


def test_17_a_reset_connection_is_a_connection_failure(page_server: Any) -> None:
    def reset(h: http.server.BaseHTTPRequestHandler) -> None:
        h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        h.close_connection = True

    url = page_server.set("/reset", handler=reset)

    with pytest.raises(ConnectionFailed) as caught:
        fetch(url)

    assert caught.value.kind == "connection"
    assert "reset" in str(caught.value)


def test_17_an_unknown_host_is_a_dns_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def nxdomain(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(netguard, "resolve", nxdomain)

    with pytest.raises(DNSFailure) as caught:
        fetch("https://no-such-host.example/")

    assert isinstance(caught.value, ConnectionFailed)
    assert caught.value.kind == "dns"
    assert "no-such-host.example could not be resolved" in str(caught.value)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for pinned.test, made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=pinned.test", "-addext", "subjectAltName=DNS:pinned.test",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(
    certificate: tuple[Path, Path], settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[int]:
    """An HTTPS server on 127.0.0.1; pinned.test and other.test resolve to it."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            respond(200, {"Content-Type": "text/html"}, b"<p>secure</p>")(self)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setattr(netguard, "resolve", lambda host, port: ["127.0.0.1"])
    settings.SCRAPER_ALLOWED_HOSTS = ["pinned.test", "other.test"]
    try:
        yield httpd.server_address[1]
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_17_a_self_signed_certificate_is_a_tls_failure(tls_server: int) -> None:
    with pytest.raises(TLSFailure) as caught:
        fetch(f"https://pinned.test:{tls_server}/")

    assert caught.value.kind == "tls"
    assert "self-signed" in str(caught.value)


def test_17_a_trusted_certificate_verifies_against_the_host_name_not_the_pinned_ip(
    tls_server: int, settings: Any, certificate: tuple[Path, Path]
) -> None:
    settings.SCRAPER_CA_BUNDLE = str(certificate[0])

    fetched = fetch(f"https://pinned.test:{tls_server}/")

    assert fetched.text == "<p>secure</p>"


def test_17_a_certificate_for_another_host_is_a_tls_failure(
    tls_server: int, settings: Any, certificate: tuple[Path, Path]
) -> None:
    settings.SCRAPER_CA_BUNDLE = str(certificate[0])

    with pytest.raises(TLSFailure) as caught:
        fetch(f"https://other.test:{tls_server}/")

    assert "other.test" in str(caught.value)


# 18. A redirect to a different page is followed and the final URL recorded.


def test_18_a_redirect_to_another_page_records_the_final_url(page_server: Any) -> None:
    home = page_server.set("/", "<h1>Welcome</h1>")
    old = page_server.set("/legal/subprocessors", status=301, headers={"Location": "/"})

    fetched = fetch(old)

    assert fetched.url == old
    assert fetched.final_url == home
    assert fetched.text == "<h1>Welcome</h1>"


# 19. Encodings never crash and decode to the right text.

NAME = "Société Générale \u2013 Zürich"


@pytest.mark.parametrize(
    ("content_type", "body", "expected"),
    [
        ("text/html", codecs.BOM_UTF16_LE + f"<p>{NAME}</p>".encode("utf-16-le"), NAME),
        ("text/html", codecs.BOM_UTF16_BE + f"<p>{NAME}</p>".encode("utf-16-be"), NAME),
        ("text/html; charset=utf-8", codecs.BOM_UTF8 + f"<p>{NAME}</p>".encode(), NAME),
        ("text/html; charset=utf-16", f"<p>{NAME}</p>".encode("utf-16-le"), NAME),
        ("text/html", "<p>Société Générale, Zürich, Ørsted</p>".encode("cp1252"), "Zürich"),
        (
            "text/html",
            b'<meta charset="windows-1252"><p>' + "€ Zürich".encode("cp1252") + b"</p>",
            "€ Zürich",
        ),
        ("text/html; charset=iso-8859-1", f"<p>{NAME}</p>".encode(), NAME),
        ("text/html; charset=utf-8", f"<p>{NAME}</p>".encode("cp1252"), "Soci\ufffdt\ufffd"),
        ("text/html; charset=no-such-charset", f"<p>{NAME}</p>".encode(), NAME),
        ("text/html; charset=utf-8", b"<p>lone \xed\xa0\x80 surrogate</p>", "\ufffd"),
        (
            "text/html; charset=utf-8",
            "<p>Amazon\u00a0Web\u200bServices \uff21\uff37\uff33</p>".encode(),
            "Amazon\u00a0Web\u200bServices \uff21\uff37\uff33",
        ),
    ],
    ids=[
        "utf16-le-bom", "utf16-be-bom", "utf8-bom", "utf16-header-no-bom", "cp1252-no-charset",
        "meta-charset", "latin1-header-on-utf8", "invalid-utf8", "unknown-charset",
        "lone-surrogate", "nbsp-zero-width-full-width",
    ],
)  # fmt: skip
def test_19_encodings_decode_without_crashing(
    page_server: Any, content_type: str, body: bytes, expected: str
) -> None:
    url = page_server.set("/enc", handler=respond(200, {"Content-Type": content_type}, body))

    fetched = fetch(url)

    assert expected in fetched.text
    assert fetched.body == body


# 20. Malformed HTML passes through the fetcher untouched (parsing is the extractor's job).


def test_20_malformed_and_deeply_nested_html_comes_back_byte_for_byte(page_server: Any) -> None:
    body = b"<html><table><tr><td>AWS" + b"<div>" * 10_000 + b"</html><p>after the end</p><ul><li>"
    url = page_server.set("/malformed", body)

    first, second = fetch(url), fetch(url)

    assert first.body == second.body == body
    assert first.text.endswith("<p>after the end</p><ul><li>")


# 21. XML, RSS and SVG are never parsed here; entity payloads stay inert.

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r>&xxe;</r>"""
LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>"""


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/xml", XXE),
        ("text/xml", LAUGHS),
        ("application/rss+xml", XXE),
        ("image/svg+xml", b'<svg xmlns="http://www.w3.org/2000/svg">' + XXE[22:] + b"</svg>"),
    ],
)
def test_21_xml_rss_and_svg_are_rejected_unparsed(
    page_server: Any, content_type: str, body: bytes
) -> None:
    url = page_server.set("/feed", handler=respond(200, {"Content-Type": content_type}, body))

    with pytest.raises(NotADocument) as caught:
        fetch(url)

    assert content_type in str(caught.value)


def test_21_entities_in_an_xhtml_page_are_not_expanded(page_server: Any) -> None:
    url = page_server.set(
        "/x", handler=respond(200, {"Content-Type": "application/xhtml+xml"}, XXE)
    )

    fetched = fetch(url)

    assert "&xxe;" in fetched.text
    assert "root:" not in fetched.text
