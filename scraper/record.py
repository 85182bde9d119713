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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from registry.models import (
    Change,
    Check,
    Engagement,
    Snapshot,
    Source,
)
from scraper import engagements
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
        by_vendor = engagements.sync(
            source.company, snapshot, processors, removed=diff.removed, now=now
        )
        changes = _changes(source, snapshot, diff, by_vendor, now=now)
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
            engagements.sync(
                source.company, snapshot, processors, removed=removed, now=now, touch=False
            )


def next_due(source: Source, *, now: datetime) -> datetime:
    # Up to 5% of the interval (at most 15 minutes) so a fleet added at once spreads out.
    interval = source.check_interval
    spread = min(interval.total_seconds() * 0.05, 900.0)
    return now + interval + timedelta(seconds=random.uniform(0, spread))


def _changes(
    source: Source,
    snapshot: Snapshot,
    diff: Diff,
    by_vendor: dict[str, Engagement],
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
            engagement = by_vendor[processor.vendor]
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
        engagement = by_vendor[changed.after.vendor]
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
