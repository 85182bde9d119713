"""HOSTILE.md E (30, 31, 35): hostile scraped text, CSRF, and the API's write and PII limits."""

from __future__ import annotations

import csv
import io
import json
from xml.etree import ElementTree

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from registry.models import Subscription
from tests.public_data import change, engage, make_company, make_source, make_vendor, snapshot

pytestmark = pytest.mark.django_db

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ settings.SECRET_KEY }}{% debug %}",
    "Evil\u202egnp.exe",
    '=HYPERLINK("http://evil.example","x")',
    "N" * 10_000,
]
MARKUP = ("<script>alert(1)</script>", "<img src=x onerror", "<img ")


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()


@pytest.fixture
def hostile_company():
    company = make_company("Acme Mail")
    source = make_source(company, url="https://example.com/?q=<script>x</script>")
    # Column limits as in the schema (PostgreSQL enforces them); the 10k name lives in text fields.
    for index, text in enumerate(HOSTILE):
        vendor = make_vendor(text[:200], slug=f"hostile-{index}", website="javascript:alert(1)")
        engage(
            company,
            vendor,
            name_as_written=text[:300],
            purpose_text=text,
            location_text=text[:500],
            website="javascript:alert(1)",
        )
        change(company, vendor, at=timezone.now())
    evidence = snapshot(
        source,
        "<h1>Subs</h1><script>alert(1)</script><p>&lt;script&gt;alert(2)&lt;/script&gt;</p>",
        at=timezone.now(),
        processors=[
            {"name": text, "vendor": text, "purpose": text, "locations": [text]} for text in HOSTILE
        ],
    )
    return company, evidence


def assert_no_live_markup(html: str) -> None:
    for needle in MARKUP:
        assert needle not in html
    assert 'href="javascript:' not in html
    assert "SECRET_KEY" not in html or "{{ settings.SECRET_KEY }}" in html
    assert "django-insecure" not in html


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/c/acme-mail/",
        "/c/acme-mail/changes/",
        "/v/hostile-0/",
        "/v/hostile-1/",
        "/v/hostile-2/",
    ],
)
def test_hostile_scraped_text_renders_as_text_on_every_public_page(client, hostile_company, path):
    response = client.get(path)

    assert response.status_code == 200
    assert_no_live_markup(response.content.decode())


def test_hostile_text_is_shown_escaped_not_dropped(client, hostile_company):
    html = client.get("/c/acme-mail/").content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert "{{ settings.SECRET_KEY }}{% debug %}" in html
    assert "N" * 10_000 in html
    assert "<bdi>Evil\u202egnp.exe</bdi>" in html  # an RTL override cannot reorder the page


def test_the_evidence_page_never_renders_the_scraped_html(client, hostile_company):
    _, evidence = hostile_company

    html = client.get(f"/snapshots/{evidence.pk}/").content.decode()

    assert_no_live_markup(html)
    assert "alert(1)" not in html.split('class="diff"')[1]  # the page's script is dropped
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html  # its visible text is kept, escaped
    assert "https://example.com/?q=&lt;script&gt;x&lt;/script&gt;" in html


def test_hostile_text_in_the_feed_is_escaped_xml(client, hostile_company):
    response = client.get("/c/acme-mail/feed.atom")

    assert b"<script>" not in response.content
    assert b"<img" not in response.content
    titles = [
        e.text
        for e in ElementTree.fromstring(response.content).iter("{http://www.w3.org/2005/Atom}title")
    ]
    assert any(title.startswith("<script>alert(1)</script>") for title in titles)


def test_hostile_text_in_json_is_plain_data_with_a_json_content_type(client, hostile_company):
    response = client.get("/c/acme-mail.json")
    api = APIClient().get("/api/engagements/")

    assert response["Content-Type"] == "application/json"
    assert api["Content-Type"] == "application/json"
    assert response["X-Content-Type-Options"] == "nosniff"
    written = {p["purpose_text"] for p in json.loads(response.content)["processors"]}
    assert written == set(HOSTILE)
    assert {p["website"] for p in response.json()["processors"]} == {""}


def test_hostile_text_in_csv_cannot_run_as_a_formula(client, hostile_company):
    rows = list(csv.reader(io.StringIO(client.get("/c/acme-mail.csv").content.decode())))

    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells
    assert not [row for row in rows[1:] if row[8]]  # no javascript: website survives


def test_subscribe_post_without_a_csrf_token_is_403():
    make_company("Acme Mail")
    client = Client(enforce_csrf_checks=True)

    response = client.post("/c/acme-mail/subscribe/", {"email": "a@example.org"})

    assert response.status_code == 403
    assert not Subscription.objects.exists()


def test_subscribe_post_with_the_pages_csrf_token_is_accepted():
    make_company("Acme Mail")
    client = Client(enforce_csrf_checks=True)
    client.get("/c/acme-mail/")
    token = client.cookies["csrftoken"].value

    response = client.post(
        "/c/acme-mail/subscribe/", {"email": "a@example.org", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()


def test_session_authenticated_api_writes_need_a_csrf_token():
    pending = change(make_company("Acme Mail"), make_vendor("Stripe"), review="pending")
    User.objects.create_user("dpo", password="pw-for-test", is_staff=True)
    client = APIClient(enforce_csrf_checks=True)
    client.login(username="dpo", password="pw-for-test")

    response = client.post(f"/api/changes/{pending.pk}/dismiss/")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    pending.refresh_from_db()
    assert pending.review == "pending"


def test_api_writes_without_auth_are_refused():
    company = make_company("Acme Mail")
    source = make_source(company)
    pending = change(company, make_vendor("Stripe"), review="pending")
    client = APIClient()

    statuses = [
        client.post(
            "/api/sources/", {"company": "acme-mail", "url": "https://x.example/"}
        ).status_code,
        client.post(f"/api/sources/{source.pk}/check/").status_code,
        client.post(f"/api/changes/{pending.pk}/confirm/").status_code,
        client.post(f"/api/changes/{pending.pk}/dismiss/").status_code,
    ]

    assert set(statuses) <= {401, 403}


def test_the_subscriber_list_is_never_exposed():
    company = make_company("Acme Mail")
    Subscription.objects.create(email="secret-person@example.org", company=company, status="active")
    staff = APIClient()
    staff.force_authenticate(User.objects.create_user("dpo", is_staff=True))
    paths = [
        "/api/",
        "/api/companies/",
        "/api/companies/acme-mail/",
        "/api/schema/",
        "/c/acme-mail/",
        "/c/acme-mail.json",
        "/c/acme-mail.csv",
        "/c/acme-mail/feed.atom",
    ]

    for path in paths:
        for client in (APIClient(), staff):
            response = client.get(path)
            assert b"secret-person" not in response.content, path
    assert APIClient().get("/api/subscriptions/").status_code == 404


def test_pagination_caps_the_page_size():
    company = make_company("Acme Mail")
    for index in range(210):
        engage(company, make_vendor(f"V{index:03}"))

    response = APIClient().get("/api/engagements/", {"page_size": 1_000_000})

    assert len(response.json()["results"]) == 200


def test_unknown_filter_fields_are_ignored_not_applied():
    company = make_company("Acme Mail")
    engage(company, make_vendor("Mailgun"))

    response = APIClient().get(
        "/api/engagements/", {"company__subscriptions__email": "x", "foo": "1"}
    )

    assert response.status_code == 200
    assert response.json()["count"] == 1
