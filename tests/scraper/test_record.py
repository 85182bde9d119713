"""record: Changes and engagements from a Diff; failures, held pages and silent re-reads."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from registry.models import Alert, Change, Check, Engagement, Snapshot, Source, Vendor
from scraper import record, snapshot
from scraper.diff import diff
from scraper.extract import Processor
from scraper.fetching.errors import Timeout
from scraper.sanity import Verdict
from tests.builders import make_company, make_engagement, make_source, make_vendor

pytestmark = pytest.mark.django_db

STRIPE = Processor(name="Stripe, Inc.", vendor="Stripe", purpose="Payments", locations=("US",))
MAILGUN = Processor(name="Mailgun", vendor="Mailgun", purpose="Email delivery", locations=("US",))


def snap_of(source: Source, *processors: Processor, body: bytes | None = None) -> Snapshot:
    data = body or repr(processors).encode()
    return Snapshot.objects.create(
        source=source,
        body=snapshot.body_for(data),
        fetched_at=timezone.now(),
        last_seen_at=timezone.now(),
        final_url=source.url,
        processors=[p.to_dict() for p in processors],
        extractor_version="test",
    )


def accept(source: Source, *processors: Processor) -> list[Change]:
    previous = record.current_processors(source)
    snap = snap_of(source, *processors)
    return record.apply(source, snap, diff(previous, processors), now=timezone.now())


@pytest.fixture
def source() -> Source:
    return make_source(make_company("Acme Mail"))


def last_check(source: Source) -> Check:
    return Check.objects.filter(source=source).first()


def test_first_reading_for_a_company_without_engagements_is_a_baseline(
    source: Source, settings: Any
) -> None:
    settings.SUBWATCH_DPO_EMAIL = "dpo@example.com"

    changes = accept(source, STRIPE, MAILGUN)

    assert changes == []
    assert not Change.objects.exists()
    assert not Alert.objects.exists()
    stripe = Engagement.objects.get(vendor__name="Stripe")
    assert (stripe.name_as_written, stripe.purpose_text) == ("Stripe, Inc.", "Payments")
    assert stripe.status == Engagement.Status.ACTIVE
    source.refresh_from_db()
    assert source.last_status == Source.Status.BASELINE
    assert record.current_processors(source) == (STRIPE, MAILGUN)
    check = last_check(source)
    assert check.outcome == Check.Outcome.BASELINE
    assert check.message == "baseline: 2 processor(s), 2 new to the registry"


def test_first_reading_adds_only_vendors_new_to_a_registry_entered_by_hand(
    source: Source, settings: Any
) -> None:
    settings.SUBWATCH_DPO_EMAIL = "dpo@example.com"
    stripe = make_engagement(source.company, make_vendor("Stripe"), purpose_text="")
    intercom = make_engagement(source.company, make_vendor("Intercom"))

    changes = accept(source, STRIPE, MAILGUN)

    assert [(c.kind, c.vendor.name, c.review) for c in changes] == [
        (Change.Kind.ADDED, "Mailgun", Change.Review.PENDING)
    ]
    stripe.refresh_from_db()
    assert stripe.purpose_text == "Payments"
    assert stripe.snapshot == Source.objects.get(pk=source.pk).current_snapshot
    intercom.refresh_from_db()
    assert intercom.status == Engagement.Status.ACTIVE
    detected = Alert.objects.get(kind=Alert.Kind.DETECTED)
    assert list(detected.changes.all()) == changes
    assert last_check(source).message == (
        "baseline: 2 processor(s), 1 new to the registry (pending review); "
        "1 registry processor(s) not listed on this page"
    )


def test_first_reading_of_a_second_source_adds_what_the_first_did_not_list(
    source: Source,
) -> None:
    accept(source, STRIPE)
    second = make_source(source.company, "https://example.com/more-subprocessors")

    changes = accept(second, STRIPE, MAILGUN)

    assert [(c.kind, c.vendor.name, c.source_id) for c in changes] == [
        (Change.Kind.ADDED, "Mailgun", second.pk)
    ]
    assert last_check(second).outcome == Check.Outcome.BASELINE


def test_first_reading_never_removes_what_the_page_does_not_list(source: Source) -> None:
    accept(source, STRIPE, MAILGUN)
    second = make_source(source.company, "https://example.com/payments-only")

    changes = accept(second, STRIPE)

    assert changes == []
    assert not Change.objects.filter(kind=Change.Kind.REMOVED).exists()
    mailgun = Engagement.objects.get(vendor__name="Mailgun")
    assert (mailgun.status, mailgun.removed_at) == (Engagement.Status.ACTIVE, None)
    assert last_check(second).message == (
        "baseline: 1 processor(s), 0 new to the registry; "
        "1 registry processor(s) not listed on this page"
    )


def test_first_reading_after_failed_checks_is_still_a_baseline(source: Source) -> None:
    for _ in range(2):
        source.refresh_from_db()
        record.failure(source, Timeout("no answer"), now=timezone.now())
    source.refresh_from_db()

    changes = accept(source, STRIPE, MAILGUN)

    assert changes == []
    assert last_check(source).outcome == Check.Outcome.BASELINE
    assert Engagement.objects.filter(status=Engagement.Status.ACTIVE).count() == 2


def test_second_reading_records_added_changes_after_the_baseline(source: Source) -> None:
    accept(source, STRIPE)

    changes = accept(Source.objects.get(pk=source.pk), STRIPE, MAILGUN)

    assert [(c.kind, c.vendor.name, c.review) for c in changes] == [
        (Change.Kind.ADDED, "Mailgun", Change.Review.PENDING)
    ]
    assert last_check(source).outcome == Check.Outcome.CHANGED
    assert Source.objects.get(pk=source.pk).last_status == Source.Status.CHANGED


def test_removed_processor_marks_its_engagement_removed(source: Source) -> None:
    accept(source, STRIPE, MAILGUN)

    changes = accept(Source.objects.get(pk=source.pk), STRIPE)

    assert [(c.kind, c.vendor.name) for c in changes] == [(Change.Kind.REMOVED, "Mailgun")]
    mailgun = Engagement.objects.get(vendor__name="Mailgun")
    assert mailgun.status == Engagement.Status.REMOVED
    assert mailgun.removed_at is not None
    assert changes[0].before["vendor"] == "Mailgun"
    assert changes[0].after == {}


def test_moved_processor_is_one_changed_row_with_its_fields(source: Source) -> None:
    accept(source, STRIPE)
    moved = Processor(name="Stripe, Inc.", vendor="Stripe", purpose="Payments", locations=("IE",))

    changes = accept(Source.objects.get(pk=source.pk), moved)

    assert [(c.kind, c.fields_changed) for c in changes] == [(Change.Kind.CHANGED, ["locations"])]
    assert Engagement.objects.get(vendor__name="Stripe").location_text == "IE"


def test_readded_processor_is_active_again(source: Source) -> None:
    accept(source, STRIPE, MAILGUN)
    accept(Source.objects.get(pk=source.pk), STRIPE)

    accept(Source.objects.get(pk=source.pk), STRIPE, MAILGUN)

    mailgun = Engagement.objects.get(vendor__name="Mailgun")
    assert mailgun.status == Engagement.Status.ACTIVE
    assert mailgun.removed_at is None


def test_held_snapshot_leaves_the_registry_untouched(source: Source) -> None:
    accept(source, STRIPE)
    accept(Source.objects.get(pk=source.pk), STRIPE, MAILGUN)
    empty = snap_of(source, body=b"empty")

    outcome = record.suspicious(
        Source.objects.get(pk=source.pk),
        empty,
        Verdict(ok=False, kind="empty", reason="found 0 of 2 previously listed processors"),
        now=timezone.now(),
    )

    assert outcome.status == Check.Outcome.SUSPICIOUS
    empty.refresh_from_db()
    assert empty.status == Snapshot.Status.SUSPICIOUS
    assert Change.objects.count() == 1
    assert Engagement.objects.filter(status=Engagement.Status.ACTIVE).count() == 2
    assert Source.objects.get(pk=source.pk).last_status == Source.Status.SUSPICIOUS


def test_failures_alert_once_after_the_threshold(source: Source, settings: Any) -> None:
    settings.SOURCE_FAILURE_ALERT_AFTER = 3
    settings.SUBWATCH_DPO_EMAIL = "dpo@example.com"
    now = timezone.now()

    for minute in range(5):
        source.refresh_from_db()
        record.failure(source, Timeout("no answer in 20 s"), now=now + timedelta(minutes=minute))

    source.refresh_from_db()
    assert source.consecutive_failures == 5
    assert source.failure_alerted_at == now + timedelta(minutes=2)
    assert Alert.objects.filter(kind=Alert.Kind.SOURCE_FAILING, source=source).count() == 1
    assert Check.objects.filter(error_kind=Timeout("x").kind).count() == 5


def test_unchanged_check_after_failures_resets_them_and_alerts_recovery(
    source: Source, settings: Any
) -> None:
    settings.SOURCE_FAILURE_ALERT_AFTER = 1
    settings.SUBWATCH_DPO_EMAIL = "dpo@example.com"
    accept(source, STRIPE)
    source.refresh_from_db()
    record.failure(source, Timeout("no answer"), now=timezone.now())

    record.unchanged(source, source.current_snapshot, now=timezone.now())

    source.refresh_from_db()
    assert source.consecutive_failures == 0
    assert source.last_status == Source.Status.UNCHANGED
    assert Alert.objects.filter(kind=Alert.Kind.SOURCE_RECOVERED, source=source).count() == 1


def test_reread_updates_engagements_without_changes(source: Source) -> None:
    accept(source, STRIPE)
    source.refresh_from_db()
    current = source.current_snapshot

    record.reread(source, current, [STRIPE, MAILGUN], now=timezone.now(), version="2")

    assert not Change.objects.exists()
    assert Engagement.objects.filter(status=Engagement.Status.ACTIVE).count() == 2
    current.refresh_from_db()
    assert current.extractor_version == "2"


@pytest.mark.django_db(transaction=True)
def test_two_checks_creating_the_same_new_vendor_at_once_both_succeed() -> None:
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("threads need a database with real locking: run with DATABASE_URL=postgres")
    company = make_company()
    sources = [make_source(company, f"https://example.com/{n}") for n in range(2)]
    newcomer = Processor(name="Brand New Vendor", vendor="Brand New Vendor")
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def check(source: Source) -> None:
        try:
            start.wait()
            with transaction.atomic():
                outcomes.append(accept(source, newcomer))
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=check, args=(source,)) for source in sources]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert all(isinstance(outcome, list) for outcome in outcomes), outcomes
    assert Vendor.objects.filter(name="Brand New Vendor").count() == 1
