"""Record a check's outcome: Change rows, the registry's engagements, the source and its Check log.

Review settings: the registry (Engagement rows) reflects the page as last detected, so the DPO
always sees what the vendor publishes now. Every difference is also a Change pending review;
the public history and subscriber alerts use only confirmed Changes (registry.review/alerts).
Dismissing a Change does not roll the engagement back: the page still says what it says.
Engagements are per company; with several sources for one company, each source's diff
updates them (a vendor dropped from one page is marked removed even if another page lists it).
"""

from __future__ import annotations

import importlib
import importlib.util
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from registry.models import (
    Change,
    Check,
    Company,
    Engagement,
    Location,
    Purpose,
    Snapshot,
    Source,
    Vendor,
)
from scraper.extract import Processor

if TYPE_CHECKING:
    from scraper.diff import Diff
    from scraper.fetch import Fetched
    from scraper.sanity import Verdict

SOURCE_FIELDS = [
    "last_checked_at",
    "last_status",
    "next_check_at",
    "lease_until",
    "consecutive_failures",
    "last_error",
    "failure_alerted_at",
    "etag",
    "last_modified",
    "current_snapshot",
]


@dataclass(frozen=True)
class Outcome:
    """What one check of one source came to; `status` is a Check.Outcome value."""

    source_id: int
    status: str
    changes: int = 0
    message: str = ""

    @property
    def failed(self) -> bool:
        return self.status == Check.Outcome.FAILED


def current_processors(source: Source) -> tuple[Processor, ...]:
    """The list the registry currently reflects for this source (its last accepted snapshot)."""
    if source.current_snapshot_id is None:
        return ()
    data = Snapshot.objects.values_list("processors", flat=True).get(pk=source.current_snapshot_id)
    return tuple(Processor.from_dict(item) for item in data or ())


def apply(
    source: Source,
    snapshot: Snapshot,
    diff: Diff,
    *,
    now: datetime,
    fetched: Fetched | None = None,
    note: str = "",
) -> list[Change]:
    """Accept `snapshot` as the source's current list: engagements, Changes, alerts, atomically."""
    processors = [Processor.from_dict(item) for item in snapshot.processors]
    with transaction.atomic(savepoint=False):
        engagements = _sync(source.company, snapshot, processors, removed=diff.removed, now=now)
        changes = _changes(source, snapshot, diff, engagements, now=now)
        alerts = _alerts()
        if changes and alerts is not None:
            alerts.enqueue_detected(changes)
        previous_id = source.current_snapshot_id
        source.current_snapshot = snapshot
        status = Source.Status.CHANGED if changes else Source.Status.OK
        outcome = Check.Outcome.CHANGED if changes else Check.Outcome.NO_CHANGE
        message = _join(note, f"{len(changes)} change(s)" if changes else "")
        if previous_id is None and not changes:
            message = _join(note, "first snapshot")
        _succeeded(source, now=now)
        _finish(
            source,
            status=status,
            outcome=outcome,
            now=now,
            fetched=fetched,
            snap=snapshot,
            message=message,
        )
    return changes


def unchanged(
    source: Source,
    snapshot: Snapshot,
    *,
    now: datetime,
    fetched: Fetched | None = None,
    note: str = "",
) -> Outcome:
    """The page shows the bytes we already hold: log the check, store nothing new."""
    held = snapshot.status != Snapshot.Status.OK
    with transaction.atomic(savepoint=False):
        _succeeded(source, now=now)
        status = Source.Status.SUSPICIOUS if held else Source.Status.UNCHANGED
        message = _join(note, f"still held: {snapshot.status_reason}" if held else "")
        return _finish(
            source,
            status=status,
            outcome=Check.Outcome.UNCHANGED,
            now=now,
            fetched=fetched,
            snap=snapshot,
            message=message,
        )


def suspicious(
    source: Source,
    snapshot: Snapshot,
    verdict: Verdict,
    *,
    now: datetime,
    fetched: Fetched | None = None,
    note: str = "",
) -> Outcome:
    """Hold a page the guard distrusts: the snapshot is kept as evidence, the registry untouched."""
    snapshot.status = Snapshot.Status.SUSPICIOUS
    snapshot.status_reason = verdict.reason
    with transaction.atomic(savepoint=False):
        snapshot.save(update_fields=["status", "status_reason"])
        return _finish(
            source,
            status=Source.Status.SUSPICIOUS,
            outcome=Check.Outcome.SUSPICIOUS,
            now=now,
            fetched=fetched,
            snap=snapshot,
            message=_join(note, f"{verdict.kind}: {verdict.reason}"),
        )


