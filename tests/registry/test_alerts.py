"""The outbox with Django's locmem backend: claims, retries, digests and DPO alerts."""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from registry import alerts, review
from registry.alerts import sender
from registry.models import Alert, Change, Check, Subscription
from tests.builders import (
    make_change,
    make_company,
    make_source,
    make_subscription,
    make_vendor,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SUBWATCH_DPO_EMAIL = "dpo@ours.example"


@pytest.fixture
def change() -> Change:
    return make_change(make_company(), make_vendor(), detected_at=NOW)


def confirmed_with(change: Change, *emails: str) -> Change:
    for email in emails:
        make_subscription(email, change.company)
    review.confirm(change, by=None, now=NOW)
    return change


class FlakyConnection:
    """A backend connection that raises the given error for chosen recipients."""

    def __init__(self, errors: dict[str, Exception]) -> None:
        self.errors = errors
        self.sent: list[str] = []

    def send_messages(self, messages):
        recipient = messages[0].to[0]
        if recipient in self.errors:
            raise self.errors[recipient]
        self.sent.append(recipient)
        return 1

    def open(self) -> bool:
        return False

    def close(self) -> None:
        pass


def test_send_pending_sends_each_alert_once_and_stamps_it(change):
    confirmed_with(change, "a@x.example", "b@x.example")

    first = alerts.send_pending(now=NOW)
    second = alerts.send_pending(now=NOW + timedelta(hours=1))

    assert (first.sent, second.sent) == (2, 0)
    assert sorted(m.to[0] for m in mail.outbox) == ["a@x.example", "b@x.example"]
    assert set(Alert.objects.values_list("status", flat=True)) == {Alert.Status.SENT}
    assert all(a.sent_at == NOW and a.attempts == 1 for a in Alert.objects.all())
    change.refresh_from_db()
    assert change.notified_at == NOW


def test_rows_not_yet_due_wait(change):
    confirmed_with(change, "a@x.example")
    Alert.objects.update(next_attempt_at=NOW + timedelta(minutes=5))

    report = alerts.send_pending(now=NOW)

    assert report.sent == 0
    assert mail.outbox == []


def test_a_claimed_row_is_not_claimed_again_until_its_lease_expires(change):
    confirmed_with(change, "a@x.example")

    first = sender.claim(now=NOW, size=10)
    second = sender.claim(now=NOW + timedelta(minutes=1), size=10)
    after_lease = sender.claim(now=NOW + sender.LEASE + timedelta(seconds=1), size=10)

    assert [a.recipient for a in first] == ["a@x.example"]
    assert second == []
    assert [a.pk for a in after_lease] == [first[0].pk]


def test_temporary_rejection_retries_with_exponential_backoff(change):
    confirmed_with(change, "a@x.example")
    error = smtplib.SMTPDataError(451, b"try later")
    connection = FlakyConnection({"a@x.example": error})

    report = alerts.send_pending(now=NOW, connection=connection)

    alert = Alert.objects.get()
    assert report.retried == 1
    assert alert.status == Alert.Status.PENDING
    assert alert.attempts == 1
    assert alert.next_attempt_at == NOW + timedelta(minutes=1)
    assert "451" in alert.last_error
    assert sender.backoff(3) == timedelta(minutes=4)
    assert sender.backoff(50) == sender.BACKOFF_MAX


def test_permanent_recipient_rejection_fails_at_once_and_others_still_go(change):
    confirmed_with(change, "bad@x.example", "good@x.example")
    refused = smtplib.SMTPRecipientsRefused({"bad@x.example": (550, b"no such user")})
    connection = FlakyConnection({"bad@x.example": refused})

    report = alerts.send_pending(now=NOW, connection=connection)

    assert (report.sent, report.failed) == (1, 1)
    bad = Alert.objects.get(recipient="bad@x.example")
    assert bad.status == Alert.Status.FAILED
    assert "550" in bad.last_error
    assert connection.sent == ["good@x.example"]


def test_alert_fails_for_good_after_max_attempts(change, settings):
    settings.ALERT_MAX_ATTEMPTS = 3
    confirmed_with(change, "a@x.example")
    connection = FlakyConnection({"a@x.example": smtplib.SMTPDataError(451, b"later")})

    for hour in range(5):
        alerts.send_pending(now=NOW + timedelta(hours=hour), connection=connection)

    alert = Alert.objects.get()
    assert alert.status == Alert.Status.FAILED
    assert alert.attempts == 3
    assert "gave up after 3 attempts" in alert.last_error


def test_lost_connection_stops_the_run_and_keeps_the_rest_for_later(change):
    confirmed_with(change, "a@x.example", "b@x.example", "c@x.example")
    lost = smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
    connection = FlakyConnection({"b@x.example": lost})

    report = alerts.send_pending(now=NOW, connection=connection)

    assert report.sent == 1
    assert report.retried == 2
    waiting = Alert.objects.filter(status=Alert.Status.PENDING)
    assert sorted(waiting.values_list("recipient", flat=True)) == ["b@x.example", "c@x.example"]
    assert all("connection" in a.last_error for a in waiting)


def test_alert_to_a_subscriber_who_left_is_cancelled_not_sent(change):
    confirmed_with(change, "a@x.example")
    Subscription.objects.update(status=Subscription.Status.UNSUBSCRIBED)

    report = alerts.send_pending(now=NOW)

    assert report.cancelled == 1
    assert mail.outbox == []
    assert Alert.objects.get().status == Alert.Status.CANCELLED


def test_limit_caps_the_number_of_rows_handled(change):
    confirmed_with(change, *(f"s{i}@x.example" for i in range(5)))

    report = alerts.send_pending(now=NOW, limit=2)

    assert report.sent == 2
    assert Alert.objects.filter(status=Alert.Status.PENDING).count() == 3


def test_detected_changes_alert_the_dpo_once_per_batch_and_never_subscribers(change, settings):
    settings.ALERT_DPO_ON_DETECTED = True
    make_subscription("sub@x.example", change.company)
    other = make_change(change.company, make_vendor("Stripe"), detected_at=NOW)

    alerts.enqueue_detected([change, other], now=NOW)
    alerts.enqueue_detected([other, change], now=NOW)
    alerts.send_pending(now=NOW)

    assert [m.to for m in mail.outbox] == [["dpo@ours.example"]]
    assert "2 changes detected" in mail.outbox[0].subject
    assert "Stripe" in mail.outbox[0].body


def test_detected_alert_respects_the_setting_and_a_missing_dpo_address(change, settings):
    settings.ALERT_DPO_ON_DETECTED = False
    assert alerts.enqueue_detected([change]) is None
    settings.ALERT_DPO_ON_DETECTED = True
    settings.SUBWATCH_DPO_EMAIL = ""
    assert alerts.enqueue_detected([change]) is None


def test_source_failing_alerts_once_per_streak_and_recovery_once(change):
    source = make_source(change.company)
    Check.objects.create(source=source, started_at=NOW, outcome="failed")
    Check.objects.create(source=source, started_at=NOW + timedelta(hours=1), outcome="failed")

    alerts.enqueue_source_failing(source, now=NOW)
    alerts.enqueue_source_failing(source, now=NOW + timedelta(hours=1))
    alerts.enqueue_source_recovered(source, now=NOW + timedelta(hours=2))
    alerts.enqueue_source_recovered(source, now=NOW + timedelta(hours=3))
    Check.objects.create(source=source, started_at=NOW + timedelta(hours=2), outcome="unchanged")
    Check.objects.create(source=source, started_at=NOW + timedelta(hours=5), outcome="failed")
    alerts.enqueue_source_failing(source, now=NOW + timedelta(hours=5))

    kinds = list(Alert.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["source_failing", "source_recovered", "source_failing"]
    alerts.send_pending(now=NOW + timedelta(hours=6))
    assert [m.to for m in mail.outbox] == [["dpo@ours.example"]] * 3


def test_recovery_without_a_failure_alert_sends_nothing(change):
    assert alerts.enqueue_source_recovered(make_source(change.company), now=NOW) is None


def test_daily_digest_collects_yesterdays_confirmed_changes_once(change):
    company = change.company
    sub = make_subscription(
        "daily@x.example", company, frequency="daily", confirmed_at=NOW - timedelta(days=5)
    )
    second = make_change(company, make_vendor("Stripe"), detected_at=NOW)
    review.confirm(change, by=None, now=NOW)
    review.confirm(second, by=None, now=NOW + timedelta(hours=2))

    same_day = alerts.enqueue_digests(now=NOW + timedelta(hours=3))
    next_day = alerts.enqueue_digests(now=NOW + timedelta(days=1))
    again = alerts.enqueue_digests(now=NOW + timedelta(days=1, hours=1))
    alerts.send_pending(now=NOW + timedelta(days=1))

    assert (same_day, next_day, again) == (0, 1, 0)
    digest = Alert.objects.get(kind=Alert.Kind.DIGEST)
    assert digest.dedupe_key == f"digest:{sub.pk}:2026-03-02"
    assert set(digest.changes.all()) == {change, second}
    assert len(mail.outbox) == 1
    assert "2 confirmed changes" in mail.outbox[0].subject
    assert mail.outbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_digest_skips_changes_confirmed_before_the_subscription(change):
    review.confirm(change, by=None, now=NOW)
    make_subscription(
        "daily@x.example", None, frequency="daily", confirmed_at=NOW + timedelta(hours=1)
    )

    queued = alerts.enqueue_digests(now=NOW + timedelta(days=1))

    assert queued == 0


def test_send_alerts_command_queues_digests_sends_and_prints_counts(change):
    from io import StringIO

    from django.core.management import call_command

    confirmed_with(change, "a@x.example", "b@x.example")
    out = StringIO()

    call_command("send_alerts", stdout=out)

    assert "sent: 2" in out.getvalue()
    assert "digests queued: 0" in out.getvalue()
    assert len(mail.outbox) == 2


def test_send_alerts_loop_drains_again_after_each_interval(change, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    confirmed_with(change, "a@x.example")
    naps: list[float] = []

    def nap(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("registry.management.commands.send_alerts.time.sleep", nap)
    out = StringIO()

    with pytest.raises(KeyboardInterrupt):
        call_command("send_alerts", "--loop", "--interval", "5", stdout=out)

    assert naps == [5.0, 5.0]
    assert out.getvalue().count("digests queued") == 2
    assert len(mail.outbox) == 1


def test_withdrawing_every_change_of_an_unsent_detected_mail_cancels_it(change):
    other = make_change(change.company, make_vendor("Stripe"), detected_at=NOW)
    alert = alerts.enqueue_detected([change, other], now=NOW)

    first = alerts.withdraw_detected([change.pk], reason="reverted")
    second = alerts.withdraw_detected([other.pk], reason="reverted")

    alert.refresh_from_db()
    assert (first, second) == (0, 1)
    assert (alert.status, alert.last_error) == (Alert.Status.CANCELLED, "Not sent: reverted")
    assert alerts.send_pending(now=NOW).total == 0
    assert mail.outbox == []


def test_a_detected_mail_already_sent_is_neither_edited_nor_cancelled(change):
    alert = alerts.enqueue_detected([change], now=NOW)
    alerts.send_pending(now=NOW)

    cancelled = alerts.withdraw_detected([change.pk], reason="reverted")

    alert.refresh_from_db()
    assert cancelled == 0
    assert alert.status == Alert.Status.SENT
    assert list(alert.changes.all()) == [change]
    assert alerts.detected_mailed([change.pk]) == {change.pk}
