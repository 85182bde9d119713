"""Record a claimed batch's unchanged checks together: a few statements per batch, not per page.

Most checks find the page unchanged (a 304, or the same bytes). Recorded one by one, each
costs a transaction of four statements (the latest snapshot, its last_seen_at, the source,
the Check row). A Batch reads the latest snapshot of every claimed source in one query and
writes the unchanged checks of the batch in one transaction: snapshots' last_seen_at, the
sources (next due, status, lease released) and the Check rows, each in one statement.

The rows written are exactly those record.unchanged() writes for one check. Anything else,
a new page, a redirect, a source that had been failing (its recovery is alerted), goes the
ordinary way through the pipeline. If the batch cannot be written (the database went
away), the sources keep their leases until they expire and are checked again, as with a
worker that died.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction

from registry.models import Check, Snapshot, Source
from scraper import record, snapshot
from scraper.record import Outcome

if TYPE_CHECKING:
    from scraper.fetch import Fetched

logger = logging.getLogger(__name__)

# What record.unchanged() writes on the source, minus failure_alerted_at (always None here)
# and current_snapshot (an unchanged check never moves it).
SOURCE_FIELDS = [
    "last_checked_at",
    "last_status",
    "next_check_at",
    "lease_until",
    "consecutive_failures",
    "last_error",
    "etag",
    "last_modified",
]


@dataclass(frozen=True)
class _Seen:
    source: Source
    snapshot: Snapshot
    check: Check


class Batch:
    """The latest snapshots of a claimed batch, and its unchanged checks waiting to be written.

    Shared by the threads checking the batch; whoever finishes its last source writes it.
    """

    def __init__(self, sources: Sequence[Source]) -> None:
        self.latest = snapshot.latest_snapshots(source.pk for source in sources)
        self.pending = len(sources)
        self.seen: list[_Seen] = []
        self.lock = threading.Lock()

    def latest_of(self, source: Source) -> Snapshot | None:
        return self.latest.get(source.pk)

    def take(self, source: Source, fetched: Fetched, *, now: datetime) -> Outcome | None:
        """Hold an unchanged check for the batch write and say so; None if it is not one."""
        latest = self.latest_of(source)
        if (
            latest is None
            or source.failure_alerted_at is not None
            or fetched.final_url != source.url
            or snapshot.is_new(fetched, latest)
        ):
            return None
        held = latest.status != Snapshot.Status.OK
        message = f"still held: {latest.status_reason}" if held else ""
        _finish(source, fetched, held=held, now=now)
        check = Check(
            source=source,
            started_at=now,
            outcome=Check.Outcome.UNCHANGED,
            snapshot=latest,
            message=message,
            duration_ms=int(fetched.elapsed_ms or 0),
            http_status=fetched.status,
        )
        if latest.last_seen_at < now:
            latest.last_seen_at = now
        with self.lock:
            self.seen.append(_Seen(source, latest, check))
        return Outcome(source.pk, Check.Outcome.UNCHANGED, message=message)

    def done(self) -> None:
        """One source of the batch is finished; the last one writes the batch."""
        with self.lock:
            self.pending -= 1
            last = self.pending <= 0
        if last:
            self.write()

    def write(self) -> None:
        with self.lock:
            seen, self.seen = self.seen, []
        if not seen:
            return
        try:
            _write(seen)
        except Exception:
            logger.exception("could not record %d unchanged checks", len(seen))


def _finish(source: Source, fetched: Fetched, *, held: bool, now: datetime) -> None:
    # record._succeeded and record._finish, for a source with no failure alert to clear.
    source.consecutive_failures = 0
    source.last_error = ""
    source.last_checked_at = now
    source.last_status = Source.Status.SUSPICIOUS if held else Source.Status.UNCHANGED
    source.next_check_at = record.next_due(source, now=now)
    source.lease_until = None
    if not fetched.not_modified:
        source.etag = (fetched.etag or "")[:500]
        source.last_modified = (fetched.last_modified or "")[:100]


def _write(seen: list[_Seen]) -> None:
    snapshots = {item.snapshot.pk: item.snapshot for item in seen}
    with transaction.atomic():
        Snapshot.objects.bulk_update(list(snapshots.values()), ["last_seen_at"])
        Source.objects.bulk_update([item.source for item in seen], SOURCE_FIELDS)
        Check.objects.bulk_create([item.check for item in seen])
