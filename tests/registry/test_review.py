"""Review workflow: confirm queues alerts in the same transaction, dismiss queues none."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from registry import alerts, review
from registry.models import Alert, Change, Subscription
from tests.builders import make_change, make_company, make_subscription, make_vendor

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def change() -> Change:
    return make_change(make_company(), make_vendor(), detected_at=NOW - timedelta(days=1))


def test_confirm_defaults_effective_date_to_detection_plus_notice_period(change, settings):
    settings.NOTICE_PERIOD_DAYS = 30

    result = review.confirm(change, by=None, now=NOW)

    assert result.applied
    assert change.review == Change.Review.CONFIRMED
    assert change.reviewed_at == NOW
    assert change.effective_date == date(2026, 3, 31)
    assert change.objection_deadline == date(2026, 3, 31)


def test_confirm_keeps_given_effective_date_and_deadline(change):
    review.confirm(
        change, by=None, effective_date=date(2026, 5, 1), objection_deadline=date(2026, 4, 15)
    )

    assert change.effective_date == date(2026, 5, 1)
    assert change.objection_deadline == date(2026, 4, 15)


def test_confirm_queues_one_alert_per_immediate_subscriber_of_company_or_all(change):
    make_subscription("a@x.example", change.company)
    make_subscription("b@x.example", None)
    make_subscription("daily@x.example", change.company, frequency="daily")
    make_subscription("pending@x.example", change.company, status="pending")
    make_subscription("other@x.example", make_company("Other Co"))

    result = review.confirm(change, by=None, now=NOW)

    recipients = sorted(Alert.objects.filter(change=change).values_list("recipient", flat=True))
    assert recipients == ["a@x.example", "b@x.example"]
    assert result.alerts_queued == 2


def test_address_following_company_and_all_gets_one_alert_tied_to_company_subscription(change):
    company_sub = make_subscription("a@x.example", change.company)
    make_subscription("a@x.example", None)

    review.confirm(change, by=None, now=NOW)

    alert = Alert.objects.get(change=change)
    assert alert.subscription == company_sub


def test_confirming_twice_is_a_no_op_with_a_clear_result(change):
    make_subscription("a@x.example", change.company)
    review.confirm(change, by=None, now=NOW)

    again = review.confirm(change, by=None, now=NOW + timedelta(hours=1))

    assert not again.applied
    assert "already confirmed" in again.message.lower()
    assert Alert.objects.filter(change=change).count() == 1
    assert change.reviewed_at == NOW


def test_dismissed_change_queues_nothing_and_cannot_be_confirmed_later(change):
    make_subscription("a@x.example", change.company)

    review.dismiss(change, by=None, now=NOW)
    later = review.confirm(change, by=None, now=NOW)

    assert change.review == Change.Review.DISMISSED
    assert not later.applied
    assert not Alert.objects.exists()


def test_enqueueing_a_confirmed_change_again_adds_no_rows(change):
    make_subscription("a@x.example", change.company)
    review.confirm(change, by=None, now=NOW)

    alerts.enqueue_confirmed(change, now=NOW)

    assert Alert.objects.filter(change=change).count() == 1


def test_a_failing_enqueue_rolls_back_the_confirmation(change, monkeypatch):
    make_subscription("a@x.example", change.company)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(alerts, "enqueue_confirmed", explode)
    with pytest.raises(RuntimeError):
        review.confirm(change, by=None, now=NOW)

    change.refresh_from_db()
    assert change.review == Change.Review.PENDING
    assert not Alert.objects.exists()


def test_confirm_many_and_dismiss_many_review_each_change(django_user_model):
    company, vendor = make_company(), make_vendor()
    first, second, third = (make_change(company, vendor) for _ in range(3))
    dpo = django_user_model.objects.create_user("dpo")
    make_subscription("a@x.example", company)

    confirmed = review.confirm_many([first, second], by=dpo, now=NOW)
    dismissed = review.dismiss_many([second, third], by=dpo, now=NOW)

    assert [r.applied for r in confirmed] == [True, True]
    assert [r.applied for r in dismissed] == [False, True]
    assert Alert.objects.count() == 2
    assert set(Change.objects.values_list("reviewed_by", flat=True)) == {dpo.pk}


def test_unsubscribed_addresses_are_not_queued(change):
    make_subscription("gone@x.example", change.company, status=Subscription.Status.UNSUBSCRIBED)

    review.confirm(change, by=None, now=NOW)

    assert not Alert.objects.exists()


def test_a_change_the_page_reverted_is_dismissed_by_nobody_with_the_reason(change):
    change.review_note = "Asked the vendor."
    change.save()

    dismissed = review.dismiss_reverted([change], now=NOW)

    assert dismissed == [change]
    assert change.review == Change.Review.DISMISSED
    assert (change.reviewed_at, change.reverted_at, change.reviewed_by) == (NOW, NOW, None)
    assert change.review_note == f"Asked the vendor.\n{review.REVERTED_NOTE}"
    assert not Alert.objects.filter(change=change).exists()


def test_a_change_reviewed_before_the_page_reverted_it_stays_as_reviewed(change):
    review.confirm(change, by=None, now=NOW)

    dismissed = review.dismiss_reverted([change], now=NOW + timedelta(hours=1))

    assert dismissed == []
    change.refresh_from_db()
    assert (change.review, change.reverted_at) == (Change.Review.CONFIRMED, None)
