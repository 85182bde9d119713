"""Record a check's outcome: Change rows, the registry's engagements, the source and its Check log.

Review settings: the registry (Engagement rows) reflects the page as last detected, so the DPO
always sees what the vendor publishes now. Every difference is also a Change pending review;
the public history and subscriber alerts use only confirmed Changes (registry.review/alerts).
Dismissing a Change does not roll the engagement back: the page still says what it says.
Engagements are per company; with several sources for one company, each source's diff
updates them (a vendor dropped from one page is marked removed even if another page lists it).

A source's first accepted reading is a baseline, not news: only vendors new to a company that
already has engagements become "added" Changes, and nothing is ever "removed" by it. A later
reading that merely undoes a Change still pending review dismisses it instead of recording
the reverse, and a change that soon comes back is flagged flapping (scraper.flapping).
Engagement rows themselves are written by scraper.engagements.
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
from scraper import engagements, flapping
from scraper.diff import Diff
from scraper.extract import Processor

if TYPE_CHECKING:
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
    """Accept `snapshot` as the source's current list: engagements, Changes, alerts, atomically.

    The source's first accepted reading is a baseline (`_baseline`); a later one records its
    diff, except what merely undoes a Change still pending review (scraper.flapping).
    """
    processors = [Processor.from_dict(item) for item in snapshot.processors]
    with transaction.atomic(savepoint=False):
        if source.current_snapshot_id is None:
            reading = _baseline(source, snapshot, processors, diff, now=now)
        else:
            reading = _news(source, snapshot, processors, diff, now=now)
        source.current_snapshot = snapshot
        _succeeded(source, now=now)
        _finish(
            source,
            status=reading.status,
            outcome=reading.outcome,
            now=now,
            fetched=fetched,
            snap=snapshot,
            message=_join(note, reading.message),
        )
    return reading.changes


@dataclass(frozen=True)
class _Reading:
    """What an accepted reading came to, for the source and its Check row."""

    changes: list[Change]
    status: str
    outcome: str
    message: str


def _baseline(
    source: Source,
    snapshot: Snapshot,
    processors: Sequence[Processor],
    diff: Diff,
    *,
    now: datetime,
) -> _Reading:
    """The first accepted reading: starting to watch a page is not the vendor changing its list.

    Vendors the company already engages (entered by hand, from the demo, or read from another
    of its sources) give no Change; their engagements are refreshed from the page. A company
    with no active engagement takes the whole list as its registry, without Changes or mail.
    Otherwise vendors new to the registry are "added" Changes pending review: the page reveals
    processors the registry did not know. A first reading never removes anything: engagements
    the page does not list are left as they are, and the message counts them.
    """
    active = Engagement.objects.filter(
        company_id=source.company_id, status=Engagement.Status.ACTIVE
    )
    registered = set(active.values_list("vendor_id", flat=True))
    by_vendor = engagements.sync(source.company, snapshot, processors, removed=(), now=now)
    listed = {engagement.vendor_id for engagement in by_vendor.values()}
    changes: list[Change] = []
    if registered:
        revealed = tuple(p for p in diff.added if by_vendor[p.vendor].vendor_id not in registered)
        changes = _changes(source, snapshot, Diff(added=revealed), by_vendor, now=now)
        _tell_dpo(changes, now=now)
    new = len(listed - registered)
    message = f"baseline: {len(listed)} processor(s), {new} new to the registry"
    if changes:
        message += " (pending review)"
    if unlisted := len(registered - listed):
        message += f"; {unlisted} registry processor(s) not listed on this page"
    return _Reading(changes, Source.Status.BASELINE, Check.Outcome.BASELINE, message)


def _news(
    source: Source,
    snapshot: Snapshot,
    processors: Sequence[Processor],
    diff: Diff,
    *,
    now: datetime,
) -> _Reading:
    """A later reading: each difference is a Change pending review, but for a flapping page."""
    by_vendor = engagements.sync(
        source.company, snapshot, processors, removed=diff.removed, now=now
    )
    left, reverted = flapping.revert(source, diff, now=now)
    rows = _rows(source, snapshot, left, by_vendor, now=now)
    silent = flapping.mark(source, rows, now=now)
    changes = Change.objects.bulk_create(rows)
    _tell_dpo([change for change in changes if id(change) not in silent], now=now)
    flaps = sum(change.flapping for change in changes)
    message = _join(
        f"{len(changes)} change(s)" if changes else "",
        f"{flaps} flapping" if flaps else "",
        f"{len(reverted)} pending change(s) reverted by the page" if reverted else "",
    )
    if changes:
        return _Reading(changes, Source.Status.CHANGED, Check.Outcome.CHANGED, message)
    return _Reading(changes, Source.Status.OK, Check.Outcome.NO_CHANGE, message)


def _tell_dpo(changes: Sequence[Change], *, now: datetime) -> None:
    alerts = _alerts()
    if changes and alerts is not None:
        alerts.enqueue_detected(changes, now=now)


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
    return Change.objects.bulk_create(_rows(source, snapshot, diff, by_vendor, now=now))


def _rows(
    source: Source,
    snapshot: Snapshot,
    diff: Diff,
    by_vendor: dict[str, Engagement],
    *,
    now: datetime,
) -> list[Change]:
    """Unsaved Change rows for `diff`, one per processor added, removed or changed."""
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
    return rows


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
