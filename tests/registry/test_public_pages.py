"""The public pages: home, company (now and as of a date), changes, vendor, snapshot, healthz."""

from __future__ import annotations

from datetime import date, timedelta
from unittest import mock

import pytest
from django.db import DatabaseError
from django.utils import timezone

from registry.models import Engagement
from registry.templatetags.public_links import http_url
from tests.public_data import (
    change,
    company_with_processors,
    engage,
    make_company,
    make_source,
    make_vendor,
    snapshot,
)

pytestmark = pytest.mark.django_db


def test_home_lists_companies_with_processor_counts_and_last_change(client):
    company = company_with_processors(3)
    change(
        company,
        company.engagements.first().vendor,
        at=timezone.now().replace(year=2025, month=3, day=4),
    )
    make_company("Beta Corp")

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Acme Mail" in html
    assert "Beta Corp" in html
    assert '<td class="num">3</td>' in html
    assert "4 Mar 2025" in html


def test_home_search_matches_company_names_and_vendor_names(client):
    acme = company_with_processors(2)
    make_company("Beta Corp")

    by_company = client.get("/", {"q": "beta"}).content.decode()
    by_vendor = client.get("/", {"q": "vendor 1"}).content.decode()

    assert "Beta Corp" in by_company
    assert acme.name not in by_company
    assert acme.name in by_vendor
    assert "Beta Corp" not in by_vendor


def test_home_search_with_a_nul_character_is_not_a_server_error(client):
    company_with_processors(1)

    response = client.get("/", {"q": "acme\x00"})

    assert response.status_code == 200
    assert "Acme Mail" in response.content.decode()


def test_company_page_groups_processors_by_purpose_with_locations_and_flags(client):
    company = make_company("Acme Mail")
    engage(company, make_vendor("Hetzner"), purposes=("hosting",), locations=("DE",))
    engage(company, make_vendor("Mailgun"), purposes=("email",), locations=("US",))

    html = client.get("/c/acme-mail/").content.decode()

    assert (
        html.index("Email") < html.index("Mailgun") < html.index("Hosting") < html.index("Hetzner")
    )
    assert html.count("leaves the EEA without adequacy") == 1
    assert "Country US" in html
    assert "Country DE" in html


def test_company_page_shows_last_check_and_pending_notice(client):
    company = make_company("Acme Mail")
    make_source(company, last_checked_at=timezone.now().replace(year=2025, month=6, day=7, hour=8))
    vendor = make_vendor("Stripe")
    future = timezone.now().date() + timedelta(days=20)
    change(company, vendor, effective_date=future, objection_deadline=future - timedelta(days=5))
    change(company, make_vendor("Ghost"), review="pending", effective_date=future)

    html = client.get("/c/acme-mail/").content.decode()

    assert "7 Jun 2025, 08:" in html
    assert "Announced changes" in html
    assert "Stripe" in html
    assert f"{future:%-d %b %Y}" in html
    assert "Ghost" not in html


def test_company_page_shows_the_companys_description_and_website(client):
    make_company("Acme Mail", description="Email forwarding.", website="https://acme.example/")

    html = client.get("/c/acme-mail/").content.decode()

    assert "Email forwarding." in html
    assert 'href="https://acme.example/"' in html


def test_company_page_links_only_http_websites(client):
    company = make_company("Acme Mail")
    engage(company, make_vendor("Good"), website="https://good.example/")
    engage(company, make_vendor("Evil"), website="javascript:alert(1)")

    html = client.get("/c/acme-mail/").content.decode()

    assert 'href="https://good.example/"' in html
    assert 'href="javascript:' not in html
    assert "javascript:alert(1)" in html


def test_company_page_renders_a_transfer_chart_as_inline_svg(client):
    company_with_processors(6)

    html = client.get("/c/acme-mail/").content.decode()

    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html
    assert "Third country (no adequacy): 2; Adequacy decision: 2; EEA: 2" in html


def test_unknown_slugs_are_404(client):
    for url in (
        "/c/nope/",
        "/c/nope/changes/",
        "/v/nope/",
        "/c/nope.json",
        "/c/nope.csv",
        "/c/nope/feed.atom",
        "/c/nope/feed.rss",
        "/snapshots/999/",
    ):
        assert client.get(url).status_code == 404, url


