"""Write a company's engagements from one accepted snapshot: the registry as the page reads.

One job: given the processors a page lists (and those it dropped), create, describe, stamp or
mark removed the company's Engagement rows, link their purpose and location vocabulary, and
create Vendor rows for names never seen before. Whether that is news (Change rows, alerts) is
decided by scraper.record, not here.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from registry.models import Company, Engagement, Location, Purpose, Snapshot, Vendor
from scraper.extract import Processor

ENGAGEMENT_FIELDS = [
    "name_as_written",
    "purpose_text",
    "location_text",
    "website",
    "found_in",
    "status",
    "last_seen_at",
    "removed_at",
    "snapshot",
]


def sync(
    company: Company,
    snapshot: Snapshot,
    processors: Sequence[Processor],
    *,
    removed: Sequence[Processor],
    now: datetime,
    touch: bool = True,
) -> dict[str, Engagement]:
    """Make the company's engagements say what `processors` say; returns them by vendor name.

    Vendors in `removed` (and not listed again) are marked removed. With touch=False (a
    re-read of an old body) last_seen_at is left alone: nobody looked at the page.
    """
    vendors = _vendors({p.vendor for p in (*processors, *removed)})
    existing = {
        e.vendor_id: e
        for e in Engagement.objects.filter(company=company, vendor__in=list(vendors.values()))
    }
    by_vendor: dict[str, Engagement] = {}
    fresh: list[Engagement] = []
    edited: list[Engagement] = []
    moved: list[Engagement] = []
    for processor in processors:
        vendor = vendors[processor.vendor]
        engagement = existing.get(vendor.pk)
        if engagement is None:
            engagement = Engagement(company=company, vendor=vendor, first_seen_at=now)
            existing[vendor.pk] = engagement
            fresh.append(engagement)
        before, was = _fields(engagement), (engagement.purpose_text, engagement.location_text)
        _describe(engagement, processor)
        if engagement.pk is not None and _fields(engagement) != before:
            edited.append(engagement)
            if (engagement.purpose_text, engagement.location_text) != was:
                moved.append(engagement)
        by_vendor[processor.vendor] = engagement
    for processor in removed:
        if processor.vendor in by_vendor:
            continue
        engagement = existing.get(vendors[processor.vendor].pk)
        if engagement is None:
            # Deleted by hand since: recreate it so the removal still has its registry row.
            engagement = Engagement(
                company=company, vendor=vendors[processor.vendor], first_seen_at=now
            )
            fresh.append(engagement)
        elif engagement.status != Engagement.Status.REMOVED:
            edited.append(engagement)
        engagement.status = Engagement.Status.REMOVED
        engagement.removed_at = now
        by_vendor[processor.vendor] = engagement
    _write(fresh, edited, existing.values(), snapshot, now=now, touch=touch)
    _set_vocabulary([e for e in fresh if e.status == Engagement.Status.ACTIVE], moved)
    return by_vendor


def _write(
    fresh: list[Engagement],
    edited: list[Engagement],
    every: Iterable[Engagement],
    snapshot: Snapshot,
    *,
    now: datetime,
    touch: bool,
) -> None:
    for engagement in fresh:
        engagement.last_seen_at = now
        engagement.snapshot = snapshot
    Engagement.objects.bulk_create(fresh)
    for engagement in edited:
        engagement.snapshot = snapshot
        if touch:
            engagement.last_seen_at = now
        engagement.save(update_fields=ENGAGEMENT_FIELDS)
    # Rows whose description did not change are stamped in one UPDATE, not one per row.
    done = {e.pk for e in (*fresh, *edited)}
    rest = [e.pk for e in every if e.pk not in done and e.status == Engagement.Status.ACTIVE]
    stamp: dict[str, Any] = {"snapshot": snapshot, **({"last_seen_at": now} if touch else {})}
    if rest:
        Engagement.objects.filter(pk__in=rest).update(**stamp)


def _fields(engagement: Engagement) -> tuple[Any, ...]:
    described = [*ENGAGEMENT_FIELDS[:6], "removed_at"]
    return tuple(getattr(engagement, name) for name in described)


def _describe(engagement: Engagement, processor: Processor) -> None:
    location_text = ", ".join(processor.locations)
    engagement.name_as_written = processor.name[:300]
    engagement.purpose_text = processor.purpose
    engagement.location_text = location_text[:500]
    engagement.website = processor.website[:500]
    engagement.found_in = processor.found_in[:300]
    engagement.status = Engagement.Status.ACTIVE
    engagement.removed_at = None


def _set_vocabulary(fresh: Sequence[Engagement], moved: Sequence[Engagement]) -> None:
    # Purposes and locations are re-linked only where the text they come from changed.
    engagements = [*fresh, *moved]
    if not engagements:
        return
    purposes = {p.slug: p.pk for p in Purpose.objects.all()}
    locations = {loc.code: loc.pk for loc in Location.objects.all()}
    purpose_links, location_links = Engagement.purposes.through, Engagement.locations.through
    if moved:
        ids = [e.pk for e in moved]
        purpose_links.objects.filter(engagement_id__in=ids).delete()
        location_links.objects.filter(engagement_id__in=ids).delete()
    purpose_links.objects.bulk_create(
        purpose_links(engagement_id=e.pk, purpose_id=purposes[slug])
        for e in engagements
        for slug in _purpose_slugs(e.purpose_text)
        if slug in purposes
    )
    location_links.objects.bulk_create(
        location_links(engagement_id=e.pk, location_id=locations[code])
        for e in engagements
        for code in dict.fromkeys(filter(None, e.location_text.split(", ")))
        if code in locations
    )


def _purpose_slugs(text: str) -> tuple[str, ...]:
    if not text or importlib.util.find_spec("registry.purposes") is None:
        return ()
    return tuple(dict.fromkeys(importlib.import_module("registry.purposes").normalise(text)))


def _vendors(names: set[str]) -> dict[str, Vendor]:
    found = {v.name: v for v in Vendor.objects.filter(name__in=names)}
    for name in names - found.keys():
        found[name] = _create_vendor(name)
    return found


def _create_vendor(name: str) -> Vendor:
    from registry import catalogue

    entry = catalogue.load().resolve(name)
    fields: dict[str, Any] = {}
    if entry is not None and entry.name == name:
        fields = {
            "legal_names": list(entry.legal_names),
            "aliases": list(entry.aliases),
            "website": entry.website or "",
            "domain": entry.domain or "",
            "hq_country": entry.hq_country or "",
            "category": entry.category or "",
        }
    base = (entry.slug if entry is not None and entry.name == name else "") or slugify(name)
    base = base[:190] or "vendor"
    for attempt in range(20):
        slug = base if attempt == 0 else f"{base}-{attempt + 1}"
        try:
            with transaction.atomic():
                return Vendor.objects.create(name=name, slug=slug, **fields)
        except IntegrityError:
            # Either the slug is taken by another vendor, or a concurrent check created this one.
            existing = Vendor.objects.filter(name=name).first()
            if existing is not None:
                return existing
    raise IntegrityError(f"no free slug for vendor {name!r}")
