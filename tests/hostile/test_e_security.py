"""HOSTILE.md E30, E31, E36, E37: escaping in the admin, CSRF, Host poisoning, deploy checks."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from registry.models import Change, Engagement, Purpose, Source, Vendor
from tests.builders import make_company, make_engagement, make_source, make_vendor

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
HOSTILE_NAMES = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7|add:35 }} {% now 'Y' %}",
    "Evil\u202egpj.exe",
    '=HYPERLINK("https://evil.example","x")',
]


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, event handlers, style attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("inline <style>")
        self.found += [f"<{tag} {name}=>" for name in names if name.startswith("on")]
        self.found += [f"<{tag} style=>" for name in names if name == "style"]


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def hostile_registry() -> dict[str, object]:
    company = make_company("Acme <script>alert(1)</script>")
    source = make_source(company, "javascript:alert(1)//<script>x</script>")
    rows: dict[str, object] = {"company": company, "source": source}
    for index, name in enumerate(HOSTILE_NAMES):
        vendor = make_vendor(name, slug=f"hostile-{index}")
        purpose = Purpose.objects.create(slug=f"p{index}", name=f"purpose {name}")
        engagement = make_engagement(company, vendor, purpose_text="x" * 10_000 + name)
        engagement.purposes.add(purpose)
        rows[f"vendor{index}"] = vendor
        rows[f"purpose{index}"] = purpose
        rows[f"engagement{index}"] = engagement
        Change.objects.create(
            company=company,
            source=source,
            vendor=vendor,
            kind=Change.Kind.ADDED,
            detected_at=timezone.now(),
            after={"name": name, "purpose": name, "locations": [name]},
        )
    return rows


def admin_pages(rows: dict[str, object]) -> list[str]:
    pages = [reverse("admin:index")]
    for model in (Vendor, Purpose, Source, Engagement):
        pages.append(reverse(f"admin:registry_{model._meta.model_name}_changelist"))
    pages.append(reverse("admin:registry_change_changelist") + "?review=all")
    for obj in rows.values():
        name = obj._meta.model_name  # type: ignore[attr-defined]
        pages.append(reverse(f"admin:registry_{name}_change", args=[obj.pk]))  # type: ignore[attr-defined]
    return pages


def test_hostile_names_are_escaped_on_every_admin_page(admin_client: Client):
    rows = hostile_registry()

    for page in admin_pages(rows):
        response = admin_client.get(page)
        html = response.content.decode()
        assert response.status_code == 200, page
        assert "<script>alert" not in html, page
        assert "<script>x" not in html, page
        assert "<img src=x" not in html, page
        assert 'href="javascript:' not in html.lower(), page


def test_template_syntax_in_names_is_shown_literally(admin_client: Client):
    rows = hostile_registry()
    vendor = rows["vendor3"]

    html = admin_client.get(
        reverse("admin:registry_vendor_change", args=[vendor.pk])  # type: ignore[attr-defined]
    ).content.decode()

    assert "{{ 7|add:35 }}" in html
    assert " 42 " not in html


def test_admin_pages_carry_no_inline_script_style_or_handler(admin_client: Client):
    rows = hostile_registry()
    pages = [*admin_pages(rows), reverse("admin:registry_company_add")]

    for page in pages:
        html = admin_client.get(page).content.decode()
        assert inline_code(html) == [], page


def test_admin_post_without_csrf_token_is_refused(admin_user):
    vendor = make_vendor("Mailgun")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)
    form = {
        "name": "Renamed",
        "slug": "renamed",
        "engagements-TOTAL_FORMS": "0",
        "engagements-INITIAL_FORMS": "0",
    }

    response = browser.post(reverse("admin:registry_vendor_change", args=[vendor.pk]), form)

    vendor.refresh_from_db()
    assert response.status_code == 403
    assert vendor.name == "Mailgun"


def test_review_action_without_csrf_token_changes_nothing(admin_user):
    company = make_company()
    vendor = make_vendor()
    change = Change.objects.create(
        company=company, vendor=vendor, kind=Change.Kind.ADDED, detected_at=timezone.now()
    )
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(admin_user)

    response = browser.post(
        reverse("admin:registry_change_changelist"),
        {"action": "confirm_selected", "_selected_action": [change.pk]},
    )

    change.refresh_from_db()
    assert response.status_code == 403
    assert change.review == Change.Review.PENDING


def test_admin_login_without_csrf_token_is_refused(admin_user):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(reverse("admin:login"), {"username": "admin", "password": "password"})

    assert response.status_code == 403


def test_a_foreign_host_header_gets_400(client: Client):
    for path in (reverse("admin:login"), "/"):
        response = client.get(path, HTTP_HOST="evil.example")
        assert response.status_code == 400, path


def test_a_forwarded_host_header_is_ignored(client: Client):
    response = client.get(reverse("admin:index"), HTTP_X_FORWARDED_HOST="evil.example")

    assert "evil.example" not in response["Location"]


def test_security_headers_are_on_every_response(client: Client, admin_client: Client):
    responses = [
        client.get(reverse("admin:login")),
        admin_client.get(reverse("admin:index")),
        client.get("/does-not-exist/"),
    ]

    for response in responses:
        csp = response["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "script-src 'self'" in csp
        assert "'unsafe-inline'" not in csp
        assert "frame-ancestors 'none'" in csp
        assert "camera=()" in response["Permissions-Policy"]
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"


def test_debug_error_pages_can_style_themselves_but_production_ones_cannot(client, settings):
    settings.DEBUG = True
    debug_404 = client.get("/does-not-exist/")
    settings.DEBUG = False
    production_404 = client.get("/does-not-exist/")

    assert "Content-Security-Policy" not in debug_404
    assert "default-src 'self'" in production_404["Content-Security-Policy"]


def test_hsts_is_sent_over_tls(client: Client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True

    response = client.get(reverse("admin:login"), secure=True)

    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def production_env(**overrides: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    env.update(
        SECRET_KEY=secrets.token_urlsafe(64),
        DEBUG="0",
        SECURE_TLS="1",
        ALLOWED_HOSTS="subwatch.example.com",
        SITE_URL="https://subwatch.example.com",
        DJANGO_SETTINGS_MODULE="config.settings",
    )
    env.update(overrides)
    return env


def run_deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_deploy_check_passes_with_production_settings():
    result = run_deploy_check(production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_deploy_check_fails_with_the_development_defaults():
    env = production_env(SECURE_TLS="0", DEBUG="1")
    del env["SECRET_KEY"]

    result = run_deploy_check(env)

    assert result.returncode != 0
    assert "security.W018" in result.stderr + result.stdout


def csp_violations_while_using_the_admin(base_url: str) -> list[str]:
    """Drive the admin in headless Chromium, clicking the JS widgets, and collect CSP refusals."""
    from playwright.sync_api import sync_playwright

    refused: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda message: refused.append(f"{page.url}: {message.text}"))
        page.goto(f"{base_url}/admin/login/")
        page.fill("#id_username", "dpo")
        page.fill("#id_password", "correct horse battery staple")
        page.click("input[type=submit]")
        page.wait_for_url(f"{base_url}/admin/")
        page.goto(f"{base_url}/admin/registry/company/add/")
        page.click("#sources-group .add-row a")
        page.fill("#id_name", "Acme Mail")  # prepopulates the slug through admin JS
        page.goto(f"{base_url}/admin/registry/engagement/add/")
        page.click("#id_company + .select2")  # autocomplete (select2)
        page.keyboard.press("Escape")
        page.click("#id_purposes_add_all")  # filter_horizontal (SelectFilter2)
        page.goto(f"{base_url}/admin/registry/change/?review=all")
        page.click("#action-toggle")
        page.goto(f"{base_url}/admin/registry/engagement/?q=x")
        browser.close()
    return [line for line in refused if "Content Security Policy" in line]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Chromium")
def test_the_admin_works_under_the_content_security_policy(live_server, django_user_model):
    django_user_model.objects.create_superuser(
        "dpo", "dpo@example.com", "correct horse battery staple"
    )
    company = make_company()
    Change.objects.create(
        company=company, vendor=make_vendor(), kind=Change.Kind.ADDED, detected_at=timezone.now()
    )
    Purpose.objects.create(slug="hosting", name="Hosting")

    assert csp_violations_while_using_the_admin(live_server.url) == []
