"""The vendor catalogue fixture, the demo loader and the load_demo / ensure_admin commands."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from registry import demo, locations, purposes
from registry.catalogue import Catalogue, _from_json
from registry.models import Company, Engagement, Location, Purpose, Source, Vendor
from registry.names import key
from tests.builders import make_vendor

ROOT = Path(__file__).resolve().parents[2]
SEED_LABELS = ROOT / "fixtures" / "pages" / "seeds" / "labels.json"
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
VENDORS = demo.read_json(demo.VENDORS_JSON)
COMPANIES = demo.read_json(demo.COMPANIES_JSON)
GENERIC_WORDS = {"cloud", "analytics", "mail", "email", "chat", "support", "ads", "pay", "crm"}


def _forms(vendor: dict) -> list[str]:
    return [vendor["name"], *vendor["legal_names"], *vendor["aliases"]]


def test_the_catalogue_holds_hundreds_of_vendors_with_unique_names_and_slugs() -> None:
    names = Counter(v["name"].casefold() for v in VENDORS)
    slugs = Counter(v["slug"] for v in VENDORS)

    assert len(VENDORS) >= 320
    assert [name for name, n in names.items() if n > 1] == []
    assert [slug for slug, n in slugs.items() if n > 1] == []


def test_no_name_or_alias_points_at_two_vendors() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for vendor in VENDORS:
        for form in _forms(vendor):
            previous = owner.setdefault(key(form), vendor["slug"])
            if previous != vendor["slug"]:
                clashes.append((form, previous, vendor["slug"]))

    assert clashes == []


def test_every_name_legal_name_and_alias_resolves_to_its_own_vendor() -> None:
    catalogue = Catalogue(_from_json(demo.VENDORS_JSON))

    wrong = [
        (form, vendor["slug"])
        for vendor in VENDORS
        for form in _forms(vendor)
        if getattr(catalogue.resolve(form), "slug", None) != vendor["slug"]
    ]

    assert wrong == []


def test_every_vendor_is_well_formed() -> None:
    fields = {"name", "slug", "legal_names", "aliases", "website", "domain", "hq_country"}
    countries = {p.code for p in locations.LOCATIONS if p.kind == "country"}
    domains = Counter(v["domain"] for v in VENDORS if v["domain"])

    assert all(fields | {"category"} == set(v) for v in VENDORS)
    assert [v["name"] for v in VENDORS if v["hq_country"] not in countries] == []
    assert [d for d, n in domains.items() if n > 1] == []
    assert [v["name"] for v in VENDORS if v["website"][:8] not in ("", "https://")] == []
    generic = [f for v in VENDORS for f in v["aliases"] if f.casefold() in GENERIC_WORDS]
    assert generic == []


def test_every_required_seed_name_resolves_to_a_catalogue_vendor() -> None:
    catalogue = Catalogue(_from_json(demo.VENDORS_JSON))
    documents = json.loads(SEED_LABELS.read_text())["documents"].values()
    required = [item for doc in documents for item in doc["required"]]

    unresolved = [
        item["name"]
        for item in required
        if not any(catalogue.resolve(n) for n in [item["name"], *item.get("aliases", [])])
    ]

    assert len(required) == 43
    assert unresolved == []


def test_every_demo_engagement_names_a_catalogue_vendor() -> None:
    slugs = {v["slug"] for v in VENDORS}

    named = [e["vendor"] for company in COMPANIES for e in company["engagements"]]

    assert set(named) <= slugs


@pytest.mark.django_db
def test_loading_the_demo_gives_five_companies_and_the_whole_catalogue() -> None:
    report = demo.load(now=NOW)

    assert Company.objects.count() == report.companies == 5
    assert Vendor.objects.count() == report.vendors == len(VENDORS)
    assert Location.objects.count() == len(locations.LOCATIONS)
    assert Purpose.objects.count() == len(purposes.PURPOSES)
    assert Source.objects.count() == 5
    assert Engagement.objects.count() == sum(len(c["engagements"]) for c in COMPANIES) == 43


@pytest.mark.django_db
def test_loading_the_demo_twice_changes_no_counts() -> None:
    first = demo.load(now=NOW)

    second = demo.load(now=datetime(2026, 2, 1, tzinfo=UTC))

    assert second.created == 0
    assert (first.vendors, first.engagements, first.locations) == (
        second.vendors,
        second.engagements,
        second.locations,
    )
    assert Engagement.objects.filter(first_seen_at=NOW).count() == 43


@pytest.mark.django_db
def test_demo_engagements_carry_purposes_and_locations_as_stated() -> None:
    demo.load(now=NOW)

    hotjar = Engagement.objects.get(company__slug="intellimails", vendor__slug="hotjar")
    datatrans = Engagement.objects.get(company__slug="mailpro", vendor__slug="datatrans")

    assert hotjar.name_as_written == "HotJar"
    assert [loc.code for loc in hotjar.locations.all()] == ["EU"]
    assert [p.slug for p in hotjar.purposes.all()] == ["analytics"]
    assert [loc.code for loc in datatrans.locations.all()] == ["CH"]
    assert datatrans.locations.get().transfer_status == "adequacy"
    assert not Company.objects.get(slug="mixmax").engagements.exists()


@pytest.mark.django_db
def test_reloading_after_a_fixture_edit_replaces_the_stated_facts(tmp_path: Path) -> None:
    demo.load(now=NOW)
    edited = json.loads(json.dumps(COMPANIES))
    intellimails = next(c for c in edited if c["slug"] == "intellimails")
    hotjar = next(e for e in intellimails["engagements"] if e["vendor"] == "hotjar")
    hotjar.update(locations=["Germany", "USA"], purpose="Error tracking")
    path = tmp_path / "companies.json"
    path.write_text(json.dumps(edited))

    report = demo.load(now=NOW, companies_path=path)

    engagement = Engagement.objects.get(company__slug="intellimails", vendor__slug="hotjar")
    assert report.created == 0
    assert sorted(engagement.locations.values_list("code", flat=True)) == ["DE", "US"]
    assert list(engagement.purposes.values_list("slug", flat=True)) == ["monitoring"]
    assert engagement.location_text == "Germany, USA"


@pytest.mark.django_db
def test_a_vendor_added_by_hand_keeps_its_slug_and_gains_the_catalogue_facts() -> None:
    make_vendor("Mailgun", slug="mailgun-hand-made")

    demo.load(now=NOW)

    mailgun = Vendor.objects.get(name="Mailgun")
    assert mailgun.slug == "mailgun-hand-made"
    assert "Mailgun Technologies, Inc." in mailgun.legal_names
    assert Vendor.objects.count() == len(VENDORS)


@pytest.mark.django_db
def test_vendors_load_in_a_few_batched_queries(django_assert_max_num_queries) -> None:
    with django_assert_max_num_queries(len(VENDORS) // 20):
        created = demo.sync_vendors(VENDORS)

    assert created == len(VENDORS)


@pytest.mark.django_db
def test_load_demo_command_prints_the_counts() -> None:
    out = StringIO()

    call_command("load_demo", stdout=out)

    assert "companies: 5" in out.getvalue()
    assert f"vendors: {len(VENDORS)}" in out.getvalue()


@pytest.mark.django_db
def test_ensure_admin_creates_the_superuser_with_the_given_password(monkeypatch) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "correct horse battery")
    out = StringIO()

    call_command("ensure_admin", stdout=out)

    user = authenticate(username="admin", password="correct horse battery")
    assert user is not None
    assert user.is_superuser
    assert f"{settings.SITE_URL}/admin/" in out.getvalue()
    assert "correct horse battery" in out.getvalue()


@pytest.mark.django_db
def test_ensure_admin_generates_a_password_when_none_is_given(monkeypatch) -> None:
    monkeypatch.delenv("ADMIN_PASSWORD", raising=False)
    out = StringIO()

    call_command("ensure_admin", stdout=out)

    password = out.getvalue().split("password:")[1].split()[0]
    assert authenticate(username="admin", password=password) is not None


@pytest.mark.django_db
def test_ensure_admin_leaves_an_existing_admin_alone_and_prints_no_secret(monkeypatch) -> None:
    get_user_model().objects.create_superuser("admin", password="kept secret")
    monkeypatch.setenv("ADMIN_PASSWORD", "new secret")
    out = StringIO()

    call_command("ensure_admin", stdout=out)

    assert "already exists" in out.getvalue()
    assert "changepassword admin" in out.getvalue()
    assert "secret" not in out.getvalue()
    assert authenticate(username="admin", password="kept secret") is not None
