"""batch: a claimed batch's unchanged checks are written together, exactly as one by one."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from registry.models import Check, Snapshot, Source
from scraper import batch as batches
from scraper import pipeline, schedule
from tests.builders import make_company, make_source
from tests.scraper.pages import page

pytestmark = pytest.mark.django_db


def watched(
    page_server: Any, count: int, *, etag: bool = True, company: str = "Acme Mail"
) -> list[Source]:
    """Sources that have been checked once, so their next check finds them unchanged."""
    headers = {"ETag": '"v1"'} if etag else {}
    owner = make_company(company)
    made = []
    for n in range(count):
        url = page_server.set(f"/{owner.slug}/{n}", page("Stripe", "Mailgun"), headers=headers)
        made.append(make_source(owner, url))
    schedule.run(all=True)
    return made


def check_unchanged(source: Source, *, bulk: bool, at: datetime) -> pipeline.Outcome:
    source.refresh_from_db()
    if not bulk:
        return pipeline.check_source(source, now=at)
    batch = batches.Batch([source])
    outcome = pipeline.check_source(source, now=at, batch=batch)
    batch.done()
    return outcome


def recorded(source: Source) -> dict[str, Any]:
    """What a check leaves behind, without ids and the next due time's random spread."""
    source.refresh_from_db()
    check = Check.objects.filter(source=source).latest("started_at", "id")
    snap = Snapshot.objects.filter(source=source).latest("fetched_at", "id")
    return {
        "source": {
            name: getattr(source, name)
            for name in (
                "last_checked_at",
                "last_status",
                "lease_until",
                "consecutive_failures",
                "last_error",
                "failure_alerted_at",
                "etag",
                "last_modified",
                "current_snapshot_id",
            )
        },
        "due_within_interval": (
            source.last_checked_at + source.check_interval
            <= source.next_check_at
            <= source.last_checked_at + source.check_interval * 1.05
        ),
        "check": {
            name: getattr(check, name)
            for name in ("started_at", "outcome", "snapshot_id", "message", "http_status")
        },
        "error_kind": check.error_kind,
        "snapshot_last_seen_at": snap.last_seen_at,
        "snapshots": Snapshot.objects.filter(source=source).count(),
    }


def same_except_ids(one: dict[str, Any], other: dict[str, Any]) -> bool:
    drop = ("current_snapshot_id",)
    strip = {"snapshot_id"}
    a = {**one, "source": {k: v for k, v in one["source"].items() if k not in drop}}
    b = {**other, "source": {k: v for k, v in other["source"].items() if k not in drop}}
    a["check"] = {k: v for k, v in one["check"].items() if k not in strip}
    b["check"] = {k: v for k, v in other["check"].items() if k not in strip}
    return a == b


@pytest.mark.parametrize("etag", [True, False], ids=["304", "same-bytes"])
def test_a_bulk_unchanged_check_leaves_the_same_rows_as_one_recorded_alone(
    page_server: Any, etag: bool
) -> None:
    alone, bulk = watched(page_server, 2, etag=etag)
    at = timezone.now() + timedelta(minutes=5)

    first = check_unchanged(alone, bulk=False, at=at)
    second = check_unchanged(bulk, bulk=True, at=at)

    assert first == pipeline.Outcome(alone.pk, Check.Outcome.UNCHANGED)
    assert second == pipeline.Outcome(bulk.pk, Check.Outcome.UNCHANGED)
    expected, got = recorded(alone), recorded(bulk)
    assert got["check"]["outcome"] == Check.Outcome.UNCHANGED
    assert got["snapshot_last_seen_at"] == at
    assert got["source"]["lease_until"] is None
    assert same_except_ids(expected, got), (expected, got)


def test_a_held_page_is_still_held_when_its_check_is_written_in_bulk(page_server: Any) -> None:
    alone, bulk = watched(page_server, 2)
    Snapshot.objects.update(status=Snapshot.Status.SUSPICIOUS, status_reason="looks like a 404")
    at = timezone.now() + timedelta(minutes=5)

    check_unchanged(alone, bulk=False, at=at)
    outcome = check_unchanged(bulk, bulk=True, at=at)

    assert outcome.message == "still held: looks like a 404"
    expected, got = recorded(alone), recorded(bulk)
    assert got["source"]["last_status"] == Source.Status.SUSPICIOUS
    assert same_except_ids(expected, got), (expected, got)


def test_writing_unchanged_checks_costs_the_same_statements_for_any_batch_size(
    page_server: Any,
) -> None:
    def statements(count: int) -> int:
        Source.objects.update(active=False)
        watched(page_server, count, company=f"Company of {count}")
        with CaptureQueriesContext(connection) as queries:
            summary = schedule.run(all=True)
        assert summary.unchanged == count
        return len(queries)

    # One claim, one read of the latest snapshots and one write per batch, whatever its size.
    assert statements(2) == statements(7)


def test_a_source_whose_failure_was_alerted_is_recorded_alone(page_server: Any) -> None:
    (source,) = watched(page_server, 1)
    Source.objects.filter(pk=source.pk).update(
        failure_alerted_at=timezone.now(), consecutive_failures=3, last_error="down"
    )
    source.refresh_from_db()
    batch = batches.Batch([source])

    outcome = pipeline.check_source(source, now=timezone.now(), batch=batch)

    assert outcome.status == Check.Outcome.UNCHANGED
    assert batch.seen == []
    source.refresh_from_db()
    assert source.failure_alerted_at is None
    assert source.consecutive_failures == 0


def test_a_redirected_page_is_recorded_alone_with_its_note(page_server: Any) -> None:
    (source,) = watched(page_server, 1)
    target = source.url
    moved = page_server.set("/old", status=301, headers={"Location": target})
    Source.objects.filter(pk=source.pk).update(url=moved)
    source.refresh_from_db()
    batch = batches.Batch([source])

    outcome = pipeline.check_source(source, now=timezone.now(), batch=batch)

    assert batch.seen == []
    assert outcome.message == f"redirected to {target}"


def test_a_batch_that_cannot_be_written_leaves_its_sources_leased_for_a_retry(
    page_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sources = watched(page_server, 3)

    def lost(*args: Any, **kwargs: Any) -> None:
        raise DatabaseError("server closed the connection unexpectedly")

    monkeypatch.setattr(Check.objects, "bulk_create", lost)
    checks = Check.objects.count()

    summary = schedule.run(all=True)

    assert summary.checked == 3
    assert Check.objects.count() == checks
    assert all(
        s.lease_until is not None for s in Source.objects.filter(pk__in=[s.pk for s in sources])
    )
