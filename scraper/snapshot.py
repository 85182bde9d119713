"""Store what a fetch saw: each distinct body once per hash, one Snapshot per state of a page."""

from __future__ import annotations

import hashlib
import zlib
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F

from registry.models import Snapshot, SnapshotBody, Source

if TYPE_CHECKING:
    from scraper.extract import Extraction
    from scraper.fetch import Fetched


def store(source: Source, fetched: Fetched, *, now: datetime) -> tuple[Snapshot, bool]:
    """Return the snapshot for what `fetched` saw, and whether it is a new state of the page.

    The same bytes as the source's latest snapshot (or a 304) only stamp last_seen_at.
    Flapping A -> B -> A reuses A's body but is a new Snapshot: the page did change back.
    """
    latest = latest_snapshot(source)
    if latest is not None and fetched.not_modified:
        return _seen(latest, now=now), False
    if fetched.not_modified:
        raise ValueError("304 Not Modified for a source with no stored snapshot")
    digest = hashlib.sha256(fetched.body).hexdigest()
    if latest is not None and latest.body_sha == digest:
        return _seen(latest, now=now), False
    snap = Snapshot.objects.create(
        source=source,
        body=body_for(fetched.body, digest=digest),
        fetched_at=now,
        last_seen_at=now,
        http_status=fetched.status,
        final_url=fetched.final_url[:2048],
        content_type=(fetched.content_type or "")[:200],
    )
    return snap, True


def latest_snapshot(source: Source) -> Snapshot | None:
    # body_sha comes from the join, so the compressed body is never loaded just to compare.
    return (
        Snapshot.objects.filter(source=source)
        .annotate(body_sha=F("body__sha256"))
        .defer("processors", "warnings")
        .order_by("-fetched_at", "-id")
        .first()
    )


def body_for(data: bytes, *, digest: str | None = None) -> SnapshotBody:
    """The one SnapshotBody row for these bytes, created if new (safe under concurrent writers)."""
    digest = digest or hashlib.sha256(data).hexdigest()
    existing = SnapshotBody.objects.filter(sha256=digest).only("id", "sha256").first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return SnapshotBody.objects.create(
                sha256=digest, compressed=zlib.compress(data, 6), size=len(data)
            )
    except IntegrityError:
        # Another worker stored the same bytes between our read and our insert.
        return SnapshotBody.objects.only("id", "sha256").get(sha256=digest)


def read_body(snap: Snapshot) -> bytes:
    compressed = SnapshotBody.objects.values_list("compressed", flat=True).get(pk=snap.body_id)
    return zlib.decompress(bytes(compressed))


def save_extraction(snap: Snapshot, extraction: Extraction, *, version: str) -> None:
    snap.processors = [processor.to_dict() for processor in extraction.processors]
    snap.warnings = list(extraction.warnings)
    snap.extractor_version = version
    snap.save(update_fields=["processors", "warnings", "extractor_version"])


def _seen(snap: Snapshot, *, now: datetime) -> Snapshot:
    Snapshot.objects.filter(pk=snap.pk, last_seen_at__lt=now).update(last_seen_at=now)
    snap.last_seen_at = max(snap.last_seen_at, now)
    return snap
