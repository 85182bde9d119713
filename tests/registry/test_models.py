"""Database constraints of the domain model."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from registry.models import Engagement, Snapshot, SnapshotBody, Subscription
from tests.builders import make_company, make_engagement, make_source, make_vendor

pytestmark = pytest.mark.django_db


def test_a_company_engages_a_vendor_once() -> None:
    company, vendor = make_company(), make_vendor()
    make_engagement(company, vendor)

    with pytest.raises(IntegrityError), transaction.atomic():
        make_engagement(company, vendor)

    assert Engagement.objects.count() == 1


def test_two_companies_may_engage_the_same_vendor() -> None:
    vendor = make_vendor()

    make_engagement(make_company("Acme"), vendor)
    make_engagement(make_company("Globex"), vendor)

    assert vendor.engagements.count() == 2


def test_vendor_slugs_are_unique() -> None:
    make_vendor("Mailgun", slug="mailgun")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_vendor("Mailgun Technologies", slug="mailgun")


def test_vendor_names_are_unique() -> None:
    make_vendor("Mailgun", slug="mailgun")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_vendor("Mailgun", slug="mailgun-2")


def test_company_slugs_are_unique() -> None:
    make_company("Acme", slug="acme")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_company("Acme Corp", slug="acme")


def test_a_source_url_is_watched_once_per_company() -> None:
    company = make_company()
    make_source(company, "https://acme.test/subprocessors")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_source(company, "https://acme.test/subprocessors")

    make_source(make_company("Globex"), "https://acme.test/subprocessors")


def test_a_snapshot_body_is_stored_once_per_hash() -> None:
    SnapshotBody.objects.create(sha256="a" * 64, compressed=b"x", size=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        SnapshotBody.objects.create(sha256="a" * 64, compressed=b"y", size=1)

    assert SnapshotBody.objects.count() == 1


def test_a_body_in_use_by_a_snapshot_cannot_be_deleted() -> None:
    from django.db.models import ProtectedError
    from django.utils import timezone

    body = SnapshotBody.objects.create(sha256="b" * 64, compressed=b"x", size=1)
    source = make_source(make_company())
    fields = {f.name for f in Snapshot._meta.concrete_fields}
    times = {name: timezone.now() for name in fields if name.endswith("_at")}
    Snapshot.objects.create(source=source, body=body, **times)

    with pytest.raises(ProtectedError):
        body.delete()


def test_an_email_follows_a_company_once() -> None:
    company = make_company()
    Subscription.objects.create(email="dpo@example.com", company=company)

    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(email="dpo@example.com", company=company)

    Subscription.objects.create(email="dpo@example.com", company=make_company("Globex"))
    assert Subscription.objects.count() == 2


def test_an_email_follows_all_companies_once() -> None:
    Subscription.objects.create(email="dpo@example.com", company=None)

    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(email="dpo@example.com", company=None)

    Subscription.objects.create(email="dpo@example.com", company=make_company())
    assert Subscription.objects.count() == 2