def test_as_of_shows_the_list_on_that_day(client):
    now = timezone.now()
    company = make_company("Acme Mail")
    engage(
        company,
        make_vendor("Old"),
        first_seen_at=now - timedelta(days=100),
        status="removed",
        removed_at=now - timedelta(days=10),
    )
    engage(company, make_vendor("New"), first_seen_at=now - timedelta(days=5))
    day = (now - timedelta(days=20)).date()

    html = client.get("/c/acme-mail/", {"as_of": day.isoformat()}).content.decode()

    assert "Old" in html
    assert "New" not in html
    assert f"{day:%-d %B %Y}" in html


def test_as_of_follows_confirmed_removal_and_readdition(client):
    now = timezone.now()
    company = make_company("Acme Mail")
    vendor = make_vendor("Flapper")
    engage(company, vendor, first_seen_at=now - timedelta(days=100))
    change(company, vendor, kind="removed", at=now - timedelta(days=50))
    change(company, vendor, kind="added", at=now - timedelta(days=30))
    change(
        company,
        make_vendor("Ignored"),
        kind="removed",
        review="dismissed",
        at=now - timedelta(days=60),
    )

    def listed(days_ago: int) -> bool:
        day = (now - timedelta(days=days_ago)).date().isoformat()
        return "Flapper" in client.get("/c/acme-mail/", {"as_of": day}).content.decode()

    assert [listed(70), listed(40), listed(20)] == [True, False, True]


@pytest.mark.parametrize("raw", ["yesterday", "2025-13-01", "2025-1-1", "0001-01-01"])
def test_as_of_with_an_invalid_date_is_a_400_with_a_message(client, raw):
    make_company("Acme Mail")

    response = client.get("/c/acme-mail/", {"as_of": raw})

    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.content.decode()


def test_changes_page_lists_confirmed_changes_newest_first_with_evidence(client):
    now = timezone.now()
    company = make_company("Acme Mail")
    source = make_source(company)
    evidence = snapshot(source, "<p>Stripe</p>", at=now - timedelta(days=1))
    change(company, make_vendor("Older"), at=now - timedelta(days=40))
    change(company, make_vendor("Newer"), at=now - timedelta(days=1), new_snapshot=evidence)
    change(company, make_vendor("Secret"), review="pending")
    change(company, make_vendor("Wrong"), review="dismissed")

    html = client.get("/c/acme-mail/changes/").content.decode()

    assert html.index("Newer") < html.index("Older")
    assert "Secret" not in html
    assert "Wrong" not in html
    assert f'href="/snapshots/{evidence.pk}/"' in html
    assert "<svg" in html
    assert "added and removed per month" in html


def test_vendor_page_lists_every_company_using_it(client):
    vendor = make_vendor("Mailgun")
    for name in ("Acme Mail", "Beta Corp"):
        engage(make_company(name), vendor, purposes=("email",), locations=("US",))
    engage(make_company("Gone Inc"), vendor, status=Engagement.Status.REMOVED)

    html = client.get("/v/mailgun/").content.decode()

    assert "Used by 2 companies" in html
    assert "Acme Mail" in html
    assert "Beta Corp" in html
    assert "Gone Inc" not in html
    assert "Email" in html
    assert "leaves the EEA without adequacy" in html


def test_snapshot_page_shows_processors_and_an_escaped_text_diff(client):
    now = timezone.now()
    source = make_source(make_company("Acme Mail"))
    snapshot(source, "<ul><li>Mailgun</li></ul>", at=now - timedelta(days=2))
    page = "<script>evil()</script><ul><li>Mailgun</li><li>&lt;b&gt;Stripe</li></ul>"
    current = snapshot(
        source,
        page,
        at=now,
        processors=[{"name": "<b>Stripe", "vendor": "Stripe", "locations": ["US"]}],
    )

    html = client.get(f"/snapshots/{current.pk}/").content.decode()

    assert '<span class="add">+&lt;b&gt;Stripe</span>' in html
    assert "evil()" not in html
    assert "<td><bdi>&lt;b&gt;Stripe</bdi></td>" in html


