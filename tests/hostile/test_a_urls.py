"""HOSTILE.md section A, cases 1-8: URLs an admin enters, checked at save time and at fetch time."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

import pytest
import urllib3.util.connection
from django.core.exceptions import ValidationError

import netguard
from registry.validators import validate_source_url
from scraper.fetch import (
    BlockedAddress,
    ConnectionFailed,
    FetchError,
    InvalidURL,
    TooManyRedirects,
    fetch,
)
from tests.builders import make_company, make_source


@dataclass
class StubDNS:
    """Answers per host name; a list of several answers is consumed one lookup at a time."""

    answers: dict[str, list[list[str]]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append(host)
        sequence = self.answers.get(host)
        if not sequence:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return sequence.pop(0) if len(sequence) > 1 else sequence[0]


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> StubDNS:
    stub = StubDNS()
    monkeypatch.setattr(netguard, "resolve", stub)
    return stub


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every address a socket is opened to; anything but 127.0.0.1 is refused, never reached."""
    opened: list[str] = []
    real = urllib3.util.connection.create_connection

    def record(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        opened.append(address[0])
        if address[0] != "127.0.0.1":
            raise ConnectionRefusedError(f"test network: {address[0]} is not reachable")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", record)
    return opened


@pytest.fixture(autouse=True)
def closed_allow_list(settings: Any) -> None:
    settings.SCRAPER_ALLOWED_HOSTS = []
    settings.SCRAPER_BACKOFF_SECONDS = 0


def refused_at_save(url: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate_source_url(url)
    return caught.value


def refused_at_fetch(url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(url)
    return caught.value


# 1. Loopback spellings.

LOOPBACK = [
    "http://127.0.0.1/",
    "http://localhost/",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://0.0.0.0/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:ffff:7f00:1]/",
]


@pytest.mark.parametrize("url", LOOPBACK)
def test_01_loopback_spellings_are_refused_at_save_time(url: str) -> None:
    error = refused_at_save(url)

    assert error.code == "blocked"
    assert "only public internet addresses" in error.message or "this machine" in error.message


@pytest.mark.parametrize("url", LOOPBACK)
def test_01_loopback_spellings_are_refused_at_fetch_without_connecting(
    url: str, dns: StubDNS, connections: list[str]
) -> None:
    error = refused_at_fetch(url)

    assert isinstance(error, BlockedAddress)
    assert connections == []


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://127.1/", "127.0.0.1"),
        ("http://2130706433/", "127.0.0.1"),
        ("http://0x7f000001/", "127.0.0.1"),
        ("http://0177.0.0.1/", "127.0.0.1"),
        ("http://[0:0:0:0:0:ffff:7f00:1]/", "::ffff:7f00:1"),
    ],
)
def test_01_numeric_spellings_are_named_by_the_address_they_really_are(
    url: str, canonical: str
) -> None:
    assert canonical in refused_at_save(url).message


# 2. Private and special ranges.

SPECIAL = [
    ("http://10.0.0.1/", "private"),
    ("http://172.16.0.1/", "private"),
    ("http://192.168.1.1/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://100.64.0.1/", "carrier-grade NAT"),
    ("http://198.18.0.1/", "benchmarking"),
    ("http://240.0.0.1/", "reserved"),
    ("http://224.0.0.1/", "multicast"),
    ("http://[fd00::1]/", "unique-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[64:ff9b::a9fe:a9fe]/", "embedding 169.254.169.254"),
    ("http://[2002:a9fe:a9fe::]/", "embedding 169.254.169.254"),
]


@pytest.mark.parametrize(("url", "reason"), SPECIAL)
def test_02_private_and_special_ranges_are_refused_with_the_reason(url: str, reason: str) -> None:
    error = refused_at_save(url)

    assert error.code == "blocked"
    assert reason in error.message


@pytest.mark.parametrize(("url", "reason"), SPECIAL)
def test_02_private_and_special_ranges_are_refused_at_fetch_without_connecting(
    url: str, reason: str, connections: list[str]
) -> None:
    error = refused_at_fetch(url)

    assert isinstance(error, BlockedAddress)
    assert reason in str(error)
    assert connections == []


# 3. Names that resolve to private addresses.


def test_03_a_public_looking_name_resolving_private_is_refused(
    dns: StubDNS, connections: list[str]
) -> None:
    dns.answers["status.vendor-cdn.com"] = [["10.1.2.3"]]

    url = "https://status.vendor-cdn.com/subprocessors"

    error = refused_at_save(url)

    assert "status.vendor-cdn.com resolves to 10.1.2.3" in error.message
    assert isinstance(refused_at_fetch(url), BlockedAddress)
    assert connections == []


def test_03_one_private_answer_among_several_refuses_the_name(
    dns: StubDNS, connections: list[str]
) -> None:
    dns.answers["mixed.example"] = [["93.184.216.34", "192.168.0.7", "93.184.216.35"]]

    error = refused_at_fetch("https://mixed.example/")

    assert isinstance(error, BlockedAddress)
    assert "192.168.0.7" in str(error)
    assert connections == []


def test_03_a_name_resolving_only_public_is_accepted_at_save_time(dns: StubDNS) -> None:
    dns.answers["vendor.example"] = [["93.184.216.34", "2606:2800:220:1::1"]]

    validate_source_url("https://vendor.example/legal/subprocessors")


# 4. DNS rebinding: the socket goes to the checked address, never to a later answer.


def test_04_rebinding_to_a_private_address_never_reaches_it(
    dns: StubDNS, connections: list[str]
) -> None:
    dns.answers["rebind.example"] = [["93.184.216.34"], ["10.0.0.1"]]

    error = refused_at_fetch("http://rebind.example/")

    assert isinstance(error, ConnectionFailed)
    assert connections == ["93.184.216.34"]
    assert dns.lookups == ["rebind.example"]


def test_04_the_pinned_connection_still_sends_the_host_name(
    page_server: Any, dns: StubDNS, connections: list[str], settings: Any
) -> None:
    settings.SCRAPER_ALLOWED_HOSTS = ["rebind.test"]
    dns.answers["rebind.test"] = [["127.0.0.1"], ["10.0.0.1"]]
    page_server.set("/page", "<p>pinned</p>")

    fetched = fetch(f"http://rebind.test:{page_server.port}/page")

    assert fetched.text == "<p>pinned</p>"
    assert connections == ["127.0.0.1"]
    assert dns.lookups == ["rebind.test"]
    assert page_server.requests[0]["headers"]["Host"] == f"rebind.test:{page_server.port}"


# 5. Redirects are checked hop by hop.


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_05_a_redirect_to_a_private_ip_is_refused_naming_the_hop(
    page_server: Any, connections: list[str], status: int
) -> None:
    url = page_server.set("/go", status=status, headers={"Location": "http://10.0.0.1/admin"})

    error = refused_at_fetch(url)

    assert isinstance(error, BlockedAddress)
    assert "redirected to http://10.0.0.1/admin" in str(error)
    assert connections == ["127.0.0.1"]


@pytest.mark.parametrize(
    "target",
    [
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/_GET",
        "http://internal.example/",
        "http://localhost:{port}/",
        "http://[::1]:{port}/",
        "http://169.254.169.254/latest/meta-data/",
    ],
)
def test_05_a_redirect_to_a_forbidden_target_is_refused(
    page_server: Any, dns: StubDNS, target: str
) -> None:
    dns.answers["internal.example"] = [["192.168.10.10"]]
    location = target.format(port=page_server.port)
    url = page_server.set("/go", status=302, headers={"Location": location})

    error = refused_at_fetch(url)

    assert isinstance(error, BlockedAddress)
    assert location.split("/")[2] in str(error) or location in str(error)
    assert len(page_server.requests) == 1


def test_05_a_redirect_loop_is_reported_with_its_chain(page_server: Any) -> None:
    a = page_server.set("/a", status=302, headers={"Location": "/b"})
    b = page_server.set("/b", status=301, headers={"Location": "/a"})

    error = refused_at_fetch(a)

    assert isinstance(error, TooManyRedirects)
    assert f"loop: {a} -> {b} -> {a}" in str(error)


def test_05_more_than_five_hops_are_refused(page_server: Any) -> None:
    for hop in range(7):
        page_server.set(f"/hop{hop}", status=302, headers={"Location": f"/hop{hop + 1}"})
    page_server.set("/hop7", "<p>too far</p>")

    error = refused_at_fetch(page_server.url("/hop0"))

    assert isinstance(error, TooManyRedirects)
    assert "More than 5 redirects" in str(error)
    assert len(page_server.requests) == 6


def test_05_five_hops_are_followed(page_server: Any) -> None:
    for hop in range(5):
        page_server.set(f"/hop{hop}", status=307, headers={"Location": f"/hop{hop + 1}"})
    last = page_server.set("/hop5", "<p>arrived</p>")

    fetched = fetch(page_server.url("/hop0"))

    assert fetched.final_url == last


# 6. Parser tricks.


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://evil@127.0.0.1/", "user:password@"),
        ("http://vendor.example@10.0.0.1/", "user:password@"),
        ("http://127.0.0.1\\@evil.com/", "backslash"),
        ("http://vendor.example/\tpath", "tab"),
        ("http://vendor.example/\r\nX-Injected: 1", "line break"),
        ("http://vendor\n.example/", "line break"),
        ("http://%31%32%37.0.0.1/", "Percent-encoded"),
        ("http://[fe80::1%25eth0]/", "Percent-encoded"),
        ("http://1.2.3.4.5/", "not a valid one"),
        ("http://256.1.1.1/", "not a valid one"),
        ("http://exa mple.com/", "space"),
    ],
)
def test_06_parser_tricks_are_invalid(url: str, message: str) -> None:
    error = refused_at_save(url)

    assert error.code == "invalid_url"
    assert message in error.message


