"""Whom rate limits count: the client, found behind TRUSTED_PROXY_COUNT reverse proxies.

Behind a proxy every request arrives from the proxy's address, so REMOTE_ADDR would make all
visitors one client. Only the X-Forwarded-For entries the trusted proxies appended are
believed; whatever a client writes to their left must not buy it a fresh budget.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.request import Request
from rest_framework.throttling import AnonRateThrottle

from registry.models import Alert
from registry.ratelimit import client_ip

PROXY = "10.0.0.5"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def request_from(remote: str = PROXY, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_it_uses_remote_addr_and_ignores_the_header_by_default(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_it_takes_the_address_the_one_trusted_proxy_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_from(forwarded="6.6.6.6, 198.51.100.7")) == "198.51.100.7"


def test_it_counts_proxies_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    chain = "6.6.6.6, 198.51.100.7, 10.0.0.9"
    assert client_ip(request_from(forwarded=chain)) == "198.51.100.7"


def test_it_normalises_ipv6_spellings(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request_from(forwarded="2001:DB8:0::1")) == "2001:db8::1"


@pytest.mark.parametrize(
    "forwarded",
    [
        None,
        "",
        "198.51.100.7",  # fewer entries than trusted proxies: someone skipped one
        "6.6.6.6, not-an-address",
        "198.51.100.7, 10.0.0.9:8080",
        "198.51.100.7,,",
    ],
)
def test_it_falls_back_to_remote_addr_when_the_header_is_missing_short_or_malformed(
    settings, forwarded
):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(request_from(forwarded=forwarded)) == PROXY


@pytest.mark.django_db
def test_it_keeps_a_client_in_its_budget_whatever_it_forges_on_the_left(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "100/hour"
    settings.SUBSCRIBE_RATE_PER_CLIENT = "3/hour"

    for i in range(8):
        client.post(
            reverse("subscribe-all"),
            {"email": f"user{i}@x.example"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}, 198.51.100.7",
        )

    assert Alert.objects.count() == 3


@pytest.mark.django_db
def test_it_lets_one_abuser_exhaust_only_its_own_budget_behind_the_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "100/hour"
    settings.SUBSCRIBE_RATE_PER_CLIENT = "3/hour"
    url = reverse("subscribe-all")
    for i in range(10):
        client.post(url, {"email": f"spam{i}@x.example"}, HTTP_X_FORWARDED_FOR="198.51.100.66")

    client.post(url, {"email": "reader@x.example"}, HTTP_X_FORWARDED_FOR="198.51.100.8")

    assert Alert.objects.filter(recipient="reader@x.example").count() == 1


def test_it_keys_api_throttles_on_remote_addr_by_default(settings):
    # config/settings.py hands TRUSTED_PROXY_COUNT to DRF as NUM_PROXIES.
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT == 0
    throttle = AnonRateThrottle()

    idents = {
        throttle.get_ident(Request(request_from("203.0.113.9", f"192.0.2.{i}"))) for i in range(3)
    }

    assert idents == {"203.0.113.9"}