def test_first_snapshot_diffs_against_nothing(client):
    source = make_source(make_company("Acme Mail"))
    first = snapshot(source, "Plain text list: Mailgun", at=timezone.now())

    html = client.get(f"/snapshots/{first.pk}/").content.decode()

    assert "first snapshot of this page" in html
    assert "+Plain text list: Mailgun" in html


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_does_not_answer(client):
    with mock.patch("registry.views.connection.cursor", side_effect=DatabaseError("down")):
        response = client.get("/healthz")

    assert response.status_code == 503


def test_pages_use_the_base_layout_with_landmarks_and_a_skip_link(client):
    company_with_processors(1)

    html = client.get("/c/acme-mail/").content.decode()

    assert '<html lang="en">' in html
    assert 'href="#content"' in html
    assert '<main id="content"' in html
    assert "style=" not in html
    assert "<style" not in html
    assert "<script" not in html


# Company page queries, whatever the number of processors:
# 1 company + last check, 3 engagements (+vendor/company join, purposes, locations),
# 1 pending-notice changes.
COMPANY_PAGE_QUERIES = 5


@pytest.mark.parametrize("count", [5, 50])
def test_company_page_query_count_is_constant(client, django_assert_num_queries, count):
    company_with_processors(count)

    with django_assert_num_queries(COMPANY_PAGE_QUERIES):
        response = client.get("/c/acme-mail/")

    assert response.content.decode().count('class="processor"') >= count


# as_of: 1 company, 3 engagements, 1 confirmed changes.
@pytest.mark.parametrize("count", [5, 50])
def test_as_of_query_count_is_constant(client, django_assert_num_queries, count):
    company_with_processors(count)

    with django_assert_num_queries(5):
        client.get("/c/acme-mail/", {"as_of": date.today().isoformat()})


# Vendor page: 1 vendor, 3 engagements (+company join, purposes, locations).
@pytest.mark.parametrize("count", [5, 50])
def test_vendor_page_query_count_is_constant(client, django_assert_num_queries, count):
    vendor = make_vendor("Mailgun")
    for index in range(count):
        engage(make_company(f"Company {index}"), vendor)

    with django_assert_num_queries(4):
        client.get("/v/mailgun/")


# Home: 1 companies query with count and last-change subquery.
@pytest.mark.parametrize("count", [5, 50])
def test_home_query_count_is_constant(client, django_assert_num_queries, count):
    for index in range(count):
        company_with_processors(2, name=f"Company {index}")

    with django_assert_num_queries(1):
        client.get("/", {"q": "company"})


# Changes page: 1 company, 1 confirmed changes with vendors.
@pytest.mark.parametrize("count", [5, 50])
def test_changes_page_query_count_is_constant(client, django_assert_num_queries, count):
    company = make_company("Acme Mail")
    for index in range(count):
        change(company, make_vendor(f"Vendor {index}"))

    with django_assert_num_queries(2):
        client.get("/c/acme-mail/changes/")


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ("https://mailgun.com/", True),
        ("HTTP://EXAMPLE.ORG/x", True),
        ("javascript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("data:text/html,<script>", False),
        ("http://exa\nmple.org/", False),
        ("https:///no-host", False),
        ("//evil.example/", False),
        ("", False),
    ],
)
def test_only_absolute_http_urls_become_links(url, linked):
    assert bool(http_url(url)) is linked


def test_as_of_marks_processors_whose_details_changed_later(client):
    now = timezone.now()
    company = make_company("Acme Mail")
    vendor = make_vendor("Mover")
    engage(company, vendor, first_seen_at=now - timedelta(days=100))
    moved = now - timedelta(days=5)
    change(company, vendor, kind="changed", at=moved)
    day = (now - timedelta(days=10)).date().isoformat()

    html = client.get("/c/acme-mail/", {"as_of": day}).content.decode()

    assert f"purpose or location changed on {moved.day} {moved:%b %Y}" in html


def test_an_empty_as_of_shows_the_current_list(client):
    company_with_processors(2)

    response = client.get("/c/acme-mail/", {"as_of": ""})

    assert response.status_code == 200
    assert "reconstructed from the history" not in response.content.decode()
