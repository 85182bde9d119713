"""Subscriptions: double opt-in, signed single-use links, neutral answers, rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from registry import ratelimit, subscriptions
from registry.models import Alert, Subscription
from tests.builders import make_company, make_subscription

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def subscribe(email: str = "a@x.example", **kwargs):
    kwargs.setdefault("company", None)
    kwargs.setdefault("client_ip", "192.0.2.1")
    kwargs.setdefault("now", NOW)
    return subscriptions.subscribe(email, **kwargs)


def token_of(sub: Subscription, salt: str = subscriptions.CONFIRM_SALT) -> str:
    return subscriptions.make_token(sub, salt=salt)


def test_subscribe_creates_a_pending_subscription_and_queues_one_confirmation():
    company = make_company()

    result = subscribe("Someone@Example.COM", company=company)

    sub = Subscription.objects.get()
    assert result.outcome is subscriptions.Outcome.CONFIRMATION_QUEUED
    assert (sub.email, sub.status, sub.company) == ("someone@example.com", "pending", company)
    assert Alert.objects.get().kind == Alert.Kind.CONFIRM_SUBSCRIPTION


def test_an_already_active_address_gets_no_mail():
    make_subscription("a@x.example", None)

    result = subscribe("a@x.example")

    assert result.outcome is subscriptions.Outcome.ALREADY_ACTIVE
    assert not Alert.objects.exists()


def test_an_unsubscribed_address_can_subscribe_again_with_a_new_confirmation():
    make_subscription("a@x.example", None, status="unsubscribed")

    subscribe("a@x.example", frequency="daily")

    sub = Subscription.objects.get()
    assert (sub.status, sub.frequency) == ("pending", "daily")
    assert Alert.objects.count() == 1


def test_confirm_activates_once_and_the_link_is_single_use():
    subscribe()
    sub = Subscription.objects.get()
    token = token_of(sub)

    confirmed = subscriptions.confirm(token, now=NOW)
    with pytest.raises(subscriptions.BadToken) as again:
        subscriptions.confirm(token, now=NOW)

    assert confirmed.status == Subscription.Status.ACTIVE
    assert confirmed.confirmed_at == NOW
    assert again.value.reason == "used"


def test_confirm_link_expires(settings):
    settings.SUBSCRIPTION_TOKEN_MAX_AGE_DAYS = 7
    subscribe()
    with time_machine.travel(NOW):
        token = token_of(Subscription.objects.get())

    with time_machine.travel(NOW + timedelta(days=8)), pytest.raises(subscriptions.BadToken) as e:
        subscriptions.confirm(token, now=NOW + timedelta(days=8))

    assert e.value.reason == "expired"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: "x" + t,
        lambda t: t.split(":")[0],
        lambda t: "not-a-token",
    ],
)
def test_tampered_tokens_are_refused(mangle):
    subscribe()
    token = token_of(Subscription.objects.get())

    with pytest.raises(subscriptions.BadToken) as error:
        subscriptions.confirm(mangle(token), now=NOW)

    assert error.value.reason == "invalid"
    assert Subscription.objects.get().status == "pending"


def test_a_confirm_token_is_not_an_unsubscribe_token():
    sub = make_subscription("a@x.example", None)

    with pytest.raises(subscriptions.BadToken):
        subscriptions.unsubscribe(token_of(sub, subscriptions.CONFIRM_SALT), now=NOW)


def test_unsubscribe_works_once():
    sub = make_subscription("a@x.example", None)
    token = token_of(sub, subscriptions.UNSUBSCRIBE_SALT)

    gone = subscriptions.unsubscribe(token, now=NOW)
    with pytest.raises(subscriptions.BadToken) as again:
        subscriptions.unsubscribe(token, now=NOW)

    assert (gone.status, gone.unsubscribed_at) == ("unsubscribed", NOW)
    assert again.value.reason == "used"


@pytest.mark.parametrize(
    "address",
    [
        "a@x.example\r\nBcc: victim@y.example",
        "a@x.example\n",
        "not-an-address",
        "a" * 250 + "@x.io",
    ],
)
def test_unusable_addresses_are_refused(address):
    with pytest.raises(subscriptions.InvalidEmail):
        subscribe(address)

    assert not Subscription.objects.exists()


def test_rate_limit_per_address_stops_queueing(settings):
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "2/hour"

    outcomes = [subscribe("a@x.example", client_ip=f"192.0.2.{i}").outcome for i in range(4)]

    assert outcomes[2:] == [subscriptions.Outcome.THROTTLED] * 2
    assert Alert.objects.count() == 2


def test_rate_limit_per_client_stops_queueing(settings):
    settings.SUBSCRIBE_RATE_PER_CLIENT = "3/hour"

    for i in range(6):
        subscribe(f"user{i}@x.example")

    assert Alert.objects.count() == 3


def test_rate_limit_window_resets():
    assert ratelimit.allow("k", rate="1/minute", now=NOW)
    assert not ratelimit.allow("k", rate="1/minute", now=NOW + timedelta(seconds=10))
    assert ratelimit.allow("k", rate="1/minute", now=NOW + timedelta(minutes=1))


def test_rate_strings_are_parsed_or_refused():
    assert ratelimit.parse("3/hour") == ratelimit.Rate(3, 3600)
    assert ratelimit.parse("10/m") == ratelimit.Rate(10, 60)
    with pytest.raises(ValueError, match="3/hour"):
        ratelimit.parse("lots")


# Views


def test_subscribe_form_posts_and_shows_a_neutral_page(client):
    company = make_company()

    response = client.post(reverse("subscribe", args=[company.slug]), {"email": "a@x.example"})

    assert response.status_code == 200
    assert b"Check your inbox" in response.content
    assert Subscription.objects.get().company == company


def test_subscribe_all_page_shows_a_form_without_javascript(client):
    response = client.get(reverse("subscribe-all"))

    assert response.status_code == 200
    assert b'<form method="post"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_invalid_address_shows_a_form_error(client):
    response = client.post(reverse("subscribe-all"), {"email": "nope"})

    assert response.status_code == 400
    assert b"valid email address" in response.content


def test_subscribe_without_csrf_token_is_forbidden():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        reverse("subscribe-all"), {"email": "a@x.example"}
    )

    assert response.status_code == 403
    assert not Subscription.objects.exists()


def test_confirm_page_asks_first_and_post_confirms(client):
    subscribe()
    url = reverse("subscribe-confirm", args=[token_of(Subscription.objects.get())])

    page = client.get(url)
    still_pending = Subscription.objects.get().status
    done = client.post(url)

    assert page.status_code == 200
    assert still_pending == "pending"
    assert done.status_code == 200
    assert Subscription.objects.get().status == "active"


def test_bad_token_shows_a_clear_page(client):
    response = client.get(reverse("subscribe-confirm", args=["garbage"]))

    assert response.status_code == 400
    assert b"damaged" in response.content


def test_one_click_unsubscribe_post_works_without_csrf():
    from django.test import Client

    sub = make_subscription("a@x.example", None)
    url = reverse("unsubscribe", args=[token_of(sub, subscriptions.UNSUBSCRIBE_SALT)])

    response = Client(enforce_csrf_checks=True).post(url, {"List-Unsubscribe": "One-Click"})

    assert response.status_code == 200
    sub.refresh_from_db()
    assert sub.status == "unsubscribed"


def test_next_to_another_host_is_refused_but_a_local_path_is_followed(client):
    one, two = make_subscription("a@x.example", None), make_subscription("b@x.example", None)
    url_one = reverse("unsubscribe", args=[token_of(one, subscriptions.UNSUBSCRIBE_SALT)])
    url_two = reverse("unsubscribe", args=[token_of(two, subscriptions.UNSUBSCRIBE_SALT)])

    foreign = client.post(url_one + "?next=https://evil.example/")
    local = client.post(url_two + "?next=/c/acme/")

    assert foreign.status_code == 200
    assert "evil" not in foreign.get("Location", "")
    assert local.status_code == 302
    assert local["Location"] == "/c/acme/"


def test_confirmation_link_uses_site_url_not_the_request_host(client, settings):
    from django.core import mail

    from registry import alerts

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "https://subwatch.example"

    client.post(reverse("subscribe-all"), {"email": "a@x.example"}, HTTP_HOST="localhost")
    alerts.send_pending()

    assert "https://subwatch.example/subscribe/confirm/" in mail.outbox[0].body
    assert "localhost" not in mail.outbox[0].body


def test_foreign_host_header_is_refused(client):
    response = client.post(
        reverse("subscribe-all"), {"email": "a@x.example"}, HTTP_HOST="evil.example"
    )

    assert response.status_code == 400
    assert not Subscription.objects.exists()
