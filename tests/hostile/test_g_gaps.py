"""HOSTILE.md E30, E31, E35-E37 by number, and a NUL byte in a cookie (a 500 on PostgreSQL)."""

from __future__ import annotations

import csv
import io
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from registry.alerts import emails
from registry.models import Alert, Subscription
from tests.builders import make_company, make_engagement, make_source, make_vendor

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(autouse=True)
def _fresh_rate_limits(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()
    yield
    cache.clear()


def hostile_engagements() -> None:
    company = make_company("Acme Mail")
    make_source(company, url="https://example.com/?q=<script>x</script>")
    for index, text in enumerate((SCRIPT, FORMULA, '"><img src=x onerror=alert(1)>')):
        vendor = make_vendor(text, slug=f"hostile-{index}")
        make_engagement(company, vendor, name_as_written=text, purpose_text=text)


def test_30_hostile_names_are_escaped_in_the_page_the_api_and_the_csv(client: Client):
    hostile_engagements()

    page = client.get("/c/acme-mail/").content.decode()
    api = APIClient().get("/api/engagements/")
    rows = list(csv.reader(io.StringIO(client.get("/c/acme-mail.csv").content.decode())))

    assert SCRIPT not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page
    assert api["Content-Type"].startswith("application/json")
    assert SCRIPT in {row["vendor"]["name"] for row in api.json()["results"]}
    cells = [cell for row in rows[1:] for cell in row]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]
    assert "'" + FORMULA in cells


def test_31_subscribe_and_api_posts_without_a_csrf_token_are_403():
    make_company("Acme Mail")
    User.objects.create_user("dpo", password="pw-for-test", is_staff=True)
    browser = Client(enforce_csrf_checks=True)
    api = APIClient(enforce_csrf_checks=True)
    api.login(username="dpo", password="pw-for-test")

    form = browser.post("/c/acme-mail/subscribe/", {"email": "a@example.org"})
    write = api.post("/api/sources/", {"company": "acme-mail", "url": "https://x.example/"})

    assert form.status_code == 403
    assert write.status_code == 403
    assert not Subscription.objects.exists()


def test_35_anonymous_api_writes_are_refused_and_subscribers_never_listed():
    company = make_company("Acme Mail")
    Subscription.objects.create(email="secret-person@example.org", company=company, status="active")
    anonymous = APIClient()

    write = anonymous.post("/api/sources/", {"company": "acme-mail", "url": "https://x.example/"})
    listing = anonymous.get("/api/subscriptions/")
    company_json = anonymous.get("/api/companies/acme-mail/")

    assert write.status_code in (401, 403)
    assert listing.status_code == 404
    assert b"secret-person" not in company_json.content


def test_36_confirmation_links_use_site_url_whatever_the_host_header(client: Client, settings):
    settings.SITE_URL = "https://subwatch.example.com"

    foreign = client.post(reverse("subscribe-all"), {"email": "a@x.example"}, HTTP_HOST="evil.x")
    allowed = client.post(reverse("subscribe-all"), {"email": "b@x.example"}, HTTP_HOST="localhost")

    assert foreign.status_code == 400
    alert = Alert.objects.get(kind=Alert.Kind.CONFIRM_SUBSCRIPTION)
    message = emails.build(alert)
    bodies = [message.body] + [content for content, _ in message.alternatives]
    for body in bodies:
        assert "https://subwatch.example.com/" in body
        assert "localhost" not in body
        assert "evil.x" not in body
    assert allowed.status_code == 200


@pytest.mark.slow
def test_37_deploy_check_passes_with_production_settings():
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(64),
        DEBUG="0",
        SECURE_TLS="1",
        ALLOWED_HOSTS="subwatch.example.com",
        SITE_URL="https://subwatch.example.com",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]

    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("cookie", ["sessionid=abc\x00def", "sessionid=\x00", "x\x00y=1"])
def test_a_nul_byte_in_a_cookie_is_dropped_not_a_500(client: Client, cookie: str):
    make_company("Acme Mail")

    response = client.get("/c/acme-mail/", HTTP_COOKIE=cookie)

    assert response.status_code == 200


def test_a_nul_byte_cookie_does_not_log_anyone_out_or_in(admin_client: Client):
    session = admin_client.cookies["sessionid"].value
    cookie = f"sessionid={session}; other=a\x00b"

    response = admin_client.get(reverse("admin:index"), HTTP_COOKIE=cookie)
    forged = Client().get(reverse("admin:index"), HTTP_COOKIE=f"sessionid={session}\x00")

    assert response.status_code == 200
    assert forged.status_code == 302
