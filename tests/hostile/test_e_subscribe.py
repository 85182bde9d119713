"""HOSTILE.md E, cases 32-34: the subscribe form, its links and floods."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry import alerts, subscriptions
from registry.models import Alert, Subscription
from tests.builders import make_company, make_subscription

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    yield
    cache.clear()


def post_subscribe(client, email: str, **extra):
    return client.post(reverse("subscribe-all"), {"email": email}, **extra)


@pytest.mark.parametrize(
    "address",
    [
        "victim@x.example\r\nBcc: everyone@y.example",
        "victim@x.example\nSubject: hi",
        "victim@x.example%0d%0aBcc:everyone@y.example",
        "a" * 300 + "@x.example",
        "not an address",
        "<script>@x.example",
        "",
    ],
)
def test_32_bad_addresses_get_a_form_error_and_nothing_is_queued(client, address):
    response = post_subscribe(client, address)

    assert response.status_code == 400
    assert b'class="error"' in response.content or b"required" in response.content
    assert not Subscription.objects.exists()
    assert not Alert.objects.exists()


def test_32_new_pending_and_active_addresses_get_the_same_response(client):
    make_subscription("active@x.example", None)
    make_subscription("pending@x.example", None, status="pending")

    pages = [
        post_subscribe(client, email)
        for email in ("new@x.example", "pending@x.example", "active@x.example")
    ]

    assert {page.status_code for page in pages} == {200}
    assert len({page.content for page in pages}) == 1
    assert not Alert.objects.filter(recipient="active@x.example").exists()


def confirm_token(email: str = "new@x.example") -> str:
    subscriptions.subscribe(email, company=None, client_ip="192.0.2.1", now=timezone.now())
    return subscriptions.make_token(
        Subscription.objects.get(email=email), salt=subscriptions.CONFIRM_SALT
    )


def test_33_tokens_are_signed_and_differ_per_subscription():
    first, second = confirm_token("a@x.example"), confirm_token("b@x.example")

    assert first != second
    assert len(first.rsplit(":", 1)[1]) >= 40  # HMAC-SHA256, base64: not guessable


def test_33_confirmation_link_is_single_use(client):
    url = reverse("subscribe-confirm", args=[confirm_token()])

    first = client.post(url)
    second = client.post(url)

    assert first.status_code == 200
    assert second.status_code == 410
    assert b"already used" in second.content


def test_33_confirmation_link_expires(client, settings):
    settings.SUBSCRIPTION_TOKEN_MAX_AGE_DAYS = 7
    url = reverse("subscribe-confirm", args=[confirm_token()])

    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.post(url)

    assert response.status_code == 410
    assert b"expired" in response.content
    assert Subscription.objects.get().status == "pending"


def test_33_tampered_token_is_refused(client):
    token = confirm_token()
    payload, stamp, signature = token.split(":")
    flipped = "A" if signature[10] != "A" else "B"
    forged = f"{payload}:{stamp}:{signature[:10]}{flipped}{signature[11:]}"

    response = client.post(reverse("subscribe-confirm", args=[forged]))

    assert response.status_code == 400
    assert Subscription.objects.get().status == "pending"


def test_33_a_token_for_one_subscription_cannot_be_edited_into_another(client):
    token = confirm_token("a@x.example")
    confirm_token("b@x.example")
    payload, stamp, signature = token.split(":")
    import base64
    import json

    other = json.loads(base64.urlsafe_b64decode(payload + "=="))
    other["s"] += 1
    forged_payload = base64.urlsafe_b64encode(json.dumps(other).encode()).decode().rstrip("=")

    response = client.post(
        reverse("subscribe-confirm", args=[f"{forged_payload}:{stamp}:{signature}"])
    )

    assert response.status_code == 400
    assert set(Subscription.objects.values_list("status", flat=True)) == {"pending"}


def test_33_unsubscribe_link_works_without_login_once(client):
    sub = make_subscription("a@x.example", make_company())
    token = subscriptions.make_token(sub, salt=subscriptions.UNSUBSCRIBE_SALT)
    url = reverse("unsubscribe", args=[token])

    page = Client(enforce_csrf_checks=True).get(url)
    done = Client(enforce_csrf_checks=True).post(url)
    again = Client(enforce_csrf_checks=True).post(url)

    assert page.status_code == 200
    assert b"<form" in page.content
    assert done.status_code == 200
    assert again.status_code == 410
    sub.refresh_from_db()
    assert sub.status == "unsubscribed"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "http://testserver@evil.example/",
    ],
)
def test_33_next_to_another_host_is_refused(client, target):
    sub = make_subscription("a@x.example", None)
    token = subscriptions.make_token(sub, salt=subscriptions.UNSUBSCRIBE_SALT)

    response = client.post(reverse("unsubscribe", args=[token]) + "?next=" + target)

    assert response.status_code == 200
    assert "Location" not in response


def test_34_flooding_the_form_is_throttled_without_a_mail_storm(client, settings):
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "3/hour"
    settings.SUBSCRIBE_RATE_PER_CLIENT = "10/hour"

    same_address = [post_subscribe(client, "victim@x.example") for _ in range(20)]
    many_addresses = [post_subscribe(client, f"user{i}@x.example") for i in range(50)]
    report = alerts.send_pending()

    assert {r.status_code for r in same_address + many_addresses} == {200}
    assert Alert.objects.filter(recipient="victim@x.example").count() == 3
    # Every hit spends the client's budget of 10, throttled ones too: 3 mails in all.
    assert report.sent == 3


def test_34_one_client_cannot_flood_one_address_from_many_ips(client, settings):
    settings.SUBSCRIBE_RATE_PER_ADDRESS = "3/hour"

    for i in range(20):
        post_subscribe(client, "victim@x.example", REMOTE_ADDR=f"198.51.100.{i}")

    assert Alert.objects.filter(recipient="victim@x.example").count() == 3
