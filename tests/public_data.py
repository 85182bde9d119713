"""Builders for the public pages' tests: a company with located, purposed processors."""

from __future__ import annotations

import zlib
from datetime import datetime, timedelta
from hashlib import sha256
from typing import Any

from django.utils import timezone

from registry.models import (
    Change,
    Company,
    Engagement,
    Location,
    Purpose,
    Snapshot,
    SnapshotBody,
    Source,
    Vendor,
)
from tests.builders import make_company, make_engagement, make_source, make_vendor

TRANSFER = {
    "DE": "eea",
    "IE": "eea",
    "CH": "adequacy",
    "US": "third_country",
    "IN": "third_country",
}


def location(code: str) -> Location:
    status = TRANSFER.get(code, "third_country")
    return Location.objects.get_or_create(
        code=code, defaults={"name": f"Country {code}", "transfer_status": status}
    )[0]


def purpose(slug: str) -> Purpose:
    return Purpose.objects.get_or_create(slug=slug, defaults={"name": slug.title()})[0]


def engage(
    company: Company,
    vendor: Vendor,
    *,
    purposes: tuple[str, ...] = ("hosting",),
    locations: tuple[str, ...] = ("US",),
    **fields: Any,
) -> Engagement:
    engagement = make_engagement(company, vendor, **fields)
    engagement.purposes.set([purpose(slug) for slug in purposes])
    engagement.locations.set([location(code) for code in locations])
    return engagement


def company_with_processors(count: int, *, name: str = "Acme Mail") -> Company:
    company = make_company(name)
    for index in range(count):
        vendor = Vendor.objects.get_or_create(
            slug=f"vendor-{index}", defaults={"name": f"Vendor {index}"}
        )[0]
        codes = ("DE",) if index % 3 == 0 else ("CH",) if index % 3 == 1 else ("US", "IE")
        engage(company, vendor, purposes=("hosting", "email")[: 1 + index % 2], locations=codes)
    return company


def snapshot(
    source: Source, html: str, *, at: datetime, processors: list[dict] | None = None
) -> Snapshot:
    raw = html.encode()
    body, _ = SnapshotBody.objects.get_or_create(
        sha256=sha256(raw).hexdigest(),
        defaults={"compressed": zlib.compress(raw), "size": len(raw)},
    )
    return Snapshot.objects.create(
        source=source,
        body=body,
        fetched_at=at,
        last_seen_at=at,
        final_url=source.url,
        processors=processors or [],
    )


def change(
    company: Company,
    vendor: Vendor,
    *,
    kind: str = "added",
    review: str = "confirmed",
    at: datetime | None = None,
    **fields: Any,
) -> Change:
    at = at or timezone.now() - timedelta(days=1)
    fields.setdefault(
        "after", {"name": vendor.name, "vendor": vendor.name} if kind != "removed" else {}
    )
    fields.setdefault(
        "before", {"name": vendor.name, "vendor": vendor.name} if kind != "added" else {}
    )
    return Change.objects.create(
        company=company, vendor=vendor, kind=kind, review=review, detected_at=at, **fields
    )


__all__ = [
    "change",
    "company_with_processors",
    "engage",
    "location",
    "make_company",
    "make_source",
    "make_vendor",
    "purpose",
    "snapshot",
]
