"""Issue 7 faults: watching the watcher, A/B flapping, DB loss, disk full, a dead worker."""

from __future__ import annotations

import errno
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import DatabaseError, OperationalError
from django.utils import timezone

from registry import alerts, review
from registry.models import Alert, Change, Check, Engagement, Snapshot, SnapshotBody, Source
from scraper import pipeline, record, schedule, snapshot
from tests.builders import make_company, make_source, make_subscription
from tests.scraper.pages import page

pytestmark = pytest.mark.django_db

A = ("Amazon Web Services", "Stripe", "Mailgun", "Intercom")
B = ("Amazon Web Services", "Stripe", "Mailgun", "Sentry")
DPO = "dpo@subwatch.example"
SUBSCRIBER = "reader@customer.example"


@pytest.fixture
def watched(page_server: Any, settings: Any) -> Source:
    settings.SCRAPER_RETRIES = 0
    settings.SUBWATCH_DPO_EMAIL = DPO
    settings.ALERT_DPO_ON_DETECTED = True
    settings.SOURCE_FAILURE_ALERT_AFTER = 3
    company = make_company("Acme Mail")
    make_subscription(SUBSCRIBER, company)
    return make_source(company, page_server.set("/subprocessors", page(*A)))


def check(source: Source, at: datetime) -> pipeline.Outcome:
    source.refresh_from_db()
    return pipeline.check_source(source, now=at)


def active(source: Source) -> set[str]:
    rows = Engagement.objects.filter(company=source.company, status=Engagement.Status.ACTIVE)
    return set(rows.values_list("vendor__name", flat=True))


def recipients(smtp_server: Any) -> list[str]:
    return [str(message["To"]) for message in smtp_server.messages]


def test_a_source_failing_k_times_mails_the_dpo_once_and_again_on_recovery(
    page_server: Any, smtp_server: Any, watched: Source
) -> None:
    start = timezone.now()
    check(watched, start)
    page_server.set("/subprocessors", "down", status=503)

    for hour in range(1, 7):
        check(watched, start + timedelta(hours=hour))
    alerts.send_pending(now=start + timedelta(hours=7))
    after_failures = recipients(smtp_server)
    page_server.set("/subprocessors", page(*A))
    check(watched, start + timedelta(hours=8))
    alerts.send_pending(now=start + timedelta(hours=9))

    kinds = list(Alert.objects.filter(source=watched).values_list("kind", flat=True))
    assert sorted(kinds) == sorted([Alert.Kind.SOURCE_FAILING, Alert.Kind.SOURCE_RECOVERED])
    # The first check is a baseline (no mail): one failing alert, then one recovered alert.
    assert after_failures.count(DPO) == 1
    assert recipients(smtp_server).count(DPO) == 2
    assert SUBSCRIBER not in recipients(smtp_server)
    assert active(watched) == set(A)


def test_24_an_ab_flapping_page_mails_the_dpo_once_and_leaves_one_pending_change(
    page_server: Any, smtp_server: Any, watched: Source
) -> None:
    start = timezone.now()
    with_sentry = (*A, "Sentry")
    for hour, names in enumerate((A, with_sentry, A, with_sentry)):
        page_server.set("/subprocessors", page(*names))
        check(watched, start + timedelta(hours=hour))
        alerts.send_pending(now=start + timedelta(hours=hour, minutes=30))

    pending = Change.objects.get(review=Change.Review.PENDING)
    assert (pending.kind, pending.vendor.name, pending.flapping) == ("added", "Sentry", True)
    reverted = Change.objects.get(review=Change.Review.DISMISSED)
    assert reverted.reverted_at == start + timedelta(hours=2)
    assert reverted.review_note == review.REVERTED_NOTE
    assert recipients(smtp_server) == [DPO]
    assert not Alert.objects.filter(kind=Alert.Kind.CHANGE).exists()
    assert active(watched) == set(with_sentry)


