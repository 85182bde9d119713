"""Store what a fetch saw: each distinct body once per hash, one Snapshot per state of a page."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import F, OuterRef, Subquery

from registry.models import Snapshot, SnapshotBody, Source

if TYPE_CHECKING:
    from scraper.extract import Extraction
    from scraper.fetch import Fetched


# Says "look the latest snapshot up" where None would mean "the source has none".
UNKNOWN: Any = object()


def store(
    source: Source,
    fetched: Fetched,
    *,
    now: datetime,
    latest: Snapshot | None = UNKNOWN,
    extraction: Extraction | None = None,
    version: str = "",
) -> tuple[Snapshot, bool]:
    """Return the snapshot for what `fetched` saw, and whether it is a new state of the page.

    The same bytes as the source's latest snapshot (or a 304) only stamp last_seen_at.
    Flapping A -> B -> A reuses A's body but is a new Snapshot: the page did change back.
    `latest` may come from latest_snapshots() for a whole batch; an `extraction` read
    beforehand is stored in the same INSERT as the new snapshot.
    """
    if latest is UNKNOWN:
        latest = latest_snapshot(source)
    if not is_new(fetched, latest):
        return _seen(latest, now=now), False
    snap = Snapshot.objects.create(
        source=source,
        body=body_for(fetched.body, digest=digest_of(fetched)),
        fetched_at=now,
        last_seen_at=now,
        http_status=fetched.status,
        final_url=fetched.final_url[:2048],
        content_type=(fetched.content_type or "")[:200],
        **(_extracted(extraction, version=version) if extraction is not None else {}),
    )
    return snap, True


def is_new(fetched: Fetched, latest: Snapshot | None) -> bool:
    """Whether `fetched` saw a state of the page other than its latest snapshot's."""
    if fetched.not_modified:
        if latest is None:
            raise ValueError("304 Not Modified for a source with no stored snapshot")
        return False
    return latest is None or latest.body_sha != digest_of(fetched)


def digest_of(fetched: Fetched) -> str:
    return hashlib.sha256(fetched.body).hexdigest()


def latest_snapshot(source: Source) -> Snapshot | None:
    # body_sha comes from the join, so the compressed body is never loaded just to compare.
    return (
        Snapshot.objects.filter(source=source)
        .annotate(body_sha=F("body__sha256"))
        .defer("processors", "warnings")
        .order_by("-fetched_at", "-id")
        .first()
    )


def latest_snapshots(source_ids: Iterable[int]) -> dict[int, Snapshot]:
    """latest_snapshot() of many sources in one query: {source id: snapshot}, none if none."""
    newest = (
        Snapshot.objects.filter(source_id=OuterRef("source_id"))
        .order_by("-fetched_at", "-id")
        .values("pk")[:1]
    )
    rows = (
        Snapshot.objects.filter(source_id__in=list(source_ids), pk=Subquery(newest))
        .annotate(body_sha=F("body__sha256"))
        .defer("processors", "warnings")
    )
    return {snap.source_id: snap for snap in rows}


def body_for(data: bytes, *, digest: str | None = None) -> SnapshotBody:
    """The one SnapshotBody row for these bytes, created if new (safe under concurrent writers).

    Insert-or-ignore, then read: two statements whether the bytes are new or known, and no
    savepoint; a concurrent writer of the same bytes makes our insert a no-op.
    """
    digest = digest or hashlib.sha256(data).hexdigest()
    body = SnapshotBody(sha256=digest, compressed=zlib.compress(data, 6), size=len(data))
    SnapshotBody.objects.bulk_create([body], ignore_conflicts=True)
    return SnapshotBody.objects.only("id", "sha256").get(sha256=digest)


def read_body(snap: Snapshot) -> bytes:
    compressed = SnapshotBody.objects.values_list("compressed", flat=True).get(pk=snap.body_id)
    return zlib.decompress(bytes(compressed))


def save_extraction(snap: Snapshot, extraction: Extraction, *, version: str) -> None:
    for name, value in _extracted(extraction, version=version).items():
        setattr(snap, name, value)
    snap.save(update_fields=["processors", "warnings", "extractor_version"])


def _extracted(extraction: Extraction, *, version: str) -> dict[str, Any]:
    return {
        "processors": [processor.to_dict() for processor in extraction.processors],
        "warnings": list(extraction.warnings),
        "extractor_version": version,
    }


def _seen(snap: Snapshot, *, now: datetime) -> Snapshot:
    Snapshot.objects.filter(pk=snap.pk, last_seen_at__lt=now).update(last_seen_at=now)
    snap.last_seen_at = max(snap.last_seen_at, now)
    return snap
