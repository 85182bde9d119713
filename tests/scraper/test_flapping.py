"""A flapping page: readings that undo pending changes, changes that soon come back, one mail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core import mail

from registry import alerts, review
from registry.models import Alert, Change, Check, Engagement, Snapshot, Source
from scraper import record, snapshot
from scraper.diff import diff
from scraper.extract import Processor
from tests.builders import make_company, make_source

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
STRIPE = Processor(name="Stripe", vendor="Stripe", purpose="Payments", locations=("US",))
MAILGUN = Processor(name="Mailgun", vendor="Mailgun", purpose="Email delivery", locations=("US",))
SENTRY = Processor(name="Sentry", vendor="Sentry", purpose="Error tracking", locations=("US",))
STRIPE_IE = Processor(name="Stripe", vendor="Stripe", purpose="Payments", locations=("IE",))
BASELINE, FLIPPED = (STRIPE, MAILGUN), (STRIPE, MAILGUN, SENTRY)
DPO = "dpo@ours.example"


@pytest.fixture(autouse=True)
def _dpo(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SUBWATCH_DPO_EMAIL = DPO
    settings.ALERT_DPO_ON_DETECTED = True
    settings.FLAP_WINDOW_DAYS = 7


@pytest.fixture
def source() -> Source:
    """A source whose baseline (Stripe, Mailgun) was read at START."""
    source = make_source(make_company("Acme Mail"))
    read(source, START, *BASELINE)
    return source


def read(source: Source, at: datetime, *processors: Processor) -> list[Change]:
    source.refresh_from_db()
    previous = record.current_processors(source)
    snap = Snapshot.objects.create(
        source=source,
        body=snapshot.body_for(repr(processors).encode()),
        fetched_at=at,
        last_seen_at=at,
        final_url=source.url,
        processors=[p.to_dict() for p in processors],
        extractor_version="test",
    )
    return record.apply(source, snap, diff(previous, processors), now=at)


def hours(n: float) -> datetime:
    return START + timedelta(hours=n)


def dpo_mails() -> list[str]:
    return [message.subject for message in mail.outbox if message.to == [DPO]]


def test_a_processor_gone_again_dismisses_its_pending_addition_instead_of_a_removal(
    source: Source,
) -> None:
    (added,) = read(source, hours(1), STRIPE, MAILGUN, SENTRY)

    changes = read(source, hours(2), STRIPE, MAILGUN)

    assert changes == []
    added.refresh_from_db()
    assert added.review == Change.Review.DISMISSED
    assert (added.reverted_at, added.reviewed_at, added.reviewed_by) == (hours(2), hours(2), None)
    assert added.review_note == review.REVERTED_NOTE
    assert not Change.objects.filter(kind=Change.Kind.REMOVED).exists()
    sentry = Engagement.objects.get(vendor__name="Sentry")
    assert sentry.status == Engagement.Status.REMOVED
    check = Check.objects.filter(source=source).first()
    assert (check.outcome, check.message) == (
        Check.Outcome.NO_CHANGE,
        "1 pending change(s) reverted by the page",
    )


def test_a_processor_back_as_it_was_dismisses_its_pending_removal(source: Source) -> None:
    (removed,) = read(source, hours(1), STRIPE)

    changes = read(source, hours(2), STRIPE, MAILGUN)

    assert changes == []
    removed.refresh_from_db()
    assert (removed.kind, removed.review) == (Change.Kind.REMOVED, Change.Review.DISMISSED)
    assert Engagement.objects.get(vendor__name="Mailgun").status == Engagement.Status.ACTIVE


def test_a_processor_back_with_another_purpose_is_still_an_addition(source: Source) -> None:
    read(source, hours(1), STRIPE)
    rewritten = Processor(name="Mailgun", vendor="Mailgun", purpose="Analytics")

    changes = read(source, hours(2), STRIPE, rewritten)

    assert [(c.kind, c.vendor.name) for c in changes] == [(Change.Kind.ADDED, "Mailgun")]
    assert Change.objects.get(kind=Change.Kind.REMOVED).review == Change.Review.PENDING


def test_values_back_to_a_pending_changes_before_dismiss_it(source: Source) -> None:
    (moved,) = read(source, hours(1), STRIPE_IE, MAILGUN)

    changes = read(source, hours(2), STRIPE, MAILGUN)

    assert changes == []
    moved.refresh_from_db()
    assert (moved.kind, moved.review) == (Change.Kind.CHANGED, Change.Review.DISMISSED)
    assert Engagement.objects.get(vendor__name="Stripe").location_text == "US"


def test_the_reverse_of_a_change_the_dpo_already_reviewed_is_a_change_of_its_own(
    source: Source, admin_user: Any
) -> None:
    (added,) = read(source, hours(1), STRIPE, MAILGUN, SENTRY)
    review.confirm(added, by=admin_user, now=hours(1.5))

    changes = read(source, hours(2), STRIPE, MAILGUN)

    assert [(c.kind, c.vendor.name, c.flapping) for c in changes] == [
        (Change.Kind.REMOVED, "Sentry", False)
    ]
    added.refresh_from_db()
    assert added.review == Change.Review.CONFIRMED


def test_a_reverted_change_loses_its_unsent_dpo_mail(source: Source) -> None:
    read(source, hours(1), STRIPE, MAILGUN, SENTRY)

    read(source, hours(2), STRIPE, MAILGUN)
    alerts.send_pending(now=hours(3))

    detected = Alert.objects.get(kind=Alert.Kind.DETECTED)
    assert detected.status == Alert.Status.CANCELLED
    assert "reverted by the page before review" in detected.last_error
    assert dpo_mails() == []


def test_a_change_back_within_the_flap_window_is_flagged_and_not_mailed_again(
    source: Source,
) -> None:
    read(source, hours(1), STRIPE, MAILGUN, SENTRY)
    alerts.send_pending(now=hours(1.5))
    read(source, hours(2), STRIPE, MAILGUN)

    (again,) = read(source, hours(3), STRIPE, MAILGUN, SENTRY)
    alerts.send_pending(now=hours(3.5))

    assert (again.kind, again.review, again.flapping) == ("added", Change.Review.PENDING, True)
    assert len(dpo_mails()) == 1
    assert not Alert.objects.filter(changes=again).exists()
    check = Check.objects.filter(source=source).first()
    assert check.message == "1 change(s); 1 flapping"


def test_a_b_a_b_mails_the_dpo_once_and_leaves_one_pending_change(source: Source) -> None:
    # The baseline read A; then B, A, B.
    for n, page in enumerate([FLIPPED, BASELINE, FLIPPED], start=1):
        read(source, hours(n), *page)
        alerts.send_pending(now=hours(n + 0.5))

    assert len(dpo_mails()) == 1
    pending = Change.objects.get(review=Change.Review.PENDING)
    assert (pending.kind, pending.vendor.name, pending.flapping) == ("added", "Sentry", True)
    mailed = Alert.objects.get(kind=Alert.Kind.DETECTED, status=Alert.Status.SENT).changes.get()
    assert (mailed.vendor.name, mailed.review) == ("Sentry", Change.Review.DISMISSED)


def test_a_b_a_b_with_no_mail_sent_in_between_still_mails_the_dpo_once(source: Source) -> None:
    # The baseline read A; then B, A, B.
    for n, page in enumerate([FLIPPED, BASELINE, FLIPPED], start=1):
        read(source, hours(n), *page)

    alerts.send_pending(now=hours(6))

    assert len(dpo_mails()) == 1
    assert Change.objects.filter(review=Change.Review.PENDING).count() == 1


def test_the_same_change_after_the_flap_window_is_news_again(source: Source) -> None:
    read(source, hours(1), STRIPE, MAILGUN, SENTRY)
    alerts.send_pending(now=hours(1.5))
    read(source, hours(2), STRIPE, MAILGUN)

    (later,) = read(source, hours(2) + timedelta(days=8), STRIPE, MAILGUN, SENTRY)
    alerts.send_pending(now=hours(3) + timedelta(days=8))

    assert later.flapping is False
    assert len(dpo_mails()) == 2


def test_a_batch_mail_keeps_the_changes_that_were_not_reverted(source: Source) -> None:
    read(source, hours(1), STRIPE_IE, SENTRY)

    read(source, hours(2), STRIPE_IE, MAILGUN, SENTRY)
    alerts.send_pending(now=hours(3))

    detected = Alert.objects.get(kind=Alert.Kind.DETECTED)
    assert detected.status == Alert.Status.SENT
    kept = {(c.kind, c.vendor.name) for c in detected.changes.all()}
    assert kept == {(Change.Kind.CHANGED, "Stripe"), (Change.Kind.ADDED, "Sentry")}
    assert len(dpo_mails()) == 1