def test_24_a_flip_reverted_before_its_mail_went_out_is_mailed_once_when_it_comes_back(
    page_server: Any, smtp_server: Any, watched: Source
) -> None:
    start = timezone.now()
    for hour, names in enumerate((A, B, A, B)):
        page_server.set("/subprocessors", page(*names))
        check(watched, start + timedelta(hours=hour))
    alerts.send_pending(now=start + timedelta(hours=5))

    detected = Alert.objects.filter(kind=Alert.Kind.DETECTED).order_by("id")
    assert list(detected.values_list("status", flat=True)) == [
        Alert.Status.CANCELLED,
        Alert.Status.SENT,
    ]
    pending = Change.objects.filter(review=Change.Review.PENDING)
    assert {(c.kind, c.vendor.name, c.flapping) for c in pending} == {
        ("added", "Sentry", True),
        ("removed", "Intercom", True),
    }
    assert recipients(smtp_server) == [DPO]
    assert active(watched) == set(B)


def test_24_subscribers_hear_of_a_flapped_change_only_once_the_dpo_confirms_it(
    page_server: Any, admin_user: Any, watched: Source
) -> None:
    start = timezone.now()
    for hour, names in enumerate((A, B, A, B)):
        page_server.set("/subprocessors", page(*names))
        check(watched, start + timedelta(hours=hour))
    latest = Change.objects.filter(vendor__name="Sentry").latest("detected_at")

    review.confirm(latest, by=admin_user, now=start + timedelta(hours=5))

    sent = Alert.objects.filter(kind=Alert.Kind.CHANGE, recipient=SUBSCRIBER)
    assert list(sent.values_list("change", flat=True)) == [latest.pk]


@pytest.mark.parametrize(
    "error",
    [
        OperationalError("server closed the connection unexpectedly"),
        DatabaseError("terminating connection due to administrator command"),
    ],
)
def test_the_database_going_away_mid_check_leaves_no_half_written_snapshot(
    page_server: Any, watched: Source, monkeypatch: Any, error: Exception
) -> None:
    start = timezone.now()
    check(watched, start)
    page_server.set("/subprocessors", page(*B))
    snapshots, bodies = Snapshot.objects.count(), SnapshotBody.objects.count()

    def gone(*args: Any, **kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(record, "apply", gone)
    failed = check(watched, start + timedelta(hours=1))
    monkeypatch.undo()

    assert failed.status == Check.Outcome.FAILED
    assert (Snapshot.objects.count(), SnapshotBody.objects.count()) == (snapshots, bodies)
    assert active(watched) == set(A)
    assert Check.objects.filter(source=watched, outcome=Check.Outcome.FAILED).count() == 1
    assert check(watched, start + timedelta(hours=2)).status == Check.Outcome.CHANGED
    assert active(watched) == set(B)


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        DatabaseError("could not extend file: No space left on device"),
    ],
)
def test_a_full_disk_while_storing_a_body_is_a_clear_failure_and_changes_nothing(
    page_server: Any, watched: Source, monkeypatch: Any, error: Exception
) -> None:
    start = timezone.now()
    check(watched, start)
    page_server.set("/subprocessors", page(*B))
    watched.refresh_from_db()
    current, snapshots = watched.current_snapshot_id, Snapshot.objects.count()

    def full(*args: Any, **kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(snapshot, "body_for", full)
    outcome = check(watched, start + timedelta(hours=1))

    watched.refresh_from_db()
    assert outcome.status == Check.Outcome.FAILED
    assert "No space left on device" in watched.last_error
    assert watched.current_snapshot_id == current
    assert Snapshot.objects.count() == snapshots
    assert active(watched) == set(A)
    assert Change.objects.filter(vendor__name="Sentry").count() == 0


def test_a_check_whose_worker_died_is_claimed_again_once_the_lease_expires(
    watched: Source, settings: Any
) -> None:
    """The process-level version (SIGKILL of a Celery worker) is in tests/integration."""
    settings.SCRAPER_LEASE_SECONDS = 60
    start = timezone.now()
    (held,) = schedule.claim_due(10, now=start)

    during = schedule.claim_due(10, now=start + timedelta(seconds=30))
    after = schedule.claim_due(10, now=start + timedelta(seconds=61))

    assert held.pk == watched.pk
    assert during == []
    assert [source.pk for source in after] == [watched.pk]
