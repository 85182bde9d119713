"""Celery tasks: thin wrappers that load a row and call the pipeline, enqueued on commit."""

from __future__ import annotations

import importlib.util
import random
from datetime import datetime

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scraper import pipeline, schedule
from scraper.politeness import limits as host_limits

DUE_BATCH = 1000


@shared_task(name="scraper.check_source", acks_late=True)
def check_source_task(source_id: int, lease: str | None = None) -> str:
    """Check one source under its lease: a second copy of the message finds it taken."""
    held = datetime.fromisoformat(lease) if lease else None
    source = schedule.claim(source_id, now=timezone.now(), lease=held)
    if source is None:
        return "skipped"
    with host_limits().hold(source.url):
        return pipeline.check_source(source, now=timezone.now()).status


@shared_task(name="scraper.check_due_sources")
def check_due_sources() -> int:
    """Lease every due source and enqueue its check, spread over a few seconds."""
    now = timezone.now()
    count = 0
    while batch := schedule.claim_due(DUE_BATCH, now=now, checked_before=now):
        for source in batch:
            _enqueue(source.pk, lease=source.lease_until)
        count += len(batch)
    return count


@shared_task(name="scraper.send_alerts")
def send_alerts_task() -> int:
    if importlib.util.find_spec("registry.alerts") is None:
        return 0
    from registry import alerts

    report = alerts.send_pending(now=timezone.now())
    return int(getattr(report, "sent", 0) or 0)


def _enqueue(source_id: int, *, lease: datetime | None) -> None:
    # Jitter so a fleet of sources on one host is not hit in the same second; well inside
    # the lease so the worker still holds it when the task starts.
    spread = getattr(settings, "SCRAPER_ENQUEUE_JITTER_SECONDS", 10.0)
    countdown = random.uniform(0, min(spread, settings.SCRAPER_LEASE_SECONDS / 4))
    args = (source_id, lease.isoformat() if lease else None)
    transaction.on_commit(lambda: check_source_task.apply_async(args, countdown=countdown))
