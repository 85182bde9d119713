"""Small explicit builders for test rows (no factories: each test shows what it needs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from registry.models import Change, Company, Engagement, Source, Subscription, Vendor


def make_company(name: str = "Acme Mail", **fields: Any) -> Company:
    fields.setdefault("slug", slugify(name))
    return Company.objects.create(name=name, **fields)


def make_vendor(name: str = "Mailgun", **fields: Any) -> Vendor:
    fields.setdefault("slug", slugify(name))
    return Vendor.objects.create(name=name, **fields)


def make_source(
    company: Company, url: str = "https://example.com/subprocessors", **fields: Any
) -> Source:
    return Source.objects.create(company=company, url=url, **fields)


def make_engagement(
    company: Company, vendor: Vendor, *, now: datetime | None = None, **fields: Any
) -> Engagement:
    now = now or timezone.now()
    fields.setdefault("first_seen_at", now)
    fields.setdefault("last_seen_at", now)
    return Engagement.objects.create(company=company, vendor=vendor, **fields)


def make_change(company: Company, vendor: Vendor, *, kind: str = "added", **fields: Any) -> Change:
    fields.setdefault("detected_at", timezone.now())
    fields.setdefault(
        "after",
        {
            "name": vendor.name,
            "vendor": vendor.name,
            "purpose": "Email delivery",
            "locations": ["US"],
        }
        if kind != "removed"
        else {},
    )
    if kind == "removed":
        fields.setdefault("before", {"name": vendor.name, "vendor": vendor.name, "locations": []})
    return Change.objects.create(company=company, vendor=vendor, kind=kind, **fields)


def make_subscription(
    email: str = "dpo@customer.example", company: Company | None = None, **fields: Any
) -> Subscription:
    fields.setdefault("status", Subscription.Status.ACTIVE)
    if fields["status"] == Subscription.Status.ACTIVE:
        fields.setdefault("confirmed_at", timezone.now())
    return Subscription.objects.create(email=email, company=company, **fields)
