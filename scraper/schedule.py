"""Claim due sources with a lease and check them: inline, on a thread pool, or in a loop."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from registry.models import Check, Source
from scraper import pipeline
from scraper.batch import Batch
from scraper.politeness import limits as host_limits
from scraper.record import Outcome

logger = logging.getLogger(__name__)

BATCH = 200
# Smaller for the thread pool, whose sources wait in a queue: unchanged checks are still
# written a batch at a time, and a second process is not left idle at the end of a cycle.
THREAD_BATCH = 50


@dataclass
class Summary:
    """Counts of one run, updated from worker threads."""

    checked: int = 0
    unchanged: int = 0
    changed: int = 0
    failed: int = 0
    suspicious: int = 0
    changes: int = 0
    started: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.checked += 1
            self.changes += outcome.changes
            if outcome.status == Check.Outcome.FAILED:
                self.failed += 1
            elif outcome.status == Check.Outcome.SUSPICIOUS:
                self.suspicious += 1
            elif outcome.changes:
                self.changed += 1
            else:
                self.unchanged += 1

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def lease_until(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.SCRAPER_LEASE_SECONDS)


def claimable(
    *,
    now: datetime,
    source_ids: Iterable[int] | None = None,
    ignore_due: bool = False,
    checked_before: datetime | None = None,
) -> Q:
    """Active sources nobody holds a live lease on, due unless `ignore_due`."""
    query = Q(active=True) & (Q(lease_until__isnull=True) | Q(lease_until__lte=now))
    if not ignore_due:
        query &= Q(next_check_at__isnull=True) | Q(next_check_at__lte=now)
    if source_ids is not None:
        query &= Q(pk__in=list(source_ids))
    if checked_before is not None:
        query &= Q(last_checked_at__isnull=True) | Q(last_checked_at__lt=checked_before)
    return query


def claim_due(
    limit: int,
    *,
    now: datetime,
    source_ids: Iterable[int] | None = None,
    ignore_due: bool = False,
    checked_before: datetime | None = None,
) -> list[Source]:
    """Claim up to `limit` sources for this worker until now + SCRAPER_LEASE_SECONDS.

    Claimed by one conditional UPDATE of the batch just read, as healthchecks' sendalerts
    claims by conditional UPDATE: it works on SQLite (no row locks) and PostgreSQL, and a
    worker that dies holding a lease only delays its sources until the lease expires.
    """
    query = claimable(
        now=now, source_ids=source_ids, ignore_due=ignore_due, checked_before=checked_before
    )
    return _claim_batch(query, limit, lease=lease_until(now))


def _claim_batch(query: Q, limit: int, *, lease: datetime) -> list[Source]:
    # One UPDATE for the batch, repeating the claimable condition, inside one transaction:
    # SQLite's transactions take the write lock at BEGIN (IMMEDIATE), and PostgreSQL locks
    # the batch's rows, skipping rows another claimer holds, so no two claimers interleave.
    with transaction.atomic():
        candidates = Source.objects.filter(query).order_by(
            F("next_check_at").asc(nulls_first=True), "id"
        )
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        Source.objects.filter(query, pk__in=ids).update(lease_until=lease)
        return list(
            Source.objects.filter(pk__in=ids, lease_until=lease)
            .select_related("company")
            .order_by("id")
        )


def claim(source_id: int, *, now: datetime, lease: datetime | None = None) -> Source | None:
    """Claim one source (due or not); with `lease`, renew that lease only if it is still ours."""
    rows = Source.objects.filter(pk=source_id, active=True)
    held = (
        rows.filter(lease_until=lease)
        if lease
        else rows.filter(claimable(now=now, ignore_due=True))
    )
    if held.update(lease_until=lease_until(now)) != 1:
        return None
    return Source.objects.select_related("company").get(pk=source_id)


def due_count(
    *, now: datetime, source_ids: Iterable[int] | None = None, everything: bool = False
) -> int:
    query = claimable(
        now=now, source_ids=source_ids, ignore_due=everything or source_ids is not None
    )
    return Source.objects.filter(query).count()


def run(
    *,
    workers: int = 1,
    loop: bool = False,
    source_ids: Iterable[int] | None = None,
    all: bool = False,
    on_outcome: Callable[[Outcome], None] | None = None,
    stop: threading.Event | None = None,
    cycle_start: datetime | None = None,
) -> Summary:
    """Check what is due (or `all`, or `source_ids`), once or forever with `loop`.

    The vendor catalogue is loaded once per process, before any thread starts. A cycle
    checks only sources not checked since it started; `cycle_start` sets that moment for
    the first cycle, so processes sharing one cycle never check a source twice.
    """
    pipeline.loaded_catalogue()
    ids = list(source_ids) if source_ids is not None else None
    summary = Summary()
    stop = stop or threading.Event()
    while True:
        _cycle(
            summary,
            workers=workers,
            source_ids=ids,
            everything=all,
            on_outcome=on_outcome,
            start=cycle_start or timezone.now(),
        )
        cycle_start = None
        if not loop or stop.wait(_idle_seconds(now=timezone.now())):
            return summary


def _cycle(
    summary: Summary,
    *,
    workers: int,
    source_ids: list[int] | None,
    everything: bool,
    on_outcome: Callable[[Outcome], None] | None,
    start: datetime,
) -> None:
    politeness = host_limits()

    def claimed(limit: int) -> list[Source]:
        return claim_due(
            limit,
            now=timezone.now(),
            source_ids=source_ids,
            ignore_due=everything or source_ids is not None,
            checked_before=start,
        )

    def check(source: Source, batch: Batch) -> None:
        try:
            with politeness.hold(source.url):
                outcome = _check_claimed(source, batch)
        finally:
            batch.done()
        if outcome is not None:
            summary.add(outcome)
            if on_outcome is not None:
                on_outcome(outcome)

    if workers <= 1:
        while sources := claimed(BATCH):
            batch = Batch(sources)
            for source in sources:
                check(source, batch)
        return
    work: queue.Queue[tuple[Source, Batch] | None] = queue.Queue(maxsize=workers * 4)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="check") as pool:
        drains = [pool.submit(_drain, work, check) for _ in range(workers)]
        try:
            while not any(d.done() for d in drains) and (sources := claimed(THREAD_BATCH)):
                batch = Batch(sources)
                for source in sources:
                    work.put((source, batch))
        finally:
            for _ in drains:
                work.put(None)
    for drain in drains:
        drain.result()


def _check_claimed(source: Source, batch: Batch) -> Outcome | None:
    now = timezone.now()
    # A source that waited in the queue past half its lease renews it, or skips if it lost it.
    half = timedelta(seconds=settings.SCRAPER_LEASE_SECONDS / 2)
    if source.lease_until is not None and now > source.lease_until - half:
        renewed = claim(source.pk, now=now, lease=source.lease_until)
        if renewed is None:
            return None
        source = renewed
    try:
        return pipeline.check_source(source, now=now, batch=batch)
    except Exception:
        # Recording the failure failed too (the database went away): log it, let the lease
        # expire so the source is retried, and keep the batch going.
        logger.exception("could not record the check of source %s", source.pk)
        connection.close_if_unusable_or_obsolete()
        return None


def _drain(
    work: queue.Queue[tuple[Source, Batch] | None], check: Callable[[Source, Batch], None]
) -> None:
    try:
        while (item := work.get()) is not None:
            check(*item)
    finally:
        # Each thread has its own connection; close it so a long loop does not leak them.
        connection.close()


def _idle_seconds(*, now: datetime) -> float:
    upcoming = (
        Source.objects.filter(active=True, next_check_at__gt=now)
        .order_by("next_check_at")
        .values_list("next_check_at", flat=True)
        .first()
    )
    if upcoming is None:
        return 60.0
    return min(60.0, max(1.0, (upcoming - now).total_seconds()))
