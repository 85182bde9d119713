"""The REST API: public read endpoints, staff-only writes, schema, and a schemathesis run."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import schemathesis
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from django.utils import timezone
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from config.wsgi import application
from registry.models import Change, Source
from tests.public_data import (
    change,
    company_with_processors,
    engage,
    make_company,
    make_source,
    make_vendor,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def staff() -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.create_user("dpo", password="x", is_staff=True))
    return client


@pytest.fixture
def member() -> APIClient:
    client = APIClient()
    client.force_authenticate(User.objects.create_user("member", password="x"))
    return client


def names(response, key="name") -> list[str]:
    return [row[key] for row in response.json()["results"]]


def test_companies_list_with_processor_counts_and_detail_by_slug(api):
    company_with_processors(3)
    make_company("Beta Corp")

    listed = api.get("/api/companies/").json()["results"]
    detail = api.get("/api/companies/acme-mail/").json()

    assert [(c["slug"], c["processor_count"]) for c in listed] == [
        ("acme-mail", 3),
        ("beta-corp", 0),
    ]
    assert detail["name"] == "Acme Mail"


def test_vendors_list_filters_by_company_and_searches(api):
    company_with_processors(2)
    make_vendor("Stripe")

    assert names(api.get("/api/vendors/", {"company": "acme-mail"})) == ["Vendor 0", "Vendor 1"]
    assert names(api.get("/api/vendors/", {"search": "strip"})) == ["Stripe"]
    assert api.get("/api/vendors/stripe/").json()["slug"] == "stripe"


def test_engagements_filter_by_company_vendor_status_purpose_location_transfer(api):
    acme, beta = make_company("Acme Mail"), make_company("Beta Corp")
    mailgun, hetzner = make_vendor("Mailgun"), make_vendor("Hetzner")
    engage(acme, mailgun, purposes=("email",), locations=("US", "IE"))
    engage(acme, hetzner, purposes=("hosting",), locations=("DE",))
    engage(beta, mailgun, purposes=("email",), locations=("US",), status="removed")

    def vendors(**params) -> list[tuple[str, str]]:
        rows = api.get("/api/engagements/", params).json()["results"]
        return [(row["company"]["slug"], row["vendor"]["slug"]) for row in rows]

    assert vendors(company="acme-mail") == [("acme-mail", "hetzner"), ("acme-mail", "mailgun")]
    assert vendors(vendor="mailgun", status="active") == [("acme-mail", "mailgun")]
    assert vendors(purpose="hosting") == [("acme-mail", "hetzner")]
    assert vendors(location="us", status="active") == [("acme-mail", "mailgun")]
    assert vendors(transfer_status="eea") == [("acme-mail", "hetzner"), ("acme-mail", "mailgun")]
    assert vendors(search="hetz") == [("acme-mail", "hetzner")]


def test_engagement_representation_flags_transfers_and_drops_unsafe_websites(api):
    engage(
        make_company("Acme Mail"),
        make_vendor("Evil"),
        locations=("US",),
        website="javascript:alert(1)",
    )

    [row] = api.get("/api/engagements/").json()["results"]

    assert row["leaves_eea_without_adequacy"] is True
    assert row["website"] == ""
    assert row["locations"] == [
        {
            "code": "US",
            "name": "Country US",
            "transfer_status": "third_country",
            "leaves_eea_without_adequacy": True,
        }
    ]


def test_anonymous_users_see_only_confirmed_changes_and_staff_see_all(api, staff):
    company = make_company("Acme Mail")
    change(company, make_vendor("Public"))
    change(company, make_vendor("Hidden"), review="pending")
    change(company, make_vendor("Dismissed"), review="dismissed")
    anonymous = api

    public = [row["vendor"]["name"] for row in anonymous.get("/api/changes/").json()["results"]]
    everything = [row["vendor"]["name"] for row in staff.get("/api/changes/").json()["results"]]
    pending = staff.get("/api/changes/", {"review": "pending"}).json()["results"]

    assert public == ["Public"]
    assert sorted(everything) == ["Dismissed", "Hidden", "Public"]
    assert [row["vendor"]["name"] for row in pending] == ["Hidden"]


def test_a_pending_change_is_404_for_anonymous_users(api):
    hidden = change(make_company("Acme Mail"), make_vendor("Hidden"), review="pending")

    assert api.get(f"/api/changes/{hidden.pk}/").status_code == 404


def test_changes_filter_by_company_and_kind(api):
    acme, beta = make_company("Acme Mail"), make_company("Beta Corp")
    change(acme, make_vendor("Added"))
    change(acme, make_vendor("Removed"), kind="removed")
    change(beta, make_vendor("Other"))

    rows = api.get("/api/changes/", {"company": "acme-mail", "kind": "removed"}).json()["results"]

    assert [row["vendor"]["name"] for row in rows] == ["Removed"]


def test_pagination_defaults_to_50_and_caps_page_size_at_200(api):
    company = make_company("Acme Mail")
    for index in range(205):
        engage(company, make_vendor(f"Vendor {index:03}"))

    default = api.get("/api/engagements/").json()
    asked = api.get("/api/engagements/", {"page_size": 10_000}).json()

    assert default["count"] == 205
    assert len(default["results"]) == 50
    assert len(asked["results"]) == 200
    assert asked["next"]


def test_nul_characters_and_extreme_offsets_in_filters_are_not_server_errors(api):
    company_with_processors(1)

    responses = [
        api.get("/api/vendors/", {"search": "ven\x00dor"}),
        api.get("/api/engagements/", {"company": "acme\x00"}),
        api.get("/api/changes/", {"detected_after": "2025-01-01T00:00:00-22:00"}),
        api.get("/api/changes/", {"detected_before": "9999-12-31T23:59:59-23:00"}),
    ]

    assert [r.status_code for r in responses] == [400, 400, 200, 200]


def test_odd_lookups_in_the_path_are_404_not_server_errors(api):
    company_with_processors(1)

    paths = ["/api/vendors/ven%00dor/", "/api/companies/%C3%85e/", "/api/engagements/-1/"]

    assert [api.get(path).status_code for path in paths] == [404, 404, 404]


def test_unknown_filters_are_ignored_and_bad_choices_refused(api):
    company_with_processors(2)

    ignored = api.get("/api/engagements/", {"subscriber": "x", "email__contains": "@"})
    refused = api.get("/api/engagements/", {"status": "bogus"})

    assert ignored.status_code == 200
    assert ignored.json()["count"] == 2
    assert refused.status_code == 400


def test_staff_confirm_a_change_with_an_effective_date(staff):
    pending = change(make_company("Acme Mail"), make_vendor("Stripe"), review="pending")
    effective = date.today() + timedelta(days=30)

    response = staff.post(
        f"/api/changes/{pending.pk}/confirm/",
        {"effective_date": effective.isoformat()},
        format="json",
    )

    assert response.status_code == 200, response.content
    pending.refresh_from_db()
    assert pending.review == Change.Review.CONFIRMED
    assert pending.effective_date == effective
    assert response.json()["review"] == "confirmed"


def test_staff_dismiss_a_change_and_a_second_review_is_a_conflict(staff):
    pending = change(make_company("Acme Mail"), make_vendor("Stripe"), review="pending")

    first = staff.post(f"/api/changes/{pending.pk}/dismiss/")
    second = staff.post(f"/api/changes/{pending.pk}/confirm/", {}, format="json")

    assert first.status_code == 200
    assert first.json()["review"] == "dismissed"
    assert second.status_code == 409
    pending.refresh_from_db()
    assert pending.review == Change.Review.DISMISSED


def test_non_staff_users_cannot_review_changes(member):
    pending = change(make_company("Acme Mail"), make_vendor("Stripe"), review="pending")

    for verb in ("confirm", "dismiss"):
        assert member.post(f"/api/changes/{pending.pk}/{verb}/").status_code == 403
    pending.refresh_from_db()
    assert pending.review == Change.Review.PENDING


def test_anonymous_users_cannot_write_anything(api):
    company = make_company("Acme Mail")
    source = make_source(company)
    pending = change(company, make_vendor("Stripe"), review="pending")

    responses = [
        api.post("/api/sources/", {"company": "acme-mail", "url": "https://example.org/x"}),
        api.post(f"/api/sources/{source.pk}/check/"),
        api.post(f"/api/changes/{pending.pk}/confirm/"),
        api.post(f"/api/changes/{pending.pk}/dismiss/"),
        api.post("/api/companies/", {"name": "X", "slug": "x"}),
        api.delete("/api/companies/acme-mail/"),
        api.put(f"/api/engagements/{company.pk}/", {}),
    ]

    assert all(r.status_code in (401, 403, 405) for r in responses), [
        r.status_code for r in responses
    ]
    assert responses[0].status_code in (401, 403)
    assert responses[2].status_code in (401, 403)
    assert Source.objects.count() == 1
    pending.refresh_from_db()
    assert pending.review == Change.Review.PENDING


def test_sources_are_staff_only_even_for_reading(api, member):
    make_source(make_company("Acme Mail"))

    assert api.get("/api/sources/").status_code in (401, 403)
    assert member.get("/api/sources/").status_code == 403


def test_staff_add_a_source(staff):
    make_company("Acme Mail")

    response = staff.post(
        "/api/sources/",
        {"company": "acme-mail", "url": "https://example.org/subprocessors"},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert Source.objects.get().url == "https://example.org/subprocessors"


def test_adding_a_source_with_a_bad_url_is_a_validation_error(staff):
    make_company("Acme Mail")

    response = staff.post(
        "/api/sources/", {"company": "acme-mail", "url": "javascript:alert(1)"}, format="json"
    )

    assert response.status_code == 400
    assert "url" in response.json()
    assert not Source.objects.exists()


def test_token_authentication_works_for_staff(api):
    user = User.objects.create_user("bot", is_staff=True)
    token = Token.objects.create(user=user)
    make_company("Acme Mail")
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    response = api.post(
        "/api/sources/", {"company": "acme-mail", "url": "https://example.org/p"}, format="json"
    )

    assert response.status_code == 201


def test_staff_trigger_a_check_and_get_its_outcome(staff, page_server):
    page_server.set(
        "/subprocessors",
        "<h2>Sub-processors</h2><table><tr><th>Vendor</th><th>Purpose</th></tr><tr><td>Mailgun</td><td>Email</td></tr></table>",
    )
    source = make_source(make_company("Acme Mail"), url=page_server.url("/subprocessors"))

    with override_settings(SCRAPER_ALLOWED_HOSTS=["127.0.0.1"]):
        response = staff.post(f"/api/sources/{source.pk}/check/")

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"outcome", "changes", "detail"}
    assert body["outcome"] in {choice for choice, _ in Source.Status.choices} | {
        "no_change",
        "changed",
        "unchanged",
        "failed",
        "suspicious",
    }
    source.refresh_from_db()
    assert source.last_checked_at is not None


def test_subscribers_are_never_exposed(api, staff):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    properties = {
        name
        for component in schema["components"]["schemas"].values()
        for name in component.get("properties", {})
    }

    assert api.get("/api/subscriptions/").status_code == 404
    assert staff.get("/api/subscriptions/").status_code == 404
    assert not [path for path in schema["paths"] if "subscri" in path or "alert" in path]
    assert "email" not in properties
    assert "recipient" not in properties


def test_the_openapi_schema_validates(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    schema = response.json()
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert {"/api/companies/", "/api/engagements/", "/api/changes/{id}/confirm/"} <= set(
        schema["paths"]
    )


def test_the_docs_page_is_self_hosted(api):
    html = api.get("/api/docs/").content.decode()

    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "https://" not in html


# List endpoints: 1 count + 1 page of rows + 2 prefetches (purposes, locations).
@pytest.mark.parametrize("count", [5, 50])
def test_engagement_list_query_count_is_constant(api, django_assert_num_queries, count):
    company_with_processors(count)

    with django_assert_num_queries(4):
        api.get("/api/engagements/")


# Companies: 1 count + 1 page with the processor-count aggregate.
@pytest.mark.parametrize("count", [5, 50])
def test_company_list_query_count_is_constant(api, django_assert_num_queries, count):
    for index in range(count):
        company_with_processors(2, name=f"Company {index}")

    with django_assert_num_queries(2):
        api.get("/api/companies/")


# Changes: 1 count + 1 page with company and vendor joined.
@pytest.mark.parametrize("count", [5, 50])
def test_change_list_query_count_is_constant(api, django_assert_num_queries, count):
    company = make_company("Acme Mail")
    for index in range(count):
        change(company, make_vendor(f"Vendor {index}"))

    with django_assert_num_queries(2):
        api.get("/api/changes/")


read_only = schemathesis.openapi.from_wsgi("/api/schema/", application).include(method="GET")


@pytest.fixture
def registry_rows():
    company = company_with_processors(3)
    change(company, company.engagements.first().vendor, at=timezone.now())


@pytest.fixture
def _connection_kept_across_requests():
    # Schemathesis calls the bare WSGI app, whose request signals would close the connection
    # inside the test transaction (PostgreSQL); Django's own test client disconnects them too.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@read_only.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.usefixtures("_connection_kept_across_requests")
def test_schemathesis_finds_no_server_errors_on_read_endpoints(registry_rows, case):
    cache.clear()
    # The schema documents the session cookie; random session ids with NUL bytes make Django's
    # database session backend fail on PostgreSQL before our code runs (reported, not ours).
    case.cookies = {}
    case.call_and_validate(
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance]
    )
