"""The SSRF guard: URL normalisation, address classification, allow-list and resolution."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import netguard
from netguard.errors import BlockedAddress, DNSFailure, InvalidURL


@pytest.fixture(autouse=True)
def closed_allow_list(settings: Any) -> None:
    settings.SCRAPER_ALLOWED_HOSTS = []


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    table: dict[str, list[str]] = {}

    def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return table[host]

    monkeypatch.setattr(netguard, "resolve", resolve)
    return table


@pytest.mark.parametrize(
    ("url", "normalised", "host", "port"),
    [
        ("HTTPS://Vendor.Example/L?x=1#top", "https://vendor.example/L?x=1", "vendor.example", 443),
        ("http://vendor.example", "http://vendor.example/", "vendor.example", 80),
        ("http://vendor.example.:8080/a", "http://vendor.example:8080/a", "vendor.example", 8080),
        ("http://bücher.example/", "http://xn--bcher-kva.example/", "xn--bcher-kva.example", 80),
        ("http://8.8.8.8/", "http://8.8.8.8/", "8.8.8.8", 80),
        ("http://134744072/", "http://8.8.8.8/", "8.8.8.8", 80),
        ("http://[2606:4700:0:0::1]:81/", "http://[2606:4700::1]:81/", "2606:4700::1", 81),
        ("  https://vendor.example/  ", "https://vendor.example/", "vendor.example", 443),
    ],
)  # fmt: skip
def test_urls_are_normalised_to_what_will_be_requested(
    url: str, normalised: str, host: str, port: int
) -> None:
    target = netguard.parse(url)

    assert (target.url, target.host, target.port) == (normalised, host, port)


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "64:ff9b::808:808", "2002:808:808::"],
)
def test_public_addresses_have_no_blocked_reason(address: str) -> None:
    assert netguard.blocked_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "0.0.0.0", "10.255.255.255", "100.127.255.254", "169.254.0.1", "172.31.0.1",
        "192.0.2.1", "192.168.0.1", "198.19.255.255", "224.0.0.251", "239.255.255.250",
        "255.255.255.255", "::", "::1", "::ffff:8.8.8.8", "::127.0.0.1", "fc00::1", "fd12:3456::1",
        "fe80::1", "ff02::1", "2001:db8::1", "64:ff9b::7f00:1", "2002:7f00:1::", "2001:0:1::1",
    ],
)  # fmt: skip
def test_special_addresses_have_a_blocked_reason(address: str) -> None:
    assert netguard.blocked_reason(ipaddress.ip_address(address))


def test_the_allow_list_matches_named_hosts_literally(settings: Any) -> None:
    settings.SCRAPER_ALLOWED_HOSTS = ["127.0.0.1"]

    assert netguard.check("http://127.0.0.1:8000/").addresses == ("127.0.0.1",)
    with pytest.raises(BlockedAddress):
        netguard.check("http://localhost:8000/")
    with pytest.raises(BlockedAddress):
        netguard.check("http://[::1]:8000/")


def test_allow_list_entries_are_compared_in_canonical_form(settings: Any) -> None:
    settings.SCRAPER_ALLOWED_HOSTS = [" [::1] ", "Intranet.Example."]

    assert netguard.check("http://[0:0::1]/").addresses == ("::1",)
    assert netguard.validate_url("http://intranet.example/") == "http://intranet.example/"


def test_an_allowed_name_is_still_resolved_so_the_connection_can_be_pinned(
    settings: Any, answers: dict[str, list[str]]
) -> None:
    settings.SCRAPER_ALLOWED_HOSTS = ["wiki.corp.example"]
    answers["wiki.corp.example"] = ["10.1.1.1", "10.1.1.2"]

    destination = netguard.check("https://wiki.corp.example/dpa")

    assert destination.addresses == ("10.1.1.1", "10.1.1.2")


def test_resolver_answers_are_canonicalised(answers: dict[str, list[str]]) -> None:
    answers["v6.example"] = ["2606:4700:0000::1", "93.184.216.34"]

    assert netguard.check("http://v6.example/").addresses == ("2606:4700::1", "93.184.216.34")


def test_a_name_with_no_addresses_is_a_dns_failure(answers: dict[str, list[str]]) -> None:
    answers["empty.example"] = []

    with pytest.raises(DNSFailure, match="has no addresses"):
        netguard.check("http://empty.example/")


def test_names_for_this_machine_are_refused_before_any_lookup(
    answers: dict[str, list[str]],
) -> None:
    answers["app.localhost"] = ["93.184.216.34"]

    with pytest.raises(BlockedAddress, match="names this machine"):
        netguard.check("http://app.localhost/")


def test_validate_url_returns_the_normalised_url(answers: dict[str, list[str]]) -> None:
    answers["vendor.example"] = ["93.184.216.34"]

    assert netguard.validate_url("HTTPS://Vendor.Example") == "https://vendor.example/"


def test_the_real_resolver_reads_ip_literals_without_dns() -> None:
    assert netguard.resolve("127.0.0.1", 80) == ["127.0.0.1"]


@pytest.mark.parametrize("url", ["http://a..b/", "http://-vendor.example/", "http://[::1/"])
def test_malformed_hosts_are_invalid(url: str) -> None:
    with pytest.raises(InvalidURL):
        netguard.parse(url)


def _spellings(address: ipaddress.IPv4Address) -> list[str]:
    value = int(address)
    octets = address.packed
    return [
        str(address),
        str(value),
        hex(value),
        ".".join(f"0{octet:o}" for octet in octets),
        f"{octets[0]}.{int.from_bytes(octets[1:], 'big')}",
        f"{octets[0]}.{octets[1]}.{int.from_bytes(octets[2:], 'big')}",
    ]


@given(
    network=st.sampled_from(["127.0.0.0/8", "10.0.0.0/8", "169.254.0.0/16", "192.168.0.0/16"]),
    offset=st.integers(min_value=0, max_value=65535),
)
def test_every_numeric_spelling_of_a_private_address_is_refused_as_that_address(
    network: str, offset: int
) -> None:
    net = ipaddress.ip_network(network)
    address = net[offset % net.num_addresses]

    for spelling in _spellings(address):
        with pytest.raises(BlockedAddress, match=str(address)):
            netguard.check(f"http://{spelling}/")