def failure(source: Source, error: BaseException, *, now: datetime) -> Outcome:
    """Log a failed check; after SOURCE_FAILURE_ALERT_AFTER failures in a row, alert once."""
    message = str(error) or type(error).__name__
    source.consecutive_failures += 1
    source.last_error = message
    alert = (
        source.consecutive_failures >= settings.SOURCE_FAILURE_ALERT_AFTER
        and source.failure_alerted_at is None
    )
    with transaction.atomic(savepoint=False):
        if alert:
            source.failure_alerted_at = now
            alerts = _alerts()
            if alerts is not None:
                alerts.enqueue_source_failing(source)
        return _finish(
            source,
            status=Source.Status.FAILED,
            outcome=Check.Outcome.FAILED,
            now=now,
            message=message,
            error_kind=getattr(error, "kind", "internal"),
            http_status=getattr(error, "status", None),
        )


def reread(
    source: Source,
    snapshot: Snapshot,
    processors: Sequence[Processor],
    *,
    now: datetime,
    version: str,
) -> None:
    """Store a re-extraction of an old body and update the registry silently (no Change, no alert).

    A difference that comes from our extractor, not from their page, is never a change.
    """
    old = [Processor.from_dict(item) for item in snapshot.processors]
    new_vendors = {processor.vendor for processor in processors}
    removed = tuple(p for p in old if p.vendor not in new_vendors)
    with transaction.atomic(savepoint=False):
        snapshot.processors = [processor.to_dict() for processor in processors]
        snapshot.extractor_version = version
        snapshot.save(update_fields=["processors", "extractor_version"])
        if snapshot.pk == source.current_snapshot_id:
            _sync(source.company, snapshot, processors, removed=removed, now=now, touch=False)


def next_due(source: Source, *, now: datetime) -> datetime:
    # Up to 5% of the interval (at most 15 minutes) so a fleet added at once spreads out.
    interval = source.check_interval
    spread = min(interval.total_seconds() * 0.05, 900.0)
    return now + interval + timedelta(seconds=random.uniform(0, spread))


def _changes(
    source: Source,
    snapshot: Snapshot,
    diff: Diff,
    engagements: dict[str, Engagement],
    *,
    now: datetime,
) -> list[Change]:
    common = {
        "company_id": source.company_id,
        "source": source,
        "new_snapshot": snapshot,
        "old_snapshot_id": source.current_snapshot_id,
        "detected_at": now,
    }
    rows: list[Change] = []
    for kind, items in ((Change.Kind.ADDED, diff.added), (Change.Kind.REMOVED, diff.removed)):
        for processor in items:
            engagement = engagements[processor.vendor]
            data = processor.to_dict()
            before, after = ({}, data) if kind == Change.Kind.ADDED else (data, {})
            rows.append(
                Change(
                    kind=kind,
                    vendor_id=engagement.vendor_id,
                    engagement=engagement,
                    before=before,
                    after=after,
                    **common,
                )
            )
    for changed in diff.changed:
        engagement = engagements[changed.after.vendor]
        rows.append(
            Change(
                kind=Change.Kind.CHANGED,
                vendor_id=engagement.vendor_id,
                engagement=engagement,
                before=changed.before.to_dict(),
                after=changed.after.to_dict(),
                fields_changed=list(changed.fields),
                **common,
            )
        )
    return Change.objects.bulk_create(rows)


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


def _sync(
    company: Company,
    snapshot: Snapshot,
    processors: Sequence[Processor],
    *,
    removed: Sequence[Processor],
    now: datetime,
    touch: bool = True,
) -> dict[str, Engagement]:
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


def _succeeded(source: Source, *, now: datetime) -> None:
    if source.failure_alerted_at is not None:
        alerts = _alerts()
        if alerts is not None:
            alerts.enqueue_source_recovered(source)
        source.failure_alerted_at = None
    source.consecutive_failures = 0
    source.last_error = ""


def _finish(
    source: Source,
    *,
    status: str,
    outcome: str,
    now: datetime,
    fetched: Fetched | None = None,
    snap: Snapshot | None = None,
    message: str = "",
    error_kind: str = "",
    http_status: int | None = None,
) -> Outcome:
    source.last_checked_at = now
    source.last_status = status
    source.next_check_at = next_due(source, now=now)
    source.lease_until = None
    if fetched is not None and not fetched.not_modified:
        source.etag = (fetched.etag or "")[:500]
        source.last_modified = (fetched.last_modified or "")[:100]
    source.save(update_fields=SOURCE_FIELDS)
    Check.objects.create(
        source=source,
        started_at=now,
        outcome=outcome,
        snapshot=snap,
        message=message,
        duration_ms=int(getattr(fetched, "elapsed_ms", 0) or 0),
        error_kind=error_kind[:40],
        http_status=http_status if http_status is not None else getattr(fetched, "status", None),
    )
    return Outcome(source.pk, outcome, message=message)


def _join(*parts: str) -> str:
    return "; ".join(part for part in parts if part)


def _alerts() -> ModuleType | None:
    # The outbox module is optional for the pipeline: without it, checks still record.
    if importlib.util.find_spec("registry.alerts") is None:
        return None
    return importlib.import_module("registry.alerts")