@pytest.mark.parametrize(
    ("url", "resolved_name"),
    [
        ("http://10.0.0.1./", None),
        ("http://intranet.example./", "intranet.example"),
        ("http://ＩＮＴＲＡＮＥＴ.example/", "intranet.example"),  # noqa: RUF001
        ("http://bücher.example/", "xn--bcher-kva.example"),
        ("http://１２７.０.０.１/", None),  # noqa: RUF001
    ],
)
def test_06_trailing_dots_and_international_names_are_checked_on_the_real_host(
    url: str, resolved_name: str | None, dns: StubDNS
) -> None:
    if resolved_name:
        dns.answers[resolved_name] = [["172.20.0.5"]]

    error = refused_at_save(url)

    assert error.code == "blocked"
    assert dns.lookups == ([resolved_name] if resolved_name else [])


# 7. Only http and https.


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://vendor.example/list.txt",
        "gopher://vendor.example/",
        "data:text/html,<script>alert(1)</script>",
        "javascript:alert(document.cookie)",
        "view-source:https://vendor.example/",
        "//vendor.example/subprocessors",
        "vendor.example/subprocessors",
    ],
)
def test_07_only_http_and_https_are_accepted(url: str) -> None:
    error = refused_at_save(url)

    assert error.code == "invalid_url"
    assert "Only http:// and https://" in error.message
    assert isinstance(refused_at_fetch(url), InvalidURL)


