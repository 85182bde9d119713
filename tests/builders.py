"""Small explicit builders for test rows (no factories: each test shows what it needs)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from registry.models import Company, Engagement, Source, Vendor


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