# 8. Ports, length, emptiness and duplicates are field errors.


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://vendor.example:0/", "between 1 and 65535"),
        ("http://vendor.example:65536/", "between 1 and 65535"),
        ("http://vendor.example:http/", "between 1 and 65535"),
        ("http://vendor.example:-1/", "between 1 and 65535"),
        ("https://vendor.example/" + "a" * 2048, "the limit is 2048"),
        ("", "empty"),
        ("   ", "empty"),
    ],
)
def test_08_bad_ports_long_and_empty_urls_are_field_errors(url: str, message: str) -> None:
    error = refused_at_save(url)

    assert error.code == "invalid_url"
    assert message in error.message


def test_08_a_url_of_exactly_2048_characters_is_accepted(dns: StubDNS) -> None:
    dns.answers["vendor.example"] = [["93.184.216.34"]]
    url = "https://vendor.example/"
    url += "a" * (2048 - len(url))

    validate_source_url(url)


def test_08_a_host_that_does_not_resolve_yet_can_still_be_saved(dns: StubDNS) -> None:
    validate_source_url("https://not-launched-yet.example/subprocessors")


@pytest.mark.django_db
def test_08_a_duplicate_source_for_the_same_company_is_a_field_error() -> None:
    company = make_company()
    existing = make_source(company, url="https://vendor.example/subprocessors")
    duplicate = type(existing)(company=company, url=existing.url)

    with pytest.raises(ValidationError) as caught:
        duplicate.full_clean()

    assert "already exists" in str(caught.value)
